import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import type { Agent } from '../../shared/core/agents/agent.js';
import { TransitionConflictError } from '../../shared/core/errors.js';
import {
  type ModelProvider,
  type ModelResponse,
  providerFor,
} from '../../shared/core/kernel/model-provider.js';
import {
  type McpToolset,
  retryDelaySeconds,
  runTaskMessage,
  type WorkerDeps,
} from '../../shared/core/kernel/run-task.js';
import { ModelCallError } from '../../shared/core/models/model-error.js';
import { ModelResolver } from '../../shared/core/models/model-resolver.js';
import type { ModelStats } from '../../shared/core/models/model-stats.js';
import { PriceTable } from '../../shared/core/models/prices.js';
import { parseRouteConfig } from '../../shared/core/models/route-config.js';
import type { ModelCallSample } from '../../shared/core/models/router.js';
import type { ModelStatsStore } from '../../shared/core/ports.js';
import { MAX_TASK_TIMEOUT_MS } from '../../shared/core/tasks/limits.js';
import type { Task } from '../../shared/core/tasks/task.js';
import { toolCatalogue } from '../../shared/core/tools/catalogue.js';
import {
  defineTool,
  type ToolContext,
  type ToolDefinition,
  type ToolServices,
} from '../../shared/core/tools/tool.js';
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

const RETRY = { baseSeconds: 2, maxSeconds: 60 };
/** Lease the worker takes for an attempt: the longest task timeout plus 30 s of grace. */
const LEASE_MS = MAX_TASK_TIMEOUT_MS + 30_000;

interface World {
  deps: WorkerDeps;
  clock: FixedClock;
  agents: InMemoryAgentStore;
  tasks: InMemoryTaskStore;
  events: RecordingEventPublisher;
}

function world(tools: ReadonlyMap<string, ToolDefinition> = toolCatalogue): World {
  const clock = new FixedClock();
  const agents = new InMemoryAgentStore();
  const tasks = new InMemoryTaskStore(clock);
  const events = new RecordingEventPublisher();
  return {
    deps: { agents, tasks, events, clock, tools, retry: RETRY },
    clock,
    agents,
    tasks,
    events,
  };
}

/** Seeds an agent and a queued task for it; returns the task. */
function seed(w: World, agent: Agent, task: Partial<Task> = {}): Task {
  w.agents.seed(agent);
  const stored = buildTask({ agentId: agent.id, ...task });
  w.tasks.seed(stored);
  return stored;
}

const deliver = (w: World, task: Task) =>
  runTaskMessage(w.deps, { taskId: task.id, agentId: task.agentId });

const echoAgent = (status: Agent['status'] = 'active') =>
  buildAgent({ id: 'echo-agent', model: { provider: 'echo' } }, status);

const scripted = (
  id: string,
  model: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) => buildAgent({ id, tools: ['math.eval'], model: { provider: 'scripted', ...model }, ...extra });

// ---------------------------------------------------------------------------------------------
// retryDelaySeconds
// ---------------------------------------------------------------------------------------------

