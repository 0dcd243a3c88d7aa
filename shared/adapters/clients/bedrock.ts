/**
 * The Bedrock Runtime client, created once per process and region on first use and shared by
 * every adapter. Endpoints come from the SDK's own variables (`AWS_ENDPOINT_URL`,
 * `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, …), as for every other client. A region is only given when
 * a model route names one (a model offered in another region); otherwise the SDK's default
 * region applies. One module per client, so that a bundle carries only the clients it uses.
 */
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { oncePerKey } from '../../core/once.js';
import { sharedClientConfig } from './request-handler.js';
import { tracer } from './tracer.js';

const clientIn = /* @__PURE__ */ oncePerKey(
  (region: string | undefined): BedrockRuntimeClient =>
    tracer.captureAWSv3Client(
      new BedrockRuntimeClient(region ? { ...sharedClientConfig(), region } : sharedClientConfig()),
    ),
);

export const bedrockClient = (region?: string): BedrockRuntimeClient => clientIn(region);
