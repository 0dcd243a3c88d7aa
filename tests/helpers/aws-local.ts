/**
 * Real AWS protocol servers for integration tests: dynalite (DynamoDB) and fauxqs (SQS) started
 * in-process and in memory, with the topology's table and queues provisioned, and SDK clients
 * pointed at them and signing with the credentials the servers accept. One pair per test file: `const aws = useLocalAws();` in the file's top scope.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetQueueAttributesCommand,
  type Message,
  type QueueAttributeName,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { topology } from '../../infra/topology.js';
import { type Emulators, startEmulators } from '../../local/emulators.js';
import { provisionQueues, provisionTable } from '../../local/provision.js';

export const REGION = 'us-east-1';
export const CREDENTIALS = { accessKeyId: 'x', secretAccessKey: 'x' };

export interface LocalAws {
  emulators: Emulators;
  dynamoRaw: DynamoDBClient;
  dynamo: DynamoDBDocumentClient;
  sqs: SQSClient;
  tableName: string;
  queuePrefix: string;
  /** URL of every provisioned queue by topology id (DLQs included). */
  queueUrls: Map<string, string>;
  /** URL of a provisioned queue; throws for an id the topology does not have. */
  queueUrl(queueId: string): string;
  /** Provisions every topology queue again under a new prefix: queues of one test alone. */
  freshQueues(): Promise<Map<string, string>>;
  stop(): Promise<void>;
}

/** A short random suffix that keeps ids, tables and queue names apart between files and tests. */
export const uniqueSuffix = (): string => randomBytes(5).toString('hex');

/** An id that matches the agent-id pattern `^[a-z0-9][a-z0-9-]{1,62}$`. */
export const uniqueId = (prefix: string): string => `${prefix}-${uniqueSuffix()}`;

/** The URL of `queueId` in a map from `provisionQueues`; throws when it is not there. */
export function urlIn(urls: Map<string, string>, queueId: string): string {
  const url = urls.get(queueId);
  if (!url) throw new Error(`no provisioned queue '${queueId}'`);
  return url;
}

/** Starts both emulators, provisions the topology under unique names and builds the clients. */
export async function startLocalAws(): Promise<LocalAws> {
  const emulators = await startEmulators({ credentials: CREDENTIALS });
  const suffix = uniqueSuffix();
  const tableName = `agent-core-it-${suffix}`;
  const queuePrefix = `it-${suffix}-`;
  const dynamoRaw = new DynamoDBClient({
    region: REGION,
    endpoint: emulators.dynamoEndpoint,
    credentials: CREDENTIALS,
  });
  const dynamo = DynamoDBDocumentClient.from(dynamoRaw, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const sqs = new SQSClient({
    region: REGION,
    endpoint: emulators.sqsEndpoint,
    credentials: CREDENTIALS,
    useQueueUrlAsEndpoint: false,
  });
  try {
    await provisionTable(dynamoRaw, tableName, topology);
    const queueUrls = await provisionQueues(sqs, topology, queuePrefix);
    return {
      emulators,
      dynamoRaw,
      dynamo,
      sqs,
      tableName,
      queuePrefix,
      queueUrls,
      queueUrl: (queueId) => urlIn(queueUrls, queueId),
      freshQueues: () => provisionQueues(sqs, topology, `it-${uniqueSuffix()}-`),
      async stop() {
        dynamo.destroy();
        sqs.destroy();
        await emulators.stop();
      },
    };
  } catch (error) {
    dynamo.destroy();
    sqs.destroy();
    await emulators.stop();
    throw error;
  }
}

/**
 * Registers beforeAll/afterAll for one emulator pair in the calling test file and returns an
 * accessor for it (valid inside tests and hooks, after beforeAll has run).
 */
export function useLocalAws(): () => LocalAws {
  let local: LocalAws | undefined;
  beforeAll(async () => {
    local = await startLocalAws();
  });
  afterAll(async () => {
    await local?.stop();
    local = undefined;
  });
  return () => {
    if (!local) throw new Error('local AWS is not started (use it inside tests or hooks)');
    return local;
  };
}

/** Polls `probe` until it returns something other than undefined; fails after `timeoutMs`. */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  { timeoutMs = 10_000, intervalMs = 25, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Receives from a queue until `count` messages have arrived (or `timeoutMs` passed), without
 * deleting them; they stay in flight for the queue's visibility timeout.
 */
export async function receiveMessages(
  sqs: SQSClient,
  queueUrl: string,
  count: number,
  { timeoutMs = 5_000, visibilityTimeout }: { timeoutMs?: number; visibilityTimeout?: number } = {},
): Promise<Message[]> {
  const received: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  while (received.length < count && Date.now() < deadline) {
    const result = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, count - received.length),
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
        ...(visibilityTimeout !== undefined ? { VisibilityTimeout: visibilityTimeout } : {}),
      }),
    );
    received.push(...(result.Messages ?? []));
  }
  return received;
}

/** Visible and in-flight message counts of a queue. */
export async function queueCounts(
  sqs: SQSClient,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number }> {
  const names: QueueAttributeName[] = [
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesNotVisible',
  ];
  const result = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: names }),
  );
  return {
    visible: Number(result.Attributes?.ApproximateNumberOfMessages ?? Number.NaN),
    inFlight: Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? Number.NaN),
  };
}