describe('retryDelaySeconds', () => {
  it.each([
    [0, { baseSeconds: 2, maxSeconds: 60 }, 2],
    [1, { baseSeconds: 2, maxSeconds: 60 }, 2],
    [2, { baseSeconds: 2, maxSeconds: 60 }, 4],
    [3, { baseSeconds: 2, maxSeconds: 60 }, 8],
    [4, { baseSeconds: 2, maxSeconds: 60 }, 16],
    [5, { baseSeconds: 2, maxSeconds: 60 }, 32],
    [6, { baseSeconds: 2, maxSeconds: 60 }, 60],
    [10, { baseSeconds: 2, maxSeconds: 60 }, 60],
    [1, { baseSeconds: 5, maxSeconds: 900 }, 5],
    [4, { baseSeconds: 5, maxSeconds: 900 }, 40],
    [3, { baseSeconds: 0, maxSeconds: 900 }, 0],
    [3, { baseSeconds: 10, maxSeconds: 10 }, 10],
  ])('attempt %i with %j waits %i s', (attempt, policy, expected) => {
    // Act
    const delay = retryDelaySeconds(attempt, policy);

    // Assess
    expect(delay).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// runTaskMessage
// ---------------------------------------------------------------------------------------------

describe('runTaskMessage: a successful attempt', () => {
  it('marks the task succeeded with its output, usage, steps and times', async () => {
    // Prepare
    const w = world();
    const task = seed(w, echoAgent(), { input: 'hello there' });

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    const stored = w.tasks.stored(task.id);
    expect(stored).toMatchObject({
      status: 'succeeded',
      output: 'hello there',
      error: null,
      attempts: 1,
      startedAt: w.clock.iso(),
      finishedAt: w.clock.iso(),
      leaseUntil: null,
      usage: { modelCalls: 1, toolCalls: 0, inputTokens: 3, outputTokens: 3, costUsd: 0 },
    });
    expect(stored.steps).toEqual([
      expect.objectContaining({ index: 0, kind: 'model', name: 'echo', ok: true }),
    ]);
  });

  it('publishes task.started, one task.step per step, then task.succeeded, in order', async () => {
    // Prepare: model → tool → model is three steps.
    const w = world();
    const agent = scripted('calc', {
      turns: [
        { toolCalls: [{ name: 'math.eval', input: { expression: '2*21' } }] },
        { text: '{{lastToolResult}}' },
      ],
    });
    const task = seed(w, agent, { correlationId: 'corr-42' });

    // Act
    await deliver(w, task);

    // Assess: what the model and tool calls told comes first, in the order they happened.
    expect(w.events.types()).toEqual([
      'task.started',
      'model.invoked',
      'tool.invoked',
      'model.invoked',
      'task.step',
      'task.step',
      'task.step',
      'task.succeeded',
    ]);
    const ref = { taskId: task.id, agentId: 'calc' };
    expect(w.events.events[0]?.detail.data).toEqual({ ...ref, attempt: 1 });
    expect(w.events.ofType('model.invoked').map((e) => [e.source, e.detail.data])).toEqual([
      [
        'agent-core.models',
        {
          ...ref,
          model: 'scripted',
          ok: true,
          latencyMs: expect.any(Number),
          inputTokens: expect.any(Number),
          outputTokens: expect.any(Number),
          costUsd: 0,
        },
      ],
      [
        'agent-core.models',
        expect.objectContaining({ ...ref, model: 'scripted', ok: true, costUsd: 0 }),
      ],
    ]);
    expect(w.events.ofType('tool.invoked').map((e) => [e.source, e.detail.data])).toEqual([
      ['agent-core.tools', { ...ref, tool: 'math.eval', ok: true, durationMs: expect.any(Number) }],
    ]);
    expect(w.events.ofType('task.step').map((e) => e.detail.data.step)).toEqual([
      expect.objectContaining({ index: 0, kind: 'model', name: 'scripted', ok: true }),
      expect.objectContaining({ index: 1, kind: 'tool', name: 'math.eval', ok: true }),
      expect.objectContaining({ index: 2, kind: 'model', name: 'scripted', ok: true }),
    ]);
    expect(w.events.ofType('task.succeeded')[0]?.detail.data).toMatchObject({
      ...ref,
      attempt: 1,
      durationMs: 0,
      usage: { modelCalls: 2, toolCalls: 1 },
    });
    for (const event of w.events.events) expect(event.detail.correlationId).toBe('corr-42');
    expect(w.tasks.stored(task.id).output).toBe('{"value":42}');
  });

  it('takes the lease for the attempt while it runs', async () => {
    // Prepare: look at the task from inside the attempt, through a tool.
    let seenWhileRunning: Task | undefined;
    const w = world(
      new Map([
        [
          'test.peek',
          defineTool({
            name: 'test.peek',
            description: 'reads the running task',
            input: z.object({}),
            permission: 'tool:test.peek',
            callsPerMinute: 600,
            timeoutMs: 1_000,
            maxOutputBytes: 1_000,
            run: async (_input, context) => {
              seenWhileRunning = w.tasks.stored(context.taskId);
              return 'ok';
            },
          }),
        ],
      ]),
    );
    const agent: Agent = {
      ...scripted('peeker', { turns: [{ toolCalls: [{ name: 'test.peek' }] }, { text: 'x' }] }),
      tools: ['test.peek'],
    };
    const task = seed(w, agent);

    // Act
    await deliver(w, task);

    // Assess
    expect(seenWhileRunning).toMatchObject({
      status: 'running',
      attempts: 1,
      leaseUntil: new Date(w.clock.now().getTime() + LEASE_MS).toISOString(),
    });
    expect(w.tasks.stored(task.id).leaseUntil).toBeNull();
  });

  it('keeps startedAt of the first attempt on a later attempt', async () => {
    // Prepare: a task that already ran once and waits for its retry.
    const w = world();
    const firstStart = '2024-12-31T23:00:00.000Z';
    const task = seed(w, echoAgent(), { status: 'retrying', attempts: 1, startedAt: firstStart });

    // Act
    await deliver(w, task);

    // Assess
    expect(w.tasks.stored(task.id)).toMatchObject({
      status: 'succeeded',
      attempts: 2,
      startedAt: firstStart,
    });
  });

  it('looks an agent up once for several messages sharing a cache', async () => {
    // Prepare
    const w = world();
    const first = seed(w, echoAgent());
    const second = buildTask({ agentId: 'echo-agent' });
    w.tasks.seed(second);
    const get = vi.spyOn(w.agents, 'get');
    const cache = new Map();

    // Act
    await runTaskMessage(w.deps, { taskId: first.id, agentId: 'echo-agent' }, cache);
    await runTaskMessage(w.deps, { taskId: second.id, agentId: 'echo-agent' }, cache);

    // Assess
    expect(get).toHaveBeenCalledTimes(1);
    expect(w.tasks.stored(second.id).status).toBe('succeeded');
  });

  it("uses the task's own timeoutMs over the agent's", async () => {
    // Prepare: the agent allows 60 s, the task 100 ms, and the model takes 60 s to answer.
    const w = world();
    const agent = scripted('waiter', { turns: [{ text: 'late', delayMs: 60_000 }] });
    const task = seed(w, agent, { timeoutMs: 100 });
    const started = Date.now();

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(outcome).toEqual({ kind: 'done' });
    expect(w.tasks.stored(task.id)).toMatchObject({
      status: 'failed',
      error: { code: 'Timeout', retryable: false },
    });
  });
});

describe('runTaskMessage: failed attempts', () => {
  it('schedules a retry with backoff when a retryable failure has attempts left', async () => {
    // Prepare: the model fails attempts 1 and 2.
    const w = world();
    const agent = scripted('flaky', { turns: [{ text: 'finally' }], failUntilAttempt: 3 });
    const task = seed(w, agent, { maxAttempts: 3 });

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'retry-later', delaySeconds: 2 });
    const stored = w.tasks.stored(task.id);
    expect(stored).toMatchObject({
      status: 'retrying',
      attempts: 1,
      leaseUntil: null,
      finishedAt: null,
      error: { code: 'ModelUnavailable', retryable: true },
    });
    expect(stored.steps).toEqual([expect.objectContaining({ kind: 'model', ok: false })]);
    expect(w.events.types()).toEqual([
      'task.started',
      'model.invoked',
      'task.step',
      'task.retrying',
    ]);
    // The scripted failure is not a provider's ModelCallError: measured, named, passed on.
    expect(w.events.ofType('model.invoked')[0]?.detail.data).toEqual({
      taskId: task.id,
      agentId: 'flaky',
      model: 'scripted',
      ok: false,
      latencyMs: expect.any(Number),
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      error: 'TaskAttemptError',
    });
    expect(w.events.ofType('task.retrying')[0]?.detail.data).toMatchObject({
      attempt: 1,
      retryInSeconds: 2,
      error: { code: 'ModelUnavailable', retryable: true },
    });
  });

  it('backs off exponentially over redeliveries and succeeds on the attempt the model allows', async () => {
    // Prepare
    const w = world();
    const agent = scripted('flaky', { turns: [{ text: 'finally' }], failUntilAttempt: 3 });
    const task = seed(w, agent, { maxAttempts: 3 });

    // Act
    const outcomes = [await deliver(w, task), await deliver(w, task), await deliver(w, task)];

    // Assess
    expect(outcomes).toEqual([
      { kind: 'retry-later', delaySeconds: 2 },
      { kind: 'retry-later', delaySeconds: 4 },
      { kind: 'done' },
    ]);
    expect(w.tasks.stored(task.id)).toMatchObject({
      status: 'succeeded',
      attempts: 3,
      output: 'finally',
      error: null,
    });
  });

  it('fails the task and dead-letters the message when the last attempt fails retryably', async () => {
    // Prepare: one attempt allowed, the model always unavailable.
    const w = world();
    const agent = scripted('down', { turns: [{ text: 'x' }], failUntilAttempt: 11 });
    const task = seed(w, agent, { maxAttempts: 1 });

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'dead-letter' });
    expect(w.tasks.stored(task.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      finishedAt: w.clock.iso(),
      error: { code: 'ModelUnavailable', retryable: true },
      // The DLQ consumer sets the flag when the message arrives there.
      deadLettered: false,
    });
    expect(w.events.types()).toEqual(['task.started', 'model.invoked', 'task.step', 'task.failed']);
  });

  it.each([
    [
      'MaxStepsExceeded',
      scripted(
        'looper',
        {
          turns: Array(3).fill({ toolCalls: [{ name: 'math.eval', input: { expression: '1' } }] }),
        },
        { limits: { maxSteps: 1 } },
      ),
    ],
    ['ScriptExhausted', scripted('short', { turns: [{ toolCalls: [{ name: 'math.eval' }] }] })],
    [
      'TokenLimitExceeded',
      buildAgent({ id: 'wordy', model: { provider: 'echo' }, limits: { maxTokens: 1 } }),
    ],
  ])('fails the task for good on a non-retryable %s, attempts left or not', async (code, agent) => {
    // Prepare
    const w = world();
    const task = seed(w, agent, { maxAttempts: 5, input: 'a long enough input' });

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    expect(w.tasks.stored(task.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code, retryable: false },
    });
    expect(w.events.types().at(-1)).toBe('task.failed');
    expect(w.events.ofType('task.failed')[0]?.detail.data).toMatchObject({
      taskId: task.id,
      attempt: 1,
      error: { code, retryable: false },
    });
  });

  it('fails the task for good when the agent names a route that is no longer configured', async () => {
    // Prepare: the stored agent predates a configuration change.
    const w = world();
    const agent: Agent = { ...echoAgent(), model: { route: 'retired-route' } };
    const task = seed(w, agent);

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    const stored = w.tasks.stored(task.id);
    expect(stored).toMatchObject({
      status: 'failed',
      error: { code: expect.any(String), retryable: false },
      steps: [],
    });
    expect(stored.error?.message).toContain('retired-route');
    expect(w.events.types()).toEqual(['task.started', 'task.failed']);
  });

  it('fails the task for good when no provider is configured for its model', async () => {
    // Prepare: the default resolver serves only the deterministic providers.
    const w = world();
    const agent: Agent = {
      ...echoAgent(),
      model: { provider: 'bedrock', model: 'amazon.nova-lite-v1:0' },
    };
    const task = seed(w, agent, { maxAttempts: 3 });

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    expect(w.tasks.stored(task.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'ProviderNotConfigured', retryable: false },
      steps: [],
    });
    expect(w.events.types()).toEqual(['task.started', 'task.failed']);
  });
});

