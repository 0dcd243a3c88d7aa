/** DynamoAuditStore against a real DynamoDB protocol server (dynalite). */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoAuditStore } from '../../shared/adapters/dynamo-audit-store.js';
import { newId } from '../../shared/core/ids.js';
import type { AuditEntry } from '../../shared/core/ports.js';
import { useLocalAws } from '../helpers/aws-local.js';

const aws = useLocalAws();
const RETENTION_DAYS = 90;
const DAY_SECONDS = 86_400;
const store = () => new DynamoAuditStore(aws().dynamo, aws().tableName, RETENTION_DAYS);

/** Each test writes under days of its own: the table is shared by the file. */
let dayCounter = 0;
const aDay = (): string => {
  dayCounter += 1;
  return new Date(Date.UTC(2024, 0, dayCounter)).toISOString().slice(0, 10);
};

function anEntry(day: string, second: number, tool = 'fs.write'): AuditEntry {
  return {
    eventId: newId(),
    time: `${day}T10:00:${String(second).padStart(2, '0')}.000Z`,
    actor: 'agent:reader',
    action: 'tool.denied',
    target: `tool:${tool}`,
    outcome: 'denied',
    detail: { taskId: newId(), agentId: 'reader', tool, reason: 'not listed', n: 0.1 },
  };
}

async function itemsOf(day: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await aws().dynamo.send(
      new QueryCommand({
        TableName: aws().tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `AUDIT#${day}` },
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

describe('DynamoAuditStore', () => {
  it('writes each entry under its day, sorted by time, expiring after the retention', async () => {
    // Prepare
    const day = aDay();
    const later = anEntry(day, 30, 'http.fetch');
    const earlier = anEntry(day, 5);

    // Act
    await store().record([later, earlier]);

    // Assess
    const items = await itemsOf(day);
    expect(items).toEqual(
      [earlier, later].map((entry) => ({
        pk: `AUDIT#${day}`,
        sk: `${entry.time}#${entry.eventId}`,
        type: 'audit-entry',
        ttl: Date.parse(entry.time) / 1000 + RETENTION_DAYS * DAY_SECONDS,
        eventId: entry.eventId,
        time: entry.time,
        actor: 'agent:reader',
        action: 'tool.denied',
        target: entry.target,
        outcome: 'denied',
        detailJson: JSON.stringify(entry.detail),
      })),
    );
    expect(JSON.parse(items[0]?.detailJson as string)).toEqual(earlier.detail);
  });

  it('keeps one item per event id, whether repeated in a batch or recorded again', async () => {
    // Prepare
    const day = aDay();
    const entry = anEntry(day, 1);
    const other = anEntry(day, 2);

    // Act
    await store().record([entry, other, entry]);
    await store().record([entry]);
    await store().record([other, entry]);

    // Assess
    const items = await itemsOf(day);
    expect(items.map((item) => item.eventId)).toEqual([entry.eventId, other.eventId]);
  });

  it('writes more entries than one batch holds', async () => {
    // Prepare
    const day = aDay();
    const entries = Array.from({ length: 60 }, (_, i) => anEntry(day, i % 60));

    // Act
    await store().record(entries);

    // Assess
    const items = await itemsOf(day);
    expect(new Set(items.map((item) => item.eventId))).toEqual(
      new Set(entries.map((e) => e.eventId)),
    );
    expect(items).toHaveLength(60);
  });

  it('puts entries of different days in different partitions', async () => {
    // Prepare
    const [first, second] = [aDay(), aDay()];
    const a = anEntry(first, 59);
    const b = anEntry(second, 0);

    // Act
    await store().record([a, b]);

    // Assess
    expect((await itemsOf(first)).map((i) => i.eventId)).toEqual([a.eventId]);
    expect((await itemsOf(second)).map((i) => i.eventId)).toEqual([b.eventId]);
  });

  it('sends nothing for no entries', async () => {
    // Prepare
    const sent: unknown[] = [];
    const client = {
      send: (command: unknown) => {
        sent.push(command);
        return aws().dynamo.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;

    // Act
    await new DynamoAuditStore(client, aws().tableName, RETENTION_DAYS).record([]);

    // Assess
    expect(sent).toEqual([]);
  });
});
