/** Scheduler HTTP API: tasks (submit, get, list, cancel, trace) and the queue (depth, DLQ, redrive). */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import type { IdempotencyStore, TraceStore } from '../../shared/core/ports.js';
import { systemClock } from '../../shared/core/ports.js';
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
  createHttpApi,
  type HttpRequest,
  httpErrorHandler,
  idempotent,
  ok,
  pageRequest,
} from '../../shared/runtime/http-api.js';
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
});
const idOf = (request: HttpRequest) => request.pathParameters.id ?? '';

export function tasksApi(deps: () => TasksApiDeps) {
  return createHttpApi({
    'POST /v1/tasks': idempotent(
      async (request) =>
        ok(publicTask(await submitTask(deps(), request.body, eventContext(request))), 202),
      () => deps().idempotency,
    ),
    'GET /v1/tasks': async (request) => {
      const page = pageRequest(request.query);
      const filter = parseInput(
        listQuerySchema,
        { agentId: request.query.agentId, status: request.query.status },
        'query',
      );
      const result = await listTasks(deps(), { ...page, ...filter });
      return ok({ items: result.items.map(publicTask), nextCursor: result.nextCursor });
    },
    'GET /v1/tasks/{id}': async (request) => ok(publicTask(await getTask(deps(), idOf(request)))),
    'POST /v1/tasks/{id}/cancel': async (request) =>
      ok(publicTask(await cancelTask(deps(), idOf(request), eventContext(request)))),
    'GET /v1/tasks/{id}/trace': async (request) =>
      ok(await getTrace(deps(), idOf(request), pageRequest(request.query))),
    'GET /v1/queue': async () => ok(await queueStatus(deps())),
    'GET /v1/queue/dlq': async (request) => {
      const result = await listTasks(deps(), {
        ...pageRequest(request.query),
        status: 'failed',
        deadLettered: true,
      });
      return ok({ items: result.items.map(publicTask), nextCursor: result.nextCursor });
    },
    'POST /v1/queue/dlq/redrive': async (request) =>
      ok(await redriveDeadLettered(deps(), request.body, eventContext(request))),
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
  }),
);

export const handler = middy(tasksApi(deps))
  .use(injectLambdaContext(logger))
  .use(httpErrorHandler({ logger }));