describe('runTaskMessage: the agent decides whether the task may run', () => {
  it('parks the task of a paused agent and leaves it queued', async () => {
    // Prepare
    const w = world();
    const task = seed(w, echoAgent('paused'));

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    expect(w.tasks.stored(task.id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(w.tasks.parkedIds('echo-agent')).toEqual([task.id]);
    expect(w.events.events).toEqual([]);
  });

  it('runs the task after all when the agent was resumed while it was being parked', async () => {
    // Prepare: the first lookup sees the agent paused, the re-check after parking sees it active.
    const w = world();
    const task = seed(w, echoAgent('active'));
    const get = vi.spyOn(w.agents, 'get');
    get.mockResolvedValueOnce(echoAgent('paused'));

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    expect(w.tasks.stored(task.id).status).toBe('succeeded');
    expect(w.tasks.parkedIds('echo-agent')).toEqual([]);
  });

  it.each([
    ['retired', echoAgent('retired'), 'AgentRetired', /is retired/],
    ['missing', undefined, 'AgentNotFound', /does not exist/],
  ])('fails the task of a %s agent without running it', async (_label, agent, code, message) => {
    // Prepare
    const w = world();
    if (agent) w.agents.seed(agent);
    const task = buildTask({ agentId: 'echo-agent' });
    w.tasks.seed(task);

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    const stored = w.tasks.stored(task.id);
    expect(stored).toMatchObject({
      status: 'failed',
      attempts: 0,
      startedAt: null,
      finishedAt: w.clock.iso(),
      error: { code, retryable: false },
    });
    expect(stored.error?.message).toMatch(message);
    expect(w.events.types()).toEqual(['task.failed']);
  });

  it('does nothing for a retired agent whose task already finished', async () => {
    // Prepare
    const w = world();
    const task = seed(w, echoAgent('retired'), { status: 'cancelled' });

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    expect(w.tasks.stored(task.id).status).toBe('cancelled');
    expect(w.events.events).toEqual([]);
  });
});

describe('runTaskMessage: duplicate deliveries, leases and cancellation', () => {
  it('asks for the message again when the lease ends while another attempt holds it', async () => {
    // Prepare: running elsewhere, lease ends in 90.5 s.
    const w = world();
    const leaseUntil = new Date(w.clock.now().getTime() + 90_500).toISOString();
    const task = seed(w, echoAgent(), { status: 'running', attempts: 1, leaseUntil });

    // Act
    const outcome = await deliver(w, task);

    // Assess: ceil(90.5) + 1 s.
    expect(outcome).toEqual({ kind: 'retry-later', delaySeconds: 92 });
    expect(w.tasks.stored(task.id)).toMatchObject({ status: 'running', attempts: 1, leaseUntil });
    expect(w.events.events).toEqual([]);
  });

  // Guards the fix of TRANSITIONS.running (commit 928ec5a): DynamoTaskStore, like this fake,
  // refuses a transition TRANSITIONS does not list, and the take-over is running → running.
  it('takes over a running task whose lease expired, counting a new attempt', async () => {
    // Prepare: the worker of attempt 1 died; its lease ended a second ago.
    const w = world();
    const leaseUntil = new Date(w.clock.now().getTime() - 1_000).toISOString();
    const task = seed(w, echoAgent(), {
      status: 'running',
      attempts: 1,
      leaseUntil,
      startedAt: '2024-12-31T23:59:00.000Z',
    });

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    expect(w.tasks.stored(task.id)).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(w.events.types()).toEqual([
      'task.started',
      'model.invoked',
      'task.step',
      'task.succeeded',
    ]);
  });

  it('asks for the take-over only if the lease expired, and with a new lease', async () => {
    // Prepare: watch the transition the worker asks for, whatever the store answers.
    const w = world();
    const leaseUntil = new Date(w.clock.now().getTime() - 1_000).toISOString();
    const task = seed(w, echoAgent(), { status: 'running', attempts: 1, leaseUntil });
    const transition = vi.spyOn(w.tasks, 'transition');

    // Act
    await deliver(w, task).catch(() => undefined);

    // Assess
    const takeOver = transition.mock.calls.find(([, t]) => t.leaseExpiredBefore !== undefined);
    expect(takeOver?.[1]).toMatchObject({
      from: ['running'],
      incrementAttempts: true,
      leaseExpiredBefore: w.clock.iso(),
      set: { leaseUntil: new Date(w.clock.now().getTime() + LEASE_MS).toISOString() },
    });
  });

  it('stops without recording success when the task is cancelled between turns', async () => {
    // Prepare: a tool cancels the task in the store, as POST /cancel would meanwhile.
    const cancel = defineTool({
      name: 'test.cancel',
      description: 'cancels the running task',
      input: z.object({}),
      permission: 'tool:test.cancel',
      callsPerMinute: 600,
      timeoutMs: 1_000,
      maxOutputBytes: 100,
      run: async (_input, context) => {
        await w.tasks.transition(context.taskId, {
          from: ['queued', 'running', 'retrying'],
          to: 'cancelled',
        });
        return 'cancelled';
      },
    });
    const w = world(new Map([['test.cancel', cancel]]));
    const agent: Agent = {
      ...scripted('canceller', {
        turns: [{ toolCalls: [{ name: 'test.cancel' }] }, { text: 'x' }],
      }),
      tools: ['test.cancel'],
    };
    const task = seed(w, agent);

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    expect(w.tasks.stored(task.id)).toMatchObject({ status: 'cancelled', output: null });
    // What did happen before the cancel is still told; no step or outcome is.
    expect(w.events.types()).toEqual(['task.started', 'model.invoked', 'tool.invoked']);
    expect(w.events.calls).toBe(2);
  });

  it('loses the final write to a cancel that lands after the last turn, without an event', async () => {
    // Prepare: the cancel is applied just before the worker records success.
    const w = world();
    const task = seed(w, echoAgent());
    const original = w.tasks.transition.bind(w.tasks);
    vi.spyOn(w.tasks, 'transition').mockImplementation(async (id, change) => {
      if (change.to === 'succeeded') {
        await original(id, { from: ['queued', 'running', 'retrying'], to: 'cancelled' });
      }
      return original(id, change);
    });

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    expect(w.tasks.stored(task.id)).toMatchObject({ status: 'cancelled', output: null });
    expect(w.events.types()).toEqual(['task.started', 'model.invoked']);
  });

  it('loses the failure write to a cancel as well, and asks for no retry', async () => {
    // Prepare
    const w = world();
    const agent = scripted('flaky', { turns: [{ text: 'x' }], failUntilAttempt: 3 });
    const task = seed(w, agent);
    const original = w.tasks.transition.bind(w.tasks);
    vi.spyOn(w.tasks, 'transition').mockImplementation(async (id, change) => {
      if (change.to === 'retrying') {
        await original(id, { from: ['running'], to: 'cancelled' });
      }
      return original(id, change);
    });

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    expect(w.tasks.stored(task.id).status).toBe('cancelled');
    expect(w.events.types()).toEqual(['task.started', 'model.invoked']);
  });

  it.each(['succeeded', 'failed', 'cancelled'] as const)(
    'does not run a task that is already %s',
    async (status) => {
      // Prepare
      const w = world();
      const task = seed(w, echoAgent(), { status, attempts: 1, output: 'earlier' });

      // Act
      const outcome = await deliver(w, task);

      // Assess
      expect(outcome).toEqual({ kind: 'done' });
      expect(w.tasks.stored(task.id)).toMatchObject({ status, attempts: 1, output: 'earlier' });
      expect(w.events.events).toEqual([]);
    },
  );

  it('answers done for a message whose task does not exist', async () => {
    // Prepare
    const w = world();
    w.agents.seed(echoAgent());

    // Act
    const outcome = await runTaskMessage(w.deps, {
      taskId: '01JAAAAAAAAAAAAAAAAAAAAAAA',
      agentId: 'echo-agent',
    });

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    expect(w.events.events).toEqual([]);
  });

  it('lets a store failure other than a conflict propagate (the message is retried by SQS)', async () => {
    // Prepare
    const w = world();
    const task = seed(w, echoAgent());
    vi.spyOn(w.tasks, 'transition').mockRejectedValue(new Error('throttled'));

    // Act
    const run = deliver(w, task);

    // Assess
    await expect(run).rejects.toThrow('throttled');
  });
});

// ---------------------------------------------------------------------------------------------
// The models and tools layers as the worker wires them
// ---------------------------------------------------------------------------------------------

/** A model target that plays responses and errors in order. */
class FakeTarget implements ModelProvider {
  calls = 0;

  constructor(
    readonly name: string,
    private readonly script: (ModelResponse | Error)[],
  ) {}

  async complete(): Promise<ModelResponse> {
    const next = this.script[this.calls++];
    if (!next) throw new Error(`${this.name} has no more answers`);
    if (next instanceof Error) throw next;
    return next;
  }
}

const answer = (text: string, inputTokens = 1_000, outputTokens = 500): ModelResponse => ({
  text,
  toolCalls: [],
  stopReason: 'end_turn',
  usage: { inputTokens, outputTokens, costUsd: 0 },
});

/** A resolver whose `main` route is openai:a then openai:b, played by fake targets. */
function routedWorld(a: FakeTarget, b: FakeTarget) {
  const w = world();
  const targets: Record<string, FakeTarget> = { a, b };
  const models = new ModelResolver(
    parseRouteConfig({
      routes: {
        main: [
          { provider: 'openai', model: 'a', baseUrl: 'http://a.test/v1' },
          { provider: 'openai', model: 'b', baseUrl: 'http://b.test/v1' },
        ],
      },
      retry: { attempts: 1, baseDelayMs: 0 },
    }),
    (spec, attempt) =>
      spec.provider === 'openai' ? (targets[spec.model] as FakeTarget) : providerFor(spec, attempt),
    new PriceTable({ 'openai:b': { inputPerMillion: 2, outputPerMillion: 10 } }),
  );
  const stats = new RecordingStatsStore();
  w.deps.models = models;
  w.deps.modelStats = stats;
  return { w, stats };
}

class RecordingStatsStore implements ModelStatsStore {
  readonly recorded: ModelCallSample[][] = [];

  async record(samples: ModelCallSample[]): Promise<void> {
    this.recorded.push(structuredClone(samples));
  }

  async list(): Promise<ModelStats[]> {
    return [];
  }
}

describe('runTaskMessage: model calls go through the router', () => {
  it('falls back to the next target, prices the answer, and publishes it all with the outcome', async () => {
    // Prepare
    const a = new FakeTarget('openai:a', [
      new ModelCallError('503 from a', 'unavailable', true, 503),
    ]);
    const b = new FakeTarget('openai:b', [answer('from b')]);
    const { w, stats } = routedWorld(a, b);
    const task = seed(w, buildAgent({ id: 'routed', model: { route: 'main' } }));

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    const ref = { taskId: task.id, agentId: 'routed' };
    expect(w.tasks.stored(task.id)).toMatchObject({
      status: 'succeeded',
      output: 'from b',
      usage: { modelCalls: 1, inputTokens: 1_000, outputTokens: 500, costUsd: 0.007 },
      steps: [expect.objectContaining({ kind: 'model', name: 'route:main', ok: true })],
    });
    expect(w.events.calls).toBe(2);
    expect(w.events.types()).toEqual([
      'task.started',
      'model.invoked',
      'model.fallback',
      'model.invoked',
      'task.step',
      'task.succeeded',
    ]);
    const [failed, fallback, succeeded] = w.events.events.slice(1, 4).map((e) => e.detail.data);
    expect(failed).toEqual({
      ...ref,
      model: 'openai:a',
      ok: false,
      latencyMs: expect.any(Number),
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      error: 'unavailable',
    });
    expect(fallback).toEqual({
      ...ref,
      route: 'main',
      from: 'openai:a',
      to: 'openai:b',
      reason: 'openai:a: unavailable',
    });
    expect(w.events.ofType('model.fallback')[0]?.source).toBe('agent-core.models');
    expect(succeeded).toEqual({
      ...ref,
      model: 'openai:b',
      ok: true,
      latencyMs: expect.any(Number),
      inputTokens: 1_000,
      outputTokens: 500,
      costUsd: 0.007,
    });
    expect(stats.recorded).toEqual([
      [
        {
          model: 'openai:a',
          ok: false,
          latencyMs: expect.any(Number),
          inputTokens: 0,
          outputTokens: 0,
          costUsd: 0,
          error: 'unavailable',
        },
        {
          model: 'openai:b',
          ok: true,
          latencyMs: expect.any(Number),
          inputTokens: 1_000,
          outputTokens: 500,
          costUsd: 0.007,
        },
      ],
    ]);
  });

  it('retries the task when every target of the route is unavailable', async () => {
    // Prepare
    const a = new FakeTarget('openai:a', [new ModelCallError('throttled', 'throttled', true, 429)]);
    const b = new FakeTarget('openai:b', [new ModelCallError('timeout', 'timeout', true)]);
    const { w, stats } = routedWorld(a, b);
    const task = seed(w, buildAgent({ id: 'routed', model: { route: 'main' } }), {
      maxAttempts: 2,
    });

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'retry-later', delaySeconds: 2 });
    expect(w.tasks.stored(task.id)).toMatchObject({
      status: 'retrying',
      error: {
        code: 'ModelUnavailable',
        message: 'no target of route:main answered: openai:a: throttled; openai:b: timeout',
        retryable: true,
      },
    });
    expect(w.events.types()).toEqual([
      'task.started',
      'model.invoked',
      'model.fallback',
      'model.invoked',
      'task.step',
      'task.retrying',
    ]);
    expect(stats.recorded.map((samples) => samples.map((s) => `${s.model}:${s.ok}`))).toEqual([
      ['openai:a:false', 'openai:b:false'],
    ]);
  });

  it('fails the task for good when a target refuses the request, without falling back', async () => {
    // Prepare
    const a = new FakeTarget('openai:a', [new ModelCallError('bad key', 'auth', false, 401)]);
    const b = new FakeTarget('openai:b', [answer('never')]);
    const { w } = routedWorld(a, b);
    const task = seed(w, buildAgent({ id: 'routed', model: { route: 'main' } }));

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    expect(w.tasks.stored(task.id)).toMatchObject({
      status: 'failed',
      error: { code: 'ModelRequestRejected', retryable: false },
    });
    expect(b.calls).toBe(0);
    expect(w.events.types()).toEqual(['task.started', 'model.invoked', 'task.step', 'task.failed']);
  });

  it('records no model statistics for an attempt that made no model call', async () => {
    // Prepare: a model spec the default resolver cannot serve.
    const w = world();
    const stats = new RecordingStatsStore();
    w.deps.modelStats = stats;
    const task = seed(w, {
      ...echoAgent(),
      model: { provider: 'bedrock', model: 'amazon.nova-lite-v1:0' },
    });

    // Act
    await deliver(w, task);

    // Assess
    expect(w.tasks.stored(task.id).status).toBe('failed');
    expect(stats.recorded).toEqual([]);
  });
});

