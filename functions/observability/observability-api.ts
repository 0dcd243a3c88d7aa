/**
 * Observability HTTP API: the event log (`GET /v1/events`: the admin sees every event, an agent
 * key its own agent's), the metrics (`GET /v1/metrics`, admin only) and the audit log
 * (`GET /v1/audit`, admin only).
 */
import * as z from 'zod';
import { listEvents } from '../../shared/core/observability/event-listing.js';
import { metricsReport } from '../../shared/core/observability/metrics-report.js';
import type { EventLog, MetricStore } from '../../shared/core/observability/ports.js';
import {
  type AuditStore,
  type EventPublisher,
  systemClock,
  type TaskQueue,
  type TaskStore,
} from '../../shared/core/ports.js';
import { Authorization } from '../../shared/core/security/authorization.js';
import { parseInput } from '../../shared/core/validation.js';
import { callerOf, createHttpApi, ok, pageRequest } from '../../shared/runtime/http-api.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { eventLog, metricStore } from '../../shared/runtime/observability.js';
import {
  auditStore,
  eventPublisher,
  once,
  taskQueueWithDepth,
  taskStore,
} from '../../shared/runtime/wiring.js';

const logger = createLogger('observability');

const auditQuerySchema = z.object({
  actor: z.string().min(1).max(100).optional(),
  action: z.string().min(1).max(100).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
});

export interface ObservabilityApiDeps {
  audit: AuditStore;
  eventLog: EventLog;
  metrics: MetricStore;
  tasks: TaskStore;
  /** The task queues with their DLQs: the metrics report their depth. */
  queue: TaskQueue;
  events: EventPublisher;
}

export function observabilityApi(deps: () => ObservabilityApiDeps) {
  const authorization = () => new Authorization(deps().events, systemClock);
  return createHttpApi({
    'GET /v1/events': async (request) =>
      ok(
        await listEvents(
          { eventLog: deps().eventLog, authorization: authorization() },
          callerOf(request),
          request.query,
          pageRequest(request.query),
        ),
      ),
    'GET /v1/metrics': async (request) => {
      await authorization().requireAdmin(callerOf(request), 'metrics');
      return ok(await metricsReport(deps(), request.query, systemClock));
    },
    'GET /v1/audit': async (request) => {
      await authorization().requireAdmin(callerOf(request), 'audit');
      const { actor, action, since } = request.query;
      const filter = parseInput(auditQuerySchema, { actor, action, since }, 'query');
      return ok(await deps().audit.list({ ...pageRequest(request.query), ...filter }));
    },
  });
}

const deps = once(
  (): ObservabilityApiDeps => ({
    audit: auditStore(),
    eventLog: eventLog(),
    metrics: metricStore(),
    tasks: taskStore(),
    queue: taskQueueWithDepth(),
    events: eventPublisher(),
  }),
);

export const handler = httpHandler(observabilityApi(deps), logger);
