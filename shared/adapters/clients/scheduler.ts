/**
 * The EventBridge Scheduler client, created once per process on first use. Endpoints come from
 * the SDK's own variables (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_SCHEDULER`, …): unset in AWS,
 * set by the local runtime (its own Scheduler endpoint) or to LocalStack; so are the credentials
 * the local runtime signs with (resource-credentials.ts).
 */
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { once } from '../../core/once.js';
import { resourceClientConfig } from './request-handler.js';
import { tracer } from './tracer.js';

export const schedulerClient = /* @__PURE__ */ once(
  (): SchedulerClient => tracer.captureAWSv3Client(new SchedulerClient(resourceClientConfig())),
);