describe('runTaskMessage: tools as the worker lends them', () => {
  const peek = (seen: { context?: ToolContext }) =>
    defineTool({
      name: 'test.peek',
      description: 'keeps its context',
      input: z.object({}),
      permission: 'tool:test.peek',
      callsPerMinute: 60,
      timeoutMs: 1_000,
      maxOutputBytes: 1_000,
      run: async (_input, context) => {
        seen.context = context;
        return 'peeked';
      },
    });

  const peeker = (tools = ['test.peek']): Agent => ({
    ...scripted('peeker', {
      turns: [{ toolCalls: [{ name: 'test.peek' }] }, { text: '{{lastToolResult}}' }],
    }),
    tools,
  });

  it('publishes a tool.denied event for a tool the agent does not list', async () => {
    // Prepare
    const seen: { context?: ToolContext } = {};
    const w = world(new Map([['test.peek', peek(seen)]]));
    const task = seed(w, peeker([]));

    // Act
    await deliver(w, task);

    // Assess
    expect(seen.context).toBeUndefined();
    expect(w.events.types()).toEqual([
      'task.started',
      'model.invoked',
      'tool.denied',
      'model.invoked',
      'task.step',
      'task.step',
      'task.step',
      'task.succeeded',
    ]);
    const denied = w.events.ofType('tool.denied')[0];
    expect(denied?.source).toBe('agent-core.tools');
    expect(denied?.detail.data).toEqual({
      taskId: task.id,
      agentId: 'peeker',
      tool: 'test.peek',
      reason: "agent 'peeker' does not list tool 'test.peek'",
    });
  });

  it("lends tools the worker's services", async () => {
    // Prepare
    const seen: { context?: ToolContext } = {};
    const w = world(new Map([['test.peek', peek(seen)]]));
    const services: ToolServices = {
      workspace: () => {
        throw new Error('not used');
      },
      resolveHost: async () => ['192.0.2.7'],
    };
    w.deps.services = services;
    const task = seed(w, peeker());

    // Act
    await deliver(w, task);

    // Assess
    expect(seen.context?.services).toBe(services);
    expect(w.tasks.stored(task.id).output).toBe('peeked');
  });

  it('fails a workspace tool call as a step when the worker has no workspaces', async () => {
    // Prepare
    const w = world();
    const agent: Agent = {
      ...scripted('writer', {
        turns: [
          { toolCalls: [{ name: 'fs.write', input: { path: 'a.txt', content: 'x' } }] },
          { text: '{{lastToolResult}}' },
        ],
      }),
      tools: ['fs.write'],
    };
    const task = seed(w, agent);

    // Act
    await deliver(w, task);

    // Assess
    const stored = w.tasks.stored(task.id);
    expect(stored.status).toBe('succeeded');
    expect(stored.steps[1]).toMatchObject({
      kind: 'tool',
      name: 'fs.write',
      ok: false,
      detail: 'tool fs.write failed: no workspaces are configured for this worker',
    });
  });

  it("limits tool calls through the worker's rate limiter, and the task goes on", async () => {
    // Prepare
    const seen: { context?: ToolContext } = {};
    const w = world(new Map([['test.peek', peek(seen)]]));
    const takes: string[] = [];
    w.deps.rateLimiter = {
      take: async (key, perMinute) => {
        takes.push(`${key}@${perMinute}`);
        return { allowed: false, retryAfterMs: 1_000 };
      },
    };
    const task = seed(w, peeker());

    // Act
    await deliver(w, task);

    // Assess
    expect(takes).toEqual(['peeker/test.peek@60']);
    expect(seen.context).toBeUndefined();
    expect(w.tasks.stored(task.id)).toMatchObject({
      status: 'succeeded',
      output: 'rate limited: test.peek allows 60 calls a minute for this agent; try again in 1 s',
    });
    expect(w.events.types()).not.toContain('tool.invoked');
  });

  describe('MCP tools', () => {
    const mcpAgent = (turns: unknown[]) =>
      buildAgent({
        id: 'mcp-user',
        tools: ['mcp.docs.*'],
        mcpServers: [{ name: 'docs', url: 'https://docs.example.com/mcp' }],
        model: { provider: 'scripted', turns },
      });

    function mcpWorld() {
      const w = world();
      const search = defineTool({
        name: 'mcp.docs.search',
        description: 'searches the docs',
        input: z.record(z.string(), z.unknown()),
        inputJsonSchema: { type: 'object' },
        permission: 'tool:mcp.docs.search',
        callsPerMinute: 60,
        timeoutMs: 1_000,
        maxOutputBytes: 1_000,
        run: async (input) => ({ hits: [String(input.q)] }),
      });
      const close = vi.fn(async () => undefined);
      const loadMcpTools = vi.fn(
        async (_agent: Agent): Promise<McpToolset> => ({ tools: [search], errors: [], close }),
      );
      w.deps.loadMcpTools = loadMcpTools;
      return { w, close, loadMcpTools };
    }

    it("adds the agent's MCP tools for the attempt and closes them after", async () => {
      // Prepare
      const { w, close, loadMcpTools } = mcpWorld();
      const agent = mcpAgent([
        { toolCalls: [{ name: 'mcp.docs.search', input: { q: 'zod' } }] },
        { text: '{{lastToolResult}}' },
      ]);
      const task = seed(w, agent);

      // Act
      await deliver(w, task);

      // Assess
      expect(w.tasks.stored(task.id)).toMatchObject({
        status: 'succeeded',
        output: '{"hits":["zod"]}',
      });
      expect(loadMcpTools).toHaveBeenCalledTimes(1);
      expect(loadMcpTools.mock.calls[0]?.[0]).toMatchObject({ id: 'mcp-user' });
      expect(close).toHaveBeenCalledTimes(1);
      expect(w.deps.tools.has('mcp.docs.search')).toBe(false);
      expect(w.events.ofType('tool.invoked')[0]?.detail.data).toMatchObject({
        tool: 'mcp.docs.search',
        ok: true,
      });
    });

    it('closes the MCP tools when the attempt fails', async () => {
      // Prepare
      const { w, close } = mcpWorld();
      const agent = {
        ...mcpAgent([{ text: 'x' }]),
        model: { provider: 'scripted' as const, turns: [{ text: 'x' }], failUntilAttempt: 5 },
      };
      const task = seed(w, agent);

      // Act
      const outcome = await deliver(w, task);

      // Assess
      expect(outcome).toEqual({ kind: 'retry-later', delaySeconds: 2 });
      expect(close).toHaveBeenCalledTimes(1);
    });

    it('closes the MCP tools when the model cannot even be resolved', async () => {
      // Prepare
      const { w, close } = mcpWorld();
      const agent: Agent = {
        ...mcpAgent([{ text: 'x' }]),
        model: { provider: 'bedrock', model: 'amazon.nova-lite-v1:0' },
      };
      const task = seed(w, agent);

      // Act
      await deliver(w, task);

      // Assess
      expect(w.tasks.stored(task.id).error?.code).toBe('ProviderNotConfigured');
      expect(close).toHaveBeenCalledTimes(1);
    });

    it('does not connect MCP servers for an agent that has none', async () => {
      // Prepare
      const { w, loadMcpTools } = mcpWorld();
      const task = seed(w, echoAgent());

      // Act
      await deliver(w, task);

      // Assess
      expect(w.tasks.stored(task.id).status).toBe('succeeded');
      expect(loadMcpTools).not.toHaveBeenCalled();
    });
  });
});

