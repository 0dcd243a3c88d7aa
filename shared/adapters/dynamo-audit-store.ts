/**
 * The audit log: who did what to what. One item per entry under the day it happened,
 * `AUDIT#<yyyy-mm-dd>` / `<time>#<eventId>`, expiring by TTL. Written from events by the event
 * sink, so an entry exists for every denial however many times its event is delivered.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry, AuditStore } from '../core/ports.js';
import { batchPutAll } from './dynamo-batch-write.js';

const DAY_SECONDS = 86_400;

export class DynamoAuditStore implements AuditStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  async record(entries: AuditEntry[]): Promise<void> {
    // One item per event id, whether or not its event was delivered more than once.
    const unique = [...new Map(entries.map((entry) => [entry.eventId, entry])).values()];
    await batchPutAll(
      this.client,
      this.tableName,
      unique.map(({ detail, ...entry }) => ({
        pk: `AUDIT#${entry.time.slice(0, 10)}`,
        sk: `${entry.time}#${entry.eventId}`,
        type: 'audit-entry',
        ttl: Math.floor(Date.parse(entry.time) / 1000) + this.retentionDays * DAY_SECONDS,
        ...entry,
        detailJson: JSON.stringify(detail),
      })),
    );
  }
}
