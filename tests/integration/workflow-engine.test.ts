/**
 * The orchestration core against a real DynamoDB protocol server (dynalite): DynamoWorkflowStore,
 * then the engine driven exactly as the workflow-runner state machine drives it (Advance →
 * StartStep per step with a task token → the worker ends the step's task → reportStepOutcome →
 * callback → Advance …), with DynamoTaskStore, an in-memory queue and a recording reporter.
 */
import { describe, expect, it, vi } from 'vitest';
import type { RecommendableStrategy } from '../../events/workflow-strategies.js';
import { topology } from '../../infra/topology.js';
import { provisionTable } from '../../local/provision.js';
import { DynamoTaskStore } from '../../shared/adapters/dynamo-task-store.js';
import { DynamoWorkflowStore } from '../../shared/adapters/dynamo-workflow-store.js';
import type { Agent } from '../../shared/core/agents/agent.js';
import {
  ConflictError,
  NotFoundError,
  TransitionConflictError,
  ValidationError,
} from '../../shared/core/errors.js';
import type { EventContext } from '../../shared/core/events.js';
import { newId } from '../../shared/core/ids.js';
import { emptyUsage, type Task, type TaskError } from '../../shared/core/tasks/task.js';
import {
  type AdvanceResult,
  advance,
  type EngineDeps,
  recordExecutionFailure,
  reportStepOutcome,
  STEP_METADATA_KEY,
  startStep,
} from '../../shared/core/workflows/engine.js';
import type {
  StepReporter,
  WorkflowRunner,
  WorkflowStore,
} from '../../shared/core/workflows/ports.js';
import {
  newStepState,
  type StepState,
  stepTaskId,
  type Workflow,
} from '../../shared/core/workflows/workflow.js';
import {
  cancelWorkflow,
  createWorkflow,
  getWorkflow,
  listWorkflows,
  type Recommend,
  recoverRunningWorkflows,
  type WorkflowServiceDeps,
} from '../../shared/core/workflows/workflow-service.js';
import { uniqueSuffix, useLocalAws } from '../helpers/aws-local.js';
import {
  buildAgent,
  buildWorkflow,
  FixedClock,
  InMemoryAgentStore,
  InMemoryTaskQueue,
  RecordingEventPublisher,
} from '../helpers/in-memory.js';

const aws = useLocalAws();

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

type Callback =
  | { kind: 'succeed'; token: string; output: unknown }
  | { kind: 'fail'; token: string; error: string; cause: string };

/** The `.waitForTaskToken` callbacks, recorded. */
class RecordingReporter implements StepReporter {
  readonly calls: Callback[] = [];

  async succeed(token: string, output: unknown): Promise<void> {
    this.calls.push({ kind: 'succeed', token, output: structuredClone(output) });
  }

  async fail(token: string, error: string, cause: string): Promise<void> {
    this.calls.push({ kind: 'fail', token, error, cause });
  }

  for(token: string): Callback[] {
    return this.calls.filter((c) => c.token === token);
  }
}

/** Step Functions executions, recorded. */
class FakeRunner implements WorkflowRunner {
  readonly started: { workflowId: string; executionName: string }[] = [];
  readonly stopped: { executionArn: string; cause: string }[] = [];
  failStartWith: Error | undefined;

  executionArn(executionName: string): string {
    return `arn:aws:states:us-east-1:000000000000:execution:workflow-runner:${executionName}`;
  }

  async start(workflowId: string, executionName: string): Promise<void> {
    if (this.failStartWith) throw this.failStartWith;
    this.started.push({ workflowId, executionName });
  }

  async stop(executionArn: string, cause: string): Promise<void> {
    this.stopped.push({ executionArn, cause });
  }
}

interface World {
  clock: FixedClock;
  tableName: string;
  workflows: DynamoWorkflowStore;
  tasks: DynamoTaskStore;
  queue: InMemoryTaskQueue;
  events: RecordingEventPublisher;
  reporter: RecordingReporter;
  runner: FakeRunner;
  agents: InMemoryAgentStore;
  recommend: ReturnType<typeof vi.fn<Recommend>>;
  engine: EngineDeps;
  service: WorkflowServiceDeps;
  ctx: EventContext;
}

const AGENTS = ['scanner', 'reviewer', 'writer', 'critic', 'lead', 'judge', 'worker'];

/** A world on the file's table, or on a fresh one (for listings over the whole table). */
async function world(options: { freshTable?: boolean; agents?: Agent[] } = {}): Promise<World> {
  let tableName = aws().tableName;
  if (options.freshTable) {
    tableName = `agent-core-it-wf-${uniqueSuffix()}`;
    await provisionTable(aws().dynamoRaw, tableName, topology);
  }
  const clock = new FixedClock();
  const workflows = new DynamoWorkflowStore(aws().dynamo, tableName, () => clock.now());
  const tasks = new DynamoTaskStore(aws().dynamo, tableName, () => clock.now());
  const queue = new InMemoryTaskQueue();
  const events = new RecordingEventPublisher();
  const reporter = new RecordingReporter();
  const runner = new FakeRunner();
  const agents = new InMemoryAgentStore().seed(
    ...(options.agents ?? AGENTS.map((id) => buildAgent({ id }))),
  );
  const recommend = vi.fn<Recommend>(async () => ({
    strategy: 'dag' as RecommendableStrategy,
    confidence: 0.5,
    rationale: 'default',
    basedOn: { executions: 0 },
  }));
  return {
    clock,
    tableName,
    workflows,
    tasks,
    queue,
    events,
    reporter,
    runner,
    agents,
    recommend,
    engine: { workflows, tasks, queue, events, reporter, clock },
    service: { workflows, agents, tasks, runner, events, recommend },
    ctx: { correlationId: `corr-${uniqueSuffix()}`, clock },
  };
}

/** What a step's worker does: answer an output, or fail with an error. */
type Outcome = { output: unknown; costUsd?: number } | { error: TaskError } | 'leave-running';

/** The worker's part: takes the task (running), then ends it, then tells the engine. */
async function work(w: World, taskId: string, outcome: Outcome): Promise<Task> {
  const now = w.clock.iso();
  const running = await w.tasks.transition(taskId, {
    from: ['queued', 'retrying'],
    to: 'running',
    incrementAttempts: true,
    markStarted: now,
  });
  if (outcome === 'leave-running') return running;
  const ended =
    'error' in outcome
      ? await w.tasks.transition(taskId, {
          from: ['running'],
          to: 'failed',
          set: { error: outcome.error, finishedAt: now },
        })
      : await w.tasks.transition(taskId, {
          from: ['running'],
          to: 'succeeded',
          set: {
            output: outcome.output,
            finishedAt: now,
            usage: { ...emptyUsage(), modelCalls: 1, costUsd: outcome.costUsd ?? 0 },
          },
        });
  await reportStepOutcome(w.engine, ended);
  return ended;
}

interface Run {
  batches: string[][];
  /** The task input each step's task got. */
  inputs: Map<string, unknown>;
  result: AdvanceResult;
}

/**
 * Drives a workflow as the state machine would until Advance says done (or a step fails, which
 * the state machine's Catch turns into recordExecutionFailure).
 */
async function drive(
  w: World,
  workflowId: string,
  worker: (task: Task, stepId: string) => Outcome,
): Promise<Run> {
  const batches: string[][] = [];
  const inputs = new Map<string, unknown>();
  for (let round = 0; round < 50; round++) {
    const result = await advance(w.engine, workflowId);
    if (result.done) return { batches, inputs, result };
    batches.push(result.stepIds);
    const tokens = new Map(result.stepIds.map((id) => [id, `token-${workflowId}-${id}-${round}`]));
    for (const [stepId, taskToken] of tokens) {
      await startStep(w.engine, { workflowId, stepId, taskToken });
    }
    let failure: Callback | undefined;
    for (const [stepId, token] of tokens) {
      const task = await w.tasks.get(stepTaskId(workflowId, stepId));
      if (!task) throw new Error(`no task for step '${stepId}'`);
      inputs.set(stepId, task.input);
      await work(w, task.id, worker(task, stepId));
      const callbacks = w.reporter.for(token);
      expect(callbacks).toHaveLength(1);
      if (callbacks[0]?.kind === 'fail') {
        failure = callbacks[0];
        break;
      }
      expect(callbacks[0]).toEqual({
        kind: 'succeed',
        token,
        output: { stepId, status: 'succeeded' },
      });
    }
    if (failure?.kind === 'fail') {
      const status = await recordExecutionFailure(w.engine, {
        workflowId,
        error: { Error: failure.error, Cause: failure.cause },
      });
      return { batches, inputs, result: { done: true, status, stepIds: [] } };
    }
  }
  throw new Error('the workflow did not end after 50 rounds');
}

