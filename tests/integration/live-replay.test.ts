/**
 * Following a task or a thread against dynalite, through the real handlers: the event sink
 * (recordEvents) records and delivers live, the connections route (handleConnection) replays.
 * Events are recorded while a replay reads, and many sink batches race a subscribe; every
 * connection must get every event once. Then the adapters' own contracts.
 */
await vi.hoisted(async () => (await import('../helpers/quiet-logs.js')).quietLogs());

import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import type { OutgoingEvent } from '../../events/envelope.js';
import { handleConnection } from '../../functions/dashboard/connections.js';
import { recordEvents } from '../../functions/observability/record-events.js';
import { DynamoAuditStore } from '../../shared/adapters/dynamo-audit-store.js';
import { DynamoConnectionStore } from '../../shared/adapters/dynamo-connection-store.js';
import { DynamoEventLog } from '../../shared/adapters/dynamo-event-log.js';
import { DynamoMetricStore } from '../../shared/adapters/dynamo-metric-store.js';
import { DynamoTargetSubscriptionStore } from '../../shared/adapters/dynamo-target-subscription-store.js';
import { DynamoTaskStore } from '../../shared/adapters/dynamo-task-store.js';
import { DynamoTraceStore } from '../../shared/adapters/dynamo-trace-store.js';
import type { ConnectionDeps } from '../../shared/core/dashboard/connection-service.js';
import { newId } from '../../shared/core/ids.js';
import { systemClock, type TraceOwner } from '../../shared/core/ports.js';
import { useLocalAws } from '../helpers/aws-local.js';
import { RecordingPoster } from '../helpers/feed-fakes.js';
import { buildTask } from '../helpers/in-memory.js';
import { busRecord, sqsEvent } from '../helpers/lambda-events.js';

const aws = useLocalAws();

