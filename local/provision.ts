/** Creates the table and queues the topology describes, on whatever endpoints the SDK points at. */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type Topology, visibilityTimeoutSeconds } from '../infra/topology.js';

export async function provisionTable(
  client: DynamoDBClient,
  tableName: string,
  spec: Topology,
): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const keyNames = new Set([
    spec.table.partitionKey,
    spec.table.sortKey,
    ...spec.table.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ]);
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...keyNames].map((name) => ({
        AttributeName: name,
        AttributeType: 'S',
      })),
      KeySchema: [
        { AttributeName: spec.table.partitionKey, KeyType: 'HASH' },
        { AttributeName: spec.table.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: spec.table.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
  // A new table answers ResourceNotFound until it is ACTIVE: dynalite marks it so in a write of
  // its own after answering CreateTable, which on a busy machine can come after the first put.
  await waitUntilTableExists(
    { client, minDelay: 0.05, maxDelay: 1, maxWaitTime: 60 },
    { TableName: tableName },
  );
}

/** Queue name for a topology queue id; DLQs are named after their queue plus `-dlq`. */
export const localQueueName = (prefix: string, queueId: string): string => `${prefix}${queueId}`;

/** Creates every queue (DLQs first, then work queues redriving to them); returns URLs by id. */
export async function provisionQueues(
  client: SQSClient,
  spec: Topology,
  prefix = '',
): Promise<Map<string, string>> {
  const urls = new Map<string, string>();
  for (const dlq of spec.deadLetterQueues) {
    const created = await client.send(
      new CreateQueueCommand({
        QueueName: localQueueName(prefix, dlq.id),
        Attributes: { MessageRetentionPeriod: String(dlq.retentionDays * 86_400) },
      }),
    );
    urls.set(dlq.id, created.QueueUrl as string);
  }
  for (const queue of spec.queues) {
    const dlqUrl = urls.get(queue.deadLetterQueue);
    if (!dlqUrl) throw new Error(`queue ${queue.id} names unknown DLQ ${queue.deadLetterQueue}`);
    const dlqArn = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    const created = await client.send(
      new CreateQueueCommand({
        QueueName: localQueueName(prefix, queue.id),
        Attributes: {
          VisibilityTimeout: String(visibilityTimeoutSeconds(queue.id, spec)),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqArn.Attributes?.QueueArn,
            maxReceiveCount: queue.maxReceiveCount,
          }),
        },
      }),
    );
    urls.set(queue.id, created.QueueUrl as string);
  }
  return urls;
}
