/**
 * Orchestration HTTP API: start a workflow (202), look at one with its steps, list them by
 * status, cancel one. Workflows span agents, so they are the admin's: an agent-scoped key gets
 * 403 here (its own step tasks stay visible through /v1/tasks).
 */
import * as z from 'zod';
import { recommend } from '../../shared/core/learning/insight-service.js';
import type { IdempotencyStore } from '../../shared/core/ports.js';
import { systemClock } from '../../shared/core/ports.js';
import { Authorization } from '../../shared/core/security/authorization.js';
import { parseInput } from '../../shared/core/validation.js';
import { publicWorkflow, WORKFLOW_STATUSES } from '../../shared/core/workflows/workflow.js';
import {
  cancelWorkflow,
  createWorkflow,
  getWorkflow,
  listWorkflows,
  type WorkflowServiceDeps,
} from '../../shared/core/workflows/workflow-service.js';
import {
  actorOf,
  callerOf,
  createHttpApi,
  type HttpRequest,
  idempotent,
  ok,
  pageRequest,
} from '../../shared/runtime/http-api.js';
import { approvalStore } from '../../shared/runtime/interaction.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { insightStore } from '../../shared/runtime/learning.js';
import { createLogger } from '../../shared/runtime/logger.js';
import {
  agentStore,
  eventPublisher,
  idempotencyStore,
  once,
  taskStore,
} from '../../shared/runtime/wiring.js';
import { workflowRunner, workflowStore } from '../../shared/runtime/workflows.js';

const logger = createLogger('orchestration');

export interface WorkflowsApiDeps extends WorkflowServiceDeps {
  idempotency: IdempotencyStore;
}

const listQuerySchema = z.object({ status: z.enum(WORKFLOW_STATUSES).optional() });

const eventContext = (request: HttpRequest) => ({
  correlationId: request.correlationId,
  clock: systemClock,
  actor: actorOf(request),
});
const idOf = (request: HttpRequest) => request.pathParameters.id ?? '';

export function workflowsApi(deps: () => WorkflowsApiDeps) {
  const admin = (request: HttpRequest) =>
    new Authorization(deps().events, systemClock).requireAdmin(callerOf(request), 'workflows');
  return createHttpApi({
    'POST /v1/workflows': idempotent(
      async (request) => {
        await admin(request);
        return ok(await createWorkflow(deps(), request.body, eventContext(request)), 202);
      },
      () => deps().idempotency,
    ),
    'GET /v1/workflows': async (request) => {
      await admin(request);
      const filter = parseInput(listQuerySchema, { status: request.query.status }, 'query');
      const page = await listWorkflows(deps(), { ...pageRequest(request.query), ...filter });
      // Each workflow with its steps' states, as GET /v1/workflows/{id} shows it (one read each).
      const items = await Promise.all(
        page.items.map(async (workflow) => {
          const found = await deps().workflows.get(workflow.id);
          return publicWorkflow(found?.workflow ?? workflow, found?.steps ?? []);
        }),
      );
      return ok({ items, nextCursor: page.nextCursor });
    },
    'GET /v1/workflows/{id}': async (request) => {
      await admin(request);
      const { workflow, steps } = await getWorkflow(deps(), idOf(request));
      return ok(publicWorkflow(workflow, steps));
    },
    'POST /v1/workflows/{id}/cancel': async (request) => {
      await admin(request);
      return ok(await cancelWorkflow(deps(), idOf(request), eventContext(request)));
    },
  });
}

const deps = once(
  (): WorkflowsApiDeps => ({
    workflows: workflowStore(),
    agents: agentStore(),
    tasks: taskStore(),
    runner: workflowRunner(),
    events: eventPublisher(),
    idempotency: idempotencyStore(),
    recommend: (request) => recommend({ insights: insightStore() }, request),
    approvals: approvalStore(),
  }),
);

export const handler = httpHandler(workflowsApi(deps), logger);
