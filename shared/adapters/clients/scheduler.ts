/**
 * The EventBridge Scheduler client, created once per process on first use. Endpoints come from
 * the SDK's own variables (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_SCHEDULER`, …): unset in AWS,
 * set by the local runtime (its own Scheduler endpoint) or to LocalStack.
 */
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { sharedClientConfig } from './request-handler.js';
import { tracer } from './tracer.js';

let client: SchedulerClient | undefined;

export function schedulerClient(): SchedulerClient {
  client ??= tracer.captureAWSv3Client(new SchedulerClient(sharedClientConfig()));
  return client;
}
