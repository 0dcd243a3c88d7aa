/**
 * The Step Functions client, created once per process on first use and shared by every adapter. Endpoints
 * come from the SDK's own variables (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_SFN`, …): unset in
 * AWS, set by the local runtime or to LocalStack; so are the credentials the local runtime signs
 * with (resource-credentials.ts). There is no other difference between cloud and local. One
 * module per client, so that a bundle carries only the clients its function uses.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { once } from '../../core/once.js';
import { resourceClientConfig } from './request-handler.js';
import { tracer } from './tracer.js';

export const sfnClient = /* @__PURE__ */ once(
  (): SFNClient => tracer.captureAWSv3Client(new SFNClient(resourceClientConfig())),
);
