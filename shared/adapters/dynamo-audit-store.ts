/**
 * The audit log: who did what to what. One item per entry under the day it happened,
 * `AUDIT#<yyyy-mm-dd>` / `<time>#<eventId>`, expiring by TTL. Written from events by the event
 * sink, so an entry exists for every denial however many times its event is delivered.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry, AuditStore } from '../core/ports.js';

const DAY_SECONDS = 86_400;

export class DynamoAuditStore implements AuditStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  async record(entries: AuditEntry[]): Promise<void> {
    const unique = [...new Map(entries.map((entry) => [entry.eventId, entry])).values()];
    for (let i = 0; i < unique.length; i += 25) {
      let requests: Record<string, unknown>[] | undefined = unique
        .slice(i, i + 25)
        .map((entry) => ({
          PutRequest: {
            Item: {
              pk: `AUDIT#${entry.time.slice(0, 10)}`,
              sk: `${entry.time}#${entry.eventId}`,
              type: 'audit-entry',
              ttl: Math.floor(Date.parse(entry.time) / 1000) + this.retentionDays * DAY_SECONDS,
              ...entry,
              detailJson: JSON.stringify(entry.detail),
              detail: undefined,
            },
          },
        }));
      for (let attempt = 0; requests?.length; attempt++) {
        if (attempt > 5) throw new Error('audit entries stayed unprocessed after retries');
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const result = await this.client.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: requests as never } }),
        );
        requests = result.UnprocessedItems?.[this.tableName] as
          | Record<string, unknown>[]
          | undefined;
      }
    }
  }
}
