/**
 * Adapters built once per process from configuration, on first use (so a function only needs
 * the variables of what it actually uses). Handlers take these; tests pass their own.
 */
import { dynamoClient } from '../adapters/clients/dynamodb.js';
import { eventBridgeClient } from '../adapters/clients/eventbridge.js';
import { secretsClient } from '../adapters/clients/secrets-manager.js';
import { sqsClient } from '../adapters/clients/sqs.js';
import { DynamoAgentStore } from '../adapters/dynamo-agent-store.js';
import { DynamoApiKeyStore } from '../adapters/dynamo-api-key-store.js';
import { DynamoAuditStore } from '../adapters/dynamo-audit-store.js';
import { DynamoIdempotencyStore } from '../adapters/dynamo-idempotency-store.js';
import { DynamoModelStatsStore } from '../adapters/dynamo-model-stats-store.js';
import { DynamoRateLimiter } from '../adapters/dynamo-rate-limiter.js';
import { DynamoTaskStore } from '../adapters/dynamo-task-store.js';
import { DynamoTraceStore } from '../adapters/dynamo-trace-store.js';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.js';
import { SecretsManagerAdminKey } from '../adapters/secrets-admin-key.js';
import { SqsTaskDeliveries } from '../adapters/sqs-task-deliveries.js';
import { SqsTaskQueue } from '../adapters/sqs-task-queue.js';
import { once } from '../core/once.js';
import { CachedAgentKeyLookup } from '../core/security/api-keys.js';
import type { Priority } from '../core/tasks/task.js';
import { adminKeySecretId, eventBusName, queueUrl, settings, tableName } from './config.js';
import { deadLetterQueueOf, TASK_QUEUE_BY_PRIORITY } from './environment.js';

/** A URL per priority: of each task queue, or (`deadLetterQueueOf`) of its DLQ. */
const byPriority = (queueOf: (id: string) => string = (id) => id) =>
  Object.fromEntries(
    Object.entries(TASK_QUEUE_BY_PRIORITY).map(([priority, id]) => [
      priority,
      queueUrl(queueOf(id)),
    ]),
  ) as Record<Priority, string>;

export const agentStore = /* @__PURE__ */ once(
  () => new DynamoAgentStore(dynamoClient(), tableName()),
);
export const taskStore = /* @__PURE__ */ once(
  () => new DynamoTaskStore(dynamoClient(), tableName()),
);
export const traceStore = /* @__PURE__ */ once(
  () =>
    new DynamoTraceStore(dynamoClient(), tableName(), settings().AGENT_CORE_EVENT_RETENTION_DAYS),
);
export const idempotencyStore = /* @__PURE__ */ once(
  () => new DynamoIdempotencyStore(dynamoClient(), tableName()),
);
export const eventPublisher = /* @__PURE__ */ once(
  () => new EventBridgePublisher(eventBridgeClient(), eventBusName()),
);
export const adminKeySource = /* @__PURE__ */ once(
  () => new SecretsManagerAdminKey(secretsClient(), adminKeySecretId()),
);

/** The task queues for sending only. */
export const taskSender = /* @__PURE__ */ once(
  () => new SqsTaskQueue(sqsClient(), { queues: byPriority() }),
);
/** The task queues and their DLQs. */
const taskQueueUrls = () => ({
  queues: byPriority(),
  deadLetterQueues: byPriority(deadLetterQueueOf),
});

/** The task queues and their DLQs, for sending and reading depths. */
export const taskQueueWithDepth = /* @__PURE__ */ once(
  () => new SqsTaskQueue(sqsClient(), taskQueueUrls()),
);

/** The worker's retries (by visibility) and dead-lettering of the task messages it consumes. */
export const taskDeliveries = /* @__PURE__ */ once(
  () => new SqsTaskDeliveries(sqsClient(), taskQueueUrls()),
);

export const modelStatsStore = /* @__PURE__ */ once(
  () => new DynamoModelStatsStore(dynamoClient(), tableName()),
);

export const auditStore = /* @__PURE__ */ once(
  () =>
    new DynamoAuditStore(dynamoClient(), tableName(), settings().AGENT_CORE_EVENT_RETENTION_DAYS),
);

export const apiKeyStore = /* @__PURE__ */ once(
  () => new DynamoApiKeyStore(dynamoClient(), tableName()),
);

/** What the HTTP API's and the dashboard feed's authorizers check keys against. */
export const apiKeyAuthentication = /* @__PURE__ */ once(() => ({
  admin: adminKeySource(),
  // Found agent keys are remembered 10 s: a revocation takes effect within that.
  agentKeys: new CachedAgentKeyLookup(apiKeyStore()),
}));

/** Token buckets for tool calls and messages, kept in the table. */
export const rateLimiter = /* @__PURE__ */ once(
  () => new DynamoRateLimiter(dynamoClient(), tableName()),
);

export { once };
