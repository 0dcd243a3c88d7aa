/** DynamoTaskStore against a real DynamoDB protocol server (dynalite). */
import { describe, expect, it } from 'vitest';
import { DynamoTaskStore } from '../../shared/adapters/dynamo-task-store.js';
import {
  ConflictError,
  TransitionConflictError,
  ValidationError,
} from '../../shared/core/errors.js';
import { newId } from '../../shared/core/ids.js';
import type { TaskListFilter } from '../../shared/core/ports.js';
import {
  boundSteps,
  outputBudgetBytes,
  TASK_RECORD_LIMITS,
  type Task,
  type TaskStatus,
  type TaskStep,
} from '../../shared/core/tasks/task.js';
import { MAX_BODY_BYTES } from '../../shared/runtime/http-api.js';
import { uniqueId, useLocalAws } from '../helpers/aws-local.js';
import { buildTask } from '../helpers/in-memory.js';
import { rejection } from '../helpers/rejection.js';

const aws = useLocalAws();
const NOW = new Date('2030-06-01T12:00:00.000Z');
const store = () => new DynamoTaskStore(aws().dynamo, aws().tableName, () => NOW);

/** A queued task (buildTask's), created an hour before NOW. */
const aTask = (overrides: Partial<Task> = {}): Task =>
  buildTask({
    agentId: 'agent-default',
    correlationId: newId(),
    createdAt: '2030-06-01T11:00:00.000Z',
    updatedAt: '2030-06-01T11:00:00.000Z',
    ...overrides,
  });

async function created(overrides: Partial<Task> = {}): Promise<Task> {
  const task = aTask(overrides);
  await store().create(task);
  return task;
}

/** Reads every page of a listing; fails if the cursor chain does not end. */
async function listAll(filter: TaskListFilter): Promise<{ pages: Task[][]; ids: string[] }> {
  const pages: Task[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 200; i++) {
    const page = await store().list({ ...filter, cursor });
    pages.push(page.items);
    if (page.nextCursor === null) return { pages, ids: pages.flat().map((t) => t.id) };
    cursor = page.nextCursor;
  }
  throw new Error('listing did not end after 200 pages');
}

/** Marks a task failed and dead-lettered the way the dead-letter consumer does. */
async function deadLettered(overrides: Partial<Task> = {}): Promise<Task> {
  const task = await created(overrides);
  return store().transition(task.id, {
    from: ['queued', 'running', 'retrying'],
    to: 'failed',
    set: {
      deadLettered: true,
      error: { code: 'PoisonMessage', message: 'dead-lettered by SQS', retryable: true },
      finishedAt: NOW.toISOString(),
    },
  });
}

const newestFirst = (ids: string[]) => [...ids].sort().reverse();