/** The stores and the two handlers over them, with one poster standing in for API Gateway. */
function world() {
  const { dynamo, tableName } = aws();
  const traces = new DynamoTraceStore(dynamo, tableName, 30);
  const subscriptions = new DynamoTargetSubscriptionStore(dynamo, tableName);
  const connections = new DynamoConnectionStore(dynamo, tableName);
  const tasks = new DynamoTaskStore(dynamo, tableName);
  const poster = new RecordingPoster();
  /** Runs after each replay read has its answer and before the route sees it. */
  const duringRead: { hook?: (read: number) => Promise<void> } = {};
  let reads = 0;
  const replayTraces = {
    listAfter: async (owner: TraceOwner, after: string | null, limit: number) => {
      const page = await traces.listAfter(owner, after, limit);
      await duringRead.hook?.(reads++);
      return page;
    },
  };
  const sink = recordEvents(() => ({
    traces,
    audit: new DynamoAuditStore(dynamo, tableName, 30),
    eventLog: new DynamoEventLog(dynamo, tableName, 30),
    metrics: new DynamoMetricStore(dynamo, tableName, 30),
    live: { subscriptions, poster, clock: systemClock },
  }));
  const connectionDeps: ConnectionDeps = {
    connections,
    poster,
    clock: systemClock,
    feed: { subscriptions, targets: connections, traces: replayTraces, tasks },
  };
  const route = handleConnection(() => connectionDeps);
  const message = (connectionId: string, principal: string, body?: unknown) =>
    route({
      requestContext: {
        routeKey: body === undefined ? '$connect' : '$default',
        connectionId,
        authorizer: { principal, keyId: 'k' },
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      isBase64Encoded: false,
    } as never);
  return { traces, subscriptions, connections, tasks, poster, sink, message, duringRead };
}

function busEvent(type: string, data: Record<string, unknown>): OutgoingEvent {
  const id = newId();
  const time = new Date().toISOString();
  return {
    type,
    source: 'agent-core.kernel',
    detail: { version: 1, id, time, correlationId: 'corr-live', data },
  };
}

const recordsOf = (events: OutgoingEvent[]): SQSEvent =>
  sqsEvent(...events.map((event) => busRecord(event)));

const eventIdsOf = (frames: any[]) =>
  frames.filter((f) => f.type === 'event').map((f) => f.event.id as string);

async function newTask(w: ReturnType<typeof world>, agentId = 'alice') {
  const task = buildTask({ agentId, id: newId() });
  await w.tasks.create(task);
  return task;
}

describe('replay, then live, through the handlers against dynalite', () => {
  it('sends every event once, in order, when events are recorded during the replay', async () => {
    const w = world();
    const task = await newTask(w);
    const ev = (n: number) => busEvent('task.step', { taskId: task.id, agentId: 'alice', n });
    const before = [ev(0), ev(1), ev(2)];
    await w.sink(recordsOf(before));
    await w.message('c-seam=', 'admin');
    const during: OutgoingEvent[] = [];
    w.duringRead.hook = async (read) => {
      // Recorded after the replay's first read and after the catch-up's read: neither sees it.
      if (read > 1) return;
      const e = ev(10 + read);
      during.push(e);
      expect(await w.sink(recordsOf([e]))).toEqual({ batchItemFailures: [] });
    };

    await w.message('c-seam=', 'admin', { action: 'subscribe', taskId: task.id, after: null });
    w.duringRead.hook = undefined;
    const after = ev(20);
    await w.sink(recordsOf([after]));
    // SQS delivers a batch again: nothing is sent twice.
    await w.sink(recordsOf([after, ...during]));

    const frames = w.poster.framesOf('c-seam=');
    const ids = eventIdsOf(frames);
    expect([...ids].sort()).toEqual([...before, ...during, after].map((e) => e.detail.id).sort());
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, 3)).toEqual(before.map((e) => e.detail.id));
    expect(frames.find((f) => f.type === 'subscribed')).toEqual({
      type: 'subscribed',
      taskId: task.id,
      replayed: 4,
    });
    expect(frames.at(-1).event.id).toBe(after.detail.id);
  });

  it('gives each of several connections every event once while sink batches race the subscribes', async () => {
    const w = world();
    const task = await newTask(w);
    const events = Array.from({ length: 60 }, (_, n) =>
      busEvent('task.step', { taskId: task.id, agentId: 'alice', n }),
    );
    const connections = ['race-a=', 'race-b=', 'race-c='];
    for (const c of connections) await w.message(c, 'admin');
    // Ten batches of six, all at once, while three connections subscribe part-way through.
    const batches = Array.from({ length: 10 }, (_, i) => events.slice(i * 6, i * 6 + 6));
    await Promise.all([
      ...batches.map(async (batch, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 5));
        await w.sink(recordsOf(batch));
      }),
      ...connections.map(async (c, i) => {
        await new Promise((resolve) => setTimeout(resolve, 10 + i * 10));
        await w.message(c, 'admin', { action: 'subscribe', taskId: task.id, after: null });
      }),
    ]);
    for (const c of connections) {
      const ids = eventIdsOf(w.poster.framesOf(c));
      expect(new Set(ids).size, c).toBe(ids.length);
      expect([...ids].sort(), c).toEqual(events.map((e) => e.detail.id).sort());
    }
  });

  it('replays after `after` on a new connection: the union with the first is the trace', async () => {
    const w = world();
    const task = await newTask(w);
    const events = Array.from({ length: 8 }, (_, n) =>
      busEvent('task.step', { taskId: task.id, agentId: 'alice', n }),
    );
    await w.message('first=', 'admin');
    await w.message('first=', 'admin', { action: 'subscribe', taskId: task.id, after: null });
    await w.sink(recordsOf(events.slice(0, 3)));
    const seen = eventIdsOf(w.poster.framesOf('first='));
    // The first connection goes; two more events happen before the client is back.
    await w.message('first=', 'admin', { action: 'ping' });
    await w.connections.remove('first=');
    await w.sink(recordsOf(events.slice(3, 5)));
    await w.message('second=', 'admin');
    await w.message('second=', 'admin', {
      action: 'subscribe',
      taskId: task.id,
      after: seen.at(-1),
    });
    await w.sink(recordsOf(events.slice(5)));
    const union = [...seen, ...eventIdsOf(w.poster.framesOf('second='))];
    expect(union).toEqual(events.map((e) => e.detail.id));
  });

  it('follows a thread from events naming it, for its agent’s key only', async () => {
    const w = world();
    const threadId = newId();
    const turn = newId();
    const created = busEvent('thread.created', { threadId, agentId: 'alice' });
    const message = busEvent('thread.message', { threadId, agentId: 'alice', taskId: turn });
    await w.sink(recordsOf([created, message]));
    await w.message('t-alice=', 'agent:alice');
    await w.message('t-bob=', 'agent:bob');
    await w.message('t-alice=', 'agent:alice', { action: 'subscribe', threadId, after: null });
    await w.message('t-bob=', 'agent:bob', { action: 'subscribe', threadId, after: null });
    const later = busEvent('task.succeeded', { threadId, agentId: 'alice', taskId: turn });
    await w.sink(recordsOf([later]));

    expect(eventIdsOf(w.poster.framesOf('t-alice='))).toEqual(
      [created, message, later].map((e) => e.detail.id),
    );
    expect(w.poster.framesOf('t-bob=')).toEqual([
      { type: 'error', message: expect.stringMatching(/only its own agent's threads/) },
    ]);
    // The turn's task has a trace of its own too: one query replays either.
    const traced = await w.traces.listAfter({ kind: 'task', id: turn }, null, 10);
    expect(traced.map((e) => e.eventId)).toEqual([message, later].map((e) => e.detail.id));
  });

  it('$disconnect removes what the connection followed; the default feed ends on following', async () => {
    const w = world();
    const task = await newTask(w);
    await w.message('gone=', 'admin');
    await w.message('gone=', 'admin', { action: 'subscribe', taskId: task.id, after: null });
    expect(await w.connections.get('gone=')).toMatchObject({
      patterns: [],
      targets: [`task:${task.id}`],
    });
    const now = Math.floor(Date.now() / 1000);
    expect(await w.subscriptions.list({ kind: 'task', id: task.id }, now, true)).toHaveLength(1);
    await handleConnection(() => ({
      connections: w.connections,
      poster: w.poster,
      clock: systemClock,
      feed: {
        subscriptions: w.subscriptions,
        targets: w.connections,
        traces: w.traces,
        tasks: w.tasks,
      },
    }))({
      requestContext: { routeKey: '$disconnect', connectionId: 'gone=', authorizer: null },
    } as never);
    expect(await w.subscriptions.list({ kind: 'task', id: task.id }, now, true)).toEqual([]);
    expect(await w.connections.get('gone=')).toBeUndefined();
  });
});

