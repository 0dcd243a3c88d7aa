/**
 * Observability HTTP API: the event log (`GET /v1/events`: the admin sees every event, an agent
 * key its own agent's), the metrics (`GET /v1/metrics`, admin only) and the audit log
 * (`GET /v1/audit`, admin only).
 */
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
import { callerOf, createHttpApi, ok } from '../../shared/runtime/http-api.js';
import { implement } from '../../shared/runtime/http-contract.js';
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
import { observabilityRoutes } from './observability-contract.js';

const logger = createLogger('observability');

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
  return createHttpApi(
    implement(
      observabilityRoutes,
      {
        events: async ({ page }, request) =>
          ok(
            await listEvents(
              { eventLog: deps().eventLog, authorization: authorization() },
              callerOf(request),
              request.query,
              page,
            ),
          ),
        metrics: async (_input, request) =>
          ok(await metricsReport(deps(), request.query, systemClock)),
        audit: async ({ query, page }) => ok(await deps().audit.list({ ...page, ...query })),
      },
      {
        // The resources the audit trail names: `metrics`, `audit`.
        admin: (request, route) => authorization().requireAdmin(callerOf(request), route),
      },
    ),
  );
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
