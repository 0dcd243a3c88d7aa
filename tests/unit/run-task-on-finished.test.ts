/**
 * The `onFinished` hook: how workflow steps learn that their task ended. The worker calls it when
 * it ends a task and again whenever a message arrives for a task that has ended; the scheduler
 * calls it when a task is cancelled or SQS dead-letters a poison message.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Agent } from '../../shared/core/agents/agent.js';
import { ConflictError } from '../../shared/core/errors.js';
import type { EventContext } from '../../shared/core/events.js';
import { runTaskMessage, type WorkerDeps } from '../../shared/core/kernel/run-task.js';
import type { Task } from '../../shared/core/tasks/task.js';
import { cancelTask, recordDeadLetter } from '../../shared/core/tasks/task-service.js';
import { toolCatalogue } from '../../shared/core/tools/catalogue.js';
import {
  buildAgent,
  buildTask,
  FixedClock,
  InMemoryAgentStore,
  InMemoryTaskStore,
  RecordingEventPublisher,
} from '../helpers/in-memory.js';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

interface World {
  deps: WorkerDeps;
  clock: FixedClock;
  agents: InMemoryAgentStore;
  tasks: InMemoryTaskStore;
  events: RecordingEventPublisher;
  /** Every task onFinished was told of, with the event types published before the call. */
  finished: { task: Task; eventsBefore: string[] }[];
  onFinished: ReturnType<typeof vi.fn<(task: Task) => Promise<void>>>;
}

function world(): World {
  const clock = new FixedClock();
  const agents = new InMemoryAgentStore();
  const tasks = new InMemoryTaskStore(clock);
  const events = new RecordingEventPublisher();
  const finished: World['finished'] = [];
  const onFinished = vi.fn(async (task: Task) => {
    finished.push({ task: structuredClone(task), eventsBefore: events.types() });
  });
  return {
    deps: {
      agents,
      tasks,
      events,
      clock,
      tools: toolCatalogue,
      retry: { baseSeconds: 2, maxSeconds: 60 },
      onFinished,
    },
    clock,
    agents,
    tasks,
    events,
    finished,
    onFinished,
  };
}

function seed(w: World, agent: Agent, task: Partial<Task> = {}): Task {
  w.agents.seed(agent);
  const stored = buildTask({ agentId: agent.id, ...task });
  w.tasks.seed(stored);
  return stored;
}

const deliver = (w: World, task: Task) =>
  runTaskMessage(w.deps, { taskId: task.id, agentId: task.agentId });

const echoAgent = () => buildAgent({ id: 'echo-agent', model: { provider: 'echo' } });

const scripted = (
  id: string,
  model: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) => buildAgent({ id, tools: ['math.eval'], model: { provider: 'scripted', ...model }, ...extra });

/** An agent whose model is unavailable (retryably) for its first 10 attempts. */
const downAgent = () => scripted('down', { turns: [{ text: 'x' }], failUntilAttempt: 11 });

/** An agent that fails for good: it runs out of steps on its first attempt. */
const looper = () =>
  scripted(
    'looper',
    { turns: Array(3).fill({ toolCalls: [{ name: 'math.eval', input: { expression: '1' } }] }) },
    { limits: { maxSteps: 1 } },
  );

// ---------------------------------------------------------------------------------------------
// The worker
// ---------------------------------------------------------------------------------------------