// ---------------------------------------------------------------------------------------------
// A bounded record, and no attempt past maxAttempts
// ---------------------------------------------------------------------------------------------

describe('runTaskMessage: a record that stays bounded', () => {
  /** A tool whose every answer is long enough to fill a step's detail. */
  const chatty = defineTool({
    name: 'test.chatty',
    description: 'answers at length',
    input: z.object({}),
    permission: 'tool:test.chatty',
    callsPerMinute: 100_000,
    timeoutMs: 1_000,
    maxOutputBytes: 10_000,
    run: async () => 'x'.repeat(2_000),
  });

  it('keeps the first 10 and the last 40 steps, counts the others, and tells every step', async () => {
    // Prepare: 30 turns of 20 calls, then the answer: 631 steps.
    const w = world(new Map([['test.chatty', chatty]]));
    const turn = { toolCalls: Array.from({ length: 20 }, () => ({ name: 'test.chatty' })) };
    const agent: Agent = {
      ...scripted('chatty', { turns: [...Array(30).fill(turn), { text: 'done' }] }),
      tools: ['test.chatty'],
      limits: { maxSteps: 100, timeoutMs: 60_000, maxTokens: 1_000_000, contextTokens: 16_000 },
    };
    const task = seed(w, agent);

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    const stored = w.tasks.stored(task.id);
    expect(stored).toMatchObject({ status: 'succeeded', output: 'done', stepsOmitted: 581 });
    expect(stored.steps.map((s) => s.index)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => i),
      ...Array.from({ length: 40 }, (_, i) => 591 + i),
    ]);
    const told = w.events.ofType('task.step').map((e) => e.detail.data.step as { index: number });
    expect(told.map((s) => s.index)).toEqual(Array.from({ length: 631 }, (_, i) => i));
    expect(told[300]).toMatchObject({
      kind: 'tool',
      name: 'test.chatty',
      detail: expect.any(String),
    });
  });

  it('fails a task whose answer would not fit its record with OutputTooLarge, for good', async () => {
    // Prepare: a model answering 400,000 characters.
    const w = world();
    const provider: ModelProvider = {
      name: 'verbose',
      complete: async () => ({
        text: 'y'.repeat(400_000),
        toolCalls: [],
        stopReason: 'end_turn',
        usage: { inputTokens: 1, outputTokens: 100_000, costUsd: 0 },
      }),
    };
    w.deps.models = new ModelResolver(parseRouteConfig({}), () => provider);
    const agent = buildAgent({
      id: 'verbose',
      model: { provider: 'echo' },
      limits: { maxSteps: 8, timeoutMs: 60_000, maxTokens: 1_000_000 },
    });
    const task = seed(w, agent, { maxAttempts: 3 });

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    const stored = w.tasks.stored(task.id);
    expect(stored).toMatchObject({
      status: 'failed',
      attempts: 1,
      output: null,
      error: { code: 'OutputTooLarge', retryable: false },
      steps: [{ index: 0, kind: 'model', ok: true }],
    });
    expect(stored.error?.message).toMatch(/400002 bytes/);
    expect(w.events.types().at(-1)).toBe('task.failed');
  });

  it('cuts a long error message to a bounded length', async () => {
    // Prepare: a provider failing with an answer of 50,000 characters.
    const w = world();
    const provider: ModelProvider = {
      name: 'long-error',
      complete: async () => {
        throw new Error(`upstream said: ${'z'.repeat(50_000)}`);
      },
    };
    w.deps.models = new ModelResolver(parseRouteConfig({}), () => provider);
    const task = seed(w, echoAgent(), { maxAttempts: 1 });

    // Act
    await deliver(w, task);

    // Assess
    const stored = w.tasks.stored(task.id);
    expect(stored.status).toBe('failed');
    expect(stored.error?.message.length).toBeLessThanOrEqual(1_000);
  });
});

