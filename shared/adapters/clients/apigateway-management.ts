/**
 * The API Gateway Management API client of the dashboard's WebSocket API, created once per
 * process on first use. Its endpoint is the API's stage URL
 * (`https://<apiId>.execute-api.<region>.amazonaws.com/<stage>`), which the stack passes in
 * WEBSOCKET_MANAGEMENT_ENDPOINT; the local runtime passes its own AWS endpoint there (and signs
 * for it with its own credentials: resource-credentials.ts).
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { WEBSOCKET_ENDPOINT_ENV } from '../../../infra/topology.js';
import { ConfigError } from '../../runtime/config.js';
import { resourceClientConfig } from './request-handler.js';

let client: ApiGatewayManagementApiClient | undefined;

export function apiGatewayManagementClient(): ApiGatewayManagementApiClient {
  if (!client) {
    const endpoint = process.env[WEBSOCKET_ENDPOINT_ENV];
    if (!endpoint) {
      throw new ConfigError(
        `environment variable ${WEBSOCKET_ENDPOINT_ENV} is required but not set`,
      );
    }
    client = new ApiGatewayManagementApiClient({ ...resourceClientConfig(), endpoint });
  }
  return client;
}