describe('onFinished: the worker tells of the tasks it ends', () => {
  it('is called once with the succeeded task, after its events are out', async () => {
    // Prepare
    const w = world();
    const task = seed(w, echoAgent(), { input: 'hi', workflowId: 'WF', metadata: { k: 1 } });

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    expect(w.onFinished).toHaveBeenCalledTimes(1);
    expect(w.finished[0]?.task).toEqual(w.tasks.stored(task.id));
    expect(w.finished[0]?.task).toMatchObject({
      id: task.id,
      status: 'succeeded',
      output: 'hi',
      workflowId: 'WF',
      metadata: { k: 1 },
    });
    expect(w.finished[0]?.eventsBefore).toContain('task.succeeded');
  });

  it('is called once with a task that failed for good', async () => {
    // Prepare
    const w = world();
    const task = seed(w, looper(), { maxAttempts: 5 });

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    expect(w.onFinished).toHaveBeenCalledTimes(1);
    expect(w.finished[0]?.task).toMatchObject({
      id: task.id,
      status: 'failed',
      error: { code: 'MaxStepsExceeded', retryable: false },
    });
    expect(w.finished[0]?.eventsBefore.at(-1)).toBe('task.failed');
  });

  it('is not called for an attempt that will be retried', async () => {
    // Prepare
    const w = world();
    const task = seed(w, downAgent(), { maxAttempts: 3 });

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'retry-later', delaySeconds: 2 });
    expect(w.tasks.stored(task.id).status).toBe('retrying');
    expect(w.onFinished).not.toHaveBeenCalled();
  });

  it('is called once, on the last attempt, when retries run out', async () => {
    // Prepare
    const w = world();
    const task = seed(w, downAgent(), { maxAttempts: 2 });

    // Act
    const outcomes = [await deliver(w, task), await deliver(w, task)];

    // Assess
    expect(outcomes).toEqual([{ kind: 'retry-later', delaySeconds: 2 }, { kind: 'dead-letter' }]);
    expect(w.onFinished).toHaveBeenCalledTimes(1);
    expect(w.finished[0]?.task).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: { code: 'ModelUnavailable', retryable: true },
    });
  });

  it('is called with the failed task when its agent does not exist', async () => {
    // Prepare: no agent seeded
    const w = world();
    const task = buildTask({ agentId: 'ghost-agent' });
    w.tasks.seed(task);

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    expect(w.onFinished).toHaveBeenCalledTimes(1);
    expect(w.finished[0]?.task).toMatchObject({
      status: 'failed',
      error: { code: 'AgentNotFound', retryable: false },
    });
  });

  it('is not called by the worker for a task cancelled while it ran (the cancel tells)', async () => {
    // Prepare: the cancel lands just before the worker records success.
    const w = world();
    const task = seed(w, echoAgent());
    const original = w.tasks.transition.bind(w.tasks);
    vi.spyOn(w.tasks, 'transition').mockImplementation(async (id, change) => {
      if (change.to === 'succeeded') {
        await original(id, { from: ['running'], to: 'cancelled' });
      }
      return original(id, change);
    });

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    expect(w.tasks.stored(task.id).status).toBe('cancelled');
    expect(w.onFinished).not.toHaveBeenCalled();
  });

  it('is not called for a message whose task is running under a live lease', async () => {
    // Prepare
    const w = world();
    const leaseUntil = new Date(w.clock.now().getTime() + 60_000).toISOString();
    const task = seed(w, echoAgent(), { status: 'running', attempts: 1, leaseUntil });

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome.kind).toBe('retry-later');
    expect(w.onFinished).not.toHaveBeenCalled();
  });

  it('lets a throw of onFinished fail the message, and tells again on redelivery', async () => {
    // Prepare
    const w = world();
    const task = seed(w, echoAgent(), { input: 'x' });
    w.onFinished.mockRejectedValueOnce(new Error('callback endpoint down'));

    // Act
    await expect(deliver(w, task)).rejects.toThrow('callback endpoint down');
    const again = await deliver(w, task);

    // Assess: the task ran once; the outcome was told twice.
    expect(again).toEqual({ kind: 'done' });
    expect(w.tasks.stored(task.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(w.onFinished).toHaveBeenCalledTimes(2);
    expect(w.onFinished.mock.calls.map(([t]) => t.status)).toEqual(['succeeded', 'succeeded']);
    expect(w.events.ofType('task.succeeded')).toHaveLength(1);
  });
});