describe('runTaskMessage: never an attempt past maxAttempts', () => {
  /** Counts the calls of a tool, to see whether an attempt ran again. */
  function counting() {
    const calls = { count: 0 };
    const tool = defineTool({
      name: 'test.count',
      description: 'counts its calls',
      input: z.object({}),
      permission: 'tool:test.count',
      callsPerMinute: 600,
      timeoutMs: 1_000,
      maxOutputBytes: 100,
      run: async () => {
        calls.count += 1;
        return calls.count;
      },
    });
    const agent: Agent = {
      ...scripted('counter', { turns: [{ toolCalls: [{ name: 'test.count' }] }, { text: 'ok' }] }),
      tools: ['test.count'],
    };
    return { calls, tool, agent };
  }

  it.each(['queued', 'retrying'] as const)(
    'fails and dead-letters a %s task whose attempts are used up, without running it',
    async (status) => {
      // Prepare: the last attempt was interrupted by a crash and the task re-queued.
      const { calls, tool, agent } = counting();
      const w = world(new Map([['test.count', tool]]));
      const task = seed(w, agent, {
        status,
        attempts: 2,
        maxAttempts: 2,
        error: { code: 'Interrupted', message: 'the runtime stopped', retryable: true },
      });

      // Act
      const outcome = await deliver(w, task);

      // Assess
      expect(outcome).toEqual({ kind: 'dead-letter' });
      expect(calls.count).toBe(0);
      expect(w.tasks.stored(task.id)).toMatchObject({
        status: 'failed',
        attempts: 2,
        finishedAt: w.clock.iso(),
        error: { code: 'AttemptsExhausted', retryable: true },
      });
      expect(w.events.types()).toEqual(['task.failed']);
    },
  );

  it('does not take over a running task on its last attempt when its worker died', async () => {
    // Prepare: attempt 3 of 3 was running; its lease ended a second ago.
    const { calls, tool, agent } = counting();
    const w = world(new Map([['test.count', tool]]));
    const leaseUntil = new Date(w.clock.now().getTime() - 1_000).toISOString();
    const task = seed(w, agent, { status: 'running', attempts: 3, maxAttempts: 3, leaseUntil });

    // Act
    const outcome = await deliver(w, task);

    // Assess
    expect(outcome).toEqual({ kind: 'dead-letter' });
    expect(calls.count).toBe(0);
    expect(w.tasks.stored(task.id)).toMatchObject({
      status: 'failed',
      attempts: 3,
      leaseUntil: null,
      error: { code: 'AttemptsExhausted', retryable: true },
    });
    expect(w.events.types()).toEqual(['task.failed']);
  });

  it('ends a task whose final write keeps failing for another reason than a conflict', async () => {
    // Prepare: the store refuses every record of success (as DynamoDB refuses an oversized item).
    const { calls, tool, agent } = counting();
    const w = world(new Map([['test.count', tool]]));
    const task = seed(w, agent, { maxAttempts: 3 });
    const original = w.tasks.transition.bind(w.tasks);
    vi.spyOn(w.tasks, 'transition').mockImplementation(async (id, change) => {
      if (change.to === 'succeeded') throw new Error('Item size to update has exceeded the limit');
      return original(id, change);
    });

    // Act: the delivery, then redeliveries of the same message.
    const outcomes = [await deliver(w, task), await deliver(w, task), await deliver(w, task)];

    // Assess: recorded as failed (for the DLQ, where it can be redriven), its tool ran once.
    expect(outcomes).toEqual([
      { kind: 'dead-letter' },
      { kind: 'dead-letter' },
      { kind: 'dead-letter' },
    ]);
    expect(calls.count).toBe(1);
    expect(w.tasks.stored(task.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      leaseUntil: null,
      output: null,
      error: { code: 'OutcomeNotRecorded', retryable: true },
    });
    expect(w.tasks.stored(task.id).stepsOmitted).toBe(3);
    expect(w.events.types().filter((t) => t.startsWith('task.'))).toEqual([
      'task.started',
      'task.step',
      'task.step',
      'task.step',
      'task.failed',
    ]);
  });

  it('counts attempts only up to maxAttempts in the store itself', async () => {
    // Prepare
    const w = world();
    const task = seed(w, echoAgent(), { attempts: 1, maxAttempts: 1 });

    // Act
    const error = await w.tasks
      .transition(task.id, { from: ['queued'], to: 'running', incrementAttempts: true })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(TransitionConflictError);
    expect(w.tasks.stored(task.id)).toMatchObject({ status: 'queued', attempts: 1 });
  });
});
