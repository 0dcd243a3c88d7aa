/**
 * Orchestration HTTP API: start a workflow (202), look at one with its steps, list them by
 * status, cancel one. Workflows span agents, so they are the admin's: an agent-scoped key gets
 * 403 here (its own step tasks stay visible through /v1/tasks).
 */
import { recommend } from '../../shared/core/learning/insight-service.js';
import type { IdempotencyStore } from '../../shared/core/ports.js';
import { systemClock } from '../../shared/core/ports.js';
import { Authorization } from '../../shared/core/security/authorization.js';
import { publicWorkflow } from '../../shared/core/workflows/workflow.js';
import {
  cancelWorkflow,
  createWorkflow,
  getWorkflow,
  listWorkflows,
  type WorkflowServiceDeps,
} from '../../shared/core/workflows/workflow-service.js';
import { callerOf, createHttpApi, eventContextOf, ok } from '../../shared/runtime/http-api.js';
import { implement } from '../../shared/runtime/http-contract.js';
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
import { workflowRoutes } from './workflows-contract.js';

const logger = createLogger('orchestration');

export interface WorkflowsApiDeps extends WorkflowServiceDeps {
  idempotency: IdempotencyStore;
}

export function workflowsApi(deps: () => WorkflowsApiDeps) {
  return createHttpApi(
    implement(
      workflowRoutes,
      {
        start: async ({ body }, request) =>
          ok(await createWorkflow(deps(), body, eventContextOf(request)), 202),
        list: async ({ query, page }) => {
          const result = await listWorkflows(deps(), { ...page, ...query });
          // Each workflow with its steps' states, as GET /v1/workflows/{id} shows it (one read each).
          const items = await Promise.all(
            result.items.map(async (workflow) => {
              const found = await deps().workflows.get(workflow.id);
              return publicWorkflow(found?.workflow ?? workflow, found?.steps ?? []);
            }),
          );
          return ok({ items, nextCursor: result.nextCursor });
        },
        get: async ({ params }) => {
          const { workflow, steps } = await getWorkflow(deps(), params.id);
          return ok(publicWorkflow(workflow, steps));
        },
        cancel: async ({ params }, request) =>
          ok(await cancelWorkflow(deps(), params.id, eventContextOf(request))),
      },
      {
        admin: (request) =>
          new Authorization(deps().events, systemClock).requireAdmin(
            callerOf(request),
            'workflows',
          ),
        idempotency: () => deps().idempotency,
      },
    ),
  );
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