const stepsById = (steps: StepState[]) => new Map(steps.map((s) => [s.id, s]));

async function stored(w: World, id: string) {
  const found = await w.workflows.get(id);
  if (!found) throw new Error(`no workflow ${id}`);
  return { workflow: found.workflow, steps: stepsById(found.steps) };
}

/** A workflow as createWorkflow would store it, for the store tests. */
function aWorkflow(overrides: Partial<Workflow> = {}): Workflow {
  return buildWorkflow({
    name: 'store-test',
    input: { repo: 'agent-core', list: [1, { deep: [true, null] }], text: 'héllo ✓' },
    steps: [
      { id: 'a', agentId: 'scanner', dependsOn: [] },
      { id: 'b', agentId: 'reviewer', dependsOn: ['a'], input: { x: '{{steps.a.output}}' } },
    ],
    metadata: { team: 'core', nested: { n: 1 } },
    executionArn: 'arn:exec:1',
    correlationId: 'corr-store',
    ...overrides,
  });
}

const stepOf = (workflowId: string, id: string, order: number, extra: Partial<StepState> = {}) => ({
  ...newStepState(workflowId, {
    id,
    order,
    role: 'step',
    round: null,
    agentId: 'worker',
    dependsOn: [],
  }),
  ...extra,
});

// ---------------------------------------------------------------------------------------------
// DynamoWorkflowStore
// ---------------------------------------------------------------------------------------------

