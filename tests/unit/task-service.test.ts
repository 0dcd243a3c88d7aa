import { describe, expect, it } from 'vitest';
import type { Agent } from '../../shared/core/agents/agent.js';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/core/errors.js';
import type { EventContext } from '../../shared/core/events.js';
import { ULID_PATTERN } from '../../shared/core/ids.js';
import type { Task, TaskStatus } from '../../shared/core/tasks/task.js';
import {
  cancelTask,
  getTask,
  queueStatus,
  recordDeadLetter,
  recoverUnfinishedTasks,
  redriveDeadLettered,
  releaseParkedTasks,
  type SchedulerDeps,
  submitTask,
} from '../../shared/core/tasks/task-service.js';
import {
  buildAgent,
  buildTask,
  FixedClock,
  InMemoryAgentStore,
  InMemoryTaskQueue,
  InMemoryTaskStore,
  RecordingEventPublisher,
} from '../helpers/in-memory.js';
import { rejection } from '../helpers/rejection.js';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

interface World {
  deps: SchedulerDeps;
  ctx: EventContext;
  clock: FixedClock;
  agents: InMemoryAgentStore;
  tasks: InMemoryTaskStore;
  queue: InMemoryTaskQueue;
  events: RecordingEventPublisher;
}

function world(...agents: Agent[]): World {
  const clock = new FixedClock();
  const agents_ = new InMemoryAgentStore().seed(...agents);
  const tasks = new InMemoryTaskStore(clock);
  const queue = new InMemoryTaskQueue();
  const events = new RecordingEventPublisher();
  return {
    deps: { agents: agents_, tasks, queue, events },
    ctx: { correlationId: 'corr-request', clock },
    clock,
    agents: agents_,
    tasks,
    queue,
    events,
  };
}

const agent = (status: Agent['status'] = 'active', id = 'worker') => buildAgent({ id }, status);

/** Seeds tasks for agent `worker`; returns them. */
function seedTasks(w: World, ...overrides: Partial<Task>[]): Task[] {
  return overrides.map((o) => {
    const task = buildTask({ agentId: 'worker', ...o });
    w.tasks.seed(task);
    return task;
  });
}

const FINISHED: TaskStatus[] = ['succeeded', 'failed', 'cancelled'];

// ---------------------------------------------------------------------------------------------
// submitTask
// ---------------------------------------------------------------------------------------------

