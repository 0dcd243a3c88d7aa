/**
 * The API Gateway Management API client of the dashboard's WebSocket API, created once per
 * process on first use. Its endpoint is the API's stage URL
 * (`https://<apiId>.execute-api.<region>.amazonaws.com/<stage>`), which the stack passes in
 * WEBSOCKET_MANAGEMENT_ENDPOINT; the local runtime passes its own AWS endpoint there.
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { WEBSOCKET_ENDPOINT_ENV } from '../../../infra/topology.js';
import { ConfigError } from '../../runtime/config.js';
import { metered } from './metering.js';
import { sharedClientConfig } from './request-handler.js';

let client: ApiGatewayManagementApiClient | undefined;

export function apiGatewayManagementClient(): ApiGatewayManagementApiClient {
  if (!client) {
    const endpoint = process.env[WEBSOCKET_ENDPOINT_ENV];
    if (!endpoint) {
      throw new ConfigError(
        `environment variable ${WEBSOCKET_ENDPOINT_ENV} is required but not set`,
      );
    }
    client = metered(
      new ApiGatewayManagementApiClient({ ...sharedClientConfig(), endpoint }),
      'apigateway-management',
    );
  }
  return client;
}
