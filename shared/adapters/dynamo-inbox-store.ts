/**
 * Inboxes in the single table.
 *
 *   inbox message  pk INBOX#<agent>                  sk MSG#<messageId>
 *     gsi2         INBOX#<agent>   <deliveredAt>#<messageId>  an inbox, in delivery order
 *   task marker    pk MSGTASK#<messageId>#<agent>    sk MSGTASK
 *
 * Messages expire by TTL at `expiresAt`; deletion lags, so reads filter on `expiresAt` too. The
 * body is stored as a JSON string: any JSON value round-trips exactly.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { InboxQuery, InboxStore, TaskClaim } from '../core/ipc/inbox-store.js';
import type { InboxItem } from '../core/ipc/message.js';
import type { Page } from '../core/ports.js';
import { isConditionFailure, queryPage } from './dynamo-pages.js';

/** A task marker outlives its message by this much: redeliveries of expired messages are dropped. */
const MARKER_MARGIN_SECONDS = 24 * 3600;

const partition = (agentId: string) => `INBOX#${agentId}`;
const key = (agentId: string, messageId: string) => ({
  pk: partition(agentId),
  sk: `MSG#${messageId}`,
});
const markerKey = (messageId: string, agentId: string) => ({
  pk: `MSGTASK#${messageId}#${agentId}`,
  sk: 'MSGTASK',
});
const epochSeconds = (iso: string) => Math.ceil(Date.parse(iso) / 1000);

function toRecord(item: InboxItem): Record<string, unknown> {
  const { body, ackedAt, taskId, announcedAt, ...rest } = item;
  return {
    ...key(item.agentId, item.messageId),
    type: 'inbox-message',
    gsi2pk: partition(item.agentId),
    gsi2sk: `${item.deliveredAt}#${item.messageId}`,
    ...rest,
    ...(ackedAt ? { ackedAt } : {}),
    ...(taskId ? { taskId } : {}),
    ...(announcedAt ? { announcedAt } : {}),
    bodyJson: JSON.stringify(body),
    ttl: epochSeconds(item.expiresAt),
  };
}

function toItem(record: Record<string, unknown>): InboxItem {
  const r = record as Record<string, string | undefined>;
  return {
    messageId: r.messageId ?? '',
    agentId: r.agentId ?? '',
    from: r.from ?? '',
    to: r.to ?? '',
    subject: r.subject ?? '',
    body: JSON.parse(r.bodyJson ?? 'null'),
    sentAt: r.sentAt ?? '',
    expiresAt: r.expiresAt ?? '',
    deliveredAt: r.deliveredAt ?? '',
    ackedAt: r.ackedAt ?? null,
    taskId: r.taskId ?? null,
    announcedAt: r.announcedAt ?? null,
  };
}

export class DynamoInboxStore implements InboxStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(item: InboxItem): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toRecord(item),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async get(agentId: string, messageId: string): Promise<InboxItem | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: key(agentId, messageId),
        ConsistentRead: true,
      }),
    );
    return result.Item ? toItem(result.Item) : undefined;
  }

  list(agentId: string, query: InboxQuery): Promise<Page<InboxItem>> {
    const values: Record<string, unknown> = { ':pk': partition(agentId), ':now': query.now };
    let keyCondition = 'gsi2pk = :pk';
    if (query.since?.kind === 'time') {
      // `<time>` sorts before every `<time>#<id>`: messages delivered at the instant are included.
      values[':bound'] = query.since.at;
      keyCondition += ' AND gsi2sk >= :bound';
    } else if (query.since?.kind === 'after') {
      values[':bound'] = `${query.since.at}#${query.since.messageId}`;
      keyCondition += ' AND gsi2sk > :bound';
    }
    return queryPage(
      this.client,
      {
        TableName: this.tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: keyCondition,
        FilterExpression: 'expiresAt > :now',
        ExpressionAttributeValues: values,
        ScanIndexForward: true,
      },
      {
        limit: query.limit,
        cursor: query.cursor,
        keyNames: ['gsi2pk', 'gsi2sk', 'pk', 'sk'],
        partition: ['gsi2pk', partition(agentId)],
        map: toItem,
      },
    );
  }

  async ack(agentId: string, messageId: string, at: string): Promise<InboxItem | undefined> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(agentId, messageId),
          UpdateExpression: 'SET ackedAt = if_not_exists(ackedAt, :at)',
          ConditionExpression: 'attribute_exists(pk) AND expiresAt > :at',
          ExpressionAttributeValues: { ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes ? toItem(result.Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async markAnnounced(
    agentId: string,
    messageId: string,
    fields: { announcedAt: string; taskId: string | null },
  ): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(agentId, messageId),
        UpdateExpression: fields.taskId
          ? 'SET announcedAt = :announcedAt, taskId = :taskId'
          : 'SET announcedAt = :announcedAt',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: {
          ':announcedAt': fields.announcedAt,
          ...(fields.taskId ? { ':taskId': fields.taskId } : {}),
        },
      }),
    );
  }

  async claimTask(
    messageId: string,
    agentId: string,
    claim: { now: string; staleBefore: string; expiresAt: string },
  ): Promise<TaskClaim> {
    try {
      const result = await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...markerKey(messageId, agentId),
            type: 'message-task',
            messageId,
            agentId,
            claimedAt: claim.now,
            ttl: epochSeconds(claim.expiresAt) + MARKER_MARGIN_SECONDS,
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR (attribute_not_exists(taskId) AND claimedAt < :stale)',
          ExpressionAttributeValues: { ':stale': claim.staleBefore },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const previous = result.Attributes?.claimedAt;
      return { kind: 'claimed', previousClaimAt: typeof previous === 'string' ? previous : null };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const marker = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: markerKey(messageId, agentId),
        ConsistentRead: true,
      }),
    );
    const taskId = marker.Item?.taskId;
    return typeof taskId === 'string' ? { kind: 'started', taskId } : { kind: 'busy' };
  }

  async recordTask(messageId: string, agentId: string, taskId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: markerKey(messageId, agentId),
        UpdateExpression: 'SET taskId = :taskId',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':taskId': taskId },
      }),
    );
  }
}
