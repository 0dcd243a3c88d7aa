/**
 * The event log: every agent-core event, one item each under the hour it happened,
 * `EVENTLOG#<yyyy-mm-ddTHH>` / `<time>#<eventId>`, expiring by TTL after the retention period.
 * Written by the event sink with a conditional put per event id, so an event is logged once
 * however often it is delivered, and the sink learns which events are new (and so to be counted
 * in the metrics).
 *
 * Listings read hour partitions one after another: newest first from now back to `since`, or
 * oldest first from just after an event (`after`) up to now. Filters (type, agent) apply within
 * each partition, so a request reads at most MAX_QUERIES_PER_PAGE queries of QUERY_LIMIT items:
 * past that it answers what it found (maybe nothing) and a cursor to go on from.
 */
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { decodeTime } from 'ulid';
import { ValidationError } from '../core/errors.js';
import type {
  AppendOutcome,
  EventLog,
  EventLogQuery,
  LoggedEvent,
} from '../core/observability/ports.js';
import type { Page } from '../core/ports.js';
import { batchPutAll } from './dynamo-batch-write.js';

const DAY_SECONDS = 86_400;
const HOUR_MS = 3_600_000;
/** Without `since`, a newest-first listing looks back this far; with it, at most the retention. */
const DEFAULT_LOOKBACK_MS = HOUR_MS;
/** Items read per query: a page of up to 100 after filtering needs no more than a few. */
const QUERY_LIMIT = 100;
/** Queries one listing request runs at most (empty hours included). */
const MAX_QUERIES_PER_PAGE = 50;
/**
 * Where the event an `after` id names is looked for, around the time its ULID carries (the
 * publisher makes the id and the time together, the time a moment after).
 */
const LOCATE_BEFORE_MS = 1_000;
const LOCATE_AFTER_MS = 5_000;

type Order = 'desc' | 'asc';

interface Key {
  pk: string;
  sk: string;
}

interface Cursor {
  /** newest first (`desc`) or `after` mode (`asc`): a cursor of one mode is refused by the other. */
  o: Order;
  /** The hour partition to go on with. */
  h: string;
  /** The last item read in it; none: the partition from its start. */
  k?: Key;
}

const hourOf = (time: string): string => time.slice(0, 13);
const partitionOf = (hour: string): string => `EVENTLOG#${hour}`;
const hourMs = (hour: string): number => Date.parse(`${hour}:00:00.000Z`);
const stepHour = (hour: string, step: 1 | -1): string =>
  hourOf(new Date(hourMs(hour) + step * HOUR_MS).toISOString());
const iso = (ms: number): string => new Date(ms).toISOString();

const badCursor = () =>
  new ValidationError('invalid cursor', [
    { path: 'cursor', message: 'not a cursor of this listing' },
  ]);