describe('DynamoTaskStore: create and get', () => {
  const payloads: [string, unknown][] = [
    [
      'nested objects and arrays',
      { a: { b: { c: [1, [2, [3, { d: 'deep' }]]] } }, list: [], obj: {}, flag: false },
    ],
    ['unicode', { text: 'héllo wörld ✓ 日本語 🌍🚀', 'ключ-🔑': 'значение' }],
    ['awkward numbers', { tenth: 0.1, huge: 1e21, tiny: 5e-324, negative: -12.5, zero: 0 }],
    ['null', null],
    ['an empty string', ''],
    ['a bare number beyond DynamoDB precision', 1.2345678901234567e300],
    ['an array of mixed values', [null, '', 0.1, 1e21, { x: [] }, 'ü', true]],
    ['a long string', 'x'.repeat(50_000)],
  ];

  it.each(payloads)('round-trips input, output and metadata holding %s', async (_, value) => {
    // Prepare
    const task = aTask({ input: value, output: value, metadata: { value, '': '' } });
    // Act
    await store().create(task);
    const stored = await store().get(task.id);
    // Assess
    expect(stored).toEqual(task);
    expect(stored?.input).toStrictEqual(value);
  });

  it('round-trips every field of a task that has run, with its fields in the documented order', async () => {
    // Prepare
    const task = aTask({
      agentId: uniqueId('full'),
      status: 'failed',
      priority: 'critical',
      input: { prompt: 'review' },
      output: { partial: ['a', 'b'] },
      error: { code: 'StepLimit', message: 'too many steps', retryable: false },
      attempts: 2,
      maxAttempts: 5,
      timeoutMs: 30_000,
      deadLettered: true,
      workflowId: newId(),
      metadata: { team: 'core', level: 3 },
      usage: { modelCalls: 4, toolCalls: 2, inputTokens: 1200, outputTokens: 300, costUsd: 0.0123 },
      steps: [
        { index: 0, kind: 'model', name: 'echo', ok: true, durationMs: 3 },
        { index: 1, kind: 'tool', name: 'math.eval', ok: false, durationMs: 1, detail: 'bad' },
      ],
      stepsOmitted: 7,
      leaseUntil: '2030-06-01T11:10:00.000Z',
      startedAt: '2030-06-01T11:01:00.000Z',
      finishedAt: '2030-06-01T11:02:00.000Z',
    });
    // Act
    await store().create(task);
    const stored = await store().get(task.id);
    // Assess
    expect(stored).toEqual(task);
    expect(Object.keys(stored ?? {})).toEqual(Object.keys(task));
  });

  it('answers undefined for a task that does not exist', async () => {
    expect(await store().get(newId())).toBeUndefined();
  });

  it('refuses to create the same id twice with a ConflictError and keeps the first', async () => {
    // Prepare
    const task = await created({ input: 'first' });
    // Act and assess
    await expect(store().create({ ...task, input: 'second' })).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect((await store().get(task.id))?.input).toBe('first');
  });

  it('discards a task: get and listings no longer see it, and discarding again is harmless', async () => {
    // Prepare
    const agentId = uniqueId('discard');
    const task = await created({ agentId });
    // Act
    await store().discard(task.id);
    await store().discard(task.id);
    // Assess
    expect(await store().get(task.id)).toBeUndefined();
    expect((await listAll({ agentId, limit: 10 })).ids).toEqual([]);
  });
});

