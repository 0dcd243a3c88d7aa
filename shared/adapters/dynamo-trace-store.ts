/**
 * Traces: a task's events under the task's partition, `TASK#<id>` / `EVENT#<eventId>`, and a
 * thread's events (those naming `data.threadId`) under `THREAD#<id>` / `EVENT#<eventId>`, so that
 * either replays with one query.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  Page,
  PageRequest,
  TraceEntry,
  TraceOwner,
  TraceReplay,
  TraceStore,
} from '../core/ports.js';
import { batchPutAll } from './dynamo-batch-write.js';
import { queryAll, queryPage } from './dynamo-pages.js';

const DAY_SECONDS = 86_400;
const PARTITION_PREFIX: Record<TraceOwner['kind'], string> = { task: 'TASK#', thread: 'THREAD#' };

export const tracePartition = (owner: TraceOwner): string =>
  `${PARTITION_PREFIX[owner.kind]}${owner.id}`;

const toEntry = ({
  eventId,
  eventType,
  time,
  source,
  dataJson,
}: Record<string, unknown>): TraceEntry => ({
  eventId: eventId as string,
  type: eventType as string,
  time: time as string,
  source: source as string,
  data: JSON.parse(dataJson as string) as Record<string, unknown>,
});

/** The entry with the envelope fields a replay needs (the trace route shows only the above). */
const toFullEntry = (item: Record<string, unknown>): TraceEntry => ({
  ...toEntry(item),
  ...(typeof item.correlationId === 'string' ? { correlationId: item.correlationId } : {}),
  ...(typeof item.actorJson === 'string'
    ? { actor: JSON.parse(item.actorJson) as NonNullable<TraceEntry['actor']> }
    : {}),
});

export class DynamoTraceStore implements TraceStore, TraceReplay {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  record(taskId: string, entries: TraceEntry[]): Promise<void> {
    return this.recordMany(
      entries.map((entry) => ({ owner: { kind: 'task', id: taskId }, entry })),
    );
  }

  /** Writes entries of many owners in batches of 25, retrying what DynamoDB left unprocessed. */
  async recordMany(all: { owner: TraceOwner; entry: TraceEntry }[]): Promise<void> {
    // SQS may deliver one event twice in a batch; a batch write must not name a key twice.
    const items = [
      ...new Map(
        all.map((item) => [`${tracePartition(item.owner)}/${item.entry.eventId}`, item]),
      ).values(),
    ];
    // Writing the same event twice rewrites the same item: redeliveries are harmless.
    await batchPutAll(
      this.client,
      this.tableName,
      items.map(({ owner, entry }) => ({
        pk: tracePartition(owner),
        sk: `EVENT#${entry.eventId}`,
        type: 'trace-entry',
        ttl: Math.floor(Date.parse(entry.time) / 1000) + this.retentionDays * DAY_SECONDS,
        eventId: entry.eventId,
        eventType: entry.type,
        time: entry.time,
        source: entry.source,
        // As JSON: event data may hold numbers DynamoDB's number type cannot take.
        dataJson: JSON.stringify(entry.data),
        ...(entry.correlationId ? { correlationId: entry.correlationId } : {}),
        ...(entry.actor ? { actorJson: JSON.stringify(entry.actor) } : {}),
      })),
    );
  }

  list(taskId: string, request: PageRequest): Promise<Page<TraceEntry>> {
    const pk = tracePartition({ kind: 'task', id: taskId });
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
        map: toEntry,
      },
    );
  }

  async listAfter(owner: TraceOwner, after: string | null, limit: number): Promise<TraceEntry[]> {
    const items = await queryAll(
      this.client,
      {
        TableName: this.tableName,
        // `EVENT#<after>~` is past that id (ULIDs are upper-case letters and digits, all below
        // `~`) and `EVENT$` past every `EVENT#…`: the task record and subscriptions stay out.
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        FilterExpression: '#ttl > :now',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':pk': tracePartition(owner),
          ':from': after === null ? 'EVENT#' : `EVENT#${after}~`,
          ':to': 'EVENT$',
          ':now': Math.floor(Date.now() / 1000),
        },
        // The replay's seam argument needs this: a write that completed is seen.
        ConsistentRead: true,
      },
      limit,
    );
    return items.map(toFullEntry);
  }
}
