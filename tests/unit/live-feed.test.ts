/**
 * Following a task or a thread, in memory: client messages, which connection gets which event,
 * the replay and its seam with the sink's live delivery (events recorded during the replay),
 * at most one frame per (connection, event), and key scopes.
 */
import { describe, expect, it } from 'vitest';
import type { FeedEvent } from '../../shared/core/dashboard/frames.js';
import { parseClientMessage } from '../../shared/core/dashboard/frames.js';
import { deliverToFollowers } from '../../shared/core/dashboard/live-delivery.js';
import { follows, wants } from '../../shared/core/dashboard/subscription.js';
import {
  feedEventOfEntry,
  forgetTargets,
  MAX_REPLAY_EVENTS,
  subscribeToTarget,
  type TargetFeedDeps,
  unsubscribeFromTarget,
} from '../../shared/core/dashboard/target-feed.js';
import { newId } from '../../shared/core/ids.js';
import type { TraceEntry } from '../../shared/core/ports.js';
import {
  MemorySubscriptions,
  MemoryTargets,
  MemoryTraces,
  RecordingPoster,
} from '../helpers/feed-fakes.js';
import { buildTask, FixedClock, InMemoryTaskStore } from '../helpers/in-memory.js';

const TASK = { kind: 'task', id: newId() } as const;

function entry(data: Record<string, unknown>, type = 'task.step'): TraceEntry {
  const eventId = newId();
  return {
    eventId,
    type,
    time: new Date().toISOString(),
    source: 'agent-core.kernel',
    data,
    correlationId: 'corr-1',
  };
}

async function world(agentId = 'alice') {
  const tasks = new InMemoryTaskStore();
  const task = buildTask({ agentId, id: TASK.id });
  await tasks.create(task);
  const deps: TargetFeedDeps = {
    subscriptions: new MemorySubscriptions(),
    targets: new MemoryTargets(),
    traces: new MemoryTraces(),
    tasks,
    poster: new RecordingPoster(),
    clock: new FixedClock(),
  };
  return {
    deps,
    subscriptions: deps.subscriptions as MemorySubscriptions,
    traces: deps.traces as MemoryTraces,
    poster: deps.poster as RecordingPoster,
    targets: deps.targets as MemoryTargets,
    /** Records an event in the task's trace and runs the sink's live delivery for it. */
    async sink(e: TraceEntry) {
      (deps.traces as MemoryTraces).add(TASK, e);
      return deliverToFollowers(deps, [feedEventOfEntry(e)]);
    },
  };
}

const eventIds = (frames: any[]) =>
  frames.filter((f) => f.type === 'event').map((f) => f.event.id as string);

describe('client messages to follow a task or a thread', () => {
  const task = newId();
  it.each([
    [
      { action: 'subscribe', taskId: task },
      { target: { kind: 'task', id: task }, after: null },
    ],
    [
      { action: 'subscribe', threadId: task, after: task },
      { target: { kind: 'thread', id: task }, after: task },
    ],
    [
      { action: 'subscribe', taskId: task, after: null },
      { target: { kind: 'task', id: task }, after: null },
    ],
    [{ action: 'unsubscribe', threadId: task }, { target: { kind: 'thread', id: task } }],
  ])('reads %j', (message, expected) => {
    expect(parseClientMessage(JSON.stringify(message))).toEqual({
      message: { action: message.action, ...expected },
    });
  });

  it.each([
    [{ action: 'subscribe', taskId: 'nope' }, /taskId: expected a task id/],
    [{ action: 'subscribe', taskId: task, threadId: task }, /threadId: only one of/],
    [{ action: 'subscribe', types: ['*'], taskId: task }, /taskId: only one of/],
    [{ action: 'subscribe', types: ['*'], after: task }, /after: only with taskId/],
    [{ action: 'subscribe', taskId: task, after: 'x' }, /after: expected a event id/],
    [{ action: 'unsubscribe' }, /taskId: give one of/],
  ])('refuses %j naming the field', (message, reason) => {
    const parsed = parseClientMessage(JSON.stringify(message));
    expect((parsed as { problem: string }).problem).toMatch(reason);
  });
});

describe('which connection gets which event', () => {
  const event = (data: Record<string, unknown>): FeedEvent =>
    feedEventOfEntry(entry({ agentId: 'alice', ...data }));
  const connection = { principal: 'admin', patterns: ['*'], targets: [`task:${TASK.id}`] };

  it('the push leaves out the events of a followed task or thread, and only those', () => {
    const thread = newId();
    const ofTask = event({ taskId: TASK.id });
    const ofThread = event({ threadId: thread, taskId: newId() });
    const other = event({ taskId: newId() });
    expect(follows(connection, ofTask)).toBe(true);
    expect(wants(connection, ofTask)).toBe(false);
    expect(wants(connection, other)).toBe(true);
    const threadFollower = { ...connection, targets: [`thread:${thread}`] };
    expect(wants(threadFollower, ofThread)).toBe(false);
    expect(wants({ principal: 'admin', patterns: ['*'] }, ofTask)).toBe(true);
  });
});

