/** A task's trace: its events under the task's partition, `TASK#<id>` / `EVENT#<eventId>`. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest, TraceEntry, TraceStore } from '../core/ports.js';
import { batchPutAll } from './dynamo-batch-write.js';
import { queryPage } from './dynamo-pages.js';

const DAY_SECONDS = 86_400;

export class DynamoTraceStore implements TraceStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  record(taskId: string, entries: TraceEntry[]): Promise<void> {
    return this.recordMany(entries.map((entry) => ({ taskId, entry })));
  }

  /** Writes entries of many tasks in batches of 25, retrying what DynamoDB left unprocessed. */
  async recordMany(all: { taskId: string; entry: TraceEntry }[]): Promise<void> {
    // SQS may deliver one event twice in a batch; a batch write must not name a key twice.
    const items = [
      ...new Map(all.map((item) => [`${item.taskId}/${item.entry.eventId}`, item])).values(),
    ];
    // Writing the same event twice rewrites the same item: redeliveries are harmless.
    await batchPutAll(
      this.client,
      this.tableName,
      items.map(({ taskId, entry }) => ({
        pk: `TASK#${taskId}`,
        sk: `EVENT#${entry.eventId}`,
        type: 'trace-entry',
        ttl: Math.floor(Date.parse(entry.time) / 1000) + this.retentionDays * DAY_SECONDS,
        eventId: entry.eventId,
        eventType: entry.type,
        time: entry.time,
        source: entry.source,
        // As JSON: event data may hold numbers DynamoDB's number type cannot take.
        dataJson: JSON.stringify(entry.data),
      })),
    );
  }

  list(taskId: string, request: PageRequest): Promise<Page<TraceEntry>> {
    const pk = `TASK#${taskId}`;
    const now = Math.floor(Date.now() / 1000);
    return queryPage(
      this.client,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        // Expired entries are never returned, whether or not DynamoDB has deleted them yet.
        FilterExpression: '#ttl > :now',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':pk': pk, ':prefix': 'EVENT#', ':now': now },
      },
      {
        limit: request.limit,
        cursor: request.cursor,
        keyNames: ['pk', 'sk'],
        partition: ['pk', pk],
        map: ({ eventId, eventType, time, source, dataJson }) => ({
          eventId: eventId as string,
          type: eventType as string,
          time: time as string,
          source: source as string,
          data: JSON.parse(dataJson as string) as Record<string, unknown>,
        }),
      },
    );
  }
}