describe('DynamoTaskStore: transition', () => {
  it('applies an allowed transition, sets the given fields and updatedAt, and returns the task', async () => {
    // Prepare
    const task = await created();
    // Act
    const running = await store().transition(task.id, {
      from: ['queued'],
      to: 'running',
      set: { output: { partial: [0.1, 1e21, ''] }, metadata: { note: 'ü' } },
    });
    // Assess
    const expected = {
      ...task,
      status: 'running',
      output: { partial: [0.1, 1e21, ''] },
      metadata: { note: 'ü' },
      updatedAt: NOW.toISOString(),
    };
    expect(running).toEqual(expected);
    expect(await store().get(task.id)).toEqual(expected);
  });

  it('sets startedAt on the first markStarted only, and counts attempts with incrementAttempts', async () => {
    // Prepare
    const task = await created();
    // Act
    const first = await store().transition(task.id, {
      from: ['queued', 'retrying'],
      to: 'running',
      incrementAttempts: true,
      markStarted: '2030-06-01T11:30:00.000Z',
    });
    await store().transition(task.id, { from: ['running'], to: 'retrying' });
    const second = await store().transition(task.id, {
      from: ['queued', 'retrying'],
      to: 'running',
      incrementAttempts: true,
      markStarted: '2030-06-01T11:45:00.000Z',
    });
    // Assess
    expect(first).toMatchObject({ startedAt: '2030-06-01T11:30:00.000Z', attempts: 1 });
    expect(second).toMatchObject({ startedAt: '2030-06-01T11:30:00.000Z', attempts: 2 });
    expect(await store().get(task.id)).toMatchObject({
      status: 'running',
      startedAt: '2030-06-01T11:30:00.000Z',
      attempts: 2,
    });
  });

  it('keeps a startedAt given at creation when markStarted comes later', async () => {
    const task = await created({ startedAt: '2030-06-01T11:05:00.000Z' });
    const running = await store().transition(task.id, {
      from: ['queued'],
      to: 'running',
      markStarted: '2030-06-01T11:50:00.000Z',
    });
    expect(running.startedAt).toBe('2030-06-01T11:05:00.000Z');
  });

  it('throws TransitionConflictError from a wrong status and writes nothing', async () => {
    // Prepare
    const task = await created({ status: 'running', attempts: 1 });
    // Act and assess
    await expect(
      store().transition(task.id, {
        from: ['queued', 'retrying'],
        to: 'running',
        incrementAttempts: true,
        markStarted: '2030-06-01T11:30:00.000Z',
        set: { output: 'should not be written' },
      }),
    ).rejects.toBeInstanceOf(TransitionConflictError);
    expect(await store().get(task.id)).toEqual(task);
  });

  it('throws TransitionConflictError for a task that does not exist and creates nothing', async () => {
    const id = newId();
    await expect(
      store().transition(id, { from: ['queued'], to: 'running' }),
    ).rejects.toBeInstanceOf(TransitionConflictError);
    expect(await store().get(id)).toBeUndefined();
  });

  it('applies expectAttempts only when attempts match', async () => {
    // Prepare
    const task = await created({ status: 'running', attempts: 2 });
    // Act and assess
    await expect(
      store().transition(task.id, { from: ['running'], to: 'succeeded', expectAttempts: 1 }),
    ).rejects.toBeInstanceOf(TransitionConflictError);
    const current = await store().transition(task.id, {
      from: ['running'],
      to: 'succeeded',
      expectAttempts: 2,
    });
    expect(current).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('applies expectDeadLettered only when the flag matches, so dead-lettering happens once', async () => {
    // Prepare
    const task = await created({ status: 'failed' });
    const markDeadLettered = () =>
      store().transition(task.id, {
        from: ['failed'],
        to: 'failed',
        expectDeadLettered: false,
        set: { deadLettered: true },
      });
    // Act and assess
    await expect(
      store().transition(task.id, {
        from: ['failed'],
        to: 'queued',
        expectDeadLettered: true,
        set: { deadLettered: false },
      }),
    ).rejects.toBeInstanceOf(TransitionConflictError);
    const marked = await markDeadLettered();
    expect(marked).toMatchObject({ status: 'failed', deadLettered: true });
    await expect(markDeadLettered()).rejects.toBeInstanceOf(TransitionConflictError);
  });

  it.each([
    ['expired', '2030-06-01T11:59:00.000Z', true],
    ['still valid', '2030-06-01T12:01:00.000Z', false],
    ['null', null, true],
  ])(
    'with leaseExpiredBefore, applies only when the lease is %s or absent',
    async (_, leaseUntil, applies) => {
      // Prepare
      const task = await created({ status: 'running', attempts: 1, leaseUntil });
      const change = {
        from: ['running'] as TaskStatus[],
        to: 'retrying' as const,
        leaseExpiredBefore: NOW.toISOString(),
        set: { leaseUntil: null },
      };
      // Act
      const outcome = await store()
        .transition(task.id, change)
        .then(
          (t) => t,
          (error: unknown) => error,
        );
      // Assess
      if (applies) {
        expect(outcome).toMatchObject({ status: 'retrying', leaseUntil: null });
      } else {
        expect(outcome).toBeInstanceOf(TransitionConflictError);
        expect(await store().get(task.id)).toEqual(task);
      }
    },
  );

  it('lets a worker take over a running task whose lease expired (running → running)', async () => {
    // Prepare
    const task = await created({
      status: 'running',
      attempts: 1,
      leaseUntil: '2030-06-01T11:00:00.000Z',
    });
    // Act
    const taken = await store().transition(task.id, {
      from: ['running'],
      to: 'running',
      incrementAttempts: true,
      leaseExpiredBefore: NOW.toISOString(),
      set: { leaseUntil: '2030-06-01T12:05:00.000Z' },
    });
    // Assess
    expect(taken).toMatchObject({ status: 'running', attempts: 2 });
  });

  it.each([
    ['queued', undefined],
    ['retrying', undefined],
    ['running', '2030-06-01T11:00:00.000Z'],
  ] as [TaskStatus, string | undefined][])(
    'never counts an attempt past maxAttempts: from %s at the last attempt it is refused',
    async (status, leaseUntil) => {
      // Prepare: at attempt 3 of 3 (a running one whose worker died: its lease ended).
      const task = await created({
        status,
        attempts: 3,
        maxAttempts: 3,
        leaseUntil: leaseUntil ?? null,
      });
      // Act
      const act = store().transition(task.id, {
        from: [status],
        to: 'running',
        incrementAttempts: true,
        ...(status === 'running' ? { leaseExpiredBefore: NOW.toISOString() } : {}),
        set: { leaseUntil: '2030-06-01T12:05:00.000Z' },
      });
      // Assess
      await rejection(act, TransitionConflictError);
      expect(await store().get(task.id)).toEqual(task);
    },
  );

  it('counts an attempt below maxAttempts as before', async () => {
    // Prepare
    const task = await created({ status: 'retrying', attempts: 2, maxAttempts: 3 });
    // Act
    const started = await store().transition(task.id, {
      from: ['retrying'],
      to: 'running',
      incrementAttempts: true,
    });
    // Assess
    expect(started).toMatchObject({ status: 'running', attempts: 3 });
  });

  it.each([
    ['succeeded', 'running'],
    ['cancelled', 'queued'],
    ['queued', 'succeeded'],
    ['failed', 'running'],
  ] as [TaskStatus, TaskStatus][])(
    'refuses the disallowed pair %s → %s before writing',
    async (from, to) => {
      // Prepare: the task is in `from`, so only the transition table can stop the write.
      const task = await created({ status: from });
      // Act
      const transition = store().transition(task.id, { from: [from], to });
      // Assess
      await expect(transition).rejects.toBeInstanceOf(Error);
      await expect(transition).rejects.not.toBeInstanceOf(TransitionConflictError);
      await expect(transition).rejects.toThrow(/not allowed/);
      expect(await store().get(task.id)).toEqual(task);
    },
  );

  it('refuses a transition when any of its from statuses may not go to the target', async () => {
    const task = await created({ status: 'queued' });
    await expect(
      store().transition(task.id, { from: ['queued', 'succeeded'], to: 'running' }),
    ).rejects.toThrow(/succeeded → running is not allowed/);
    expect(await store().get(task.id)).toEqual(task);
  });

  it('lets exactly one of two concurrent identical transitions win', async () => {
    for (let round = 0; round < 5; round++) {
      // Prepare
      const task = await created();
      const start = () =>
        store().transition(task.id, {
          from: ['queued', 'retrying'],
          to: 'running',
          incrementAttempts: true,
          markStarted: NOW.toISOString(),
        });
      // Act
      const outcomes = await Promise.allSettled([start(), start()]);
      // Assess
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o) => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(TransitionConflictError);
      expect(await store().get(task.id)).toMatchObject({ status: 'running', attempts: 1 });
    }
  });
});

describe('DynamoTaskStore: a record that stays bounded', () => {
  /** An attempt of 2,080 steps whose details are all at their 500-character limit. */
  const longAttempt = (): TaskStep[] =>
    Array.from({ length: 2_080 }, (_, index) => ({
      index,
      kind: index % 21 === 0 ? 'model' : 'tool',
      name: index % 21 === 0 ? 'scripted' : 'fs.list',
      ok: true,
      durationMs: 3,
      detail:
        `{"path":".","entries":[${'{"name":"a-file-with-a-long-name.txt"},'.repeat(20)}`.slice(
          0,
          500,
        ),
    }));

  it('cannot hold every step of a long attempt: DynamoDB refuses the item, not as a conflict', async () => {
    // Prepare
    const task = await created({ status: 'running', attempts: 1 });
    // Act
    const error = await rejection(
      store().transition(task.id, {
        from: ['running'],
        to: 'succeeded',
        set: { steps: longAttempt(), output: 'done' },
      }),
      Error,
    );
    // Assess: the reason the record is bounded.
    expect(error).not.toBeInstanceOf(TransitionConflictError);
    expect((await store().get(task.id))?.status).toBe('running');
  });

  it('holds the bounded record of that attempt with the largest output a task may keep', async () => {
    // Prepare: the largest input a request may carry, and the largest output that fits with it.
    const input = 'i'.repeat(MAX_BODY_BYTES - 100);
    const task = await created({ status: 'running', attempts: 1, input, metadata: {} });
    const output = 'o'.repeat(outputBudgetBytes(task) - 2);
    const { steps, stepsOmitted } = boundSteps(longAttempt());
    // Act
    const done = await store().transition(task.id, {
      from: ['running'],
      to: 'succeeded',
      set: {
        steps,
        stepsOmitted,
        output,
        error: {
          code: 'X',
          message: 'm'.repeat(TASK_RECORD_LIMITS.maxErrorMessageChars),
          retryable: true,
        },
      },
    });
    // Assess
    expect(done).toMatchObject({ status: 'succeeded', stepsOmitted: 2_030 });
    expect(done.steps).toHaveLength(50);
    expect((await store().get(task.id))?.output).toBe(output);
  });
});

describe('DynamoTaskStore: list', () => {
  it('lists an agent’s tasks newest first, page by page, each once', async () => {
    // Prepare
    const agentId = uniqueId('lister');
    const mine: string[] = [];
    for (let i = 0; i < 7; i++) mine.push((await created({ agentId })).id);
    await created({ agentId: uniqueId('someone-else') });
    // Act
    const { pages, ids } = await listAll({ agentId, limit: 3 });
    // Assess
    expect(ids).toEqual(newestFirst(mine));
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
  });

  it('lists by status newest first across pages, only tasks in that status', async () => {
    // Prepare
    const agentId = uniqueId('by-status');
    const retrying: string[] = [];
    for (let i = 0; i < 5; i++) retrying.push((await created({ agentId, status: 'retrying' })).id);
    await created({ agentId, status: 'queued' });
    // Act
    const { pages, ids } = await listAll({ status: 'retrying', limit: 2 });
    // Assess
    for (const task of pages.flat()) expect(task.status).toBe('retrying');
    expect(ids).toEqual(newestFirst(ids));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => retrying.includes(id))).toEqual(newestFirst(retrying));
  });

  it('lists by agent and status together', async () => {
    // Prepare
    const agentId = uniqueId('both');
    const queued = [(await created({ agentId })).id, (await created({ agentId })).id];
    const running = (await created({ agentId, status: 'running' })).id;
    await created({ status: 'queued' });
    // Act
    const queuedList = await listAll({ agentId, status: 'queued', limit: 1 });
    const runningList = await listAll({ agentId, status: 'running', limit: 10 });
    // Assess
    expect(queuedList.ids).toEqual(newestFirst(queued));
    expect(runningList.ids).toEqual([running]);
  });

  it('lists all tasks newest first, each once, through cursors', async () => {
    // Prepare
    const mine = [(await created()).id, (await created()).id, (await created()).id];
    // Act
    const { ids } = await listAll({ limit: 4 });
    // Assess
    expect(ids).toEqual(newestFirst(ids));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => mine.includes(id))).toEqual(newestFirst(mine));
  });

  it('refuses a cursor of another listing with a ValidationError on path cursor', async () => {
    // Prepare: a real cursor of one agent's tasks.
    const agentId = uniqueId('cursor');
    for (let i = 0; i < 3; i++) await created({ agentId });
    const first = await store().list({ agentId, limit: 1 });
    expect(first.nextCursor).not.toBeNull();
    // Act
    const listings = [
      store().list({ agentId: uniqueId('other'), limit: 1, cursor: first.nextCursor ?? '' }),
      store().list({ limit: 1, cursor: first.nextCursor ?? '' }),
      store().list({ limit: 1, cursor: 'not-a-cursor' }),
    ];
    // Assess
    await Promise.all(
      listings.map(async (listing) => {
        await expect(listing).rejects.toBeInstanceOf(ValidationError);
        await expect(listing).rejects.toHaveProperty('details', [
          expect.objectContaining({ path: 'cursor' }),
        ]);
      }),
    );
  });
});

