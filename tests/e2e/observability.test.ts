/**
 * The event log and the metrics over HTTP, against `npm start`: tasks of an echo agent and of a
 * failing one show up in `GET /v1/events` (newest first, by type, `after` an event, scoped to an
 * agent key's own agent) and in `GET /v1/metrics` (counts and latency percentiles).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  type RuntimeHandle,
  removeDataDir,
  startRuntime,
  waitForTask,
} from '../helpers/runtime.js';

interface ApiEvent {
  id: string;
  time: string;
  type: string;
  source: string;
  correlationId: string;
  detail: {
    version: number;
    id: string;
    time: string;
    correlationId: string;
    data: Record<string, unknown>;
  };
}

let runtime: RuntimeHandle;
let echoerKey: string;
const echoerTasks: string[] = [];
let breakerTask: string;

const as = (key: string) => ({ authorization: `Bearer ${key}` });

async function submit(body: Record<string, unknown>): Promise<string> {
  const response = await runtime.api('POST', '/v1/tasks', body);
  expect(response.status).toBe(202);
  return response.body.id;
}

/** Every event of a listing, following `nextCursor` (bounded). */
async function listAll(path: string, headers?: Record<string, string>): Promise<ApiEvent[]> {
  const items: ApiEvent[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const separator = path.includes('?') ? '&' : '?';
    const url: string = cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path;
    const response = await runtime.api('GET', url, undefined, headers);
    expect(response.status).toBe(200);
    items.push(...response.body.items);
    cursor = response.body.nextCursor;
    if (!cursor) return items;
  }
  throw new Error(`the listing ${path} does not end`);
}

const ofTask = (events: ApiEvent[], taskId: string) =>
  events.filter((event) => event.detail.data.taskId === taskId).map((event) => event.type);

beforeAll(async () => {
  runtime = await startRuntime();
  const agents = [
    { id: 'echoer', model: { provider: 'echo' } },
    {
      id: 'breaker',
      model: { provider: 'scripted', turns: [{ text: 'never' }], failUntilAttempt: 10 },
    },
  ];
  for (const agent of agents) {
    expect((await runtime.api('POST', '/v1/agents', agent)).status).toBe(201);
  }
  const minted = await runtime.api('POST', '/v1/keys', { scope: 'agent:echoer' });
  expect(minted.status).toBe(201);
  echoerKey = minted.body.key;
  for (const input of ['one', 'two', 'three']) {
    echoerTasks.push(await submit({ agentId: 'echoer', input }));
  }
  breakerTask = await submit({ agentId: 'breaker', input: 'x', maxAttempts: 1 });
  for (const id of echoerTasks) await waitForTask(runtime, id, ['succeeded']);
  await eventually(
    async () => {
      const { body } = await runtime.api('GET', `/v1/tasks/${breakerTask}`);
      return body.deadLettered ? body : undefined;
    },
    { what: 'the failing task to be dead-lettered' },
  );
});

afterAll(async () => {
  expect(await runtime?.stop()).toBe(true);
  removeDataDir(runtime.dataDir);
});

