/** Idempotency records: `IDEMPOTENCY#<key>` / `IDEMPOTENCY`, expiring by TTL. */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { IdempotencyRecord, IdempotencyStore } from '../core/ports.js';
import { isConditionFailure } from './dynamo-pages.js';

const key = (idempotencyKey: string) => ({
  pk: `IDEMPOTENCY#${idempotencyKey}`,
  sk: 'IDEMPOTENCY',
});

export class DynamoIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async claim(
    idempotencyKey: string,
    requestHash: string,
    ttlSeconds: number,
  ): Promise<IdempotencyRecord | undefined> {
    const nowSeconds = Math.floor(this.now().getTime() / 1000);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key(idempotencyKey),
            type: 'idempotency',
            requestHash,
            status: 'in-progress',
            ttl: nowSeconds + ttlSeconds,
          },
          // An expired record counts as absent even before DynamoDB's TTL sweep removes it.
          ConditionExpression: 'attribute_not_exists(pk) OR #ttl < :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': nowSeconds },
        }),
      );
      return undefined;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const existing = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key(idempotencyKey), ConsistentRead: true }),
    );
    const item = existing.Item;
    if (!item) return this.claim(idempotencyKey, requestHash, ttlSeconds);
    return {
      requestHash: item.requestHash as string,
      status: item.status as IdempotencyRecord['status'],
      response: item.responseJson ? JSON.parse(item.responseJson as string) : undefined,
    };
  }

  async complete(
    idempotencyKey: string,
    response: { statusCode: number; body: unknown },
  ): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(idempotencyKey),
        UpdateExpression: 'SET #status = :done, responseJson = :response',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':done': 'done', ':response': JSON.stringify(response) },
      }),
    );
  }

  async release(idempotencyKey: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: key(idempotencyKey) }),
    );
  }
}