describe('the adapters', () => {
  it('claims once per (connection, event), and a released claim can be taken again', async () => {
    const store = new DynamoTargetSubscriptionStore(aws().dynamo, aws().tableName);
    const [connection, event] = [`claim-${newId()}=`, newId()];
    const results = await Promise.all(
      Array.from({ length: 5 }, () => store.claim(connection, event, 2_000_000_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    await store.release(connection, event);
    expect(await store.claim(connection, event, 2_000_000_000)).toBe(true);
  });

  it('goes live only for its generation, lists unexpired subscriptions, moves the marker later only', async () => {
    const store = new DynamoTargetSubscriptionStore(aws().dynamo, aws().tableName);
    const target = { kind: 'thread', id: newId() } as const;
    const now = Math.floor(Date.now() / 1000);
    const base = { target, principal: 'admin', phase: 'replaying' as const };
    await store.put({ ...base, connectionId: 'g1=', generation: 'one', ttl: now + 100 });
    await store.put({ ...base, connectionId: 'old=', generation: 'x', ttl: now - 1 });
    await store.put({ ...base, connectionId: 'g1=', generation: 'two', ttl: now + 100 });
    expect(await store.goLive(target, 'g1=', 'one')).toBe(false);
    expect(await store.goLive(target, 'g1=', 'two')).toBe(true);
    expect(await store.list(target, now, true)).toEqual([
      { ...base, phase: 'live', connectionId: 'g1=', generation: 'two', ttl: now + 100 },
    ]);

    // One marker for the table (other tests' connections last 2 h): far past them.
    await store.markActive(now + 100_000);
    await store.markActive(now + 10);
    expect(await store.anyActive(now + 50_000)).toBe(true);
    expect(await store.anyActive(now + 200_000)).toBe(false);
  });

  it('keeps chosen types when a connection follows a task, and takes targets out without recreating', async () => {
    const connections = new DynamoConnectionStore(aws().dynamo, aws().tableName);
    const fields = {
      principal: 'admin',
      ttl: 2_000_000_000,
      connectedAt: '2030-01-01T00:00:00.000Z',
    };
    await connections.put({ connectionId: 'chosen=', patterns: ['*'], ...fields });
    await connections.refresh('chosen=', { ...fields, patterns: ['task.*'] });
    await connections.addTarget('chosen=', 'task:T1', fields);
    await connections.addTarget('chosen=', 'thread:H1', fields);
    expect(await connections.get('chosen=')).toMatchObject({
      patterns: ['task.*'],
      targets: ['task:T1', 'thread:H1'],
    });
    await connections.removeTarget('chosen=', 'task:T1');
    expect((await connections.get('chosen='))?.targets).toEqual(['thread:H1']);
    await connections.removeTarget('never-there=', 'task:T1');
    expect(await connections.get('never-there=')).toBeUndefined();
  });

  it('reads a trace forward after an id, past neither the task record nor its subscriptions', async () => {
    const w = world();
    const task = await newTask(w);
    const events = Array.from({ length: 5 }, (_, n) =>
      busEvent('task.step', { taskId: task.id, agentId: 'alice', n }),
    );
    await w.sink(recordsOf(events));
    await w.message('reader=', 'admin');
    await w.message('reader=', 'admin', { action: 'subscribe', taskId: task.id, after: null });
    const owner = { kind: 'task', id: task.id } as const;
    const ids = events.map((e) => e.detail.id);
    expect((await w.traces.listAfter(owner, null, 10)).map((e) => e.eventId)).toEqual(ids);
    expect((await w.traces.listAfter(owner, ids[1]!, 2)).map((e) => e.eventId)).toEqual(
      ids.slice(2, 4),
    );
    expect(await w.traces.listAfter(owner, ids[4]!, 10)).toEqual([]);
    expect((await w.traces.listAfter(owner, null, 1))[0]).toMatchObject({
      correlationId: 'corr-live',
      data: { n: 0 },
    });
  });
});
