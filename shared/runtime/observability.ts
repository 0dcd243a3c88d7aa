/**
 * The observability layer as a function is configured: the event log and the per-minute metric
 * buckets, both kept AGENT_CORE_EVENT_RETENTION_DAYS, and what the event sink writes to. Built
 * once per process, on first use.
 */
import { dynamoClient } from '../adapters/clients/dynamodb.js';
import { DynamoEventLog } from '../adapters/dynamo-event-log.js';
import { DynamoMetricStore } from '../adapters/dynamo-metric-store.js';
import type { EventSinkDeps } from '../core/observability/event-sink.js';
import { once } from '../core/once.js';
import { settings, tableName } from './config.js';
import { liveDeliveryDeps } from './dashboard.js';
import { auditStore, traceStore } from './wiring.js';

export const eventLog = /* @__PURE__ */ once(
  () => new DynamoEventLog(dynamoClient(), tableName(), settings().AGENT_CORE_EVENT_RETENTION_DAYS),
);

export const metricStore = /* @__PURE__ */ once(
  () =>
    new DynamoMetricStore(dynamoClient(), tableName(), settings().AGENT_CORE_EVENT_RETENTION_DAYS),
);

/** Everything the event sink records into (and sends on to followers), as configured. */
export const eventSinkDeps = /* @__PURE__ */ once(
  (): EventSinkDeps => ({
    traces: traceStore(),
    audit: auditStore(),
    eventLog: eventLog(),
    metrics: metricStore(),
    live: liveDeliveryDeps(),
  }),
);
