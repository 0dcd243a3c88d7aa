/**
 * DynamoEventLog against a real DynamoDB protocol server (dynalite): one item per event id,
 * listings newest first and `after` an event, type and agent filters, the `since` bounds, expired
 * events, cursors and bad cursors.
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { DynamoEventLog } from '../../shared/adapters/dynamo-event-log.js';
import { ValidationError } from '../../shared/core/errors.js';
import type { EventLogQuery, LoggedEvent } from '../../shared/core/observability/ports.js';
import { useLocalAws } from '../helpers/aws-local.js';

const aws = useLocalAws();
const RETENTION_DAYS = 30;
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * The table is shared by the file and listings read hours back from `now`, so each test lives in
 * a window of its own, far enough from the others that no look-back reaches another.
 */
let windows = 0;
function aWindow(): number {
  windows += 1;
  return Date.UTC(2033, 0, 1, 12, 30) + windows * 400 * DAY;
}

const logAt = (now: number, retentionDays = RETENTION_DAYS) =>
  new DynamoEventLog(aws().dynamo, aws().tableName, retentionDays, () => now);

/** An event at `time` whose id carries that time, as the publisher makes them. */
function eventAt(
  time: number,
  options: { type?: string; agentId?: string | undefined } = {},
): LoggedEvent {
  const type = options.type ?? 'task.queued';
  // `agentId: undefined` names no agent; leaving it out means alice.
  const agentId = 'agentId' in options ? options.agentId : 'alice';
  return {
    id: ulid(time),
    time: new Date(time).toISOString(),
    type,
    source: `agent-core.${type.split('.')[0]}`,
    correlationId: `corr-${time}`,
    agentId,
    version: 1,
    data: {
      ...(agentId ? { agentId } : {}),
      taskId: ulid(time),
      nested: { n: 0.1, empty: '', list: [] },
    },
  };
}

/** Writes events as the event sink does (`retentionDays` sets their ttl). */
async function append(events: LoggedEvent[], retentionDays = RETENTION_DAYS) {
  const outcome = await logAt(Date.now(), retentionDays).append(events);
  expect(outcome.failed).toEqual([]);
  return outcome;
}

const ids = (events: LoggedEvent[]) => events.map((event) => event.id);
const byTime = (events: LoggedEvent[]) =>
  ids([...events].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0)));
const newestFirst = (events: LoggedEvent[]) => byTime(events).reverse();

/** Every page of a listing, following the cursor to the end. */
async function listAll(log: DynamoEventLog, query: Omit<EventLogQuery, 'cursor'>) {
  const pages: LoggedEvent[][] = [];
  let cursor: string | undefined;
  do {
    const page = await log.list({ ...query, cursor });
    pages.push(page.items);
    cursor = page.nextCursor ?? undefined;
    if (pages.length > 200) throw new Error('the listing does not end');
  } while (cursor);
  return { pages, items: pages.flat() };
}

async function partition(hour: string): Promise<Record<string, unknown>[]> {
  const page = await aws().dynamo.send(
    new QueryCommand({
      TableName: aws().tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `EVENTLOG#${hour}` },
    }),
  );
  return page.Items ?? [];
}

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('DynamoEventLog.append', () => {
  it('writes one item per event under its hour, sorted by time, expiring after the retention', async () => {
    // Prepare
    const now = aWindow();
    const later = eventAt(now + 5 * SECOND, { type: 'agent.registered', agentId: undefined });
    const earlier = eventAt(now);

    // Act
    const outcome = await append([later, earlier]);

    // Assess
    expect(outcome).toEqual({ added: [later.id, earlier.id], existing: [], failed: [] });
    const hour = new Date(now).toISOString().slice(0, 13);
    expect(await partition(hour)).toEqual([
      {
        pk: `EVENTLOG#${hour}`,
        sk: `${earlier.time}#${earlier.id}`,
        eventId: earlier.id,
        type: 'task.queued',
        source: 'agent-core.task',
        time: earlier.time,
        correlationId: earlier.correlationId,
        agentId: 'alice',
        dataJson: JSON.stringify(earlier.data),
        ttl: (now - (now % 1000)) / 1000 + RETENTION_DAYS * 86_400,
      },
      expect.objectContaining({ sk: `${later.time}#${later.id}`, type: 'agent.registered' }),
    ]);
    expect((await partition(hour))[1]).not.toHaveProperty('agentId');
  });

  it('adds an event once: repeated in a call, or appended again later', async () => {
    // Prepare
    const now = aWindow();
    const [a, b, c] = [eventAt(now), eventAt(now + 1), eventAt(now + 2)] as LoggedEvent[];

    // Act
    const first = await append([a, b, a] as LoggedEvent[]);
    const second = await append([c, a] as LoggedEvent[]);

    // Assess
    expect(first).toEqual({ added: [a?.id, b?.id], existing: [], failed: [] });
    expect(second).toEqual({ added: [c?.id], existing: [a?.id], failed: [] });
    expect(await partition(new Date(now).toISOString().slice(0, 13))).toHaveLength(3);
  });

  it('fails every new event of a write that fails, and leaves none of them in the log', async () => {
    // Prepare: the batch write fails; the lookups and deletes work.
    const now = aWindow();
    const [logged, first, second] = [eventAt(now), eventAt(now + 1), eventAt(now + 2)];
    await append([logged]);
    const client = {
      send: (command: { constructor: { name: string } }) =>
        command.constructor.name === 'BatchWriteCommand'
          ? Promise.reject(new Error('throttled'))
          : aws().dynamo.send(command as never),
    } as unknown as DynamoDBDocumentClient;

    // Act
    const outcome = await new DynamoEventLog(client, aws().tableName, RETENTION_DAYS).append([
      logged,
      first,
      second,
    ]);

    // Assess: the redelivery will add and count them.
    expect(outcome.added).toEqual([]);
    expect(outcome.existing).toEqual([logged.id]);
    expect(outcome.failed.map((f) => f.eventId)).toEqual([first.id, second.id]);
    const again = await append([first, second]);
    expect(again.added).toEqual([first.id, second.id]);
  });

  it('removes events, which can then be added again', async () => {
    // Prepare
    const now = aWindow();
    const event = eventAt(now);
    await append([event]);

    // Act
    await logAt(now).remove([event]);
    const again = await append([event]);

    // Assess
    expect(again.added).toEqual([event.id]);
  });
});

