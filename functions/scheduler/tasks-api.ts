/** Scheduler HTTP API: tasks (submit, get, list, cancel, trace) and the queue (depth, DLQ, redrive). */
import * as z from 'zod';
import type { IdempotencyStore, TraceStore } from '../../shared/core/ports.js';
import { systemClock } from '../../shared/core/ports.js';
import { Authorization } from '../../shared/core/security/authorization.js';
import { publicTask, TASK_STATUSES } from '../../shared/core/tasks/task.js';
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
import { parseInput } from '../../shared/core/validation.js';
import {
  actorOf,
  callerOf,
  createHttpApi,
  type HttpRequest,
  idempotent,
  ok,
  pageRequest,
} from '../../shared/runtime/http-api.js';
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

const logger = createLogger('scheduler');

export interface TasksApiDeps extends SchedulerDeps {
  traces: TraceStore;
  idempotency: IdempotencyStore;
}

const listQuerySchema = z.object({
  agentId: z.string().min(1).max(63).optional(),
  status: z.enum(TASK_STATUSES).optional(),
});

const eventContext = (request: HttpRequest) => ({
  correlationId: request.correlationId,
  clock: systemClock,
  actor: actorOf(request),
});
const idOf = (request: HttpRequest) => request.pathParameters.id ?? '';

/**
 * An agent-scoped key works with its own agent's tasks only; the queue and the DLQ are the
 * admin's.
 */
export function tasksApi(deps: () => TasksApiDeps) {
  const authorization = () => new Authorization(deps().events, systemClock);
  const admin = (request: HttpRequest) => authorization().requireAdmin(callerOf(request), 'queue');
  /** The task, once the caller has been allowed to see it. */
  const ownTask = async (request: HttpRequest) => {
    const task = await getTask(deps(), idOf(request));
    await authorization().requireAgent(callerOf(request), task.agentId, `task:${task.id}`);
    return task;
  };
  return createHttpApi({
    'POST /v1/tasks': idempotent(
      async (request) => {
        const agentId = (request.body as { agentId?: unknown } | undefined)?.agentId;
        // Without an agentId the request fails validation in submitTask, for anyone.
        if (typeof agentId === 'string') {
          await authorization().requireAgent(callerOf(request), agentId);
        }
        return ok(publicTask(await submitTask(deps(), request.body, eventContext(request))), 202);
      },
      () => deps().idempotency,
    ),
    'GET /v1/tasks': async (request) => {
      const page = pageRequest(request.query);
      const filter = parseInput(
        listQuerySchema,
        { agentId: request.query.agentId, status: request.query.status },
        'query',
      );
      // An agent's key lists its own tasks, whether or not it says so.
      const { principal } = request;
      if (principal.kind === 'agent') {
        if (filter.agentId && filter.agentId !== principal.agentId) {
          await authorization().requireAgent(callerOf(request), filter.agentId);
        }
        filter.agentId = principal.agentId;
      }
      const result = await listTasks(deps(), { ...page, ...filter });
      return ok({ items: result.items.map(publicTask), nextCursor: result.nextCursor });
    },
    'GET /v1/tasks/{id}': async (request) => ok(publicTask(await ownTask(request))),
    'POST /v1/tasks/{id}/cancel': async (request) => {
      await ownTask(request);
      return ok(publicTask(await cancelTask(deps(), idOf(request), eventContext(request))));
    },
    'GET /v1/tasks/{id}/trace': async (request) => {
      await ownTask(request);
      return ok(await getTrace(deps(), idOf(request), pageRequest(request.query)));
    },
    'GET /v1/queue': async (request) => {
      await admin(request);
      return ok(await queueStatus(deps()));
    },
    'GET /v1/queue/dlq': async (request) => {
      await admin(request);
      const result = await listTasks(deps(), {
        ...pageRequest(request.query),
        status: 'failed',
        deadLettered: true,
      });
      return ok({ items: result.items.map(publicTask), nextCursor: result.nextCursor });
    },
    'POST /v1/queue/dlq/redrive': async (request) => {
      await admin(request);
      return ok(await redriveDeadLettered(deps(), request.body, eventContext(request)));
    },
  });
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
