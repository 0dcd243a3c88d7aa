/** Approvals HTTP API: list, look at and decide what waits for a person (API.md, Approvals). */
import {
  type ApprovalFilter,
  listApprovalsSchema,
  publicApproval,
} from '../../shared/core/approvals/approval.js';
import {
  type ApprovalDeps,
  decideApproval,
  getApproval,
  listApprovals,
} from '../../shared/core/approvals/approval-service.js';
import { systemClock } from '../../shared/core/ports.js';
import { Authorization } from '../../shared/core/security/authorization.js';
import { parseInput } from '../../shared/core/validation.js';
import {
  actorOf,
  callerOf,
  createHttpApi,
  type HttpRequest,
  ok,
  pageRequest,
} from '../../shared/runtime/http-api.js';
import { approvalDeps } from '../../shared/runtime/interaction.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';

const logger = createLogger('kernel');

const idOf = (request: HttpRequest) => request.pathParameters.id ?? '';

/**
 * Only admin keys decide (a 403 before anything is looked up); an agent key lists and reads its
 * own agent's approvals (gates belong to workflows, which are the admin's).
 */
export function approvalsApi(deps: () => ApprovalDeps) {
  const authorization = () => new Authorization(deps().events, systemClock);
  return createHttpApi({
    'GET /v1/approvals': async (request) => {
      const page = pageRequest(request.query);
      const { status, agentId, taskId, workflowId } = request.query;
      const filter: ApprovalFilter = parseInput(
        listApprovalsSchema,
        { status, agentId, taskId, workflowId },
        'query',
      );
      const { principal } = request;
      if (principal.kind === 'agent') {
        if (filter.agentId && filter.agentId !== principal.agentId) {
          await authorization().requireAgent(callerOf(request), filter.agentId);
        }
        filter.agentId = principal.agentId;
      }
      const result = await listApprovals(deps(), { ...page, ...filter });
      return ok({ items: result.items.map(publicApproval), nextCursor: result.nextCursor });
    },
    'GET /v1/approvals/{id}': async (request) => {
      const approval = await getApproval(deps(), idOf(request));
      if (approval.agentId) {
        await authorization().requireAgent(
          callerOf(request),
          approval.agentId,
          `approval:${approval.id}`,
        );
      } else {
        await authorization().requireAdmin(callerOf(request), `approval:${approval.id}`);
      }
      return ok(publicApproval(approval));
    },
    'POST /v1/approvals/{id}': async (request) => {
      await authorization().requireAdmin(callerOf(request), `approval:${idOf(request)}`);
      const decided = await decideApproval(deps(), idOf(request), request.body, {
        correlationId: request.correlationId,
        clock: systemClock,
        actor: actorOf(request),
      });
      return ok(publicApproval(decided));
    },
  });
}

export const handler = httpHandler(approvalsApi(approvalDeps), logger);
