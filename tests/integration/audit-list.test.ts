/**
 * DynamoAuditStore.list against a real DynamoDB protocol server (dynalite): newest first across
 * day partitions, the look-back and retention bounds, filters, expired entries, cursors.
 */
import { describe, expect, it } from 'vitest';
import { DynamoAuditStore } from '../../shared/adapters/dynamo-audit-store.js';
import { ValidationError } from '../../shared/core/errors.js';
import { newId } from '../../shared/core/ids.js';
import type { AuditEntry, AuditQuery } from '../../shared/core/ports.js';
import { useLocalAws } from '../helpers/aws-local.js';

const aws = useLocalAws();
const RETENTION_DAYS = 30;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * The table is shared by the file and a listing reads every day back from `now`, so each test
 * lives in a window of its own, far enough from the others that no look-back reaches another.
 */
let windows = 0;
function aWindow(): number {
  windows += 1;
  // Noon, so that "now - n days" stays on the day it names.
  return Date.UTC(2031, 0, 1, 12) + windows * 400 * DAY;
}

const listerAt = (now: number, retentionDays = RETENTION_DAYS) =>
  new DynamoAuditStore(aws().dynamo, aws().tableName, retentionDays, () => now);

/** Records as the event sink does; `retentionDays` sets the entries' ttl. */
const record = (entries: AuditEntry[], retentionDays = RETENTION_DAYS) =>
  new DynamoAuditStore(aws().dynamo, aws().tableName, retentionDays).record(entries);

function entryAt(
  time: number,
  { actor = 'agent:alice', action = 'GET /v1/agents/{id}' } = {},
): AuditEntry {
  return {
    eventId: newId(),
    time: new Date(time).toISOString(),
    actor,
    action,
    target: 'agent:bob',
    outcome: 'denied',
    detail: { principal: actor, action, resource: 'agent:bob', reason: 'not this agent' },
  };
}

const ids = (entries: AuditEntry[]) => entries.map((entry) => entry.eventId);
/** Newest first, as the listing answers. */
const newestFirst = (entries: AuditEntry[]) =>
  ids([...entries].sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0)));

/** Every page of a listing, following the cursor to the end. */
async function listAll(
  store: DynamoAuditStore,
  query: Omit<AuditQuery, 'cursor'>,
): Promise<{ pages: AuditEntry[][]; items: AuditEntry[] }> {
  const pages: AuditEntry[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list({ ...query, cursor });
    pages.push(page.items);
    cursor = page.nextCursor ?? undefined;
    if (pages.length > 200) throw new Error('the listing does not end');
  } while (cursor);
  return { pages, items: pages.flat() };
}

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const dayOf = (time: number) => new Date(time).toISOString().slice(0, 10);