describe('DynamoEventLog.list, newest first', () => {
  it('answers the last hour by default, newest first, with the data as written', async () => {
    // Prepare
    const now = aWindow();
    const inside = [
      eventAt(now - 59 * MINUTE),
      eventAt(now - 31 * MINUTE), // the previous hour
      eventAt(now - 5 * SECOND),
    ];
    const outside = eventAt(now - 61 * MINUTE);
    await append([...inside, outside]);

    // Act
    const page = await logAt(now).list({ limit: 100 });

    // Assess
    expect(ids(page.items)).toEqual(newestFirst(inside));
    expect(page.items[0]).toEqual(inside[2]);
    expect(page.nextCursor).toBeNull();
  });

  it.each([1, 2, 3, 5])(
    'goes through every event exactly once with pages of %i, across hours and gaps',
    async (limit) => {
      // Prepare
      const now = aWindow();
      const events = [
        eventAt(now - 1 * MINUTE),
        eventAt(now - 2 * MINUTE),
        eventAt(now - 2 * HOUR),
        eventAt(now - 2 * HOUR - 1),
        eventAt(now - 7 * HOUR),
        eventAt(now - 20 * HOUR),
      ];
      await append(events);

      // Act
      const { pages, items } = await listAll(logAt(now), {
        limit,
        since: new Date(now - DAY).toISOString(),
      });

      // Assess
      expect(ids(items)).toEqual(newestFirst(events));
      for (const page of pages) expect(page.length).toBeLessThanOrEqual(limit);
    },
  );

  it('starts at `since`, and looks back no further than the retention', async () => {
    // Prepare: events kept 90 days, listed by a log that keeps them 30.
    const now = aWindow();
    const recent = eventAt(now - 3 * HOUR);
    const older = eventAt(now - 5 * HOUR);
    const beyond = eventAt(now - 31 * DAY);
    await append([recent, older, beyond], 90);

    // Act
    const fromFourHours = await listAll(logAt(now), {
      limit: 100,
      since: new Date(now - 4 * HOUR).toISOString(),
    });
    const fromForever = await listAll(logAt(now), {
      limit: 100,
      since: '2000-01-01T00:00:00Z',
    });

    // Assess
    expect(ids(fromFourHours.items)).toEqual([recent.id]);
    expect(ids(fromForever.items)).toEqual([recent.id, older.id]);
  });

  it('never answers expired events, whether or not DynamoDB has deleted them yet', async () => {
    // Prepare: one event kept a day, two days ago; another kept 30 days.
    const now = aWindow();
    const expired = eventAt(now - 2 * DAY);
    const kept = eventAt(now - 2 * DAY + 1);
    await append([expired], 1);
    await append([kept]);

    // Act
    const { items } = await listAll(logAt(now), {
      limit: 100,
      since: new Date(now - 3 * DAY).toISOString(),
    });

    // Assess
    expect(ids(items)).toEqual([kept.id]);
  });

  it('filters by an exact type, a type prefix, and an agent', async () => {
    // Prepare
    const now = aWindow();
    const queued = eventAt(now - 3 * MINUTE, { type: 'task.queued' });
    const failed = eventAt(now - 2 * MINUTE, { type: 'task.failed', agentId: 'bob' });
    const model = eventAt(now - 1 * MINUTE, { type: 'model.invoked' });
    const registered = eventAt(now - 30 * SECOND, { type: 'agent.registered', agentId: undefined });
    await append([queued, failed, model, registered]);
    const list = (query: Omit<EventLogQuery, 'limit'>) =>
      logAt(now)
        .list({ limit: 100, ...query })
        .then((page) => ids(page.items));

    // Act + Assess
    expect(await list({ type: { exact: 'task.failed' } })).toEqual([failed.id]);
    expect(await list({ type: { prefix: 'task.' } })).toEqual([failed.id, queued.id]);
    expect(await list({ type: { prefix: 'ta' } })).toEqual([failed.id, queued.id]);
    expect(await list({ type: { prefix: '' } })).toEqual(
      newestFirst([queued, failed, model, registered]),
    );
    expect(await list({ agentId: 'alice' })).toEqual([model.id, queued.id]);
    expect(await list({ agentId: 'alice', type: { prefix: 'task.' } })).toEqual([queued.id]);
    expect(await list({ agentId: 'nobody' })).toEqual([]);
  });

  it('pages exactly through more events than one query reads, with a sparse filter too', async () => {
    // Prepare: 250 events of alice's in one hour, and one of bob's, the oldest.
    const now = aWindow();
    const bobs = eventAt(now - 10 * MINUTE, { agentId: 'bob' });
    const alices = Array.from({ length: 250 }, (_, i) => eventAt(now - 9 * MINUTE + i * 100));
    await append([bobs, ...alices]);

    // Act
    const onlyBob = await listAll(logAt(now), { limit: 1, agentId: 'bob' });
    const onlyAlice = await listAll(logAt(now), { limit: 7, agentId: 'alice' });

    // Assess
    expect(ids(onlyBob.items)).toEqual([bobs.id]);
    expect(ids(onlyAlice.items)).toEqual(newestFirst(alices));
    expect(onlyAlice.pages.length).toBe(Math.ceil(250 / 7));
  });

  it('reads a bounded number of hours per request, and the cursor goes on', async () => {
    // Prepare: one event 9 days back; nothing since.
    const now = aWindow();
    const old = eventAt(now - 9 * DAY);
    await append([old]);
    const log = logAt(now);

    // Act
    const first = await log.list({ limit: 25, since: new Date(now - 10 * DAY).toISOString() });
    const all = await listAll(log, { limit: 25, since: new Date(now - 10 * DAY).toISOString() });

    // Assess
    expect(first.items).toEqual([]);
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(ids(all.items)).toEqual([old.id]);
  });

  it('answers nothing more for a cursor from before the window', async () => {
    // Prepare: a cursor into an hour read with a long `since`, replayed with the default hour.
    const now = aWindow();
    const events = [eventAt(now - 3 * HOUR), eventAt(now - 3 * HOUR - 1)];
    await append(events);
    const first = await logAt(now).list({ limit: 1, since: new Date(now - DAY).toISOString() });

    // Act
    const page = await logAt(now).list({ limit: 1, cursor: first.nextCursor ?? undefined });

    // Assess
    expect(ids(first.items)).toEqual([events[0]?.id]);
    expect(page).toEqual({ items: [], nextCursor: null });
  });
});

