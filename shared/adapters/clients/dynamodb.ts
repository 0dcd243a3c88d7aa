/**
 * The DynamoDB document client, created once per process on first use and shared by every adapter. Endpoints
 * come from the SDK's own variables (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_DYNAMODB`, …): unset in
 * AWS, set by the local runtime or to LocalStack; so are the credentials the local runtime signs
 * with (resource-credentials.ts). There is no other difference between cloud and local. One
 * module per client, so that a bundle carries only the clients its function uses.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { once } from '../../core/once.js';
import { resourceClientConfig } from './request-handler.js';
import { tracer } from './tracer.js';

export const dynamoClient = /* @__PURE__ */ once(
  (): DynamoDBDocumentClient =>
    DynamoDBDocumentClient.from(
      tracer.captureAWSv3Client(new DynamoDBClient(resourceClientConfig())),
      {
        marshallOptions: { removeUndefinedValues: true },
      },
    ),
);
