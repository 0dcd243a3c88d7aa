/**
 * The API Gateway Management API client of the dashboard's WebSocket API, created once per
 * process (and endpoint) on first use and traced like every other client. Its endpoint is the
 * API's stage URL (`https://<apiId>.execute-api.<region>.amazonaws.com/<stage>`), which the
 * runtime reads from WEBSOCKET_MANAGEMENT_ENDPOINT (shared/runtime/dashboard.ts); the local
 * runtime passes its own AWS endpoint there (and signs for it with its own credentials:
 * resource-credentials.ts).
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { oncePerKey } from '../../core/once.js';
import { resourceClientConfig } from './request-handler.js';
import { tracer } from './tracer.js';

export const apiGatewayManagementClient = /* @__PURE__ */ oncePerKey(
  (endpoint: string): ApiGatewayManagementApiClient =>
    tracer.captureAWSv3Client(
      new ApiGatewayManagementApiClient({ ...resourceClientConfig(), endpoint }),
    ),
);
