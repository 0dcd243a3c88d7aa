/** Scheduler HTTP API: tasks (submit, get, list, cancel, trace) and the queue (depth, DLQ, redrive). */
import type { IdempotencyStore, TraceStore } from '../../shared/core/ports.js';
import { systemClock } from '../../shared/core/ports.js';
import { Authorization } from '../../shared/core/security/authorization.js';
import { publicTask } from '../../shared/core/tasks/task.js';
import {
  cancelTask,
  getTask,
  getTrace,
  listTasks,
  queueStatus,
  redriveDeadLettered,
  type SchedulerDeps,
  submitTask,
} from '../../shared/core/tasks/task-service.js';
import {
  callerOf,
  createHttpApi,
  eventContextOf,
  type HttpRequest,
  ok,
} from '../../shared/runtime/http-api.js';
import { implement } from '../../shared/runtime/http-contract.js';
import { taskEnded } from '../../shared/runtime/interaction.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import {
  agentStore,
  eventPublisher,
  idempotencyStore,
  once,
  taskQueueWithDepth,
  taskStore,
  traceStore,
} from '../../shared/runtime/wiring.js';
import { taskRoutes } from './tasks-contract.js';

const logger = createLogger('scheduler');

export interface TasksApiDeps extends SchedulerDeps {
  traces: TraceStore;
  idempotency: IdempotencyStore;
}

/**
 * An agent-scoped key works with its own agent's tasks only; the queue and the DLQ are the
 * admin's.
 */
export function tasksApi(deps: () => TasksApiDeps) {
  const authorization = () => new Authorization(deps().events, systemClock);
  /** The task, once the caller has been allowed to see it. */
  const ownTask = async (id: string, request: HttpRequest) => {
    const task = await getTask(deps(), id);
    await authorization().requireAgent(callerOf(request), task.agentId, `task:${task.id}`);
    return task;
  };
  return createHttpApi(
    implement(
      taskRoutes,
      {
        submit: async ({ body }, request) => {
          await authorization().requireAgent(callerOf(request), body.agentId);
          return ok(publicTask(await submitTask(deps(), body, eventContextOf(request))), 202);
        },
        list: async ({ query, page }, request) => {
          const agentId = await authorization().listedAgent(callerOf(request), query.agentId);
          const filter = { ...query, agentId };
          const result = await listTasks(deps(), { ...page, ...filter });
          return ok({ items: result.items.map(publicTask), nextCursor: result.nextCursor });
        },
        get: async ({ params }, request) => ok(publicTask(await ownTask(params.id, request))),
        cancel: async ({ params }, request) => {
          await ownTask(params.id, request);
          return ok(publicTask(await cancelTask(deps(), params.id, eventContextOf(request))));
        },
        trace: async ({ params, page }, request) => {
          await ownTask(params.id, request);
          return ok(await getTrace(deps(), params.id, page));
        },
        queue: async () => ok(await queueStatus(deps())),
        deadLetters: async ({ page }) => {
          const result = await listTasks(deps(), { ...page, status: 'failed', deadLettered: true });
          return ok({ items: result.items.map(publicTask), nextCursor: result.nextCursor });
        },
        redrive: async ({ body }, request) =>
          ok(await redriveDeadLettered(deps(), body, eventContextOf(request))),
      },
      {
        admin: (request) => authorization().requireAdmin(callerOf(request), 'queue'),
        idempotency: () => deps().idempotency,
      },
    ),
  );
}

const deps = once(
  (): TasksApiDeps => ({
    agents: agentStore(),
    tasks: taskStore(),
    queue: taskQueueWithDepth(),
    events: eventPublisher(),
    traces: traceStore(),
    idempotency: idempotencyStore(),
    onFinished: taskEnded,
  }),
);

export const handler = httpHandler(tasksApi(deps), logger);
