/**
 * The SQS client, created once per process on first use and shared by every adapter. Endpoints
 * come from the SDK's own variables (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_SQS`, …): unset in
 * AWS, set by the local runtime or to LocalStack; so are the credentials the local runtime signs
 * with (resource-credentials.ts). There is no other difference between cloud and local. One
 * module per client, so that a bundle carries only the clients its function uses.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { once } from '../../core/once.js';
import { resourceClientConfig } from './request-handler.js';
import { tracer } from './tracer.js';

export const sqsClient = /* @__PURE__ */ once((): SQSClient => {
  // With an explicit endpoint (local runtime, LocalStack) queue URLs may name hosts that only
  // the emulator knows; calls go to the configured endpoint instead.
  const explicitEndpoint = Boolean(
    process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL,
  );
  return tracer.captureAWSv3Client(
    new SQSClient({ ...resourceClientConfig(), useQueueUrlAsEndpoint: !explicitEndpoint }),
  );
});
