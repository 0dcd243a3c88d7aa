/**
 * The Secrets Manager client, created once per process on first use and shared by every adapter. Endpoints
 * come from the SDK's own variables (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`, …): unset in
 * AWS, set by the local runtime or to LocalStack; so are the credentials the local runtime signs
 * with (resource-credentials.ts). There is no other difference between cloud and local. One
 * module per client, so that a bundle carries only the clients its function uses.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { once } from '../../core/once.js';
import { resourceClientConfig } from './request-handler.js';
import { tracer } from './tracer.js';

export const secretsClient = /* @__PURE__ */ once(
  (): SecretsManagerClient =>
    tracer.captureAWSv3Client(new SecretsManagerClient(resourceClientConfig())),
);