describe('submitTask', () => {
  it('stores a queued task with defaults, enqueues it and announces it', async () => {
    // Prepare
    const w = world(agent());

    // Act
    const task = await submitTask(w.deps, { agentId: 'worker', input: { q: 1 } }, w.ctx);

    // Assess
    expect(task.id).toMatch(ULID_PATTERN);
    expect(task).toMatchObject({
      agentId: 'worker',
      status: 'queued',
      priority: 'normal',
      input: { q: 1 },
      output: null,
      error: null,
      attempts: 0,
      maxAttempts: 3,
      timeoutMs: null,
      deadLettered: false,
      workflowId: null,
      metadata: {},
      steps: [],
      correlationId: 'corr-request',
      leaseUntil: null,
      createdAt: w.clock.iso(),
      startedAt: null,
      finishedAt: null,
    });
    expect(w.tasks.stored(task.id)).toEqual(task);
    expect(w.queue.sent).toEqual([
      { taskId: task.id, agentId: 'worker', priority: 'normal', correlationId: 'corr-request' },
    ]);
    expect(w.events.types()).toEqual(['task.queued']);
    expect(w.events.events[0]?.detail).toMatchObject({
      correlationId: 'corr-request',
      data: { taskId: task.id, agentId: 'worker', priority: 'normal', reason: 'submitted' },
    });
  });

  it('keeps the optional fields the caller gives', async () => {
    // Prepare
    const w = world(agent());

    // Act
    const task = await submitTask(
      w.deps,
      {
        agentId: 'worker',
        input: 'x',
        priority: 'critical',
        maxAttempts: 10,
        timeoutMs: 100,
        metadata: { ticket: 'T-1' },
      },
      w.ctx,
    );

    // Assess
    expect(task).toMatchObject({
      priority: 'critical',
      maxAttempts: 10,
      timeoutMs: 100,
      metadata: { ticket: 'T-1' },
    });
    expect(w.queue.sent[0]?.priority).toBe('critical');
  });

  it('accepts a task for a paused agent (it waits queued)', async () => {
    // Prepare
    const w = world(agent('paused'));

    // Act
    const task = await submitTask(w.deps, { agentId: 'worker', input: 'x' }, w.ctx);

    // Assess
    expect(task.status).toBe('queued');
    expect(w.queue.sent).toHaveLength(1);
  });

  it.each([
    ['a missing agentId', { input: 'x' }, [{ path: 'agentId', message: 'required' }]],
    ['a missing input', { agentId: 'worker' }, [{ path: 'input', message: 'required' }]],
    [
      'a wrong-typed priority',
      { agentId: 'worker', input: 'x', priority: 5 },
      [{ path: 'priority', message: expect.any(String) }],
    ],
    [
      'an unknown priority',
      { agentId: 'worker', input: 'x', priority: 'urgent' },
      [{ path: 'priority', message: expect.any(String) }],
    ],
    [
      'maxAttempts below 1',
      { agentId: 'worker', input: 'x', maxAttempts: 0 },
      [{ path: 'maxAttempts', message: expect.any(String) }],
    ],
    [
      'maxAttempts above 10',
      { agentId: 'worker', input: 'x', maxAttempts: 11 },
      [{ path: 'maxAttempts', message: expect.any(String) }],
    ],
    [
      'a fractional maxAttempts',
      { agentId: 'worker', input: 'x', maxAttempts: 2.5 },
      [{ path: 'maxAttempts', message: expect.any(String) }],
    ],
    [
      'a timeoutMs too short',
      { agentId: 'worker', input: 'x', timeoutMs: 99 },
      [{ path: 'timeoutMs', message: expect.any(String) }],
    ],
    [
      'an unknown field',
      { agentId: 'worker', input: 'x', colour: 'red' },
      [{ path: 'colour', message: 'unknown field' }],
    ],
    [
      'a malformed agentId',
      { agentId: 'Not An Id', input: 'x' },
      [{ path: 'agentId', message: expect.stringContaining('agentId must match') }],
    ],
    ['a body that is not an object', 'just text', [{ path: '', message: expect.any(String) }]],
    [
      'several bad fields at once',
      { priority: 'urgent', maxAttempts: 0 },
      [
        { path: 'agentId', message: 'required' },
        { path: 'input', message: 'required' },
        { path: 'priority', message: expect.any(String) },
        { path: 'maxAttempts', message: expect.any(String) },
      ],
    ],
  ])('refuses %s, naming the field, and changes nothing', async (_label, body, details) => {
    // Prepare
    const w = world(agent());

    // Act
    const error = await rejection(submitTask(w.deps, body, w.ctx), ValidationError);

    // Assess
    expect(error.details).toEqual(details);
    expect(w.tasks.tasks.size).toBe(0);
    expect(w.queue.sent).toEqual([]);
    expect(w.events.events).toEqual([]);
  });

  it('answers NotFound for an agent that does not exist', async () => {
    // Prepare
    const w = world();

    // Act
    const error = await rejection(
      submitTask(w.deps, { agentId: 'ghost', input: 'x' }, w.ctx),
      NotFoundError,
    );

    // Assess
    expect(error.message).toContain("'ghost'");
    expect(error.details).toEqual([{ path: 'agentId', message: 'no such agent' }]);
    expect(w.tasks.tasks.size).toBe(0);
    expect(w.queue.sent).toEqual([]);
  });

  it('answers Conflict for a retired agent', async () => {
    // Prepare
    const w = world(agent('retired'));

    // Act
    const error = await rejection(
      submitTask(w.deps, { agentId: 'worker', input: 'x' }, w.ctx),
      ConflictError,
    );

    // Assess
    expect(error.message).toContain('retired');
    expect(w.tasks.tasks.size).toBe(0);
    expect(w.events.events).toEqual([]);
  });

  it('discards the task and rethrows when it cannot be enqueued, announcing nothing', async () => {
    // Prepare
    const w = world(agent());
    const outage = new Error('SQS is down');
    w.queue.failWith = outage;

    // Act
    const act = submitTask(w.deps, { agentId: 'worker', input: 'x' }, w.ctx);

    // Assess
    await expect(act).rejects.toBe(outage);
    expect(w.tasks.tasks.size).toBe(0);
    expect(w.events.events).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// getTask, cancelTask
// ---------------------------------------------------------------------------------------------

describe('getTask', () => {
  it.each([
    ['not an id', 'not-an-id'],
    ['an unknown id', '01JAAAAAAAAAAAAAAAAAAAAAAA'],
  ])('answers NotFound for %s', async (_label, id) => {
    // Prepare
    const w = world();

    // Act
    const act = getTask(w.deps, id);

    // Assess
    await expect(act).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('cancelTask', () => {
  it.each(['queued', 'running', 'retrying'] as const)(
    'cancels a %s task, ends its lease and announces it',
    async (status) => {
      // Prepare
      const w = world(agent());
      const [task] = seedTasks(w, {
        status,
        leaseUntil: status === 'running' ? '2025-01-01T00:05:00.000Z' : null,
      });

      // Act
      const cancelled = await cancelTask(w.deps, task!.id, w.ctx);

      // Assess
      expect(cancelled).toMatchObject({
        status: 'cancelled',
        finishedAt: w.clock.iso(),
        leaseUntil: null,
      });
      expect(w.tasks.stored(task!.id).status).toBe('cancelled');
      expect(w.events.types()).toEqual(['task.cancelled']);
      expect(w.events.events[0]?.detail.data).toEqual({ taskId: task!.id, agentId: 'worker' });
    },
  );

  it.each(FINISHED)('answers Conflict once the task is %s, and changes nothing', async (status) => {
    // Prepare
    const w = world(agent());
    const [task] = seedTasks(w, { status, finishedAt: '2024-12-31T00:00:00.000Z' });

    // Act
    const error = await rejection(cancelTask(w.deps, task!.id, w.ctx), ConflictError);

    // Assess
    expect(error.status).toBe(409);
    expect(error.message).toContain(`already ${status}`);
    expect(w.tasks.stored(task!.id)).toMatchObject({
      status,
      finishedAt: '2024-12-31T00:00:00.000Z',
    });
    expect(w.events.events).toEqual([]);
  });

  it('answers NotFound for an unknown task', async () => {
    // Prepare
    const w = world();

    // Act
    const act = cancelTask(w.deps, '01JAAAAAAAAAAAAAAAAAAAAAAA', w.ctx);

    // Assess
    await expect(act).rejects.toBeInstanceOf(NotFoundError);
  });
});

// ---------------------------------------------------------------------------------------------
// redriveDeadLettered
// ---------------------------------------------------------------------------------------------

describe('redriveDeadLettered', () => {
  const deadLettered = (o: Partial<Task> = {}): Partial<Task> => ({
    status: 'failed',
    deadLettered: true,
    attempts: 3,
    error: { code: 'ModelUnavailable', message: 'down', retryable: true },
    output: 'partial',
    finishedAt: '2024-12-31T00:00:00.000Z',
    correlationId: 'corr-old',
    ...o,
  });

  it('queues the named dead-lettered tasks again with fresh attempts', async () => {
    // Prepare
    const w = world(agent());
    const [task] = seedTasks(w, deadLettered({ priority: 'low' }));

    // Act
    const result = await redriveDeadLettered(w.deps, { taskIds: [task!.id] }, w.ctx);

    // Assess
    expect(result).toEqual({ redriven: [task!.id], skipped: [] });
    expect(w.tasks.stored(task!.id)).toMatchObject({
      status: 'queued',
      attempts: 0,
      deadLettered: false,
      error: null,
      output: null,
      finishedAt: null,
      correlationId: 'corr-request',
    });
    expect(w.queue.sent).toEqual([
      { taskId: task!.id, agentId: 'worker', priority: 'low', correlationId: 'corr-request' },
    ]);
    expect(w.events.types()).toEqual(['task.queued']);
    expect(w.events.events[0]?.detail.data).toMatchObject({ reason: 'redriven', priority: 'low' });
  });

  it('skips tasks that are not dead-lettered or do not exist, saying why', async () => {
    // Prepare
    const w = world(agent());
    const [failedOnly, succeeded, queued] = seedTasks(
      w,
      { status: 'failed', deadLettered: false },
      { status: 'succeeded' },
      { status: 'queued' },
    );
    const missing = '01JAAAAAAAAAAAAAAAAAAAAAAA';

    // Act
    const result = await redriveDeadLettered(
      w.deps,
      { taskIds: [failedOnly!.id, succeeded!.id, queued!.id, missing] },
      w.ctx,
    );

    // Assess
    expect(result).toEqual({
      redriven: [],
      skipped: [
        { taskId: failedOnly!.id, reason: 'not dead-lettered' },
        { taskId: succeeded!.id, reason: 'not dead-lettered' },
        { taskId: queued!.id, reason: 'not dead-lettered' },
        { taskId: missing, reason: 'not found' },
      ],
    });
    expect(w.tasks.stored(failedOnly!.id).status).toBe('failed');
    expect(w.queue.sent).toEqual([]);
    expect(w.events.events).toEqual([]);
  });

  it.each([
    ['no body', undefined],
    ['an empty body', {}],
  ])('redrives every dead-lettered task when given %s', async (_label, body) => {
    // Prepare
    const w = world(agent());
    const [a, b] = seedTasks(w, deadLettered(), deadLettered(), { status: 'failed' });

    // Act
    const result = await redriveDeadLettered(w.deps, body, w.ctx);

    // Assess
    expect([...result.redriven].sort()).toEqual([a!.id, b!.id].sort());
    expect(w.queue.sentIds().sort()).toEqual([a!.id, b!.id].sort());
    expect(await w.tasks.countDeadLettered()).toBe(0);
  });

  it.each([
    ['an empty list', { taskIds: [] }, 'taskIds'],
    ['a malformed id', { taskIds: ['nope'] }, 'taskIds.0'],
    ['the second id malformed', { taskIds: ['01JAAAAAAAAAAAAAAAAAAAAAAA', 7] }, 'taskIds.1'],
    ['taskIds not a list', { taskIds: 'x' }, 'taskIds'],
    [
      'more than 100 ids',
      { taskIds: Array.from({ length: 101 }, () => '01JAAAAAAAAAAAAAAAAAAAAAAA') },
      'taskIds',
    ],
    ['an unknown field', { all: true }, 'all'],
  ])('refuses %s', async (_label, body, path) => {
    // Prepare
    const w = world(agent());
    seedTasks(w, deadLettered());

    // Act
    const error = await rejection(redriveDeadLettered(w.deps, body, w.ctx), ValidationError);

    // Assess
    expect(error.details?.map((d) => d.path)).toEqual([path]);
    expect(w.queue.sent).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// recordDeadLetter
// ---------------------------------------------------------------------------------------------

describe('recordDeadLetter', () => {
  it('flags a failed task as dead-lettered with its own error, once', async () => {
    // Prepare
    const w = world(agent());
    const error = { code: 'ModelUnavailable', message: 'down', retryable: true };
    const [task] = seedTasks(w, { status: 'failed', attempts: 3, error, correlationId: 'corr-t' });

    // Act
    await recordDeadLetter(w.deps, { taskId: task!.id, agentId: 'worker' }, w.clock);

    // Assess
    expect(w.tasks.stored(task!.id)).toMatchObject({ status: 'failed', deadLettered: true, error });
    expect(w.events.types()).toEqual(['task.dead-lettered']);
    expect(w.events.events[0]?.detail).toMatchObject({
      correlationId: 'corr-t',
      data: { taskId: task!.id, agentId: 'worker', attempts: 3, error },
    });
  });

  it.each(['running', 'queued', 'retrying'] as const)(
    'fails a %s task as a poison message and dead-letters it',
    async (status) => {
      // Prepare
      const w = world(agent());
      const [task] = seedTasks(w, {
        status,
        attempts: 2,
        leaseUntil: status === 'running' ? '2025-01-01T00:05:00.000Z' : null,
      });

      // Act
      await recordDeadLetter(w.deps, { taskId: task!.id, agentId: 'worker' }, w.clock);

      // Assess
      const stored = w.tasks.stored(task!.id);
      expect(stored).toMatchObject({
        status: 'failed',
        deadLettered: true,
        finishedAt: w.clock.iso(),
        leaseUntil: null,
        error: { code: 'PoisonMessage', retryable: true },
      });
      expect(stored.error?.message).toContain('2 time(s)');
      expect(w.events.types()).toEqual(['task.failed', 'task.dead-lettered']);
      expect(w.events.events[1]?.detail.data).toMatchObject({
        attempts: 2,
        error: { code: 'PoisonMessage' },
      });
    },
  );

  it.each(['succeeded', 'cancelled'] as const)('leaves a %s task untouched', async (status) => {
    // Prepare
    const w = world(agent());
    const [task] = seedTasks(w, { status });

    // Act
    await recordDeadLetter(w.deps, { taskId: task!.id, agentId: 'worker' }, w.clock);

    // Assess
    expect(w.tasks.stored(task!.id)).toEqual(task);
    expect(w.events.events).toEqual([]);
  });

  it('publishes nothing more on a second delivery of the same message', async () => {
    // Prepare
    const w = world(agent());
    const [task] = seedTasks(w, { status: 'running', attempts: 1 });
    const message = { taskId: task!.id, agentId: 'worker' };

    // Act
    await recordDeadLetter(w.deps, message, w.clock);
    await recordDeadLetter(w.deps, message, w.clock);

    // Assess
    expect(w.events.types()).toEqual(['task.failed', 'task.dead-lettered']);
  });

  it('publishes nothing when a concurrent delivery wins the write', async () => {
    // Prepare: both deliveries read the task before either writes.
    const w = world(agent());
    const [task] = seedTasks(w, { status: 'failed', error: null });
    const message = { taskId: task!.id, agentId: 'worker' };

    // Act
    await Promise.all([
      recordDeadLetter(w.deps, message, w.clock),
      recordDeadLetter(w.deps, message, w.clock),
    ]);

    // Assess
    expect(w.events.types()).toEqual(['task.dead-lettered']);
    expect(w.events.events[0]?.detail.data.error).toEqual({
      code: 'Unknown',
      message: 'no error recorded',
      retryable: true,
    });
  });

  it('ignores a message for a task that does not exist', async () => {
    // Prepare
    const w = world(agent());

    // Act
    const act = recordDeadLetter(
      w.deps,
      { taskId: '01JAAAAAAAAAAAAAAAAAAAAAAA', agentId: 'worker' },
      w.clock,
    );

    // Assess
    await expect(act).resolves.toBeUndefined();
    expect(w.events.events).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// releaseParkedTasks
// ---------------------------------------------------------------------------------------------

describe('releaseParkedTasks', () => {
  it('enqueues the unfinished parked tasks of an active agent and unparks them all', async () => {
    // Prepare
    const w = world(agent('active'));
    const [a, b, done] = seedTasks(
      w,
      { priority: 'critical' },
      { status: 'retrying' },
      { status: 'cancelled' },
    );
    for (const t of [a, b, done]) await w.tasks.park('worker', t!.id);

    // Act
    const released = await releaseParkedTasks(w.deps, 'worker', w.ctx);

    // Assess
    expect(released).toBe(2);
    expect(w.queue.sent).toEqual([
      { taskId: a!.id, agentId: 'worker', priority: 'critical', correlationId: a!.correlationId },
      { taskId: b!.id, agentId: 'worker', priority: 'normal', correlationId: b!.correlationId },
    ]);
    expect(w.events.types()).toEqual(['task.queued', 'task.queued']);
    expect(w.events.events.map((e) => e.detail.data.reason)).toEqual(['resumed', 'resumed']);
    expect(w.tasks.parkedIds('worker')).toEqual([]);
  });

  it('goes through every page of parked tasks', async () => {
    // Prepare: more than one page (100).
    const w = world(agent('active'));
    const tasks = seedTasks(w, ...Array.from({ length: 150 }, () => ({})));
    for (const t of tasks) await w.tasks.park('worker', t.id);

    // Act
    const released = await releaseParkedTasks(w.deps, 'worker', w.ctx);

    // Assess
    expect(released).toBe(150);
    expect(new Set(w.queue.sentIds()).size).toBe(150);
    expect(w.tasks.parkedIds('worker')).toEqual([]);
  });

  it.each([
    ['paused', agent('paused')],
    ['retired', agent('retired')],
    ['missing', undefined],
  ])('releases nothing while the agent is %s', async (_label, who) => {
    // Prepare
    const w = who ? world(who) : world();
    const [task] = seedTasks(w, {});
    await w.tasks.park('worker', task!.id);

    // Act
    const released = await releaseParkedTasks(w.deps, 'worker', w.ctx);

    // Assess
    expect(released).toBe(0);
    expect(w.queue.sent).toEqual([]);
    expect(w.tasks.parkedIds('worker')).toEqual([task!.id]);
  });
});

// ---------------------------------------------------------------------------------------------
// recoverUnfinishedTasks
// ---------------------------------------------------------------------------------------------

describe('recoverUnfinishedTasks', () => {
  it('puts running tasks back to retrying and requeues every unfinished task', async () => {
    // Prepare
    const w = world(agent());
    const [queued, running, retrying, ...finished] = seedTasks(
      w,
      { status: 'queued' },
      { status: 'running', attempts: 1, leaseUntil: '2025-01-01T00:04:00.000Z' },
      { status: 'retrying', attempts: 1, priority: 'low' },
      ...FINISHED.map((status) => ({ status })),
    );

    // Act
    await recoverUnfinishedTasks(w.deps, w.ctx);

    // Assess
    expect(w.tasks.stored(running!.id)).toMatchObject({
      status: 'retrying',
      attempts: 1,
      leaseUntil: null,
      error: { code: 'Interrupted', retryable: true },
    });
    expect(w.tasks.stored(queued!.id).status).toBe('queued');
    expect(w.tasks.stored(retrying!.id).status).toBe('retrying');
    const sent = new Set(w.queue.sentIds());
    expect(sent).toEqual(new Set([queued!.id, running!.id, retrying!.id]));
    for (const task of finished) expect(w.tasks.stored(task.id)).toEqual(task);
    expect(w.events.ofType('task.queued').every((e) => e.detail.data.reason === 'recovered')).toBe(
      true,
    );
  });

  it('leaves waiting tasks waiting: they wait for a decision, not for a worker', async () => {
    // Prepare
    const w = world(agent());
    const [waiting] = seedTasks(w, { status: 'waiting', attempts: 1, pendingApproval: 'a-1' });

    // Act
    const recovered = await recoverUnfinishedTasks(w.deps, w.ctx);

    // Assess
    expect(recovered).toBe(0);
    expect(w.tasks.stored(waiting!.id)).toEqual(waiting);
    expect(w.queue.sent).toEqual([]);
  });

  it('recovers nothing when every task is finished', async () => {
    // Prepare
    const w = world(agent());
    seedTasks(w, ...FINISHED.map((status) => ({ status })));

    // Act
    const recovered = await recoverUnfinishedTasks(w.deps, w.ctx);

    // Assess
    expect(recovered).toBe(0);
    expect(w.queue.sent).toEqual([]);
    expect(w.events.events).toEqual([]);
  });

  it('enqueues, announces and counts each recovered task exactly once', async () => {
    // Prepare
    const w = world(agent());
    const [running] = seedTasks(w, { status: 'running', attempts: 1 });

    // Act
    const recovered = await recoverUnfinishedTasks(w.deps, w.ctx);

    // Assess
    expect(w.queue.sentIds()).toEqual([running!.id]);
    expect(w.events.types()).toEqual(['task.queued']);
    expect(recovered).toBe(1);
  });

  it('does not requeue a running task that finished while it was being recovered', async () => {
    // Prepare: the task's attempts moved on since the listing (expectAttempts guards it).
    const w = world(agent());
    const [running] = seedTasks(w, { status: 'running', attempts: 1 });
    const list = w.tasks.list.bind(w.tasks);
    w.tasks.list = async (filter) => {
      const page = await list(filter);
      if (filter.status === 'running') {
        await w.tasks.transition(running!.id, { from: ['running'], to: 'succeeded' });
      }
      return page;
    };

    // Act
    await recoverUnfinishedTasks(w.deps, w.ctx);

    // Assess
    expect(w.tasks.stored(running!.id).status).toBe('succeeded');
    expect(w.queue.sent).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// queueStatus
// ---------------------------------------------------------------------------------------------

describe('queueStatus', () => {
  it('reports depths from the queue and the dead-lettered count from the store', async () => {
    // Prepare
    const w = world(agent());
    seedTasks(w, { status: 'failed', deadLettered: true }, { status: 'failed' });
    await w.queue.enqueue([
      { taskId: 'a', agentId: 'worker', priority: 'critical' },
      { taskId: 'b', agentId: 'worker', priority: 'low' },
      { taskId: 'c', agentId: 'worker', priority: 'low' },
    ]);
    w.queue.inFlight = 4;
    w.queue.inDeadLetterQueues = 1;

    // Act
    const status = await queueStatus(w.deps);

    // Assess
    expect(status).toEqual({
      depth: { critical: 1, normal: 0, low: 2 },
      inFlight: 4,
      deadLettered: 1,
      inDeadLetterQueues: 1,
    });
  });
});
