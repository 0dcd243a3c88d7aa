/**
 * The audit log: who did what to what. One item per entry under the day it happened,
 * `AUDIT#<yyyy-mm-dd>` / `<time>#<eventId>`, expiring by TTL. Written from events by the event
 * sink, so an entry exists for every denial however many times its event is delivered.
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../core/errors.js';
import type { AuditEntry, AuditQuery, AuditStore, Page } from '../core/ports.js';
import { batchPutAll } from './dynamo-batch-write.js';

const DAY_SECONDS = 86_400;
const DAY_MS = DAY_SECONDS * 1000;
/** Without `since`, a listing looks back this far; with it, at most `retentionDays`. */
const DEFAULT_LOOKBACK_DAYS = 7;

interface AuditCursor {
  day: string;
  key?: Record<string, unknown>;
}

const badCursor = () =>
  new ValidationError('invalid cursor', [
    { path: 'cursor', message: 'not a cursor of this listing' },
  ]);

function decode(cursor: string | undefined): AuditCursor | undefined {
  if (cursor === undefined) return undefined;
  let value: AuditCursor;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as AuditCursor;
  } catch {
    throw badCursor();
  }
  if (typeof value !== 'object' || value === null) throw badCursor();
  const day = typeof value.day === 'string' ? value.day : '';
  const validDay =
    /^\d{4}-\d{2}-\d{2}$/.test(day) &&
    !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) &&
    new Date(`${day}T00:00:00Z`).toISOString().startsWith(day);
  const key = value.key;
  const validKey =
    key === undefined ||
    (typeof key === 'object' &&
      key !== null &&
      Object.keys(key).sort().join() === 'pk,sk' &&
      key.pk === `AUDIT#${day}` &&
      typeof key.sk === 'string');
  if (!validDay || !validKey) throw badCursor();
  return value;
}

const toEntry = (item: Record<string, unknown>): AuditEntry => ({
  eventId: item.eventId as string,
  time: item.time as string,
  actor: item.actor as string,
  action: item.action as string,
  target: item.target as string,
  outcome: item.outcome as AuditEntry['outcome'],
  detail: JSON.parse((item.detailJson as string | undefined) ?? '{}'),
});

export class DynamoAuditStore implements AuditStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Newest first, one day's partition after another, from today back to `since` (at most the
   * retention period); filters on actor and action apply within each day.
   */
  async list(query: AuditQuery): Promise<Page<AuditEntry>> {
    const now = this.now();
    const sinceMs = query.since
      ? Math.max(Date.parse(query.since), now - this.retentionDays * DAY_MS)
      : now - DEFAULT_LOOKBACK_DAYS * DAY_MS;
    const since = new Date(sinceMs).toISOString();
    const cursor = decode(query.cursor);
    // A cursor from before the window (the default window moves with time) has nothing left.
    if (cursor?.key && String(cursor.key.sk) < since) return { items: [], nextCursor: null };
    let day = cursor?.day ?? new Date(now).toISOString().slice(0, 10);
    let startKey = cursor?.key;
    const items: AuditEntry[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':since': since, ':now': Math.floor(now / 1000) };
    const filters = ['#ttl > :now'];
    names['#ttl'] = 'ttl';
    if (query.actor) {
      values[':actor'] = query.actor;
      filters.push('actor = :actor');
    }
    if (query.action) {
      names['#action'] = 'action';
      values[':action'] = query.action;
      filters.push('#action = :action');
    }
    while (day >= since.slice(0, 10) && items.length < query.limit) {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk >= :since',
          FilterExpression: filters.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ':pk': `AUDIT#${day}` },
          ScanIndexForward: false,
          Limit: query.limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []).map(toEntry));
      startKey = page.LastEvaluatedKey;
      if (!startKey) {
        day = new Date(Date.parse(`${day}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
      }
    }
    const more = day >= since.slice(0, 10);
    return {
      items,
      nextCursor: more
        ? Buffer.from(JSON.stringify({ day, ...(startKey ? { key: startKey } : {}) })).toString(
            'base64url',
          )
        : null,
    };
  }

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
