/**
 * Every internal endpoint of the local runtime refuses what is not signed with its credentials,
 * as started by the runtime (local/emulators.ts for DynamoDB and SQS, LocalAwsEndpoint for
 * EventBridge, Secrets Manager, Step Functions, the API Gateway Management API and EventBridge
 * Scheduler): an unsigned request, one signed with other credentials, a replay past the allowed
 * skew, a body changed after signing. Each gets 403 in its protocol's error shape, the real SDK
 * clients read it as the AWS error it names, and nothing is done.
 */

import { connect as netConnect } from 'node:net';
import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient, GetItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topology } from '../../infra/topology.js';
import { workflowRunnerDefinition } from '../../infra/workflow-state-machine.js';
import { type BusEnvelope, LocalAwsEndpoint } from '../../local/aws-endpoint.js';
import { LocalStepFunctions } from '../../local/step-functions.js';
import { WebSocketGateway } from '../../local/websocket-gateway.js';
import { CREDENTIALS, REGION, uniqueId, useLocalAws } from '../helpers/aws-local.js';
import {
  attack,
  buildRequest,
  expectRefused,
  otherCredentials,
  PROBES,
  type Probe,
  send,
  tamper,
  VARIANTS,
} from '../helpers/signed-probes.js';

const aws = useLocalAws();
const ADMIN_KEY = 'ac_test_internal_endpoints_0123';
const seen: BusEnvelope[] = [];
let awsEndpoint: LocalAwsEndpoint;
let awsUrl: string;
let stepFunctions: LocalStepFunctions;
let gateway: WebSocketGateway;

beforeAll(async () => {
  stepFunctions = new LocalStepFunctions({
    region: REGION,
    stateMachines: new Map([['agent-core-workflow-runner', workflowRunnerDefinition('engine')]]),
    invoke: async () => {
      throw new Error('no function runs in these tests');
    },
  });
  gateway = new WebSocketGateway({
    routes: [],
    authorizer: undefined,
    host: { invoke: async () => undefined as never },
    onError: () => undefined,
  });
  awsEndpoint = new LocalAwsEndpoint({
    credentials: CREDENTIALS,
    busName: topology.eventBus.name,
    rules: topology.rules,
    queueUrls: aws().queueUrls,
    sqs: aws().sqs,
    secrets: new Map([['agent-core/admin-api-key', ADMIN_KEY]]),
    region: REGION,
    onEvent: (event) => seen.push(event),
    connections: gateway,
    stepFunctions,
  });
  awsUrl = await awsEndpoint.start();
});

afterAll(async () => {
  await stepFunctions?.stop();
  await gateway?.stop();
  await awsEndpoint?.stop();
});

const endpointOf = (probe: Probe): string =>
  probe.name === 'DynamoDB'
    ? aws().emulators.dynamoEndpoint
    : probe.name === 'SQS'
      ? aws().emulators.sqsEndpoint
      : awsUrl;

describe.each(PROBES)('$name', (probe) => {
  it.each(VARIANTS)(
    "refuses a request %s with 403 in the protocol's error shape",
    async (variant) => {
      const events = seen.length;
      const answer = await send(await attack(probe, endpointOf(probe), variant, CREDENTIALS));
      expectRefused(probe, answer, `${probe.name}, ${variant}`);
      expect(seen.length).toBe(events);
    },
  );

  it("answers the same request signed with the runtime's credentials", async () => {
    const answer = await send(await buildRequest(probe, endpointOf(probe), CREDENTIALS));
    expect(answer.status, answer.text).not.toBe(403);
    expect(answer.status, answer.text).toBeLessThan(500);
  });
});

it('writes nothing for a DynamoDB PutItem whose body was changed after signing', async () => {
  const id = uniqueId('tampered');
  const put: Probe = {
    name: 'DynamoDB',
    signingService: 'dynamodb',
    protocol: 'awsJson1_0',
    method: 'POST',
    path: '/',
    target: 'DynamoDB_20120810.PutItem',
    body: JSON.stringify({
      TableName: aws().tableName,
      Item: { pk: { S: id }, sk: { S: 'a1' }, note: { S: 'signed' } },
    }),
  };
  const endpoint = aws().emulators.dynamoEndpoint;
  expectRefused(put, await send(await attack(put, endpoint, 'tampered body', CREDENTIALS)), 'put');
  // Neither the item as signed nor as changed (tamper() turns the sort key a1 into a2).
  expect(tamper(put.body)).toContain('"a2"');
  for (const sk of ['a1', 'a2']) {
    const got = await aws().dynamoRaw.send(
      new GetItemCommand({ TableName: aws().tableName, Key: { pk: { S: id }, sk: { S: sk } } }),
    );
    expect(got.Item).toBeUndefined();
  }
  // The untouched request, signed the same way, is written.
  expect((await send(await buildRequest(put, endpoint, CREDENTIALS))).status).toBe(200);
  const written = await aws().dynamoRaw.send(
    new GetItemCommand({ TableName: aws().tableName, Key: { pk: { S: id }, sk: { S: 'a1' } } }),
  );
  expect(written.Item?.note?.S).toBe('signed');
});

