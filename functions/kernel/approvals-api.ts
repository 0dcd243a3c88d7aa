/** Approvals HTTP API: list, look at and decide what waits for a person (API.md, Approvals). */
import { publicApproval } from '../../shared/core/approvals/approval.js';
import {
  type ApprovalDeps,
  decideApproval,
  getApproval,
  listApprovals,
} from '../../shared/core/approvals/approval-service.js';
import { systemClock } from '../../shared/core/ports.js';
import { Authorization } from '../../shared/core/security/authorization.js';
import {
  actorOf,
  callerOf,
  createHttpApi,
  eventContextOf,
  ok,
} from '../../shared/runtime/http-api.js';
import { implement } from '../../shared/runtime/http-contract.js';
import { approvalDeps } from '../../shared/runtime/interaction.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { approvalRoutes } from './approvals-contract.js';

const logger = createLogger('kernel');

/**
 * Only admin keys decide (a 403 before anything is looked up or parsed); an agent key lists and
 * reads its own agent's approvals (gates belong to workflows, which are the admin's).
 */
export function approvalsApi(deps: () => ApprovalDeps) {
  const authorization = () => new Authorization(deps().events, systemClock);
  return createHttpApi(
    implement(
      approvalRoutes,
      {
        list: async ({ query, page }, request) => {
          const agentId = await authorization().listedAgent(callerOf(request), query.agentId);
          const filter = { ...query, agentId };
          const result = await listApprovals(deps(), { ...page, ...filter });
          return ok({ items: result.items.map(publicApproval), nextCursor: result.nextCursor });
        },
        get: async ({ params }, request) => {
          const approval = await getApproval(deps(), params.id);
          const resource = `approval:${approval.id}`;
          if (approval.agentId) {
            await authorization().requireAgent(callerOf(request), approval.agentId, resource);
          } else {
            await authorization().requireAdmin(callerOf(request), resource);
          }
          return ok(publicApproval(approval));
        },
        decide: async ({ params, body }, request) => {
          // Who decided is recorded on the approval itself, so the actor is required here.
          const ctx = { ...eventContextOf(request), actor: actorOf(request) };
          return ok(publicApproval(await decideApproval(deps(), params.id, body, ctx)));
        },
      },
      {
        admin: (request) =>
          authorization().requireAdmin(
            callerOf(request),
            `approval:${request.pathParameters.id ?? ''}`,
          ),
      },
    ),
  );
}

export const handler = httpHandler(approvalsApi(approvalDeps), logger);
