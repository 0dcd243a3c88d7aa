/**
 * Subscriptions to a task or a thread, in the table:
 *
 *   subscription   pk TASK#<id> | THREAD#<id>   sk SUB#<connectionId>   beside the trace it follows
 *   claim          pk WSCONN#<connectionId>     sk SENT#<eventId>       one event sent, once
 *   marker         pk WSSUBS                    sk ACTIVE               `until`: latest expiry
 *
 * A subscription lives in its target's partition so that whoever records or streams for the
 * target finds its subscribers with one query, and the event sink reads them consistently.
 * Every item expires with its connection (TTL); reads filter on `ttl`, as DynamoDB deletes late.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { FeedTarget } from '../core/dashboard/feed-target.js';
import type {
  TargetSubscription,
  TargetSubscriptionStore,
} from '../core/dashboard/target-subscription.js';
import { isConditionFailure, queryAll } from './dynamo-pages.js';
import { tracePartition } from './dynamo-trace-store.js';

const MARKER_KEY = { pk: 'WSSUBS', sk: 'ACTIVE' };
const subscriptionKey = (target: FeedTarget, connectionId: string) => ({
  pk: tracePartition(target),
  sk: `SUB#${connectionId}`,
});
const claimKey = (connectionId: string, eventId: string) => ({
  pk: `WSCONN#${connectionId}`,
  sk: `SENT#${eventId}`,
});

const toSubscription = (target: FeedTarget, item: Record<string, unknown>): TargetSubscription => ({
  target,
  connectionId: item.connectionId as string,
  principal: item.principal as string,
  generation: item.generation as string,
  phase: item.phase === 'live' ? 'live' : 'replaying',
  ttl: item.ttl as number,
});

export class DynamoTargetSubscriptionStore implements TargetSubscriptionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async markActive(untilSeconds: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: MARKER_KEY,
          UpdateExpression: 'SET #until = :until',
          // Only ever later: one subscriber's short life must not hide another's longer one.
          ConditionExpression: 'attribute_not_exists(#until) OR #until < :until',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':until': untilSeconds },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async anyActive(nowSeconds: number): Promise<boolean> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: MARKER_KEY, ConsistentRead: true }),
    );
    return typeof result.Item?.until === 'number' && result.Item.until > nowSeconds;
  }

  async put(subscription: TargetSubscription): Promise<void> {
    const { target, ...fields } = subscription;
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...subscriptionKey(target, subscription.connectionId),
          type: 'feed-subscription',
          targetKind: target.kind,
          targetId: target.id,
          ...fields,
        },
      }),
    );
  }

  async goLive(target: FeedTarget, connectionId: string, generation: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: subscriptionKey(target, connectionId),
          UpdateExpression: 'SET phase = :live',
          ConditionExpression: 'generation = :generation',
          ExpressionAttributeValues: { ':live': 'live', ':generation': generation },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async list(
    target: FeedTarget,
    nowSeconds: number,
    consistent: boolean,
  ): Promise<TargetSubscription[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      FilterExpression: '#ttl > :now',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: {
        ':pk': tracePartition(target),
        ':prefix': 'SUB#',
        ':now': nowSeconds,
      },
      ConsistentRead: consistent,
    });
    return items.map((item) => toSubscription(target, item));
  }

  async remove(target: FeedTarget, connectionId: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: subscriptionKey(target, connectionId) }),
    );
  }

  async claim(connectionId: string, eventId: string, ttl: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...claimKey(connectionId, eventId), type: 'feed-claim', ttl },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async release(connectionId: string, eventId: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: claimKey(connectionId, eventId) }),
    );
  }
}
