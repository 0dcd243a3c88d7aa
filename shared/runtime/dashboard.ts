/**
 * The dashboard feed as a function is configured: the WebSocket connections kept in the table,
 * and the poster that answers them through the API Gateway Management API at
 * WEBSOCKET_MANAGEMENT_ENDPOINT. Built once per process, on first use.
 */
import { apiGatewayManagementClient } from '../adapters/clients/apigateway-management.js';
import { dynamoClient } from '../adapters/clients/dynamodb.js';
import { DynamoConnectionStore } from '../adapters/dynamo-connection-store.js';
import { ApiGatewayConnectionPoster } from '../adapters/websocket-poster.js';
import type { ConnectionDeps } from '../core/dashboard/connection-service.js';
import { once } from '../core/once.js';
import { systemClock } from '../core/ports.js';
import { requiredEnv, tableName } from './config.js';
import { WEBSOCKET_ENDPOINT_ENV } from './environment.js';

export const connectionStore = /* @__PURE__ */ once(
  () => new DynamoConnectionStore(dynamoClient(), tableName()),
);

export const connectionPoster = /* @__PURE__ */ once(
  () =>
    new ApiGatewayConnectionPoster(apiGatewayManagementClient(requiredEnv(WEBSOCKET_ENDPOINT_ENV))),
);

/** What the feed's routes and the push of events to it need. */
export const feedDeps = /* @__PURE__ */ once(
  (): ConnectionDeps => ({
    connections: connectionStore(),
    poster: connectionPoster(),
    clock: systemClock,
  }),
);
