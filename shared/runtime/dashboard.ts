/**
 * The dashboard feed as a function is configured: the WebSocket connections kept in the table,
 * the subscriptions to one task or thread, and the poster that answers connections through the
 * API Gateway Management API at WEBSOCKET_MANAGEMENT_ENDPOINT. Built once per process, on first
 * use.
 */
import { apiGatewayManagementClient } from '../adapters/clients/apigateway-management.js';
import { dynamoClient } from '../adapters/clients/dynamodb.js';
import { DynamoConnectionStore } from '../adapters/dynamo-connection-store.js';
import { DynamoTargetSubscriptionStore } from '../adapters/dynamo-target-subscription-store.js';
import { ApiGatewayConnectionPoster } from '../adapters/websocket-poster.js';
import type { ConnectionDeps } from '../core/dashboard/connection-service.js';
import type { LiveDeliveryDeps } from '../core/dashboard/live-delivery.js';
import type { AnswerStreamingDeps } from '../core/kernel/answer-streaming.js';
import { once } from '../core/once.js';
import { systemClock } from '../core/ports.js';
import { requiredEnv, tableName } from './config.js';
import { WEBSOCKET_ENDPOINT_ENV } from './environment.js';
import { taskStore, traceStore } from './wiring.js';

export const connectionStore = /* @__PURE__ */ once(
  () => new DynamoConnectionStore(dynamoClient(), tableName()),
);

/** Feed subscriptions to one task or thread (the sink, the connections and the worker read them). */
export const targetSubscriptionStore = /* @__PURE__ */ once(
  () => new DynamoTargetSubscriptionStore(dynamoClient(), tableName()),
);

/** PostToConnection on the dashboard's WebSocket API (the stack's or the local runtime's). */
export const connectionPoster = /* @__PURE__ */ once(
  () =>
    new ApiGatewayConnectionPoster(apiGatewayManagementClient(requiredEnv(WEBSOCKET_ENDPOINT_ENV))),
);

/** What pushing events to the connections subscribed by type needs. */
export const feedDeps = /* @__PURE__ */ once(
  (): ConnectionDeps => ({
    connections: connectionStore(),
    poster: connectionPoster(),
    clock: systemClock,
  }),
);

/** What the feed's routes need: the above, and following a task or thread (replay, then live). */
export const connectionDeps = /* @__PURE__ */ once(
  (): ConnectionDeps => ({
    ...feedDeps(),
    feed: {
      subscriptions: targetSubscriptionStore(),
      targets: connectionStore(),
      traces: traceStore(),
      tasks: taskStore(),
    },
  }),
);

/** What sending a recorded event to the connections following its task or thread needs. */
export const liveDeliveryDeps = /* @__PURE__ */ once(
  (): LiveDeliveryDeps => ({
    subscriptions: targetSubscriptionStore(),
    poster: connectionPoster(),
    clock: systemClock,
  }),
);

/** What streaming a task's answer as deltas to its followers needs; `onError` reports failures. */
export const answerStreamingDeps = (
  onError: NonNullable<AnswerStreamingDeps['onError']>,
): AnswerStreamingDeps => ({
  subscriptions: targetSubscriptionStore(),
  poster: connectionPoster(),
  clock: systemClock,
  onError,
});