describe('onFinished: a message for a task that already ended', () => {
  it.each(['succeeded', 'failed', 'cancelled'] as const)(
    'tells again of a %s task, without running it',
    async (status) => {
      // Prepare
      const w = world();
      const task = seed(w, echoAgent(), { status, attempts: 1, output: 'earlier' });

      // Act
      const outcome = await deliver(w, task);

      // Assess
      expect(outcome).toEqual({ kind: 'done' });
      expect(w.onFinished).toHaveBeenCalledTimes(1);
      expect(w.finished[0]?.task).toMatchObject({ id: task.id, status, attempts: 1 });
      expect(w.events.events).toEqual([]);
    },
  );

  it('tells again after a task it ran itself, on a duplicate delivery', async () => {
    // Prepare
    const w = world();
    const task = seed(w, echoAgent());

    // Act
    await deliver(w, task);
    await deliver(w, task);

    // Assess
    expect(w.onFinished).toHaveBeenCalledTimes(2);
    expect(w.finished.map((f) => f.task.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('sends to the DLQ a failed, retryable, attempts-exhausted task not yet dead-lettered', async () => {
    // Prepare: the worker failed the last attempt but its process died before the move.
    const w = world();
    const error = { code: 'ModelUnavailable', message: 'down', retryable: true };
    const task = seed(w, echoAgent(), { status: 'failed', attempts: 3, maxAttempts: 3, error });

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'dead-letter' });
    expect(w.onFinished).toHaveBeenCalledTimes(1);
    expect(w.tasks.stored(task.id)).toMatchObject({ status: 'failed', attempts: 3 });
  });

  it('sends to the DLQ a failed, retryable task whose outcome could not be stored, attempts left', async () => {
    // Prepare: the worker recorded that the attempt's outcome could not be stored, then died.
    const w = world();
    const error = { code: 'OutcomeNotRecorded', message: 'not stored', retryable: true };
    const task = seed(w, echoAgent(), { status: 'failed', attempts: 1, maxAttempts: 3, error });

    // Act
    const outcome = await deliver(w, task);

    // Assess: no attempt runs again; the operator may redrive it from the DLQ.
    expect(outcome).toEqual({ kind: 'dead-letter' });
    expect(w.tasks.stored(task.id)).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it.each([
    ['already dead-lettered', { deadLettered: true }],
    ['failed for good (not retryable)', { error: { code: 'X', message: 'x', retryable: false } }],
    ['without an error', { error: null }],
  ])('answers done for a failed task %s', async (_what, change) => {
    // Prepare
    const w = world();
    const error = { code: 'ModelUnavailable', message: 'down', retryable: true };
    const task = seed(w, echoAgent(), {
      status: 'failed',
      attempts: 3,
      maxAttempts: 3,
      error,
      ...change,
    });

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    expect(w.onFinished).toHaveBeenCalledTimes(1);
  });

  it('answers done for a succeeded task whose attempts ran out', async () => {
    const w = world();
    const task = seed(w, echoAgent(), { status: 'succeeded', attempts: 3, maxAttempts: 3 });
    expect(await deliver(w, task)).toEqual({ kind: 'done' });
  });
});

// ---------------------------------------------------------------------------------------------
// The scheduler: cancel and dead letters
// ---------------------------------------------------------------------------------------------

describe('onFinished: the scheduler tells of the tasks it ends', () => {
  const schedulerWorld = () => {
    const w = world();
    const ctx: EventContext = { correlationId: 'corr-cancel', clock: w.clock };
    const deps = { tasks: w.tasks, events: w.events, onFinished: w.onFinished };
    return { w, ctx, deps };
  };

  it.each(['queued', 'running', 'retrying'] as const)(
    'cancelTask tells of a %s task it cancels, after task.cancelled',
    async (status) => {
      // Prepare
      const { w, ctx, deps } = schedulerWorld();
      const task = seed(w, echoAgent(), { status });

      // Act
      const cancelled = await cancelTask(deps, task.id, ctx);

      // Assess
      expect(cancelled.status).toBe('cancelled');
      expect(w.onFinished).toHaveBeenCalledTimes(1);
      expect(w.finished[0]?.task).toMatchObject({ id: task.id, status: 'cancelled' });
      expect(w.finished[0]?.eventsBefore).toEqual(['task.cancelled']);
    },
  );

  it('cancelTask does not tell when the task had ended already (409)', async () => {
    // Prepare
    const { w, ctx, deps } = schedulerWorld();
    const task = seed(w, echoAgent(), { status: 'succeeded' });

    // Act / Assess
    await expect(cancelTask(deps, task.id, ctx)).rejects.toBeInstanceOf(ConflictError);
    expect(w.onFinished).not.toHaveBeenCalled();
  });

  it.each(['queued', 'running', 'retrying'] as const)(
    'recordDeadLetter tells of a %s task SQS gave up on (poison message)',
    async (status) => {
      // Prepare
      const { w, deps } = schedulerWorld();
      const task = seed(w, echoAgent(), { status, attempts: 3 });

      // Act
      await recordDeadLetter(deps, { taskId: task.id, agentId: task.agentId }, w.clock);

      // Assess
      expect(w.onFinished).toHaveBeenCalledTimes(1);
      expect(w.finished[0]?.task).toMatchObject({
        id: task.id,
        status: 'failed',
        deadLettered: true,
        error: { code: 'PoisonMessage', retryable: true },
      });
      expect(w.finished[0]?.eventsBefore).toEqual(['task.failed', 'task.dead-lettered']);
    },
  );

  it('recordDeadLetter does not tell again of a task the worker failed (the worker told)', async () => {
    // Prepare
    const { w, deps } = schedulerWorld();
    const error = { code: 'ModelUnavailable', message: 'down', retryable: true };
    const task = seed(w, echoAgent(), { status: 'failed', attempts: 3, error });

    // Act
    await recordDeadLetter(deps, { taskId: task.id, agentId: task.agentId }, w.clock);

    // Assess
    expect(w.tasks.stored(task.id).deadLettered).toBe(true);
    expect(w.onFinished).not.toHaveBeenCalled();
  });

  it('recordDeadLetter tells once when the same dead letter arrives twice', async () => {
    // Prepare
    const { w, deps } = schedulerWorld();
    const task = seed(w, echoAgent(), { status: 'running', attempts: 3 });
    const message = { taskId: task.id, agentId: task.agentId };

    // Act
    await recordDeadLetter(deps, message, w.clock);
    await recordDeadLetter(deps, message, w.clock);

    // Assess
    expect(w.onFinished).toHaveBeenCalledTimes(1);
  });
});