describe('DynamoAuditStore.list', () => {
  it('answers newest first across days, with no cursor once everything is listed', async () => {
    // Prepare
    const now = aWindow();
    const entries = [
      entryAt(now - 3 * DAY),
      entryAt(now - 1 * DAY - 12 * HOUR + MINUTE), // the first minute of yesterday
      entryAt(now - 2 * HOUR),
      entryAt(now - 1 * DAY + 11 * HOUR), // the last hour of yesterday
      entryAt(now - 1 * MINUTE),
    ];
    await record(entries);

    // Act
    const page = await listerAt(now).list({ limit: 100 });

    // Assess
    expect(ids(page.items)).toEqual(newestFirst(entries));
    expect(page.items[0]).toEqual(entries[4]);
    expect(page.nextCursor).toBeNull();
  });

  it('answers an empty page and no cursor when nothing was recorded', async () => {
    // Act
    const page = await listerAt(aWindow()).list({ limit: 25 });

    // Assess
    expect(page).toEqual({ items: [], nextCursor: null });
  });

  it('answers at most `limit` entries, and a cursor when there are more', async () => {
    // Prepare
    const now = aWindow();
    const entries = [1, 2, 3, 4].map((n) => entryAt(now - n * HOUR));
    await record(entries);

    // Act
    const page = await listerAt(now).list({ limit: 3 });

    // Assess
    expect(ids(page.items)).toEqual(newestFirst(entries).slice(0, 3));
    expect(page.nextCursor).toEqual(expect.any(String));
  });

  it.each([1, 2, 3, 5])(
    'goes through every entry exactly once with pages of %i, across days and gaps',
    async (limit) => {
      // Prepare: entries today, yesterday, none two days ago, three days ago, six days ago.
      const now = aWindow();
      const entries = [
        entryAt(now - 10 * MINUTE),
        entryAt(now - 20 * MINUTE),
        entryAt(now - DAY),
        entryAt(now - DAY - HOUR),
        entryAt(now - 3 * DAY),
        entryAt(now - 3 * DAY - HOUR),
        entryAt(now - 6 * DAY),
      ];
      await record(entries);
      const store = listerAt(now);

      // Act
      const { pages, items } = await listAll(store, { limit });

      // Assess
      expect(ids(items)).toEqual(newestFirst(entries));
      for (const page of pages) expect(page.length).toBeLessThanOrEqual(limit);
      expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(entries.length / limit));
    },
  );

  it('looks back 7 days when no `since` is given', async () => {
    // Prepare
    const now = aWindow();
    const inside = entryAt(now - 7 * DAY + MINUTE);
    const outside = entryAt(now - 7 * DAY - MINUTE);
    const older = entryAt(now - 9 * DAY);
    await record([inside, outside, older]);

    // Act
    const byDefault = await listerAt(now).list({ limit: 100 });
    const withSince = await listerAt(now).list({
      limit: 100,
      since: new Date(now - 10 * DAY).toISOString(),
    });

    // Assess
    expect(ids(byDefault.items)).toEqual([inside.eventId]);
    expect(ids(withSince.items)).toEqual([inside.eventId, outside.eventId, older.eventId]);
  });

  it('answers entries at or after `since`, to the millisecond, within its day', async () => {
    // Prepare
    const now = aWindow();
    const since = now - 2 * DAY;
    const before = entryAt(since - 1);
    const at = entryAt(since);
    const after = entryAt(since + 1);
    const today = entryAt(now - HOUR);
    await record([before, at, after, today]);

    // Act
    const { items } = await listAll(listerAt(now), {
      limit: 2,
      since: new Date(since).toISOString(),
    });

    // Assess
    expect(ids(items)).toEqual([today.eventId, after.eventId, at.eventId]);
  });

  it('reads `since` with an offset as the instant it names', async () => {
    // Prepare
    const now = aWindow();
    const since = now - 3 * HOUR;
    const before = entryAt(since - MINUTE);
    const after = entryAt(since + MINUTE);
    await record([before, after]);
    // The same instant, written in UTC+05:00.
    const local = new Date(since + 5 * HOUR).toISOString().replace('Z', '+05:00');

    // Act
    const page = await listerAt(now).list({ limit: 10, since: local });

    // Assess
    expect(ids(page.items)).toEqual([after.eventId]);
  });

  it('never looks back further than the retention, whatever `since` asks', async () => {
    // Prepare: entries kept longer than this lister's retention (their ttl has not passed).
    const now = aWindow();
    const kept = entryAt(now - (RETENTION_DAYS - 1) * DAY);
    const beyond = entryAt(now - (RETENTION_DAYS + 2) * DAY);
    await record([kept, beyond], 365);

    // Act
    const { items } = await listAll(listerAt(now), {
      limit: 10,
      since: new Date(now - 60 * DAY).toISOString(),
    });

    // Assess
    expect(ids(items)).toEqual([kept.eventId]);
  });

  it('answers nothing for a `since` after now', async () => {
    // Prepare
    const now = aWindow();
    await record([entryAt(now - MINUTE)]);

    // Act
    const page = await listerAt(now).list({
      limit: 10,
      since: new Date(now + 2 * DAY).toISOString(),
    });

    // Assess
    expect(page).toEqual({ items: [], nextCursor: null });
  });

  it('never answers an entry whose ttl has passed, though DynamoDB has not deleted it yet', async () => {
    // Prepare: entries written while the retention was one day, and one written since.
    const now = aWindow();
    const expired = entryAt(now - 3 * DAY);
    const expiresNow = entryAt(now - DAY);
    const expiresInASecond = entryAt(now - DAY + 1000);
    await record([expired, expiresNow, expiresInASecond], 1);
    const current = entryAt(now - 3 * DAY - HOUR);
    await record([current]);

    // Act
    const { items } = await listAll(listerAt(now), { limit: 2 });

    // Assess
    expect(ids(items)).toEqual([expiresInASecond.eventId, current.eventId]);
  });

  it('filters by actor, by action, and by both, across days and pages', async () => {
    // Prepare
    const now = aWindow();
    const entries = [
      entryAt(now - 1 * HOUR, { actor: 'agent:alice', action: 'POST /v1/tasks' }),
      entryAt(now - 2 * HOUR, { actor: 'agent:bob', action: 'POST /v1/tasks' }),
      entryAt(now - 1 * DAY, { actor: 'agent:alice', action: 'GET /v1/queue' }),
      entryAt(now - 2 * DAY, { actor: 'admin', action: 'security.key-created' }),
      entryAt(now - 2 * DAY - HOUR, { actor: 'agent:alice', action: 'POST /v1/tasks' }),
      entryAt(now - 4 * DAY, { actor: 'agent:bob', action: 'GET /v1/queue' }),
    ];
    await record(entries);
    const store = listerAt(now);
    const matching = (keep: (entry: AuditEntry) => boolean) => newestFirst(entries.filter(keep));

    // Act
    const byActor = await listAll(store, { limit: 1, actor: 'agent:alice' });
    const byAction = await listAll(store, { limit: 1, action: 'GET /v1/queue' });
    const byBoth = await listAll(store, {
      limit: 1,
      actor: 'agent:alice',
      action: 'POST /v1/tasks',
    });
    const byNobody = await store.list({ limit: 5, actor: 'agent:carol' });

    // Assess
    expect(ids(byActor.items)).toEqual(matching((e) => e.actor === 'agent:alice'));
    expect(ids(byAction.items)).toEqual(matching((e) => e.action === 'GET /v1/queue'));
    expect(ids(byBoth.items)).toEqual(
      matching((e) => e.actor === 'agent:alice' && e.action === 'POST /v1/tasks'),
    );
    expect(byNobody).toEqual({ items: [], nextCursor: null });
  });

  it('fills a page with matching entries when the newest ones do not match', async () => {
    // Prepare: ten non-matching entries newer than the two that match.
    const now = aWindow();
    const noise = Array.from({ length: 10 }, (_, i) =>
      entryAt(now - (i + 1) * MINUTE, { actor: 'agent:bob' }),
    );
    const wanted = [entryAt(now - HOUR), entryAt(now - DAY)];
    await record([...noise, ...wanted]);

    // Act
    const page = await listerAt(now).list({ limit: 2, actor: 'agent:alice' });

    // Assess
    expect(ids(page.items)).toEqual(ids(wanted));
  });

  it('answers the entries as recorded, detail included', async () => {
    // Prepare
    const now = aWindow();
    const entry = { ...entryAt(now - HOUR), detail: { nested: { list: [1, 'two'] }, n: 0.5 } };
    await record([entry]);

    // Act
    const page = await listerAt(now).list({ limit: 1 });

    // Assess
    expect(page.items).toEqual([entry]);
  });

  it.each([
    ['not base64 JSON', 'not-a-cursor!'],
    ['JSON that is not an object', cursorOf(42)],
    ['null', cursorOf(null)],
    ['no day', cursorOf({ key: { pk: 'AUDIT#2031-01-01', sk: 'x' } })],
    ['a malformed day', cursorOf({ day: '2031-1-1' })],
    [
      'a key of another day',
      cursorOf({ day: '2031-01-02', key: { pk: 'AUDIT#2031-01-01', sk: 'x' } }),
    ],
    [
      'a key of another collection',
      cursorOf({ day: '2031-01-02', key: { pk: 'TASK#x', sk: 'TASK' } }),
    ],
    ['a key without a sort key', cursorOf({ day: '2031-01-02', key: { pk: 'AUDIT#2031-01-02' } })],
    ['a numeric sort key', cursorOf({ day: '2031-01-02', key: { pk: 'AUDIT#2031-01-02', sk: 5 } })],
  ])('refuses a cursor with %s as a ValidationError on `cursor`', async (_label, cursor) => {
    // Act
    const listing = listerAt(aWindow()).list({ limit: 5, cursor });

    // Assess
    await expect(listing).rejects.toBeInstanceOf(ValidationError);
    await expect(listing).rejects.toMatchObject({
      details: [{ path: 'cursor', message: expect.any(String) }],
    });
  });

  it('refuses a cursor whose key has attributes of its own as a ValidationError', async () => {
    // Prepare
    const now = aWindow();
    const day = dayOf(now);
    const cursor = cursorOf({
      day,
      key: { pk: `AUDIT#${day}`, sk: `${day}T01:00:00.000Z#x`, gsi1pk: 'x' },
    });

    // Act
    const listing = listerAt(now).list({ limit: 5, cursor });

    // Assess
    await expect(listing).rejects.toBeInstanceOf(ValidationError);
  });

  it('refuses a cursor whose day is not a calendar day as a ValidationError', async () => {
    // Act
    const listing = listerAt(aWindow()).list({ limit: 5, cursor: cursorOf({ day: '2031-13-45' }) });

    // Assess
    await expect(listing).rejects.toBeInstanceOf(ValidationError);
  });

  it('goes on from a cursor while the default look-back window moves on', async () => {
    // Prepare: the oldest entries of the 7-day window, the first page stopping on the oldest but one.
    const now = aWindow();
    const entries = [
      entryAt(now - HOUR),
      entryAt(now - 7 * DAY + 2 * MINUTE),
      entryAt(now - 7 * DAY + 1 * MINUTE),
    ];
    await record(entries);
    const first = await listerAt(now).list({ limit: 2 });

    // Act: the next page, asked for five minutes later.
    const next = listerAt(now + 5 * MINUTE).list({
      limit: 2,
      cursor: first.nextCursor ?? undefined,
    });

    // Assess: the rest of the window, which by now holds nothing more.
    expect(ids(first.items)).toEqual(ids(entries.slice(0, 2)));
    await expect(next).resolves.toEqual({ items: [], nextCursor: null });
  });

  it('goes on from a cursor built for another `since` without failing', async () => {
    // Prepare
    const now = aWindow();
    const entries = [1, 2, 3].map((n) => entryAt(now - n * DAY));
    await record(entries);
    const store = listerAt(now);
    const first = await store.list({ limit: 1 });

    // Act: the same cursor, with a `since` that ends the listing before the cursor's day.
    const rest = await store.list({
      limit: 5,
      cursor: first.nextCursor ?? undefined,
      since: new Date(now - 2 * DAY - HOUR).toISOString(),
    });

    // Assess
    expect(ids(first.items)).toEqual([entries[0]?.eventId]);
    expect(ids(rest.items)).toEqual([entries[1]?.eventId]);
    expect(rest.nextCursor).toBeNull();
  });

  it('keeps the cursor on the day it stopped in', async () => {
    // Prepare
    const now = aWindow();
    const entries = [1, 2, 3].map((n) => entryAt(now - n * HOUR));
    await record(entries);

    // Act
    const page = await listerAt(now).list({ limit: 1 });

    // Assess
    const decoded = JSON.parse(Buffer.from(page.nextCursor ?? '', 'base64url').toString('utf8'));
    expect(decoded.day).toBe(dayOf(now));
    expect(decoded.key).toMatchObject({ pk: `AUDIT#${dayOf(now)}` });
  });
});