describe('DynamoEventLog.list, after an event', () => {
  it('answers strictly newer events, oldest first, across hours', async () => {
    // Prepare
    const now = aWindow();
    const events = [
      eventAt(now - 3 * HOUR),
      eventAt(now - 2 * HOUR),
      eventAt(now - 2 * HOUR + 1),
      eventAt(now - 10 * MINUTE),
      eventAt(now - 1 * SECOND),
    ] as LoggedEvent[];
    await append(events);

    // Act
    const page = await logAt(now).list({ limit: 100, after: events[1]?.id });

    // Assess
    expect(ids(page.items)).toEqual(ids(events.slice(2)));
    expect(page.nextCursor).toBeNull();
  });

  it.each([1, 2, 4])('pages through with pages of %i', async (limit) => {
    // Prepare
    const now = aWindow();
    const events = Array.from({ length: 7 }, (_, i) => eventAt(now - (7 - i) * 37 * MINUTE));
    await append(events);

    // Act
    const { pages, items } = await listAll(logAt(now), { limit, after: events[0]?.id });

    // Assess
    expect(ids(items)).toEqual(ids(events.slice(1)));
    for (const page of pages) expect(page.length).toBeLessThanOrEqual(limit);
  });

  it('answers nothing after the newest event', async () => {
    // Prepare
    const now = aWindow();
    const events = [eventAt(now - 2 * MINUTE), eventAt(now - MINUTE)];
    await append(events);

    // Act
    const page = await logAt(now).list({ limit: 10, after: events[1]?.id });

    // Assess
    expect(page).toEqual({ items: [], nextCursor: null });
  });

  it('finds an event whose time is a moment after the time in its id', async () => {
    // Prepare: the publisher makes the id, then reads the clock.
    const now = aWindow();
    const base = eventAt(now - MINUTE);
    const event = { ...base, time: new Date(now - MINUTE + 3).toISOString() };
    const sameMillisecondEarlierId = eventAt(now - MINUTE + 3);
    const next = eventAt(now - MINUTE + 500);
    await append([event, sameMillisecondEarlierId, next]);

    // Act
    const page = await logAt(now).list({ limit: 10, after: event.id });

    // Assess: sorted by time then id; the event itself is never answered.
    const expected = [sameMillisecondEarlierId, next].filter(
      (e) => `${e.time}#${e.id}` > `${event.time}#${event.id}`,
    );
    expect(ids(page.items)).toEqual(ids(expected));
    expect(ids(page.items)).toContain(next.id);
    expect(ids(page.items)).not.toContain(event.id);
  });

  it('takes an id the log does not hold for the time it carries', async () => {
    // Prepare
    const now = aWindow();
    const before = eventAt(now - 10 * MINUTE);
    const after = eventAt(now - 5 * MINUTE);
    await append([before, after]);

    // Act
    const page = await logAt(now).list({ limit: 10, after: ulid(now - 7 * MINUTE) });

    // Assess
    expect(ids(page.items)).toEqual([after.id]);
  });

  it('filters by type and agent', async () => {
    // Prepare
    const now = aWindow();
    const start = eventAt(now - 10 * MINUTE);
    const mine = eventAt(now - 9 * MINUTE, { type: 'task.failed' });
    const other = eventAt(now - 8 * MINUTE, { type: 'task.failed', agentId: 'bob' });
    const model = eventAt(now - 7 * MINUTE, { type: 'model.invoked' });
    await append([start, mine, other, model]);

    // Act
    const page = await logAt(now).list({
      limit: 10,
      after: start.id,
      type: { prefix: 'task.' },
      agentId: 'alice',
    });

    // Assess
    expect(ids(page.items)).toEqual([mine.id]);
  });
});