function decode(cursor: string | undefined, order: Order): Cursor | undefined {
  if (cursor === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badCursor();
  const { o, h, k } = value as Record<string, unknown>;
  const hour = typeof h === 'string' ? h : '';
  const validHour =
    /^\d{4}-\d{2}-\d{2}T\d{2}$/.test(hour) &&
    !Number.isNaN(hourMs(hour)) &&
    iso(hourMs(hour)).startsWith(hour);
  const key = k as Record<string, unknown> | undefined;
  const validKey =
    key === undefined ||
    (typeof key === 'object' &&
      key !== null &&
      Object.keys(key).sort().join() === 'pk,sk' &&
      key.pk === partitionOf(hour) &&
      typeof key.sk === 'string' &&
      key.sk.length <= 1024);
  if (o !== order || !validHour || !validKey) throw badCursor();
  return value as Cursor;
}

const encode = (cursor: Cursor): string =>
  Buffer.from(JSON.stringify(cursor)).toString('base64url');

const keyOf = (item: Record<string, unknown>): Key => ({
  pk: item.pk as string,
  sk: item.sk as string,
});

const toEvent = (item: Record<string, unknown>): LoggedEvent => ({
  id: item.eventId as string,
  time: item.time as string,
  type: item.type as string,
  source: item.source as string,
  correlationId: item.correlationId as string,
  agentId: item.agentId as string | undefined,
  version: 1,
  data: JSON.parse(item.dataJson as string) as Record<string, unknown>,
});

interface Filters {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
}

export class DynamoEventLog implements EventLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Adds the events the log does not hold yet: one consistent BatchGetItem per 100 events to see
   * which are there, then BatchWriteItem for the rest (a conditional put per event cost a call
   * each, the most expensive part of the sink). Two deliveries of one event processed at the
   * very same moment could both see it absent; the sink then counts it twice. If the write
   * fails, what it wrote is taken out again, so that the redelivery adds and counts it.
   */
  async append(events: LoggedEvent[]): Promise<AppendOutcome> {
    const unique = [...new Map(events.map((event) => [event.id, event])).values()];
    const outcome: AppendOutcome = { added: [], existing: [], failed: [] };
    const present = new Set<string>();
    for (let i = 0; i < unique.length; i += 100) {
      let keys: Key[] | undefined = unique.slice(i, i + 100).map((event) => this.keyOfEvent(event));
      for (let attempt = 0; keys?.length; attempt++) {
        if (attempt > 5) throw new Error('event log lookups stayed unprocessed after retries');
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const result: BatchGetCommandOutput = await this.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: keys,
                ConsistentRead: true,
                ProjectionExpression: 'eventId',
              },
            },
          }),
        );
        for (const item of result.Responses?.[this.tableName] ?? [])
          present.add(item.eventId as string);
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys as Key[] | undefined;
      }
    }
    const fresh = unique.filter((event) => !present.has(event.id));
    outcome.existing = unique.filter((event) => present.has(event.id)).map((event) => event.id);
    try {
      await batchPutAll(
        this.client,
        this.tableName,
        fresh.map((event) => this.itemOf(event)),
      );
      outcome.added = fresh.map((event) => event.id);
    } catch (error) {
      await this.remove(fresh).catch(() => undefined);
      outcome.failed = fresh.map((event) => ({ eventId: event.id, error }));
    }
    return outcome;
  }

  async remove(events: LoggedEvent[]): Promise<void> {
    await Promise.all(
      events.map((event) =>
        this.client.send(
          new DeleteCommand({ TableName: this.tableName, Key: this.keyOfEvent(event) }),
        ),
      ),
    );
  }

  list(query: EventLogQuery): Promise<Page<LoggedEvent>> {
    return query.after === undefined ? this.listNewest(query) : this.listAfter(query, query.after);
  }

  private keyOfEvent(event: LoggedEvent): Key {
    return { pk: partitionOf(hourOf(event.time)), sk: `${event.time}#${event.id}` };
  }

  private itemOf(event: LoggedEvent): Record<string, unknown> {
    return {
      ...this.keyOfEvent(event),
      eventId: event.id,
      type: event.type,
      source: event.source,
      time: event.time,
      correlationId: event.correlationId,
      ...(event.agentId === undefined ? {} : { agentId: event.agentId }),
      // As JSON: event data may hold numbers and empty values DynamoDB's types cannot take.
      dataJson: JSON.stringify(event.data),
      ttl: Math.floor(Date.parse(event.time) / 1000) + this.retentionDays * DAY_SECONDS,
    };
  }

  private filtersOf(query: EventLogQuery): Filters {
    const filters: Filters = {
      // Expired events are never listed, whether or not DynamoDB has deleted them yet.
      expression: '#ttl > :now',
      names: { '#ttl': 'ttl' },
      values: { ':now': Math.floor(this.now() / 1000) },
    };
    const add = (expression: string) => {
      filters.expression += ` AND ${expression}`;
    };
    if (query.type && 'exact' in query.type) {
      filters.names['#type'] = 'type';
      filters.values[':type'] = query.type.exact;
      add('#type = :type');
    } else if (query.type?.prefix) {
      filters.names['#type'] = 'type';
      filters.values[':type'] = query.type.prefix;
      add('begins_with(#type, :type)');
    }
    if (query.agentId !== undefined) {
      filters.values[':agentId'] = query.agentId;
      add('agentId = :agentId');
    }
    return filters;
  }

  /** Newest first, from the current hour back to `since`. */
  private async listNewest(query: EventLogQuery): Promise<Page<LoggedEvent>> {
    const now = this.now();
    const sinceMs = query.since
      ? Math.max(Date.parse(query.since), now - this.retentionDays * DAY_SECONDS * 1000)
      : now - DEFAULT_LOOKBACK_MS;
    const since = iso(sinceMs);
    const cursor = decode(query.cursor, 'desc');
    // A cursor from before the window (the default window moves with time) has nothing left.
    if (cursor?.k && cursor.k.sk < since) return { items: [], nextCursor: null };
    const lastHour = hourOf(since);
    return this.readHours(query, {
      order: 'desc',
      hour: cursor?.h ?? hourOf(iso(now)),
      startKey: cursor?.k,
      inRange: (hour) => hour >= lastHour,
      keyCondition: () => ({ expression: 'sk >= :bound', bound: since }),
    });
  }

  /** Oldest first, from just after the event `after` names up to the current hour. */
  private async listAfter(query: EventLogQuery, after: string): Promise<Page<LoggedEvent>> {
    const now = this.now();
    const lastHour = hourOf(iso(now));
    const cursor = decode(query.cursor, 'asc');
    if (cursor) {
      return this.readHours(query, {
        order: 'asc',
        hour: cursor.h,
        startKey: cursor.k,
        inRange: (hour) => hour <= lastHour,
        keyCondition: () => undefined,
      });
    }
    const located = await this.locate(after, now);
    if (located === undefined) return { items: [], nextCursor: null };
    let position = located;
    // Nothing older than the retention is left: start there rather than walk empty hours.
    const oldest = iso(now - this.retentionDays * DAY_SECONDS * 1000);
    if (position < oldest) position = oldest;
    const firstHour = hourOf(position);
    return this.readHours(query, {
      order: 'asc',
      hour: firstHour,
      startKey: undefined,
      inRange: (hour) => hour <= lastHour,
      keyCondition: (hour) =>
        hour === firstHour ? { expression: 'sk > :bound', bound: position } : undefined,
    });
  }

  /**
   * The sort key of the event `after` names, looked for near the time in its ULID; an event the
   * log does not hold (expired, or not yet recorded) stands for that time itself. An id from
   * later than now names nothing recorded, and nothing is recorded after it yet: undefined.
   */
  private async locate(after: string, now: number): Promise<string | undefined> {
    let idTime: number;
    try {
      idTime = decodeTime(after);
    } catch {
      throw new ValidationError('invalid after', [{ path: 'after', message: 'not an event id' }]);
    }
    // Past the year 9999 (a ULID can say 10889) the time is no hour partition's name: the walk
    // over hours never ended, and the request timed out (a 500 the route fuzz found).
    if (idTime > now + LOCATE_AFTER_MS) return undefined;
    const from = iso(idTime - LOCATE_BEFORE_MS);
    const to = iso(idTime + LOCATE_AFTER_MS);
    for (let hour = hourOf(from); hour <= hourOf(to); hour = stepHour(hour, 1)) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            FilterExpression: 'eventId = :id',
            ExpressionAttributeValues: {
              ':pk': partitionOf(hour),
              ':from': from,
              // `~` sorts after `#` and every digit: every event of the last millisecond.
              ':to': `${to}~`,
              ':id': after,
            },
            ExclusiveStartKey: startKey,
          }),
        );
        const found = page.Items?.[0];
        if (found) return found.sk as string;
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }
    return `${iso(idTime)}#${after}`;
  }

  private async readHours(
    query: EventLogQuery,
    plan: {
      order: Order;
      hour: string;
      startKey: Key | undefined;
      inRange: (hour: string) => boolean;
      keyCondition: (hour: string) => { expression: string; bound: string } | undefined;
    },
  ): Promise<Page<LoggedEvent>> {
    const filters = this.filtersOf(query);
    const items: LoggedEvent[] = [];
    let { hour, startKey } = plan;
    for (
      let queries = 0;
      plan.inRange(hour) && items.length < query.limit && queries < MAX_QUERIES_PER_PAGE;
      queries++
    ) {
      const range = plan.keyCondition(hour);
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: range ? `pk = :pk AND ${range.expression}` : 'pk = :pk',
          FilterExpression: filters.expression,
          ExpressionAttributeNames: filters.names,
          ExpressionAttributeValues: {
            ...filters.values,
            ':pk': partitionOf(hour),
            ...(range ? { ':bound': range.bound } : {}),
          },
          ScanIndexForward: plan.order === 'asc',
          Limit: QUERY_LIMIT,
          ExclusiveStartKey: startKey,
        }),
      );
      const found = page.Items ?? [];
      const wanted = query.limit - items.length;
      const taken = found.slice(0, wanted);
      items.push(...taken.map(toEvent));
      // More found than wanted: go on after the last one taken, not after the page.
      startKey =
        found.length > wanted
          ? keyOf(taken.at(-1) as Record<string, unknown>)
          : (page.LastEvaluatedKey as Key | undefined);
      if (!startKey) hour = stepHour(hour, plan.order === 'asc' ? 1 : -1);
    }
    const more = startKey !== undefined || plan.inRange(hour);
    return {
      items,
      nextCursor: more
        ? encode({ o: plan.order, h: hour, ...(startKey ? { k: startKey } : {}) })
        : null,
    };
  }
}
