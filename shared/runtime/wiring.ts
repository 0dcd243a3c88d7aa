/**
 * Adapters built once per process from configuration, on first use (so a function only needs
 * the variables of what it actually uses). Handlers take these; tests pass their own.
 */
import { TASK_QUEUE_BY_PRIORITY } from '../../infra/topology.js';
import { apiGatewayManagementClient } from '../adapters/clients/apigateway-management.js';
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
import { DynamoTargetSubscriptionStore } from '../adapters/dynamo-target-subscription-store.js';
import { DynamoTaskStore } from '../adapters/dynamo-task-store.js';
import { DynamoTraceStore } from '../adapters/dynamo-trace-store.js';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher.js';
import { SecretsManagerAdminKey } from '../adapters/secrets-admin-key.js';
import { SqsTaskQueue } from '../adapters/sqs-task-queue.js';
import { ApiGatewayConnectionPoster } from '../adapters/websocket-poster.js';
import type { Priority } from '../core/tasks/task.js';
import { adminKeySecretId, eventBusName, queueUrl, settings, tableName } from './config.js';
import { once } from './once.js';

const byPriority = (suffix: string) =>
  Object.fromEntries(
    Object.entries(TASK_QUEUE_BY_PRIORITY).map(([priority, id]) => [
      priority,
      queueUrl(`${id}${suffix}`),
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
  () => new SqsTaskQueue(sqsClient(), { queues: byPriority('') }),
);
/** The task queues and their DLQs, for sending and reading depths. */
export const taskQueueWithDepth = /* @__PURE__ */ once(
  () =>
    new SqsTaskQueue(sqsClient(), { queues: byPriority(''), deadLetterQueues: byPriority('-dlq') }),
);

export const modelStatsStore = /* @__PURE__ */ once(
  () => new DynamoModelStatsStore(dynamoClient(), tableName()),
);

export const auditStore = /* @__PURE__ */ once(
  () =>
    new DynamoAuditStore(dynamoClient(), tableName(), settings().AGENT_CORE_EVENT_RETENTION_DAYS),
);

/** Feed subscriptions to one task or thread (the sink, the connections and the worker read them). */
export const targetSubscriptionStore = /* @__PURE__ */ once(
  () => new DynamoTargetSubscriptionStore(dynamoClient(), tableName()),
);

/** PostToConnection on the dashboard's WebSocket API (the stack's or the local runtime's). */
export const connectionPoster = /* @__PURE__ */ once(
  () => new ApiGatewayConnectionPoster(apiGatewayManagementClient()),
);

export const apiKeyStore = /* @__PURE__ */ once(
  () => new DynamoApiKeyStore(dynamoClient(), tableName()),
);

/** Token buckets for tool calls and messages, kept in the table. */
export const rateLimiter = /* @__PURE__ */ once(
  () => new DynamoRateLimiter(dynamoClient(), tableName()),
);

export { once };