describe('DynamoTaskStore: dead-lettered tasks', () => {
  it('lists and counts dead-lettered tasks, and a redrive back to queued removes them', async () => {
    // Prepare
    const agentId = uniqueId('dlq');
    const before = await store().countDeadLettered();
    const dead = [
      (await deadLettered({ agentId })).id,
      (await deadLettered({ agentId, status: 'running' })).id,
      (await deadLettered({ agentId, status: 'retrying' })).id,
    ];
    const failedOnly = await created({ agentId, status: 'running' });
    await store().transition(failedOnly.id, { from: ['running'], to: 'failed' });
    // Act
    const countAfterMarking = await store().countDeadLettered();
    const listed = await listAll({ status: 'failed', deadLettered: true, limit: 2 });
    const notDead = await listAll({ status: 'failed', deadLettered: false, limit: 10 });
    const byAgent = await listAll({ agentId, deadLettered: true, limit: 10 });
    const redriven = await store().transition(dead[1] as string, {
      from: ['failed'],
      to: 'queued',
      expectDeadLettered: true,
      set: { attempts: 0, deadLettered: false, error: null, finishedAt: null },
    });
    const countAfterRedrive = await store().countDeadLettered();
    const listedAfterRedrive = await listAll({ status: 'failed', deadLettered: true, limit: 10 });
    // Assess
    expect(countAfterMarking).toBe(before + 3);
    expect(listed.ids.filter((id) => id.length && dead.includes(id))).toEqual(newestFirst(dead));
    for (const task of listed.pages.flat())
      expect(task).toMatchObject({ status: 'failed', deadLettered: true });
    expect(notDead.ids).toContain(failedOnly.id);
    expect(notDead.ids).not.toEqual(expect.arrayContaining([dead[0]]));
    expect(byAgent.ids).toEqual(newestFirst(dead));
    expect(redriven).toMatchObject({
      status: 'queued',
      deadLettered: false,
      attempts: 0,
      error: null,
    });
    expect(countAfterRedrive).toBe(before + 2);
    expect(listedAfterRedrive.ids).not.toContain(dead[1]);
    expect((await listAll({ status: 'queued', limit: 100 })).ids).toContain(dead[1]);
  });

  it('counts more dead-lettered tasks than one query page holds', async () => {
    const before = await store().countDeadLettered();
    await Promise.all(Array.from({ length: 30 }, () => deadLettered()));
    expect(await store().countDeadLettered()).toBe(before + 30);
  });

  it('lists failed tasks newest first whether they are dead-lettered or not', async () => {
    // Prepare: the older task failed without dead-lettering, the newer one was dead-lettered.
    const agentId = uniqueId('mixed-failed');
    const older = await created({ agentId, status: 'running' });
    await store().transition(older.id, { from: ['running'], to: 'failed' });
    const newer = await deadLettered({ agentId });
    // Act
    const { ids } = await listAll({ status: 'failed', limit: 100 });
    // Assess
    expect(ids.filter((id) => id === older.id || id === newer.id)).toEqual([newer.id, older.id]);
  });

  it('keeps a dead-lettered task counted when a later transition does not repeat the flag', async () => {
    // Prepare
    const before = await store().countDeadLettered();
    const task = await deadLettered();
    // Act
    const amended = await store().transition(task.id, {
      from: ['failed'],
      to: 'failed',
      set: { error: { code: 'Amended', message: 'more detail', retryable: false } },
    });
    // Assess
    expect(amended.deadLettered).toBe(true);
    expect(await store().countDeadLettered()).toBe(before + 1);
  });
});