describe('GET /v1/events', () => {
  it('lists the tasks’ events newest first, by type prefix, with their detail', async () => {
    // Act: the sink records events shortly after they happen.
    const events = await eventually(
      async () => {
        const all = await listAll('/v1/events?type=task.*&limit=100');
        const done =
          echoerTasks.every((id) => ofTask(all, id).includes('task.succeeded')) &&
          ofTask(all, breakerTask).includes('task.dead-lettered');
        return done ? all : undefined;
      },
      { what: 'every task’s events in the event log' },
    );

    // Assess
    expect(events.every((event) => event.type.startsWith('task.'))).toBe(true);
    const times = events.map((event) => event.time);
    expect(times).toEqual([...times].sort().reverse());
    for (const id of echoerTasks) {
      expect(ofTask(events, id)).toEqual(
        expect.arrayContaining(['task.queued', 'task.started', 'task.succeeded']),
      );
    }
    expect(ofTask(events, breakerTask)).toEqual(
      expect.arrayContaining(['task.queued', 'task.failed', 'task.dead-lettered']),
    );
    const succeeded = events.find((e) => e.type === 'task.succeeded') as ApiEvent;
    expect(succeeded).toMatchObject({
      source: 'agent-core.kernel',
      detail: {
        version: 1,
        id: succeeded.id,
        time: succeeded.time,
        correlationId: succeeded.correlationId,
        data: { agentId: 'echoer', durationMs: expect.any(Number) },
      },
    });
    const exact = await listAll('/v1/events?type=task.dead-lettered');
    expect(exact.map((event) => event.detail.data.taskId)).toEqual([breakerTask]);
  });

  it('answers with after= only the events newer than the one named, oldest first', async () => {
    // Prepare: the newest event now, then one more task.
    const before = await listAll('/v1/events?limit=100');
    const lastSeen = before[0] as ApiEvent;
    const newTask = await submit({ agentId: 'echoer', input: 'four' });
    echoerTasks.push(newTask);
    await waitForTask(runtime, newTask, ['succeeded']);

    // Act
    const newer = await eventually(
      async () => {
        const items = await listAll(`/v1/events?after=${lastSeen.id}&limit=100`);
        return ofTask(items, newTask).includes('task.succeeded') ? items : undefined;
      },
      { what: 'the new task’s events after the last one seen' },
    );

    // Assess
    const times = newer.map((event) => event.time);
    expect(times).toEqual([...times].sort());
    expect(newer.map((event) => event.id)).not.toContain(lastSeen.id);
    expect(newer.every((event) => event.time >= lastSeen.time)).toBe(true);
    const seenBefore = new Set(before.map((event) => event.id));
    expect(newer.filter((event) => seenBefore.has(event.id))).toEqual([]);
    expect(ofTask(newer, newTask)).toEqual(
      expect.arrayContaining(['task.queued', 'task.started', 'task.succeeded']),
    );
    const typed = await listAll(`/v1/events?after=${lastSeen.id}&type=task.succeeded`);
    expect(typed.map((event) => event.detail.data.taskId)).toEqual([newTask]);
  });

  it('shows an agent key only its own agent’s events, and refuses it another’s', async () => {
    // Act
    const own = await listAll('/v1/events?limit=100', as(echoerKey));
    const named = await runtime.api('GET', '/v1/events?agentId=echoer', undefined, as(echoerKey));
    const other = await runtime.api('GET', '/v1/events?agentId=breaker', undefined, as(echoerKey));

    // Assess
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((event) => event.detail.data.agentId === 'echoer')).toBe(true);
    expect(ofTask(own, echoerTasks[0] as string)).toContain('task.succeeded');
    expect(ofTask(own, breakerTask)).toEqual([]);
    expect(named.status).toBe(200);
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('Forbidden');
  });

  it('refuses bad queries and cursors with 400 naming the field', async () => {
    // Act
    const badType = await runtime.api('GET', '/v1/events?type=task*');
    const badCursor = await runtime.api('GET', '/v1/events?cursor=bm90LWEtY3Vyc29y');
    const badAfter = await runtime.api('GET', '/v1/events?after=nope');

    // Assess
    expect(badType.status).toBe(400);
    expect(badType.body.error.details[0].path).toBe('type');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.details[0].path).toBe('cursor');
    expect(badAfter.status).toBe(400);
    expect(badAfter.body.error.details[0].path).toBe('after');
  });
});

describe('GET /v1/metrics', () => {
  it('counts submissions, successes and failures, with latency percentiles and the queue', async () => {
    // Act: the sink counts events shortly after they happen.
    const metrics = await eventually(
      async () => {
        const { status, body } = await runtime.api('GET', '/v1/metrics?windowSeconds=300');
        expect(status).toBe(200);
        const echoer = body.byAgent.echoer;
        const complete =
          echoer?.succeeded === echoerTasks.length && body.byAgent.breaker?.deadLettered === 1;
        return complete ? body : undefined;
      },
      { what: 'the tasks in the metrics' },
    );

    // Assess
    expect(metrics.windowSeconds).toBe(300);
    expect(metrics.byAgent.echoer).toMatchObject({
      submitted: echoerTasks.length,
      succeeded: echoerTasks.length,
      failed: 0,
    });
    expect(metrics.byAgent.breaker).toMatchObject({
      submitted: 1,
      succeeded: 0,
      failed: 1,
      deadLettered: 1,
      latencyMs: { p50: null, p95: null, p99: null },
    });
    expect(metrics.tasks).toMatchObject({
      submitted: echoerTasks.length + 1,
      succeeded: echoerTasks.length,
      failed: 1,
      perMinute: expect.any(Number),
    });
    expect(metrics.tasks.perMinute).toBeGreaterThan(0);
    const { p50, p95, p99 } = metrics.tasks.latencyMs;
    expect([p50, p95, p99].every((p) => typeof p === 'number')).toBe(true);
    expect(p50).toBeLessThanOrEqual(p95);
    expect(p95).toBeLessThanOrEqual(p99);
    const models = Object.values(metrics.byModel) as { calls: number }[];
    expect(models.reduce((sum, model) => sum + model.calls, 0)).toBeGreaterThanOrEqual(
      echoerTasks.length,
    );
    const queue = await runtime.api('GET', '/v1/queue');
    expect(Object.keys(metrics.queue).sort()).toEqual(Object.keys(queue.body).sort());
    expect(metrics.queue.deadLettered).toBe(1);
  });

  it('is the admin’s: an agent key gets 403; a window out of bounds gets 400', async () => {
    // Act
    const asAgent = await runtime.api('GET', '/v1/metrics', undefined, as(echoerKey));
    const tooShort = await runtime.api('GET', '/v1/metrics?windowSeconds=59');
    const tooLong = await runtime.api('GET', '/v1/metrics?windowSeconds=86401');

    // Assess
    expect(asAgent.status).toBe(403);
    expect([tooShort.status, tooLong.status]).toEqual([400, 400]);
    expect(tooShort.body.error.details[0].path).toBe('windowSeconds');
  });
});