describe('DynamoWorkflowStore', () => {
  it('stores a workflow with its steps and reads them back exactly', async () => {
    // Prepare
    const w = await world();
    const workflow = aWorkflow({
      recommendation: { confidence: 0.8, rationale: 'why', basedOn: { executions: 4 } },
      supervisor: { agentId: 'lead', maxRounds: 3 },
      aggregate: { mode: 'agent', agentId: 'judge' },
      timeoutMs: 5000,
    });
    const steps = [
      stepOf(workflow.id, 'a', 0),
      stepOf(workflow.id, 'b', 1, {
        input: { x: '{{steps.a.output}}', arr: [1, [2]] },
        dependsOn: ['a'],
      }),
      stepOf(workflow.id, 'c', 2, { input: null }),
    ];

    // Act
    await w.workflows.create(workflow, steps);
    const found = await w.workflows.get(workflow.id);

    // Assess
    expect(found?.workflow).toEqual(workflow);
    expect([...(found?.steps ?? [])].sort((x, y) => x.order - y.order)).toEqual(steps);
    expect(found?.steps.find((s) => s.id === 'a')).not.toHaveProperty('input');
    expect(found?.steps.find((s) => s.id === 'c')?.input).toBeNull();
    expect(await w.workflows.getStep(workflow.id, 'b')).toEqual(steps[1]);
  });

  it('round-trips any JSON: scalars, null, strings that look like JSON, large nested outputs', async () => {
    // Prepare: a ~250 KB output stays under the 400 KB item limit.
    const w = await world();
    const big = { rows: Array.from({ length: 2500 }, (_, i) => ({ i, text: 'x'.repeat(80) })) };
    for (const input of [
      null,
      false,
      0,
      '',
      'null',
      '{"a":1}',
      [[]],
      { a: { b: { c: [1, '2', null] } } },
    ]) {
      const workflow = aWorkflow({ input, output: input });
      await w.workflows.create(workflow, [stepOf(workflow.id, 'a', 0, { output: input })]);
      const found = await w.workflows.get(workflow.id);
      expect(found?.workflow.input).toEqual(input);
      expect(found?.workflow.output).toEqual(input);
      expect(found?.steps[0]?.output).toEqual(input);
    }
    const workflow = aWorkflow();
    await w.workflows.create(workflow, [stepOf(workflow.id, 'a', 0)]);

    // Act
    await w.workflows.updateStep(workflow.id, 'a', {
      from: ['pending'],
      set: { status: 'succeeded', output: big },
    });
    await w.workflows.update(workflow.id, {
      from: ['running'],
      set: { output: { nested: big.rows.slice(0, 3) } },
    });

    // Assess
    expect((await w.workflows.getStep(workflow.id, 'a'))?.output).toEqual(big);
    expect((await w.workflows.get(workflow.id))?.workflow.output).toEqual({
      nested: big.rows.slice(0, 3),
    });
  });

  it('refuses a second workflow with the same id (ConflictError)', async () => {
    // Prepare
    const w = await world();
    const workflow = aWorkflow();
    await w.workflows.create(workflow, []);

    // Act / Assess
    await expect(w.workflows.create({ ...workflow, name: 'other' }, [])).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect((await w.workflows.get(workflow.id))?.workflow.name).toBe('store-test');
  });

  it('answers undefined for a workflow or step that does not exist', async () => {
    const w = await world();
    expect(await w.workflows.get(newId())).toBeUndefined();
    const workflow = aWorkflow();
    await w.workflows.create(workflow, []);
    expect(await w.workflows.getStep(workflow.id, 'nope')).toBeUndefined();
    expect((await w.workflows.get(workflow.id))?.steps).toEqual([]);
  });

  it('adds steps idempotently: an existing step keeps what it has', async () => {
    // Prepare
    const w = await world();
    const workflow = aWorkflow();
    await w.workflows.create(workflow, [stepOf(workflow.id, 'a', 0)]);
    await w.workflows.updateStep(workflow.id, 'a', {
      from: ['pending'],
      set: { status: 'running', token: 'tok' },
    });

    // Act
    await w.workflows.addSteps(workflow.id, [
      stepOf(workflow.id, 'a', 0),
      stepOf(workflow.id, 'b', 1),
    ]);
    await w.workflows.addSteps(workflow.id, [stepOf(workflow.id, 'b', 1)]);

    // Assess
    const { steps } = await stored(w, workflow.id);
    expect(steps.size).toBe(2);
    expect(steps.get('a')).toMatchObject({ status: 'running', token: 'tok' });
    expect(steps.get('b')).toMatchObject({ status: 'pending', token: null });
  });

  it('changes a step only from the statuses given (TransitionConflictError otherwise)', async () => {
    // Prepare
    const w = await world();
    const workflow = aWorkflow();
    await w.workflows.create(workflow, [stepOf(workflow.id, 'a', 0)]);

    // Act and assess: again, and a step that does not exist, are refused.
    const running = await w.workflows.updateStep(workflow.id, 'a', {
      from: ['pending'],
      set: { status: 'running', token: 't1', startedAt: '2025-01-01T00:00:01.000Z' },
    });
    await expect(
      w.workflows.updateStep(workflow.id, 'a', {
        from: ['pending'],
        set: { status: 'running', token: 't2' },
      }),
    ).rejects.toBeInstanceOf(TransitionConflictError);
    await expect(
      w.workflows.updateStep(workflow.id, 'ghost', {
        from: ['pending', 'running'],
        set: { status: 'running' },
      }),
    ).rejects.toBeInstanceOf(TransitionConflictError);

    // Assess
    expect(running).toMatchObject({
      id: 'a',
      status: 'running',
      token: 't1',
      taskId: stepTaskId(workflow.id, 'a'),
    });
    expect(await w.workflows.getStep(workflow.id, 'a')).toMatchObject({ token: 't1' });
    expect(await w.workflows.getStep(workflow.id, 'ghost')).toBeUndefined();
  });

  it('changes a workflow only from the statuses given, stamping updatedAt', async () => {
    // Prepare
    const w = await world();
    const workflow = aWorkflow();
    await w.workflows.create(workflow, []);
    w.clock.advance(5_000);

    // Act
    const done = await w.workflows.update(workflow.id, {
      from: ['running'],
      set: {
        status: 'failed',
        error: { code: 'E', message: 'm', stepId: 'a' },
        finishedAt: w.clock.iso(),
        costUsd: 0.25,
      },
    });
    await expect(
      w.workflows.update(workflow.id, { from: ['running'], set: { status: 'succeeded' } }),
    ).rejects.toBeInstanceOf(TransitionConflictError);
    await expect(
      w.workflows.update(newId(), { from: ['running'], set: { status: 'cancelled' } }),
    ).rejects.toBeInstanceOf(TransitionConflictError);

    // Assess
    expect(done).toMatchObject({
      status: 'failed',
      error: { code: 'E', message: 'm', stepId: 'a' },
      costUsd: 0.25,
      updatedAt: w.clock.iso(),
      createdAt: workflow.createdAt,
      input: workflow.input,
    });
    expect(await w.workflows.get(newId())).toBeUndefined();
  });

  it('lists by status, newest first, page by page, following status changes', async () => {
    // Prepare: a table of its own, so that the listing is only these workflows.
    const w = await world({ freshTable: true });
    const created: Workflow[] = [];
    for (let i = 0; i < 5; i++) {
      const workflow = aWorkflow({ name: `wf-${i}` });
      await w.workflows.create(workflow, [stepOf(workflow.id, 'a', 0)]);
      created.push(workflow);
    }
    const [first, second] = created as [Workflow, Workflow];
    await w.workflows.update(first.id, { from: ['running'], set: { status: 'succeeded' } });
    await w.workflows.update(second.id, { from: ['running'], set: { status: 'cancelled' } });

    // Act
    const page1 = await listWorkflows(w.service, { status: 'running', limit: 2 });
    const page2 = await listWorkflows(w.service, {
      status: 'running',
      limit: 2,
      cursor: page1.nextCursor ?? undefined,
    });
    const all = await listWorkflows(w.service, { limit: 10 });
    const succeeded = await listWorkflows(w.service, { status: 'succeeded', limit: 10 });
    const failed = await listWorkflows(w.service, { status: 'failed', limit: 10 });

    // Assess
    const newestFirst = (ws: Workflow[]) => ws.map((x) => x.id).reverse();
    expect(page1.items.map((x) => x.id)).toEqual(newestFirst(created.slice(2)).slice(0, 2));
    expect(page1.nextCursor).not.toBeNull();
    expect(page2.items.map((x) => x.id)).toEqual(newestFirst(created.slice(2)).slice(2));
    expect(page2.nextCursor).toBeNull();
    expect(all.items.map((x) => x.id)).toEqual(newestFirst(created));
    expect(succeeded.items.map((x) => x.id)).toEqual([first.id]);
    expect(succeeded.items[0]).toMatchObject({
      status: 'succeeded',
      input: first.input,
      metadata: first.metadata,
    });
    expect(failed.items).toEqual([]);
  });

  it('refuses a cursor from another listing', async () => {
    // Prepare
    const w = await world({ freshTable: true });
    for (let i = 0; i < 2; i++) await w.workflows.create(aWorkflow(), []);
    const page = await w.workflows.list({ limit: 1 });

    // Act and assess
    await expect(
      w.workflows.list({ status: 'running', limit: 1, cursor: page.nextCursor ?? undefined }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('discards a workflow and its steps', async () => {
    const w = await world();
    const workflow = aWorkflow();
    await w.workflows.create(workflow, [stepOf(workflow.id, 'a', 0), stepOf(workflow.id, 'b', 1)]);
    await w.workflows.discard(workflow.id, ['a', 'b']);
    expect(await w.workflows.get(workflow.id)).toBeUndefined();
    expect(await w.workflows.getStep(workflow.id, 'a')).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// The engine, strategy by strategy
// ---------------------------------------------------------------------------------------------

describe('engine: sequential', () => {
  it('runs the steps one by one, each getting the previous output or its rendered template', async () => {
    // Prepare
    const w = await world();
    const created = await createWorkflow(
      w.service,
      {
        name: 'review-pipeline',
        strategy: 'sequential',
        input: { repo: 'agent-core' },
        priority: 'critical',
        maxAttempts: 2,
        steps: [
          { id: 'scan', agentId: 'scanner' },
          { id: 'review', agentId: 'reviewer' },
          {
            id: 'report',
            agentId: 'writer',
            input: {
              findings: '{{steps.scan.output.findings}}',
              review: 'said: {{steps.review.output}}',
              repo: '{{input.repo}}',
            },
          },
        ],
      },
      w.ctx,
    );

    // Act
    const run = await drive(w, created.id, (_task, stepId) => {
      if (stepId === 'scan') return { output: { findings: ['f1', 'f2'] }, costUsd: 0.01 };
      if (stepId === 'review') return { output: 'looks good', costUsd: 0.02 };
      return { output: 'final report', costUsd: 0.03 };
    });

    // Assess
    expect(created).toMatchObject({
      status: 'running',
      strategy: 'sequential',
      chosenStrategy: 'sequential',
    });
    expect(w.runner.started).toEqual([
      { workflowId: created.id, executionName: `${created.id}-1` },
    ]);
    expect(run.batches).toEqual([['scan'], ['review'], ['report']]);
    expect(run.inputs.get('scan')).toEqual({ repo: 'agent-core' });
    expect(run.inputs.get('review')).toEqual({ findings: ['f1', 'f2'] });
    expect(run.inputs.get('report')).toEqual({
      findings: ['f1', 'f2'],
      review: 'said: looks good',
      repo: 'agent-core',
    });
    expect(run.result).toEqual({ done: true, status: 'succeeded', stepIds: [] });
    const { workflow, steps } = await stored(w, created.id);
    expect(workflow).toMatchObject({
      status: 'succeeded',
      output: 'final report',
      costUsd: 0.06,
      error: null,
    });
    expect(workflow.finishedAt).not.toBeNull();
    expect(steps.get('scan')).toMatchObject({
      status: 'succeeded',
      output: { findings: ['f1', 'f2'] },
      costUsd: 0.01,
    });

    // The step's task is a task like any other, tied to its step.
    const task = await w.tasks.get(stepTaskId(created.id, 'review'));
    expect(task).toMatchObject({
      agentId: 'reviewer',
      priority: 'critical',
      maxAttempts: 2,
      workflowId: created.id,
      correlationId: w.ctx.correlationId,
      metadata: { [STEP_METADATA_KEY]: 'review', workflowName: 'review-pipeline' },
    });
    expect(w.queue.sentIds()).toEqual(
      ['scan', 'review', 'report'].map((s) => stepTaskId(created.id, s)),
    );

    // Events: started, per step queued/started/completed, succeeded.
    expect(w.events.types()).toEqual([
      'workflow.started',
      ...['scan', 'review', 'report'].flatMap(() => [
        'task.queued',
        'workflow.step.started',
        'workflow.step.completed',
      ]),
      'workflow.succeeded',
    ]);
    expect(w.events.ofType('workflow.succeeded')[0]?.detail).toMatchObject({
      correlationId: w.ctx.correlationId,
      data: {
        workflowId: created.id,
        steps: 3,
        costUsd: 0.06,
        quality: null,
        chosenStrategy: 'sequential',
      },
    });
    // Outputs never travel in events.
    expect(JSON.stringify(w.events.events)).not.toContain('final report');
  });

  it('keeps large outputs in the table: the callback carries only a reference', async () => {
    // Prepare
    const w = await world();
    const big = 'y'.repeat(300_000);
    const created = await createWorkflow(
      w.service,
      {
        name: 'big',
        strategy: 'sequential',
        input: 'x',
        steps: [
          { id: 'a', agentId: 'worker' },
          { id: 'b', agentId: 'worker' },
        ],
      },
      w.ctx,
    );

    // Act
    const run = await drive(w, created.id, (_t, stepId) => ({
      output: stepId === 'a' ? big : 'small',
    }));

    // Assess
    expect(run.result.status).toBe('succeeded');
    expect(run.inputs.get('b')).toBe(big);
    expect(JSON.stringify(w.reporter.calls).length).toBeLessThan(2_000);
  });
});

describe('engine: dag and parallel', () => {
  it('runs a diamond a → (b, c) → d as [a], [b, c], [d], with inputs from dependencies', async () => {
    // Prepare
    const w = await world();
    const created = await createWorkflow(
      w.service,
      {
        name: 'diamond',
        strategy: 'dag',
        input: 'start',
        steps: [
          { id: 'a', agentId: 'scanner' },
          { id: 'b', agentId: 'reviewer', dependsOn: ['a'] },
          { id: 'c', agentId: 'critic', dependsOn: ['a'] },
          { id: 'd', agentId: 'writer', dependsOn: ['b', 'c'] },
        ],
        aggregate: { mode: 'merge' },
      },
      w.ctx,
    );

    // Act
    const run = await drive(w, created.id, (_t, stepId) => ({
      output: { [stepId]: `out-${stepId}` },
    }));

    // Assess
    expect(run.batches).toEqual([['a'], ['b', 'c'], ['d']]);
    expect(run.inputs.get('a')).toBe('start');
    expect(run.inputs.get('b')).toEqual({ a: 'out-a' });
    expect(run.inputs.get('d')).toEqual({ b: { b: 'out-b' }, c: { c: 'out-c' } });
    expect((await stored(w, created.id)).workflow).toMatchObject({
      status: 'succeeded',
      output: { a: 'out-a', b: 'out-b', c: 'out-c', d: 'out-d' },
    });
  });

  it('runs parallel steps all at once, each with the workflow input, and votes', async () => {
    // Prepare
    const w = await world();
    const created = await createWorkflow(
      w.service,
      {
        name: 'panel',
        strategy: 'parallel',
        input: 'is it safe?',
        steps: ['p1', 'p2', 'p3'].map((id) => ({ id, agentId: 'critic' })),
        aggregate: { mode: 'vote' },
      },
      w.ctx,
    );
    const votes: Record<string, string> = { p1: 'no', p2: 'yes', p3: ' yes ' };

    // Act
    const run = await drive(w, created.id, (_t, stepId) => ({ output: votes[stepId] }));

    // Assess
    expect(run.batches).toEqual([['p1', 'p2', 'p3']]);
    expect([...run.inputs.values()]).toEqual(['is it safe?', 'is it safe?', 'is it safe?']);
    expect((await stored(w, created.id)).workflow).toMatchObject({
      status: 'succeeded',
      output: 'yes',
    });
  });
});

describe('engine: adaptive and the aggregator agent', () => {
  it('asks the supervisor each round, runs what it names, and ends on done with final', async () => {
    // Prepare
    const w = await world();
    const created = await createWorkflow(
      w.service,
      {
        name: 'adaptive',
        strategy: 'adaptive',
        input: 'write a haiku',
        steps: [
          { id: 'w', agentId: 'writer' },
          { id: 'c', agentId: 'critic' },
        ],
        supervisor: { agentId: 'lead', maxRounds: 3 },
      },
      w.ctx,
    );
    let round = 0;

    // Act
    const run = await drive(w, created.id, (task, stepId) => {
      if (stepId.startsWith('supervisor-')) {
        round++;
        return {
          output:
            round === 1
              ? JSON.stringify({ next: [{ agentId: 'writer', input: 'draft: {{input}}' }] })
              : { done: true, final: { haiku: 'old pond' } },
        };
      }
      return { output: `${task.agentId} wrote` };
    });

    // Assess
    expect(created.steps).toEqual([]);
    expect(run.batches).toEqual([['supervisor-1'], ['r1-1'], ['supervisor-2']]);
    expect(run.inputs.get('r1-1')).toBe('draft: write a haiku');
    expect(run.inputs.get('supervisor-2')).toMatchObject({
      task: 'write a haiku',
      round: 2,
      maxRounds: 3,
      agents: ['writer', 'critic'],
      history: [
        {
          round: 1,
          stepId: 'r1-1',
          agentId: 'writer',
          status: 'succeeded',
          output: 'writer wrote',
        },
      ],
    });
    const { workflow, steps } = await stored(w, created.id);
    expect(workflow).toMatchObject({ status: 'succeeded', output: { haiku: 'old pond' } });
    expect(steps.get('supervisor-1')).toMatchObject({
      role: 'supervisor',
      agentId: 'lead',
      round: 1,
    });
    expect(steps.get('r1-1')).toMatchObject({ role: 'step', agentId: 'writer', round: 1 });
  });

  it('gives the aggregator every output and records its score as the quality', async () => {
    // Prepare
    const w = await world();
    const created = await createWorkflow(
      w.service,
      {
        name: 'judged',
        strategy: 'parallel',
        input: 'q',
        steps: [
          { id: 'a', agentId: 'writer' },
          { id: 'b', agentId: 'critic' },
        ],
        aggregate: { mode: 'agent', agentId: 'judge' },
      },
      w.ctx,
    );

    // Act
    const run = await drive(w, created.id, (_t, stepId) =>
      stepId === 'aggregate'
        ? { output: { best: 'a', score: 0.8 } }
        : { output: `answer ${stepId}` },
    );

    // Assess
    expect(run.batches).toEqual([['a', 'b'], ['aggregate']]);
    expect(run.inputs.get('aggregate')).toEqual({
      input: 'q',
      outputs: [
        { stepId: 'a', agentId: 'writer', output: 'answer a' },
        { stepId: 'b', agentId: 'critic', output: 'answer b' },
      ],
    });
    expect((await stored(w, created.id)).workflow).toMatchObject({
      status: 'succeeded',
      output: { best: 'a', score: 0.8 },
      quality: 0.8,
    });
    expect(w.events.ofType('workflow.succeeded')[0]?.detail.data).toMatchObject({
      quality: 0.8,
      steps: 3,
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Failure
// ---------------------------------------------------------------------------------------------

describe('engine: a failing step', () => {
  it("fails the workflow with the step's error, and cancels the other running step's task", async () => {
    // Prepare
    const w = await world();
    const created = await createWorkflow(
      w.service,
      {
        name: 'fails',
        strategy: 'parallel',
        input: 'x',
        steps: [
          { id: 'ok', agentId: 'worker' },
          { id: 'bad', agentId: 'worker' },
          { id: 'slow', agentId: 'worker' },
        ],
      },
      w.ctx,
    );
    const next = await advance(w.engine, created.id);
    for (const stepId of next.stepIds) {
      await startStep(w.engine, { workflowId: created.id, stepId, taskToken: `tok-${stepId}` });
    }

    // Act: ok succeeds, slow is running, bad fails for good.
    await work(w, stepTaskId(created.id, 'ok'), { output: 'fine', costUsd: 0.5 });
    await work(w, stepTaskId(created.id, 'slow'), 'leave-running');
    await work(w, stepTaskId(created.id, 'bad'), {
      error: { code: 'MaxStepsExceeded', message: 'too many steps', retryable: false },
    });

    // Assess: the callback the state machine's Catch sees
    expect(w.reporter.for('tok-bad')).toEqual([
      { kind: 'fail', token: 'tok-bad', error: 'StepFailed', cause: expect.any(String) },
    ]);
    const failure = w.reporter.for('tok-bad')[0] as Extract<Callback, { kind: 'fail' }>;
    expect(JSON.parse(failure.cause)).toEqual({
      stepId: 'bad',
      code: 'MaxStepsExceeded',
      message: 'too many steps',
    });

    // Act: the Catch
    const status = await recordExecutionFailure(w.engine, {
      workflowId: created.id,
      error: { Error: failure.error, Cause: failure.cause },
    });

    // Assess
    expect(status).toBe('failed');
    const { workflow, steps } = await stored(w, created.id);
    expect(workflow).toMatchObject({
      status: 'failed',
      error: { code: 'MaxStepsExceeded', message: 'too many steps', stepId: 'bad' },
      costUsd: 0.5,
    });
    expect(steps.get('bad')).toMatchObject({
      status: 'failed',
      error: { code: 'MaxStepsExceeded' },
    });
    expect(steps.get('slow')).toMatchObject({ status: 'cancelled', error: { code: 'Cancelled' } });
    expect(steps.get('ok')?.status).toBe('succeeded');
    expect((await w.tasks.get(stepTaskId(created.id, 'slow')))?.status).toBe('cancelled');
    expect(w.events.ofType('workflow.failed')[0]?.detail.data).toMatchObject({
      workflowId: created.id,
      error: { code: 'MaxStepsExceeded', stepId: 'bad' },
    });
    expect(w.events.ofType('task.cancelled').map((e) => e.detail.data.taskId)).toEqual([
      stepTaskId(created.id, 'slow'),
    ]);

    // Idempotent: the Catch again, an Advance after it, the cancelled task's outcome told late.
    expect(
      await recordExecutionFailure(w.engine, {
        workflowId: created.id,
        error: { Error: 'StepFailed', Cause: failure.cause },
      }),
    ).toBe('failed');
    expect(await advance(w.engine, created.id)).toEqual({
      done: true,
      status: 'failed',
      stepIds: [],
    });
    await reportStepOutcome(w.engine, (await w.tasks.get(stepTaskId(created.id, 'slow'))) as Task);
    expect(w.events.ofType('workflow.failed')).toHaveLength(1);
    expect(w.events.ofType('workflow.step.completed').map((e) => e.detail.data.stepId)).toEqual([
      'ok',
      'bad',
    ]);
  });

  it('ends a sequential workflow at the failed step: later steps never start', async () => {
    // Prepare
    const w = await world();
    const created = await createWorkflow(
      w.service,
      {
        name: 'stops',
        strategy: 'sequential',
        input: 'x',
        steps: ['a', 'b', 'c'].map((id) => ({ id, agentId: 'worker' })),
      },
      w.ctx,
    );

    // Act
    const run = await drive(w, created.id, (_t, stepId) =>
      stepId === 'b'
        ? { error: { code: 'ModelUnavailable', message: 'down', retryable: true } }
        : { output: stepId },
    );

    // Assess
    expect(run.batches).toEqual([['a'], ['b']]);
    expect(run.result.status).toBe('failed');
    const { workflow, steps } = await stored(w, created.id);
    expect(workflow.error).toEqual({ code: 'ModelUnavailable', message: 'down', stepId: 'b' });
    expect(steps.get('c')).toMatchObject({ status: 'cancelled' });
    expect(await w.tasks.get(stepTaskId(created.id, 'c'))).toBeUndefined();
  });

  it('records a fault of the execution itself (not a step) with its error name', async () => {
    // Prepare
    const w = await world();
    const created = await createWorkflow(
      w.service,
      {
        name: 'fault',
        strategy: 'sequential',
        input: 'x',
        steps: [{ id: 'a', agentId: 'worker' }],
      },
      w.ctx,
    );

    // Act
    const status = await recordExecutionFailure(w.engine, {
      workflowId: created.id,
      error: { Error: 'States.Timeout', Cause: 'the execution timed out' },
    });

    // Assess
    expect(status).toBe('failed');
    expect((await stored(w, created.id)).workflow.error).toEqual({
      code: 'States.Timeout',
      message: 'the workflow execution timed out',
      stepId: null,
    });
  });

  it("keeps a Lambda fault's raw cause (stack frames, internals) out of the workflow's error", async () => {
    // Prepare: what Step Functions' Catch hands over when the engine function crashed.
    const w = await world();
    const created = await createWorkflow(
      w.service,
      { strategy: 'sequential', input: 'x', steps: [{ id: 'a', agentId: 'worker' }] },
      w.ctx,
    );
    const cause = JSON.stringify({
      errorType: 'TypeError',
      errorMessage: "Cannot read properties of undefined (reading 'pk') at TABLE agent-core-Table",
      trace: [
        "TypeError: Cannot read properties of undefined (reading 'pk')",
        '    at toItem (/var/task/index.mjs:12:345)',
        '    at async Runtime.handler (file:///var/runtime/index.mjs:1:2)',
      ],
    });

    // Act
    await recordExecutionFailure(w.engine, {
      workflowId: created.id,
      error: { Error: 'TypeError', Cause: cause },
    });

    // Assess
    const { error } = (await stored(w, created.id)).workflow;
    expect(error).toEqual({
      code: 'TypeError',
      message: 'the workflow engine failed; the cause is in its log',
      stepId: null,
    });
    const published = JSON.stringify(w.events.ofType('workflow.failed'));
    for (const leaked of ['/var/task', 'Cannot read', 'agent-core-Table', 'trace']) {
      expect(JSON.stringify(error)).not.toContain(leaked);
      expect(published).not.toContain(leaked);
    }
  });

  it('names an unexpected error name by a fixed code rather than echoing it', async () => {
    // Prepare
    const w = await world();
    const created = await createWorkflow(
      w.service,
      { strategy: 'sequential', input: 'x', steps: [{ id: 'a', agentId: 'worker' }] },
      w.ctx,
    );

    // Act
    await recordExecutionFailure(w.engine, {
      workflowId: created.id,
      error: { Error: 'Error: at /var/task/index.mjs:1 {"secret": 1}', Cause: 'x' },
    });

    // Assess
    expect((await stored(w, created.id)).workflow.error).toEqual({
      code: 'WorkflowFault',
      message: 'the workflow engine failed; the cause is in its log',
      stepId: null,
    });
  });

  it('fails the workflow from Advance when the stored state already shows a failed step', async () => {
    // Prepare: the Catch was lost with the process; a recovered execution plans from the data.
    const w = await world();
    const created = await createWorkflow(
      w.service,
      {
        name: 'plan-fails',
        strategy: 'sequential',
        input: 'x',
        steps: ['a', 'b'].map((id) => ({ id, agentId: 'worker' })),
      },
      w.ctx,
    );
    await advance(w.engine, created.id);
    await startStep(w.engine, { workflowId: created.id, stepId: 'a', taskToken: 'tok-a' });
    await work(w, stepTaskId(created.id, 'a'), {
      error: { code: 'Boom', message: 'b', retryable: false },
    });

    // Act
    const result = await advance(w.engine, created.id);

    // Assess
    expect(result).toEqual({ done: true, status: 'failed', stepIds: [] });
    expect((await stored(w, created.id)).workflow.error).toEqual({
      code: 'Boom',
      message: 'b',
      stepId: 'a',
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Idempotency
// ---------------------------------------------------------------------------------------------

describe('engine: every call may run twice', () => {
  async function sequentialOf(w: World, stepIds = ['a', 'b']) {
    return createWorkflow(
      w.service,
      {
        name: 'twice',
        strategy: 'sequential',
        input: 'x',
        steps: stepIds.map((id) => ({ id, agentId: 'worker' })),
      },
      w.ctx,
    );
  }

  it('Advance twice gives the same answer and adds adaptive steps once', async () => {
    // Prepare
    const w = await world();
    const sequential = await sequentialOf(w);
    const adaptive = await createWorkflow(
      w.service,
      { name: 'a', strategy: 'adaptive', input: 'x', supervisor: { agentId: 'lead' } },
      w.ctx,
    );

    // Act
    const first = await advance(w.engine, sequential.id);
    const second = await advance(w.engine, sequential.id);
    const adaptiveFirst = await advance(w.engine, adaptive.id);
    const adaptiveSecond = await advance(w.engine, adaptive.id);

    // Assess
    expect(first).toEqual({ done: false, status: 'running', stepIds: ['a'] });
    expect(second).toEqual(first);
    expect(adaptiveFirst).toEqual({ done: false, status: 'running', stepIds: ['supervisor-1'] });
    expect(adaptiveSecond).toEqual(adaptiveFirst);
    expect((await w.workflows.get(adaptive.id))?.steps).toHaveLength(1);
  });

  it('Advance of a finished workflow, or one that does not exist, is done', async () => {
    // Prepare
    const w = await world();
    const created = await sequentialOf(w, ['a']);
    await drive(w, created.id, () => ({ output: 'o' }));

    // Act / Assess
    expect(await advance(w.engine, created.id)).toEqual({
      done: true,
      status: 'succeeded',
      stepIds: [],
    });
    expect(await advance(w.engine, newId())).toEqual({ done: true, status: 'failed', stepIds: [] });
    expect(w.events.ofType('workflow.succeeded')).toHaveLength(1);
  });

  it('StartStep twice creates one task (the same id) and keeps the latest token', async () => {
    // Prepare
    const w = await world();
    const created = await sequentialOf(w);
    await advance(w.engine, created.id);

    // Act
    await startStep(w.engine, { workflowId: created.id, stepId: 'a', taskToken: 'tok-1' });
    const startedAt = (await w.workflows.getStep(created.id, 'a'))?.startedAt;
    w.clock.advance(1_000);
    await startStep(w.engine, { workflowId: created.id, stepId: 'a', taskToken: 'tok-2' });

    // Assess
    const taskId = stepTaskId(created.id, 'a');
    const tasks = await w.tasks.list({ agentId: 'worker', limit: 100 });
    expect(tasks.items.filter((t) => t.workflowId === created.id).map((t) => t.id)).toEqual([
      taskId,
    ]);
    expect(await w.workflows.getStep(created.id, 'a')).toMatchObject({
      status: 'running',
      token: 'tok-2',
      startedAt,
    });
    // The still-queued task's message is sent again (it may have been lost); the worker ignores doubles.
    expect(w.queue.sentIds()).toEqual([taskId, taskId]);
    expect(w.events.ofType('workflow.step.started')).toHaveLength(1);
    expect(w.events.ofType('task.queued')).toHaveLength(1);

    // Act: the task ends → the latest token is answered, the first one is not.
    await work(w, taskId, { output: 'done' });

    // Assess
    expect(w.reporter.for('tok-2')).toHaveLength(1);
    expect(w.reporter.for('tok-1')).toEqual([]);
  });

  it('StartStep for a step that already succeeded reports success at once with the new token', async () => {
    // Prepare
    const w = await world();
    const created = await sequentialOf(w);
    await advance(w.engine, created.id);
    await startStep(w.engine, { workflowId: created.id, stepId: 'a', taskToken: 'tok-old' });
    await work(w, stepTaskId(created.id, 'a'), { output: 'out-a' });

    // Act: a new execution (after a restart) starts the same step again
    await startStep(w.engine, { workflowId: created.id, stepId: 'a', taskToken: 'tok-new' });

    // Assess
    expect(w.reporter.for('tok-new')).toEqual([
      { kind: 'succeed', token: 'tok-new', output: { stepId: 'a', status: 'succeeded' } },
    ]);
    expect(w.queue.sentIds()).toEqual([stepTaskId(created.id, 'a')]);
    expect(w.events.ofType('workflow.step.completed')).toHaveLength(1);
  });

  it('StartStep for a step whose task ended unrecorded records it and answers the new token', async () => {
    // Prepare: the task succeeded but its outcome never reached the step (the worker died).
    const w = await world();
    const created = await sequentialOf(w);
    await advance(w.engine, created.id);
    await startStep(w.engine, { workflowId: created.id, stepId: 'a', taskToken: 'tok-old' });
    const taskId = stepTaskId(created.id, 'a');
    await w.tasks.transition(taskId, { from: ['queued'], to: 'running', incrementAttempts: true });
    await w.tasks.transition(taskId, {
      from: ['running'],
      to: 'succeeded',
      set: { output: 'late', finishedAt: w.clock.iso() },
    });

    // Act
    await startStep(w.engine, { workflowId: created.id, stepId: 'a', taskToken: 'tok-new' });

    // Assess
    expect(w.reporter.calls).toEqual([
      { kind: 'succeed', token: 'tok-new', output: { stepId: 'a', status: 'succeeded' } },
    ]);
    expect(await w.workflows.getStep(created.id, 'a')).toMatchObject({
      status: 'succeeded',
      output: 'late',
    });
    expect(w.events.ofType('workflow.step.completed')).toHaveLength(1);
    expect(await advance(w.engine, created.id)).toMatchObject({ stepIds: ['b'] });
  });

  it('StartStep for a failed step answers the new token with the failure', async () => {
    // Prepare
    const w = await world();
    const created = await sequentialOf(w);
    await advance(w.engine, created.id);
    await startStep(w.engine, { workflowId: created.id, stepId: 'a', taskToken: 'tok-old' });
    await work(w, stepTaskId(created.id, 'a'), {
      error: { code: 'Boom', message: 'bang', retryable: false },
    });

    // Act
    await startStep(w.engine, { workflowId: created.id, stepId: 'a', taskToken: 'tok-new' });

    // Assess
    expect(w.reporter.for('tok-new')).toEqual([
      {
        kind: 'fail',
        token: 'tok-new',
        error: 'StepFailed',
        cause: JSON.stringify({ stepId: 'a', code: 'Boom', message: 'bang' }),
      },
    ]);
  });

  it('StartStep does nothing once the workflow has ended', async () => {
    // Prepare
    const w = await world();
    const created = await sequentialOf(w);
    await cancelWorkflow(w.service, created.id, w.ctx);

    // Act
    await startStep(w.engine, { workflowId: created.id, stepId: 'a', taskToken: 'tok' });

    // Assess
    expect(await w.tasks.get(stepTaskId(created.id, 'a'))).toBeUndefined();
    expect(w.queue.sent).toEqual([]);
    expect(w.reporter.calls).toEqual([]);
  });

  it('StartStep racing a cancel leaves no task behind for the cancelled step', async () => {
    // Prepare: StartStep read the workflow while it ran; the cancel lands before its writes.
    const w = await world();
    const created = await sequentialOf(w);
    await advance(w.engine, created.id);
    const before = await w.workflows.get(created.id);
    await cancelWorkflow(w.service, created.id, w.ctx);
    vi.spyOn(w.workflows, 'get').mockResolvedValueOnce(before);

    // Act
    await startStep(w.engine, { workflowId: created.id, stepId: 'a', taskToken: 'tok' });

    // Assess: no task was queued that nobody will ever send or wait for.
    const task = await w.tasks.get(stepTaskId(created.id, 'a'));
    expect(task === undefined || task.status === 'cancelled').toBe(true);
    expect(w.queue.sent).toEqual([]);
  });

  it('reportStepOutcome twice answers the token twice but records and tells once', async () => {
    // Prepare
    const w = await world();
    const created = await sequentialOf(w);
    await advance(w.engine, created.id);
    await startStep(w.engine, { workflowId: created.id, stepId: 'a', taskToken: 'tok-a' });
    const task = await work(w, stepTaskId(created.id, 'a'), { output: 'first', costUsd: 0.1 });
    const recorded = await w.workflows.getStep(created.id, 'a');

    // Act
    w.clock.advance(60_000);
    await reportStepOutcome(w.engine, task);

    // Assess
    expect(w.reporter.for('tok-a')).toHaveLength(2);
    expect(w.reporter.for('tok-a')[1]).toEqual({
      kind: 'succeed',
      token: 'tok-a',
      output: { stepId: 'a', status: 'succeeded' },
    });
    expect(w.events.ofType('workflow.step.completed')).toHaveLength(1);
    expect(w.events.ofType('workflow.step.completed')[0]?.detail.data).toMatchObject({
      workflowId: created.id,
      stepId: 'a',
      taskId: task.id,
      status: 'succeeded',
      error: null,
    });
    expect(await w.workflows.getStep(created.id, 'a')).toEqual(recorded);
  });

  it('reportStepOutcome ignores tasks that are not steps or have not ended', async () => {
    // Prepare
    const w = await world();
    const created = await sequentialOf(w);
    await advance(w.engine, created.id);
    await startStep(w.engine, { workflowId: created.id, stepId: 'a', taskToken: 'tok-a' });
    const queued = (await w.tasks.get(stepTaskId(created.id, 'a'))) as Task;

    // Act
    await reportStepOutcome(w.engine, queued);
    await reportStepOutcome(w.engine, { ...queued, status: 'succeeded', workflowId: null });
    await reportStepOutcome(w.engine, { ...queued, status: 'succeeded', metadata: {} });

    // Assess
    expect(w.reporter.calls).toEqual([]);
    expect((await w.workflows.getStep(created.id, 'a'))?.status).toBe('running');
  });
});

// ---------------------------------------------------------------------------------------------
// The service: create, cancel, recover
// ---------------------------------------------------------------------------------------------

describe('workflow service', () => {
  it('names a workflow submitted without a name by its id', async () => {
    // Prepare
    const w = await world();

    // Act
    const created = await createWorkflow(
      w.service,
      { strategy: 'sequential', input: 'x', steps: [{ id: 'a', agentId: 'worker' }] },
      w.ctx,
    );

    // Assess
    expect(created.name).toBe(created.id);
    expect((await stored(w, created.id)).workflow.name).toBe(created.id);
    expect(w.events.ofType('workflow.started')[0]?.detail.data).toMatchObject({
      name: created.id,
    });
  });

  it('cancels a running workflow: stops the execution, cancels running steps; 409 afterwards', async () => {
    // Prepare
    const w = await world();
    const created = await createWorkflow(
      w.service,
      {
        name: 'cancel-me',
        strategy: 'parallel',
        input: 'x',
        steps: ['a', 'b', 'c'].map((id) => ({ id, agentId: 'worker' })),
      },
      w.ctx,
    );
    const next = await advance(w.engine, created.id);
    for (const stepId of next.stepIds) {
      await startStep(w.engine, { workflowId: created.id, stepId, taskToken: `tok-${stepId}` });
    }
    await work(w, stepTaskId(created.id, 'a'), { output: 'done early' });
    await work(w, stepTaskId(created.id, 'b'), 'leave-running');

    // Act
    const cancelled = await cancelWorkflow(w.service, created.id, w.ctx);

    // Assess
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.finishedAt).toBe(w.clock.iso());
    expect(Object.fromEntries(cancelled.steps.map((s) => [s.id, s.status]))).toEqual({
      a: 'succeeded',
      b: 'cancelled',
      c: 'cancelled',
    });
    expect((await w.tasks.get(stepTaskId(created.id, 'b')))?.status).toBe('cancelled');
    expect((await w.tasks.get(stepTaskId(created.id, 'c')))?.status).toBe('cancelled');
    expect((await w.tasks.get(stepTaskId(created.id, 'a')))?.status).toBe('succeeded');
    expect(w.runner.stopped).toEqual([
      { executionArn: w.runner.executionArn(`${created.id}-1`), cause: expect.any(String) },
    ]);
    expect(w.events.ofType('workflow.cancelled')).toHaveLength(1);
    expect(w.events.ofType('task.cancelled')).toHaveLength(2);
    expect(JSON.stringify(cancelled)).not.toContain('tok-');

    // Act / Assess: again → 409, nothing stopped twice
    await expect(cancelWorkflow(w.service, created.id, w.ctx)).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(w.runner.stopped).toHaveLength(1);
    expect(await advance(w.engine, created.id)).toEqual({
      done: true,
      status: 'cancelled',
      stepIds: [],
    });
  });

  it('cancels the steps that never started too, and counts only started ones as run', async () => {
    // Prepare: a sequential workflow with its first step running.
    const w = await world();
    const created = await createWorkflow(
      w.service,
      {
        name: 'seq-cancel',
        strategy: 'sequential',
        input: 'x',
        steps: ['a', 'b', 'c'].map((id) => ({ id, agentId: 'worker' })),
      },
      w.ctx,
    );
    await advance(w.engine, created.id);
    await startStep(w.engine, { workflowId: created.id, stepId: 'a', taskToken: 'tok-a' });

    // Act
    const cancelled = await cancelWorkflow(w.service, created.id, w.ctx);

    // Assess
    expect(cancelled.steps.map((s) => s.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect((await w.tasks.get(stepTaskId(created.id, 'a')))?.status).toBe('cancelled');
    expect(await w.tasks.get(stepTaskId(created.id, 'b'))).toBeUndefined();
    expect(w.events.ofType('workflow.cancelled')[0]?.detail.data).toMatchObject({ steps: 1 });
  });

  it('answers 409 for cancelling a workflow that succeeded, 404 for one that does not exist', async () => {
    // Prepare
    const w = await world();
    const created = await createWorkflow(
      w.service,
      { name: 'done', strategy: 'sequential', input: 'x', steps: [{ id: 'a', agentId: 'worker' }] },
      w.ctx,
    );
    await drive(w, created.id, () => ({ output: 'o' }));

    // Act and assess
    const conflict = cancelWorkflow(w.service, created.id, w.ctx);
    await expect(conflict).rejects.toBeInstanceOf(ConflictError);
    await expect(conflict).rejects.toThrow('succeeded');
    await expect(cancelWorkflow(w.service, newId(), w.ctx)).rejects.toBeInstanceOf(NotFoundError);
    await expect(getWorkflow(w.service, 'not-a-ulid')).rejects.toBeInstanceOf(NotFoundError);
    expect(w.runner.stopped).toEqual([]);
    expect((await stored(w, created.id)).workflow.status).toBe('succeeded');
  });

  it('recovers running workflows with a new execution, and carries on without redoing steps', async () => {
    // Prepare: a table of its own (recovery lists every running workflow).
    const w = await world({ freshTable: true });
    const body = {
      name: 'r',
      strategy: 'sequential',
      input: 'x',
      steps: ['a', 'b'].map((id) => ({ id, agentId: 'worker' })),
    };
    const running = await createWorkflow(w.service, body, w.ctx);
    const finished = await createWorkflow(w.service, body, w.ctx);
    await drive(w, finished.id, () => ({ output: 'o' }));
    await advance(w.engine, running.id);
    await startStep(w.engine, { workflowId: running.id, stepId: 'a', taskToken: 'tok-a-1' });
    await work(w, stepTaskId(running.id, 'a'), { output: 'out-a' });
    w.runner.started.length = 0;

    // Act: the runtime restarts
    const recovered = await recoverRunningWorkflows(w.service);

    // Assess
    expect(recovered).toBe(1);
    expect(w.runner.started).toEqual([
      { workflowId: running.id, executionName: `${running.id}-2` },
    ]);
    expect((await stored(w, running.id)).workflow).toMatchObject({
      executions: 2,
      announced: false,
      executionArn: w.runner.executionArn(`${running.id}-2`),
    });
    expect((await stored(w, finished.id)).workflow.executions).toBe(1);

    // Act: the new execution goes on from the data
    const run = await drive(w, running.id, (_t, stepId) => ({ output: `out-${stepId}` }));

    // Assess: a did not run again; b got a's output
    expect(run.batches).toEqual([['b']]);
    expect(run.inputs.get('b')).toBe('out-a');
    expect((await w.tasks.get(stepTaskId(running.id, 'a')))?.attempts).toBe(1);
    expect((await stored(w, running.id)).workflow).toMatchObject({
      status: 'succeeded',
      output: 'out-b',
    });

    // A second restart names the next execution; nothing is left running now.
    expect(await recoverRunningWorkflows(w.service)).toBe(0);
  });

  it('recovers through every page of running workflows', async () => {
    // Prepare
    const w = await world({ freshTable: true });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (
          await createWorkflow(
            w.service,
            {
              name: `p${i}`,
              strategy: 'sequential',
              input: i,
              steps: [{ id: 'a', agentId: 'worker' }],
            },
            w.ctx,
          )
        ).id,
      );
    }
    w.runner.started.length = 0;
    const list = w.workflows.list.bind(w.workflows);
    vi.spyOn(w.workflows, 'list').mockImplementation((filter) => list({ ...filter, limit: 1 }));

    // Act
    const recovered = await recoverRunningWorkflows(w.service);

    // Assess
    expect(recovered).toBe(3);
    expect(w.runner.started.map((s) => s.executionName).sort()).toEqual(
      ids.map((id) => `${id}-2`).sort(),
    );
  });

  it('auto: asks the learning layer, records its choice, and orders steps for sequential', async () => {
    // Prepare: steps declared against their dependencies' order.
    const w = await world();
    w.recommend.mockResolvedValueOnce({
      strategy: 'sequential',
      confidence: 0.72,
      rationale: 'sequential was fastest in 40 runs',
      basedOn: { executions: 40 },
    });

    // Act
    const created = await createWorkflow(
      w.service,
      {
        name: 'auto',
        strategy: 'auto',
        objective: 'speed',
        input: 'x',
        steps: [
          {
            id: 'c',
            agentId: 'writer',
            dependsOn: ['b'],
            input: '{{steps.a.output}}+{{steps.b.output}}',
          },
          { id: 'b', agentId: 'reviewer', dependsOn: ['a'] },
          { id: 'a', agentId: 'scanner' },
        ],
      },
      w.ctx,
    );
    const run = await drive(w, created.id, (_t, stepId) => ({ output: stepId.toUpperCase() }));

    // Assess
    expect(w.recommend).toHaveBeenCalledWith({
      steps: [
        { id: 'c', agentId: 'writer', dependsOn: ['b'] },
        { id: 'b', agentId: 'reviewer', dependsOn: ['a'] },
        { id: 'a', agentId: 'scanner', dependsOn: [] },
      ],
      priority: 'speed',
    });
    expect(created).toMatchObject({
      strategy: 'auto',
      chosenStrategy: 'sequential',
      confidence: 0.72,
      recommendation: {
        confidence: 0.72,
        rationale: 'sequential was fastest in 40 runs',
        basedOn: { executions: 40 },
      },
    });
    expect(created.steps.map((s) => s.id)).toEqual(['a', 'b', 'c']);
    expect(run.batches).toEqual([['a'], ['b'], ['c']]);
    expect(run.inputs.get('b')).toBe('A');
    expect(run.inputs.get('c')).toBe('A+B');
    const { workflow } = await stored(w, created.id);
    expect(workflow).toMatchObject({
      chosenStrategy: 'sequential',
      recommendation: { confidence: 0.72 },
    });
    expect(workflow.steps.map((s) => s.id)).toEqual(['a', 'b', 'c']);
    expect(w.events.ofType('workflow.started')[0]?.detail.data).toMatchObject({
      strategy: 'auto',
      chosenStrategy: 'sequential',
      confidence: 0.72,
      steps: 3,
    });
  });

  it('auto: refuses a cycle before asking the learning layer', async () => {
    // Prepare
    const w = await world();

    // Act
    const creating = createWorkflow(
      w.service,
      {
        name: 'cyclic',
        strategy: 'auto',
        input: 'x',
        steps: [
          { id: 'a', agentId: 'worker', dependsOn: ['b'] },
          { id: 'b', agentId: 'worker', dependsOn: ['a'] },
        ],
      },
      w.ctx,
    );

    // Assess
    await expect(creating).rejects.toBeInstanceOf(ValidationError);
    expect(w.recommend).not.toHaveBeenCalled();
  });

  it('refuses unknown or retired agents, naming each field, and writes nothing', async () => {
    // Prepare
    const w = await world({
      agents: [
        buildAgent({ id: 'scanner' }),
        buildAgent({ id: 'old-judge' }, 'retired'),
        buildAgent({ id: 'lead' }),
      ],
    });
    const create = vi.spyOn(w.workflows, 'create');

    // Act
    const creating = createWorkflow(
      w.service,
      {
        name: 'bad-agents',
        strategy: 'sequential',
        input: 'x',
        steps: [
          { id: 'a', agentId: 'scanner' },
          { id: 'b', agentId: 'ghost' },
        ],
        aggregate: { mode: 'agent', agentId: 'old-judge' },
      },
      w.ctx,
    );

    // Assess
    await expect(creating).rejects.toBeInstanceOf(ValidationError);
    await expect(creating).rejects.toHaveProperty('details', [
      { path: 'steps.1.agentId', message: "no agent 'ghost'" },
      { path: 'aggregate.agentId', message: "agent 'old-judge' is retired" },
    ]);
    expect(create).not.toHaveBeenCalled();
    expect(w.runner.started).toEqual([]);
    expect(w.events.events).toEqual([]);
  });

  it('refuses bad steps with 400 naming the field, before anything is written', async () => {
    // Prepare
    const w = await world();
    const create = vi.spyOn(w.workflows, 'create');

    // Act
    const creating = createWorkflow(
      w.service,
      {
        name: 'bad',
        strategy: 'dag',
        input: 'x',
        steps: [
          { id: 'a', agentId: 'worker' },
          { id: 'b', agentId: 'worker', dependsOn: ['zz'] },
        ],
      },
      w.ctx,
    );

    // Assess
    await expect(creating).rejects.toHaveProperty('details', [
      { path: 'steps.1.dependsOn.0', message: "unknown step 'zz'" },
    ]);
    expect(create).not.toHaveBeenCalled();
  });

  it('removes the workflow again when its execution cannot start', async () => {
    // Prepare
    const w = await world();
    w.runner.failStartWith = new Error('states unavailable');
    const create = vi.spyOn(w.workflows, 'create');

    // Act
    const creating = createWorkflow(
      w.service,
      { name: 'x', strategy: 'sequential', input: 'x', steps: [{ id: 'a', agentId: 'worker' }] },
      w.ctx,
    );

    // Assess
    await expect(creating).rejects.toMatchObject({ message: 'states unavailable' });
    const id = create.mock.calls[0]?.[0].id ?? 'none';
    expect(await w.workflows.get(id)).toBeUndefined();
    expect(await w.workflows.getStep(id, 'a')).toBeUndefined();
    expect(w.events.events).toEqual([]);
  });

  it('shows a workflow with its steps through getWorkflow', async () => {
    const w = await world();
    const created = await createWorkflow(
      w.service,
      {
        name: 'shown',
        strategy: 'dag',
        input: { q: 1 },
        metadata: { k: 'v' },
        steps: [{ id: 'a', agentId: 'worker', input: '{{input.q}}' }],
      },
      w.ctx,
    );
    const found = await getWorkflow(w.service, created.id);
    expect(found.workflow).toMatchObject({
      id: created.id,
      input: { q: 1 },
      metadata: { k: 'v' },
      status: 'running',
    });
    expect(found.steps).toEqual([
      expect.objectContaining({ id: 'a', input: '{{input.q}}', status: 'pending' }),
    ]);
  });
});

// Keep the type of the store honest: the Dynamo adapter is a WorkflowStore.
const _typecheck: (w: World) => WorkflowStore = (w) => w.workflows;
void _typecheck;

describe('announcing the end', () => {
  it('publishes the terminal event again when the first publish failed, and only once after', async () => {
    // Prepare: a one-step workflow whose step succeeded; the bus fails at the terminal event.
    const w = await world();
    const created = await createWorkflow(
      w.service,
      {
        name: 'announce',
        strategy: 'sequential',
        input: 'x',
        steps: [{ id: 'only', agentId: 'worker' }],
      },
      w.ctx,
    );
    const first = await advance(w.engine, created.id);
    await startStep(w.engine, { workflowId: created.id, stepId: 'only', taskToken: 't-1' });
    await work(w, stepTaskId(created.id, first.stepIds[0] ?? ''), { output: 'done' });
    w.events.failWith = new Error('bus down');

    // Act: the engine's call fails after the status was written; the state machine retries it.
    await expect(advance(w.engine, created.id)).rejects.toMatchObject({ message: 'bus down' });
    const between = await stored(w, created.id);
    const retried = await advance(w.engine, created.id);
    const again = await advance(w.engine, created.id);

    // Assess
    expect(between.workflow).toMatchObject({ status: 'succeeded', announced: false });
    expect(retried).toEqual({ done: true, status: 'succeeded', stepIds: [] });
    expect(again).toEqual(retried);
    expect((await stored(w, created.id)).workflow.announced).toBe(true);
    const ends = w.events
      .ofType('workflow.succeeded')
      .filter((e) => e.detail.data.workflowId === created.id);
    expect(ends).toHaveLength(1);
  });
});
