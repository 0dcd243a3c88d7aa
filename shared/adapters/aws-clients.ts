/**
 * AWS SDK clients, created once per process and shared by every adapter. Endpoints come from the
 * SDK's own variables (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`, …): unset in AWS, set by the
 * local runtime or to LocalStack. There is no other difference between cloud and local.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

// Keep-alive connections: a new TCP (and TLS) handshake per call would dominate small requests.
const requestHandler = new NodeHttpHandler({
  httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
  connectionTimeout: 5000,
  requestTimeout: 30_000,
});

const common = { requestHandler, maxAttempts: 3 };

let dynamo: DynamoDBDocumentClient | undefined;
let sqs: SQSClient | undefined;
let eventBridge: EventBridgeClient | undefined;
let secrets: SecretsManagerClient | undefined;

export function dynamoClient(): DynamoDBDocumentClient {
  dynamo ??= DynamoDBDocumentClient.from(new DynamoDBClient(common), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return dynamo;
}

export function sqsClient(): SQSClient {
  // With an explicit endpoint (local runtime, LocalStack) queue URLs may name hosts that only
  // the emulator knows; calls go to the configured endpoint instead.
  const explicitEndpoint = Boolean(
    process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL,
  );
  sqs ??= new SQSClient({ ...common, useQueueUrlAsEndpoint: !explicitEndpoint });
  return sqs;
}

export function eventBridgeClient(): EventBridgeClient {
  eventBridge ??= new EventBridgeClient(common);
  return eventBridge;
}

export function secretsClient(): SecretsManagerClient {
  secrets ??= new SecretsManagerClient(common);
  return secrets;
}
