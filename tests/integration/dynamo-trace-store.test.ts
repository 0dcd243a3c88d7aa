/** DynamoTraceStore against a real DynamoDB protocol server (dynalite). */
import { describe, expect, it } from 'vitest';
import { DynamoTraceStore } from '../../shared/adapters/dynamo-trace-store.js';
import { ValidationError } from '../../shared/core/errors.js';
import { newId } from '../../shared/core/ids.js';
import type { TraceEntry } from '../../shared/core/ports.js';
import { useLocalAws } from '../helpers/aws-local.js';

const aws = useLocalAws();
const RETENTION_DAYS = 7;
const store = () => new DynamoTraceStore(aws().dynamo, aws().tableName, RETENTION_DAYS);
const DAY_MS = 86_400_000;

/** An entry whose id sorts after every earlier one (ULID), at `ageMs` before now. */
function anEntry(taskId: string, ageMs = 0, data: Record<string, unknown> = {}): TraceEntry {
  return {
    eventId: newId(),
    type: 'task.step',
    time: new Date(Date.now() - ageMs).toISOString(),
    source: 'agent-core.kernel',
    data: { taskId, ...data },
  };
}

async function listAll(taskId: string, limit: number) {
  const pages: TraceEntry[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await store().list(taskId, { limit, cursor });
    pages.push(page.items);
    if (page.nextCursor === null) return { pages, entries: pages.flat() };
    cursor = page.nextCursor;
  }
  throw new Error('listing did not end after 100 pages');
}

describe('DynamoTraceStore', () => {
  it('records entries and lists them in event order, whatever order they were recorded in', async () => {
    // Prepare
    const taskId = newId();
    const entries = [anEntry(taskId), anEntry(taskId), anEntry(taskId), anEntry(taskId)];
    // Act
    await store().record(taskId, [entries[2], entries[0]] as TraceEntry[]);
    await store().record(taskId, [entries[3], entries[1]] as TraceEntry[]);
    const { entries: listed } = await listAll(taskId, 10);
    // Assess
    expect(listed).toEqual(entries);
  });

  it('round-trips each field, with arbitrary JSON in data', async () => {
    // Prepare
    const taskId = newId();
    const entry = anEntry(taskId, 0, {
      step: { index: 3, kind: 'tool', name: 'math.eval', ok: false, durationMs: 0.25 },
      text: 'héllo 🌍 日本',
      tenth: 0.1,
      list: [1, 'two', null, { three: [] }],
      empty: '',
      nothing: null,
    });
    // Act
    await store().record(taskId, [entry]);
    const page = await store().list(taskId, { limit: 5 });
    // Assess
    expect(page).toEqual({ items: [entry], nextCursor: null });
  });

  it('records data holding a number beyond Number.MAX_SAFE_INTEGER', async () => {
    const taskId = newId();
    const entry = anEntry(taskId, 0, { big: 1e21 });
    await store().record(taskId, [entry]);
    expect((await store().list(taskId, { limit: 5 })).items).toEqual([entry]);
  });

  it('keeps one entry per event id when the same events are recorded again', async () => {
    // Prepare
    const taskId = newId();
    const entries = [anEntry(taskId), anEntry(taskId), anEntry(taskId)];
    // Act
    await store().record(taskId, entries);
    await store().record(taskId, entries);
    await store().record(taskId, [entries[1] as TraceEntry]);
    const { entries: listed } = await listAll(taskId, 2);
    // Assess
    expect(listed).toEqual(entries);
  });

  it('records more entries than one batch write takes and pages through all of them', async () => {
    // Prepare
    const taskId = newId();
    const entries = Array.from({ length: 60 }, (_, i) => anEntry(taskId, 0, { i }));
    // Act
    await store().record(taskId, entries);
    const { pages, entries: listed } = await listAll(taskId, 7);
    // Assess
    expect(listed).toEqual(entries);
    expect(pages.slice(0, -1).every((p) => p.length === 7)).toBe(true);
  });

  it('records entries of many tasks at once with recordMany, each under its own task', async () => {
    // Prepare: 40 entries of two tasks, interleaved, more than one batch write's worth.
    const [a, b] = [newId(), newId()];
    const items = Array.from({ length: 40 }, (_, i) => {
      const taskId = i % 2 === 0 ? a : b;
      return { owner: { kind: 'task' as const, id: taskId }, entry: anEntry(taskId, 0, { i }) };
    });
    // Act
    await store().recordMany(items);
    await store().recordMany(items.slice(10, 20));
    // Assess
    for (const taskId of [a, b]) {
      const expected = items.filter((item) => item.owner.id === taskId).map((item) => item.entry);
      expect((await listAll(taskId, 6)).entries).toEqual(expected);
    }
  });

  it('keeps traces of different tasks apart', async () => {
    const [a, b] = [newId(), newId()];
    await store().record(a, [anEntry(a)]);
    await store().record(b, [anEntry(b), anEntry(b)]);
    expect((await listAll(a, 10)).entries).toHaveLength(1);
    expect((await listAll(b, 10)).entries).toHaveLength(2);
  });

  it('never returns entries whose retention has passed, even across pages', async () => {
    // Prepare: interleave expired entries (older than the retention) with live ones.
    const taskId = newId();
    const entries: TraceEntry[] = [];
    for (let i = 0; i < 12; i++) {
      entries.push(anEntry(taskId, i % 3 === 0 ? 0 : (RETENTION_DAYS + 1) * DAY_MS, { i }));
    }
    // Just inside the retention: still returned.
    entries.push(anEntry(taskId, (RETENTION_DAYS - 1) * DAY_MS, { i: 'recent' }));
    await store().record(taskId, entries);
    // Act
    const { entries: listed } = await listAll(taskId, 2);
    // Assess
    const live = entries.filter((e) => Date.now() - Date.parse(e.time) < RETENTION_DAYS * DAY_MS);
    expect(live).toHaveLength(5);
    expect(listed).toEqual(live);
  });

  it('answers an empty last page for a task whose entries have all expired', async () => {
    const taskId = newId();
    await store().record(taskId, [anEntry(taskId, 30 * DAY_MS), anEntry(taskId, 30 * DAY_MS)]);
    expect(await store().list(taskId, { limit: 10 })).toEqual({ items: [], nextCursor: null });
  });

  it('treats entries as expired by the retention the store was built with', async () => {
    // Prepare: recorded by a store keeping them 60 days, the entry is 30 days old.
    const taskId = newId();
    const entry = anEntry(taskId, 30 * DAY_MS);
    await new DynamoTraceStore(aws().dynamo, aws().tableName, 60).record(taskId, [entry]);
    // Act
    const page = await store().list(taskId, { limit: 10 });
    // Assess: the ttl written at record time decides.
    expect(page.items).toEqual([entry]);
  });

  it('refuses a cursor of another task’s trace with a ValidationError on path cursor', async () => {
    // Prepare
    const taskId = newId();
    await store().record(taskId, [anEntry(taskId), anEntry(taskId)]);
    const page = await store().list(taskId, { limit: 1 });
    expect(page.nextCursor).not.toBeNull();
    // Act
    let error: unknown;
    try {
      await store().list(newId(), { limit: 1, cursor: page.nextCursor ?? '' });
    } catch (caught) {
      error = caught;
    }
    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([
      expect.objectContaining({ path: 'cursor' }),
    ]);
  });
});
