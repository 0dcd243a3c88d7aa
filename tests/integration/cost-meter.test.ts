/**
 * The cost meter against real dynalite (patched as the metering runtime patches it) and fauxqs:
 * what DynamoDB reports (table units), what the emulator computes (index writes by projection,
 * failed conditional writes at the existing item's size), and SQS requests per 64 KB.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topology } from '../../infra/topology.js';
import { CostMeter, type MeterRow } from '../../local/cost-meter.js';
import { reportIndexCapacity } from '../../local/dynalite-capacity.js';
import { type Emulators, startEmulators } from '../../local/emulators.js';
import { provisionQueues, provisionTable } from '../../local/provision.js';
import { CREDENTIALS, REGION, uniqueSuffix } from '../helpers/aws-local.js';

reportIndexCapacity();

const meter = new CostMeter(new Map([['fn', { memoryMb: 128, activeTracing: false }]]));
let emulators: Emulators;
let dynamo: DynamoDBDocumentClient;
let sqs: SQSClient;
let queueUrl: string;
const tableName = `cost-meter-${uniqueSuffix()}`;

beforeAll(async () => {
  emulators = await startEmulators({ credentials: CREDENTIALS });
  const raw = new DynamoDBClient({
    region: REGION,
    endpoint: emulators.dynamoEndpoint,
    credentials: CREDENTIALS,
  });
  await provisionTable(raw, tableName, topology);
  meter.attach(raw, 'dynamodb');
  dynamo = DynamoDBDocumentClient.from(raw);
  sqs = new SQSClient({
    region: REGION,
    endpoint: emulators.sqsEndpoint,
    credentials: CREDENTIALS,
    useQueueUrlAsEndpoint: false,
  });
  const urls = await provisionQueues(sqs, topology, `cost-${uniqueSuffix()}-`);
  queueUrl = urls.get('event-sink') as string;
  meter.attach(sqs, 'sqs');
});

afterAll(async () => {
  await emulators?.stop();
});

/** What `work` costs, by operation, as the function `fn`. */
async function measured(work: () => Promise<unknown>): Promise<MeterRow[]> {
  meter.reset();
  await meter.run('fn', async () => {
    await work().catch(() => undefined);
  });
  return meter.snapshot().rows;
}

const row = (rows: MeterRow[], operation: string) => {
  const found = rows.find((r) => r.operation === operation);
  if (!found) throw new Error(`no ${operation} in ${JSON.stringify(rows)}`);
  return found;
};

describe('DynamoDB through the metered emulator', () => {
  const item = (id: string, extra: Record<string, unknown> = {}) => ({
    pk: `T#${id}`,
    sk: 'T',
    gsi1pk: 'TASKS',
    gsi1sk: id,
    gsi2pk: 'AGENT#a',
    gsi2sk: id,
    ...extra,
  });

  it('charges a put its table units and one write per index it enters', async () => {
    const rows = await measured(() =>
      dynamo.send(new PutCommand({ TableName: tableName, Item: item('1') })),
    );
    const put = row(rows, 'PutItem');
    expect(put.units['dynamodb.write']).toBe(3);
    expect(put.units['dynamodb.indexWrite']).toBe(2);
    expect(put.units['dynamodb.computed']).toBe(2);
    expect(put.calls).toBe(1);
  });

  it('charges an update the indexes whose projection changed (ALL: every one)', async () => {
    const rows = await measured(() =>
      dynamo.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: 'T#1', sk: 'T' },
          UpdateExpression: 'SET #s = :s',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': 'running' },
        }),
      ),
    );
    expect(row(rows, 'UpdateItem').units).toMatchObject({
      'dynamodb.write': 3,
      'dynamodb.indexWrite': 2,
    });
  });

  it("charges a failed conditional write the existing item's size", async () => {
    const big = 'x'.repeat(2500);
    await dynamo.send(new PutCommand({ TableName: tableName, Item: item('2', { big }) }));
    const rows = await measured(() =>
      dynamo.send(
        new PutCommand({
          TableName: tableName,
          Item: item('2'),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    expect(row(rows, 'PutItem (condition failed)').units).toMatchObject({
      'dynamodb.write': 3,
      'dynamodb.failedCondition': 1,
    });
  });

  it('charges reads as dynalite reports them, and an empty query its minimum', async () => {
    const rows = await measured(async () => {
      await dynamo.send(
        new GetCommand({ TableName: tableName, Key: { pk: 'T#1', sk: 'T' }, ConsistentRead: true }),
      );
      await dynamo.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :p',
          ExpressionAttributeValues: { ':p': 'NOBODY' },
        }),
      );
    });
    expect(row(rows, 'GetItem').units['dynamodb.read']).toBe(1);
    expect(row(rows, 'Query').units).toEqual({ 'dynamodb.read': 0.5, 'dynamodb.computed': 0.5 });
  });
});

describe('SQS through the meter', () => {
  it('charges a request per 64 KB of payload', async () => {
    const rows = await measured(async () => {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'small' }));
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: [0, 1, 2].map((i) => ({ Id: String(i), MessageBody: 'y'.repeat(50_000) })),
        }),
      );
    });
    expect(row(rows, 'SendMessage').units['sqs.request']).toBe(1);
    expect(row(rows, 'SendMessageBatch').units['sqs.request']).toBe(3);
  });
});