describe('subscribe to a task: replay, then live', () => {
  it('replays the stored events after `after`, in order, then acknowledges with the count', async () => {
    const w = await world();
    const stored = Array.from({ length: 5 }, (_, i) =>
      entry({ taskId: TASK.id, agentId: 'alice', i }),
    );
    for (const e of [stored[3], stored[0], stored[4], stored[1], stored[2]]) w.traces.add(TASK, e!);

    await subscribeToTarget(w.deps, 'c1', 'admin', TASK, stored[1]!.eventId);

    const frames = w.poster.framesOf('c1');
    expect(eventIds(frames)).toEqual(stored.slice(2).map((e) => e.eventId));
    expect(frames.at(-1)).toEqual({ type: 'subscribed', taskId: TASK.id, replayed: 3 });
    expect(frames[0].event).toEqual({
      id: stored[2]!.eventId,
      time: stored[2]!.time,
      type: 'task.step',
      source: 'agent-core.kernel',
      detail: {
        version: 1,
        id: stored[2]!.eventId,
        time: stored[2]!.time,
        correlationId: 'corr-1',
        data: stored[2]!.data,
      },
    });
    expect([...w.subscriptions.items.values()][0]).toMatchObject({
      phase: 'live',
      principal: 'admin',
    });
    expect(w.targets.byConnection.get('c1')).toEqual(new Set([`task:${TASK.id}`]));
  });

  it('misses nothing and repeats nothing when events are recorded during the replay', async () => {
    const w = await world();
    const before = [
      entry({ taskId: TASK.id, agentId: 'alice' }),
      entry({ taskId: TASK.id, agentId: 'alice' }),
    ];
    for (const e of before) w.traces.add(TASK, e);
    const during: TraceEntry[] = [];
    const outcomes: Awaited<ReturnType<typeof w.sink>>[] = [];
    // Read 0 is the replay's, while the subscription is `replaying`; read 1 is the catch-up,
    // once it is live. Each records an event (and runs the sink) that the read does not see.
    w.traces.duringRead = async (read) => {
      const e = entry({ taskId: TASK.id, agentId: 'alice', read });
      during.push(e);
      outcomes.push(await w.sink(e));
    };

    await subscribeToTarget(w.deps, 'c1', 'admin', TASK, null);
    w.traces.duringRead = undefined;
    const after = entry({ taskId: TASK.id, agentId: 'alice' });
    await w.sink(after);
    // The sink delivers again (SQS at least once): nothing goes out twice.
    await w.sink(after);
    await w.sink(during[0]!);
    await w.sink(during[1]!);

    const frames = w.poster.framesOf('c1');
    const ids = eventIds(frames);
    const all = [...before, ...during, after].map((e) => e.eventId);
    expect([...ids].sort()).toEqual([...all].sort());
    expect(new Set(ids).size).toBe(ids.length);
    // While replaying, the sink sent nothing (the catch-up did); once live, it sent.
    expect(outcomes.map((o) => o.sent)).toEqual([0, 1]);
    // The replay first, in order; the event left to the catch-up before the ack; then live.
    expect(ids.slice(0, 2)).toEqual(before.map((e) => e.eventId));
    const ack = frames.findIndex((f) => f.type === 'subscribed');
    expect(eventIds(frames.slice(0, ack))).toContain(during[0]!.eventId);
    expect(frames.at(-1)).toMatchObject({ type: 'event', event: { id: after.eventId } });
    expect(frames[ack]).toEqual({ type: 'subscribed', taskId: TASK.id, replayed: 3 });
  });

  it('sends a task’s events to an agent key of its agent, and refuses another agent’s key', async () => {
    const w = await world('alice');
    w.traces.add(TASK, entry({ taskId: TASK.id, agentId: 'alice' }));
    await subscribeToTarget(w.deps, 'bob-conn', 'agent:bob', TASK, null);
    expect(w.poster.framesOf('bob-conn')).toEqual([
      { type: 'error', message: expect.stringMatching(/only its own agent's tasks/) },
    ]);
    expect(w.subscriptions.items.size).toBe(0);

    await subscribeToTarget(w.deps, 'alice-conn', 'agent:alice', TASK, null);
    expect(w.poster.framesOf('alice-conn').map((f) => f.type)).toEqual(['event', 'subscribed']);
  });

  it('refuses an unknown task, and follows at most 20 targets a connection', async () => {
    const w = await world();
    const unknown = { kind: 'task', id: newId() } as const;
    await subscribeToTarget(w.deps, 'c1', 'admin', unknown, null);
    expect(w.poster.framesOf('c1')).toEqual([{ type: 'error', message: `no task ${unknown.id}` }]);
    const known = Array.from({ length: 20 }, (_, i) => `thread:${i}`);
    await subscribeToTarget(w.deps, 'c2', 'admin', TASK, null, known);
    expect(w.poster.framesOf('c2')[0].message).toMatch(/at most 20/);
  });

  it('replays a thread from events naming it, and filters them by the key’s agent', async () => {
    const w = await world();
    const thread = { kind: 'thread', id: newId() } as const;
    const created = entry({ threadId: thread.id, agentId: 'alice' }, 'thread.created');
    w.traces.add(thread, created);
    w.traces.add(
      thread,
      entry({ threadId: thread.id, agentId: 'alice', taskId: TASK.id }, 'thread.message'),
    );
    await subscribeToTarget(w.deps, 'bob', 'agent:bob', thread, null);
    expect(w.poster.framesOf('bob')[0]).toMatchObject({ type: 'error' });
    await subscribeToTarget(w.deps, 'alice', 'agent:alice', thread, null);
    expect(w.poster.framesOf('alice').map((f) => f.type)).toEqual(['event', 'event', 'subscribed']);
    expect(w.poster.framesOf('alice').at(-1)).toEqual({
      type: 'subscribed',
      threadId: thread.id,
      replayed: 2,
    });
  });

  it('stops at 500 replayed events with `more`, staying out of live delivery until asked again', async () => {
    const w = await world();
    const stored = Array.from({ length: MAX_REPLAY_EVENTS + 3 }, () =>
      entry({ taskId: TASK.id, agentId: 'alice' }),
    );
    for (const e of stored) w.traces.add(TASK, e);
    await subscribeToTarget(w.deps, 'c1', 'admin', TASK, null);
    const frames = w.poster.framesOf('c1');
    expect(frames.at(-1)).toEqual({
      type: 'subscribed',
      taskId: TASK.id,
      replayed: MAX_REPLAY_EVENTS,
      more: true,
    });
    expect([...w.subscriptions.items.values()][0]?.phase).toBe('replaying');
    const lastId = frames.at(-2).event.id;
    await subscribeToTarget(w.deps, 'c1', 'admin', TASK, lastId);
    expect(w.poster.framesOf('c1').at(-1)).toEqual({
      type: 'subscribed',
      taskId: TASK.id,
      replayed: 3,
    });
    expect(eventIds(w.poster.framesOf('c1'))).toEqual(stored.map((e) => e.eventId));
  });

  it('unsubscribe and disconnect take the subscription away', async () => {
    const w = await world();
    await subscribeToTarget(w.deps, 'c1', 'admin', TASK, null);
    await unsubscribeFromTarget(w.deps, 'c1', TASK);
    expect(w.subscriptions.items.size).toBe(0);
    expect(w.poster.framesOf('c1').at(-1)).toEqual({ type: 'unsubscribed', taskId: TASK.id });
    await subscribeToTarget(w.deps, 'c1', 'admin', TASK, null);
    await forgetTargets(w.deps, 'c1', [`task:${TASK.id}`, 'nonsense']);
    expect(w.subscriptions.items.size).toBe(0);
  });
});

describe('live delivery from the sink', () => {
  it('pays one marker read and nothing more while nobody follows anything', async () => {
    const w = await world();
    await w.sink(entry({ taskId: TASK.id, agentId: 'alice' }));
    expect(w.subscriptions.lists).toBe(0);
  });

  it('gives an event on both its task and its thread to a connection once', async () => {
    const w = await world();
    const thread = { kind: 'thread', id: newId() } as const;
    await subscribeToTarget(w.deps, 'c1', 'admin', TASK, null);
    await subscribeToTarget(w.deps, 'c1', 'admin', thread, null);
    const e = entry({ taskId: TASK.id, threadId: thread.id, agentId: 'alice' });
    const outcome = await deliverToFollowers(w.deps, [feedEventOfEntry(e)]);
    expect(outcome.sent).toBe(1);
    expect(eventIds(w.poster.framesOf('c1'))).toEqual([e.eventId]);
  });

  it('gives an agent key only its agent’s events; a gone connection loses its subscriptions', async () => {
    const w = await world();
    await subscribeToTarget(w.deps, 'alice', 'agent:alice', TASK, null);
    await subscribeToTarget(w.deps, 'admin', 'admin', TASK, null);
    const foreign = entry({ taskId: TASK.id, agentId: 'mallory' });
    await w.sink(foreign);
    expect(eventIds(w.poster.framesOf('alice'))).toEqual([]);
    expect(eventIds(w.poster.framesOf('admin'))).toEqual([foreign.eventId]);

    w.poster.gone.add('admin');
    const outcome = await w.sink(entry({ taskId: TASK.id, agentId: 'alice' }));
    expect(outcome.gone).toEqual(['admin']);
    expect([...w.subscriptions.items.values()].map((s) => s.connectionId)).toEqual(['alice']);
  });

  it('reports a failed post and gives its claim back, so a later try sends it', async () => {
    const w = await world();
    await subscribeToTarget(w.deps, 'c1', 'admin', TASK, null);
    w.poster.failing.add('c1');
    const e = entry({ taskId: TASK.id, agentId: 'alice' });
    const failed = await w.sink(e);
    expect(failed.errors).toHaveLength(1);
    w.poster.failing.clear();
    const retried = await w.sink(e);
    expect(retried.sent).toBe(1);
    expect(eventIds(w.poster.framesOf('c1'))).toEqual([e.eventId]);
  });
});