it('drops a client that goes away mid-body, and goes on serving', async () => {
  // Before, the AWS endpoint's body read rejected with nobody to catch it, and dynalite threw
  // from the request's 'error' event: either stopped the process (the runtime, or its emulators).
  const failures: unknown[] = [];
  const onFailure = (error: unknown) => failures.push(error);
  process.on('uncaughtException', onFailure);
  process.on('unhandledRejection', onFailure);
  try {
    for (const probe of PROBES) {
      const { port } = new URL(endpointOf(probe));
      const client = netConnect(Number(port), '127.0.0.1');
      client.on('error', () => undefined);
      const closed = new Promise((resolve) => client.once('close', resolve));
      await new Promise((resolve) => client.once('connect', resolve));
      // Expect: 100-continue makes the server say when it has the request and waits for its
      // body: the client sends part of it, then resets the connection.
      const continued = new Promise((resolve) => client.once('data', resolve));
      client.write(
        `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nExpect: 100-continue\r\n` +
          'Content-Type: application/x-amz-json-1.0\r\nContent-Length: 1000\r\n\r\n',
      );
      expect(String(await continued)).toMatch(/^HTTP\/1\.1 100 Continue/);
      client.write('{"TableName":');
      client.resetAndDestroy();
      await closed;
      const answer = await send(await buildRequest(probe, endpointOf(probe), CREDENTIALS));
      expect(answer.status, `${probe.name}: ${answer.text}`).not.toBe(403);
      expect(answer.status, `${probe.name}: ${answer.text}`).toBeLessThan(500);
    }
    expect(failures).toEqual([]);
  } finally {
    process.off('uncaughtException', onFailure);
    process.off('unhandledRejection', onFailure);
  }
});

describe('the SDK clients, signing with other credentials', () => {
  const config = () => ({ region: REGION, credentials: otherCredentials(), maxAttempts: 1 });
  const calls: [string, () => Promise<unknown>][] = [
    [
      'DynamoDB',
      () =>
        new DynamoDBClient({ ...config(), endpoint: aws().emulators.dynamoEndpoint }).send(
          new ListTablesCommand({}),
        ),
    ],
    [
      'SQS',
      () =>
        new SQSClient({ ...config(), endpoint: aws().emulators.sqsEndpoint }).send(
          new ListQueuesCommand({}),
        ),
    ],
    [
      'EventBridge',
      () =>
        new EventBridgeClient({ ...config(), endpoint: awsUrl }).send(
          new PutEventsCommand({
            Entries: [
              {
                EventBusName: topology.eventBus.name,
                Source: 'agent-core.test',
                DetailType: 'probe',
                Detail: '{}',
              },
            ],
          }),
        ),
    ],
    [
      'Secrets Manager',
      () =>
        new SecretsManagerClient({ ...config(), endpoint: awsUrl }).send(
          new GetSecretValueCommand({ SecretId: 'agent-core/admin-api-key' }),
        ),
    ],
    [
      'Step Functions',
      () =>
        new SFNClient({ ...config(), endpoint: awsUrl }).send(
          new DescribeExecutionCommand({
            executionArn: `arn:aws:states:${REGION}:000000000000:execution:agent-core-workflow-runner:x`,
          }),
        ),
    ],
    [
      'EventBridge Scheduler',
      () =>
        new SchedulerClient({ ...config(), endpoint: awsUrl }).send(
          new GetScheduleCommand({ Name: 'nightly', GroupName: 'agent-core' }),
        ),
    ],
    [
      'API Gateway Management',
      () =>
        new ApiGatewayManagementApiClient({ ...config(), endpoint: awsUrl }).send(
          new PostToConnectionCommand({ ConnectionId: 'L0SM9cOFvHcCIhw=', Data: Buffer.from('x') }),
        ),
    ],
  ];

  it.each(calls)('%s: fail with UnrecognizedClientException, 403', async (_name, call) => {
    const events = seen.length;
    const error = (await call().then(
      () => undefined,
      (e: unknown) => e,
    )) as { name?: string; $metadata?: { httpStatusCode?: number }; message?: string };
    expect(error?.name).toBe('UnrecognizedClientException');
    expect(error?.$metadata?.httpStatusCode).toBe(403);
    expect(error?.message).not.toContain(ADMIN_KEY);
    expect(seen.length).toBe(events);
  });
});