describe('DynamoTaskStore: parked tasks', () => {
  it('parks idempotently, lists oldest first through cursors, and unparks', async () => {
    // Prepare
    const agentId = uniqueId('paused');
    const ids = [newId(), newId(), newId(), newId(), newId()];
    for (const id of [...ids].reverse()) await store().park(agentId, id);
    await store().park(agentId, ids[2] as string);
    await store().park(uniqueId('other-agent'), newId());
    // Act
    const listed: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await store().listParked(agentId, { limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      listed.push(...page.items);
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    await store().unpark(agentId, ids[0] as string);
    await store().unpark(agentId, ids[0] as string);
    const afterUnpark = await store().listParked(agentId, { limit: 100 });
    // Assess
    expect(listed).toEqual(ids);
    expect(afterUnpark).toEqual({ items: ids.slice(1), nextCursor: null });
  });

  it('answers an empty page for an agent with nothing parked', async () => {
    expect(await store().listParked(uniqueId('idle'), { limit: 10 })).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('refuses another agent’s parked cursor with a ValidationError on path cursor', async () => {
    // Prepare
    const agentId = uniqueId('parked-cursor');
    await store().park(agentId, newId());
    await store().park(agentId, newId());
    const page = await store().listParked(agentId, { limit: 1 });
    expect(page.nextCursor).not.toBeNull();
    // Act
    const listing = store().listParked(uniqueId('thief'), {
      limit: 1,
      cursor: page.nextCursor ?? '',
    });
    // Assess
    await expect(listing).rejects.toBeInstanceOf(ValidationError);
    await expect(listing).rejects.toHaveProperty('details', [
      expect.objectContaining({ path: 'cursor' }),
    ]);
  });
});