describe('DynamoEventLog.list cursors', () => {
  const hour = '2033-06-01T10';

  it.each([
    ['not base64 JSON', '%%%'],
    ['JSON but not an object', cursorOf([1, 2])],
    ['without a mode', cursorOf({ h: hour })],
    ['of the other mode', cursorOf({ o: 'asc', h: hour })],
    ['with a malformed hour', cursorOf({ o: 'desc', h: '2033-06-01 10' })],
    ['with an impossible hour', cursorOf({ o: 'desc', h: '2033-02-30T10' })],
    [
      'with a key of another partition',
      cursorOf({ o: 'desc', h: hour, k: { pk: 'TASK#x', sk: 'a' } }),
    ],
    [
      'with a key of extra attributes',
      cursorOf({ o: 'desc', h: hour, k: { pk: `EVENTLOG#${hour}`, sk: 'a', gsi1pk: 'x' } }),
    ],
    [
      'with a key whose sk is not a string',
      cursorOf({ o: 'desc', h: hour, k: { pk: `EVENTLOG#${hour}`, sk: 1 } }),
    ],
  ])('refuses a cursor %s with a 400 naming the cursor', async (_what, cursor) => {
    // Act
    const error = await logAt(aWindow())
      .list({ limit: 10, cursor })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([
      { path: 'cursor', message: expect.any(String) },
    ]);
  });

  it('refuses a newest-first cursor in `after` mode', async () => {
    // Prepare
    const now = aWindow();
    const events = [eventAt(now - 2 * MINUTE), eventAt(now - MINUTE)];
    await append(events);
    const first = await logAt(now).list({ limit: 1 });

    // Act
    const error = await logAt(now)
      .list({ limit: 1, after: events[0]?.id, cursor: first.nextCursor ?? undefined })
      .catch((e: unknown) => e);

    // Assess
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(error).toBeInstanceOf(ValidationError);
  });

  it('refuses an `after` id that holds no time', async () => {
    // Act
    const error = await logAt(aWindow())
      .list({ limit: 1, after: 'ZZZZZZZZZZZZZZZZZZZZZZZZZZ' })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details?.[0]?.path).toBe('after');
  });
});
