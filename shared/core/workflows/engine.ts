/**
 * The workflow engine: what the workflow-runner state machine's task states call, and what the
 * task layer calls when a step's task ends.
 *
 *   Advance  → plan from the stored state: the ids of the steps to run next, or done
 *   StartStep (one per step, `.waitForTaskToken`) → store the token, submit the step's task
 *   … the task runs on the scheduler's queues like any other …
 *   reportStepOutcome (worker, DLQ consumer, cancel) → record the step, SendTaskSuccess/Failure
 *   Advance again …; a failed step is caught by the state machine → recordExecutionFailure
 *
 * Every function here is idempotent: a step's task id comes from workflow id + step id, step
 * and workflow changes are conditional on their status, and callbacks to a used token are
 * ignored. So any of them may run twice, and a new execution for the same workflow (after a
 * local restart) picks up where the data says it stands, without running a finished step again.
 *
 * That is also how a long workflow outlives one execution's history (25,000 events): Advance
 * counts the events its execution has used at worst, and rather than plan a round that could pass
 * the budget it answers `handOver`; the execution then calls handOver, which starts the
 * workflow's next execution (by a name of its generation) and ends. The new one plans from the
 * table like a restarted one: nothing is run twice and no event is published for it.
 */
import type { OutgoingEvent } from '../../../events/envelope.js';
import { taskCancelled, taskQueued } from '../../../events/task-events.js';
import {
  workflowCancelled,
  workflowFailed,
  workflowStepCompleted,
  workflowStepStarted,
  workflowSucceeded,
} from '../../../events/workflow-events.js';
import type { ApprovalStore, ApprovalTimer } from '../approvals/ports.js';
import { ConflictError, TransitionConflictError } from '../errors.js';
import { createEvent, type EventContext } from '../events.js';
import type { Clock, EventPublisher, TaskQueue, TaskStore } from '../ports.js';
import { emptyUsage, isFinished, type Task, UNFINISHED_STATUSES } from '../tasks/task.js';
import { envelopeOf } from '../tasks/task-service.js';
import { closeGate, startGate } from './gates.js';
import { plan } from './planner.js';
import type { StepReporter, WorkflowRunner, WorkflowStore } from './ports.js';
import { stepInput } from './step-input.js';
import {
  executionName,
  isStepFinished,
  STEP_WAIT_LIMIT_MS,
  type StepState,
  type StepStatus,
  type Workflow,
  type WorkflowError,
  type WorkflowStatus,
} from './workflow.js';

export interface EngineDeps {
  workflows: WorkflowStore;
  tasks: TaskStore;
  queue: TaskQueue;
  events: EventPublisher;
  reporter: StepReporter;
  /** Starts the next execution when one hands over. */
  runner: WorkflowRunner;
  clock: Clock;
  /** Gates' approvals and their timers (workflows without gates need neither). */
  approvals?: ApprovalStore | undefined;
  timer?: ApprovalTimer | undefined;
}

/**
 * The execution's history, as the state machine counts it (infra/workflow-state-machine.ts,
 * historyCosts): events used so far at worst, what it may use before handing over, and what a
 * round adds at worst (`round`, plus `step` per step).
 */
export interface HistoryBudget {
  used: number;
  budget: number;
  round: number;
  step: number;
}

/** What Advance answers the state machine: small, whatever the size of outputs. */
export interface AdvanceResult {
  done: boolean;
  status: WorkflowStatus;
  stepIds: string[];
  /** The next round could pass the execution's history budget: start the next execution. */
  handOver: boolean;
  /** The execution's history events at worst once the round answered here has run. */
  historyEvents: number;
}

/**
 * The largest workflow output kept: it lives in the workflow's DynamoDB item (400 KB in all).
 * Step outputs are bounded by their tasks' items already.
 */
export const MAX_OUTPUT_BYTES = 300_000;

/** The error name a failed step's callback carries; the state machine's Catch sees it. */
export const STEP_FAILED_ERROR = 'StepFailed';

const ctxOf = (workflow: Workflow, clock: Clock): EventContext => ({
  correlationId: workflow.correlationId,
  clock,
});

export async function advance(
  deps: EngineDeps,
  workflowId: string,
  history?: HistoryBudget,
): Promise<AdvanceResult> {
  const used = history?.used ?? 0;
  const done = (status: WorkflowStatus): AdvanceResult => ({
    done: true,
    status,
    stepIds: [],
    handOver: false,
    historyEvents: used,
  });
  const found = await deps.workflows.get(workflowId);
  if (!found) return done('failed');
  const { workflow, steps } = found;
  if (workflow.status !== 'running') {
    if (!workflow.announced) await announceEnd(deps, workflow, steps, ctxOf(workflow, deps.clock));
    return done(workflow.status);
  }
  const overdue = overdueStep(steps, deps.clock);
  if (overdue) {
    return done(
      await failWorkflow(deps, workflow, steps, {
        code: 'StepTimedOut',
        message: `step '${overdue.id}' waited more than ${STEP_WAIT_LIMIT_MS / 86_400_000} days for its task`,
        stepId: overdue.id,
      }),
    );
  }
  const next = plan(workflow, steps);
  if (next.kind === 'run') {
    const historyEvents = history
      ? used + history.round + history.step * next.stepIds.length
      : used;
    // Never before an execution's first round: a round too big for any budget still runs (one
    // round is at most 4,648 events of 25,000), rather than hand over for ever.
    if (history && historyEvents > history.budget && used > history.round) {
      return { done: false, status: 'running', stepIds: [], handOver: true, historyEvents: used };
    }
    if (next.add.length) await deps.workflows.addSteps(workflow.id, next.add);
    return {
      done: false,
      status: 'running',
      stepIds: next.stepIds,
      handOver: false,
      historyEvents,
    };
  }
  if (next.kind === 'fail') {
    return done(await failWorkflow(deps, workflow, steps, next.error));
  }
  const bytes = Buffer.byteLength(JSON.stringify(next.output ?? null));
  if (bytes > MAX_OUTPUT_BYTES) {
    const status = await failWorkflow(deps, workflow, steps, {
      code: 'OutputTooLarge',
      message: `the aggregated output is ${bytes} bytes; a workflow's output is kept to ${MAX_OUTPUT_BYTES} (each step's output stays readable on its task)`,
      stepId: null,
    });
    return done(status);
  }
  const now = deps.clock.now().toISOString();
  try {
    const finished = await deps.workflows.update(workflow.id, {
      from: ['running'],
      set: {
        status: 'succeeded',
        output: next.output,
        quality: next.quality,
        costUsd: costOf(steps),
        finishedAt: now,
        announced: false,
      },
    });
    await announceEnd(deps, finished, steps, ctxOf(workflow, deps.clock));
    return done('succeeded');
  } catch (error) {
    if (!(error instanceof TransitionConflictError)) throw error;
    const current = await deps.workflows.get(workflow.id);
    return done(current?.workflow.status ?? 'failed');
  }
}

/** The first step that has waited for its task longer than a step may. */
function overdueStep(steps: StepState[], clock: Clock): StepState | undefined {
  const now = clock.now().getTime();
  return steps.find(
    (s) =>
      s.status === 'running' &&
      s.startedAt !== null &&
      now - Date.parse(s.startedAt) > STEP_WAIT_LIMIT_MS,
  );
}

/**
 * An execution past its history budget hands the workflow over: the workflow records its next
 * execution (generation n + 1, whose ARN cancel reads), then that execution is started by name.
 * A retried call from the same execution finds the generation recorded and starts the same name
 * again, which is one execution; an execution that is no longer the workflow's (a restart
 * superseded it) starts nothing. Answers whether the workflow is (now) in a next execution.
 */
export async function handOver(
  deps: Pick<EngineDeps, 'workflows' | 'runner'>,
  request: { workflowId: string; executionName: string },
): Promise<{ handedOver: boolean }> {
  const found = await deps.workflows.get(request.workflowId);
  // Ended meanwhile (a cancel, a failed step): whoever ended it announced it.
  if (found?.workflow.status !== 'running') return { handedOver: false };
  const { workflow } = found;
  let next = workflow.executions;
  if (request.executionName === executionName(workflow.id, workflow.executions)) {
    next = workflow.executions + 1;
    try {
      // Two calls from the same execution read the same generation and write the same values.
      await deps.workflows.update(workflow.id, {
        from: ['running'],
        set: {
          executions: next,
          executionArn: deps.runner.executionArn(executionName(workflow.id, next)),
        },
      });
    } catch (error) {
      if (error instanceof TransitionConflictError) return { handedOver: false };
      throw error;
    }
  } else if (request.executionName !== executionName(workflow.id, workflow.executions - 1)) {
    return { handedOver: false };
  }
  await deps.runner.start(workflow.id, executionName(workflow.id, next));
  return { handedOver: true };
}

/**
 * Starts one step: keeps the execution's token on the step, then submits the step's task (or
 * finds it, when this runs again). A task that already ended is reported at once.
 */
export async function startStep(
  deps: EngineDeps,
  request: { workflowId: string; stepId: string; taskToken: string },
): Promise<void> {
  const found = await deps.workflows.get(request.workflowId);
  if (found?.workflow.status !== 'running') {
    // Cancelled or failed meanwhile: its execution is stopping; nobody waits for this step.
    return;
  }
  const { workflow, steps } = found;
  const step = steps.find((s) => s.id === request.stepId);
  if (!step) throw new Error(`workflow ${workflow.id} has no step '${request.stepId}'`);
  if (step.gate) return startGate(deps, workflow, steps, step, request.taskToken);
  const now = deps.clock.now().toISOString();
  const task = stepTask(workflow, steps, { ...step, status: 'running' }, now);
  // The token is stored and the task created at once; the task cannot run before its enqueue
  // below, so the worker always finds this execution's token when it reports.
  const [stored, created] = await Promise.allSettled([
    deps.workflows.updateStep(workflow.id, step.id, {
      from: ['pending', 'running'],
      set: { status: 'running', token: request.taskToken, startedAt: step.startedAt ?? now },
    }),
    deps.tasks.create(task),
  ]);
  if (stored.status === 'rejected') {
    if (!(stored.reason instanceof TransitionConflictError)) throw stored.reason;
    // Cancelled before it started: the task just created would never be sent or waited for.
    if (created.status === 'fulfilled') await deps.tasks.discard(task.id);
    // It ended already: answer this execution's token with what is recorded.
    const ended = await deps.workflows.getStep(workflow.id, step.id);
    if (ended) await answerStep(deps, request.taskToken, ended);
    return;
  }
  if (created.status === 'rejected') {
    if (!(created.reason instanceof ConflictError)) throw created.reason;
    const existing = await deps.tasks.get(task.id);
    if (!existing) throw created.reason;
    if (isFinished(existing.status)) {
      await reportStepOutcome(deps, existing);
    } else if (existing.status === 'queued') {
      // Its message may have been lost with a process (or never sent): the worker ignores doubles.
      await deps.queue.enqueue([envelopeOf(existing)]);
    }
    return;
  }
  const ctx = ctxOf(workflow, deps.clock);
  await Promise.all([
    deps.queue.enqueue([envelopeOf(task)]),
    deps.events.publish([
      createEvent(
        taskQueued,
        { taskId: task.id, agentId: task.agentId, priority: task.priority, reason: 'submitted' },
        ctx,
      ),
      createEvent(
        workflowStepStarted,
        { workflowId: workflow.id, stepId: step.id, agentId: step.agentId, taskId: task.id },
        ctx,
      ),
    ]),
  ]);
}

/** The metadata key that ties a step's task to its step. */
export const STEP_METADATA_KEY = 'workflowStepId';

/**
 * A task ended: if it is a workflow step, record the step's outcome and answer the token the
 * execution waits on. Safe to call more than once for the same task.
 */
export async function reportStepOutcome(
  deps: Pick<EngineDeps, 'workflows' | 'events' | 'reporter' | 'clock'>,
  task: Task,
): Promise<void> {
  const stepId = task.metadata[STEP_METADATA_KEY];
  if (!task.workflowId || typeof stepId !== 'string' || !isFinished(task.status)) return;
  const status = task.status as Extract<StepStatus, 'succeeded' | 'failed' | 'cancelled'>;
  const error =
    status === 'succeeded'
      ? null
      : task.error
        ? { code: task.error.code, message: task.error.message }
        : { code: 'Cancelled', message: `the step's task ${task.id} was cancelled` };
  let step: StepState | undefined;
  let changed = false;
  try {
    step = await deps.workflows.updateStep(task.workflowId, stepId, {
      from: ['pending', 'running'],
      set: {
        status,
        output: status === 'succeeded' ? task.output : null,
        error,
        costUsd: task.usage.costUsd,
        finishedAt: task.finishedAt ?? deps.clock.now().toISOString(),
      },
    });
    changed = true;
  } catch (e) {
    if (!(e instanceof TransitionConflictError)) throw e;
    step = await deps.workflows.getStep(task.workflowId, stepId);
  }
  if (!step) return;
  const recorded = step;
  const workflowId = task.workflowId;
  const announce = async () => {
    if (!changed) return;
    const startedAt = Date.parse(recorded.startedAt ?? task.createdAt);
    const finishedAt = Date.parse(recorded.finishedAt ?? deps.clock.now().toISOString());
    await deps.events.publish([
      createEvent(
        workflowStepCompleted,
        {
          workflowId,
          stepId,
          agentId: recorded.agentId,
          taskId: task.id,
          status,
          durationMs: Math.max(0, finishedAt - startedAt),
          error,
        },
        { correlationId: task.correlationId, clock: deps.clock },
      ),
    ]);
  };
  // The event and the callback do not depend on each other: the next step need not wait.
  await Promise.all([
    announce(),
    recorded.token ? answerStep(deps, recorded.token, recorded) : undefined,
  ]);
}

/** Answers the token a step waits on with what the step recorded (a used token is ignored). */
export async function answerStep(
  deps: Pick<EngineDeps, 'reporter'>,
  token: string,
  step: StepState,
): Promise<void> {
  if (step.status === 'succeeded') {
    // Only a reference goes back: the output stays in the table. A gate's is its decision,
    // small, `{"approved": true, "comment"}`.
    await deps.reporter.succeed(
      token,
      step.gate ? step.output : { stepId: step.id, status: step.status },
    );
  } else if (isStepFinished(step.status)) {
    await deps.reporter.fail(
      token,
      STEP_FAILED_ERROR,
      JSON.stringify({
        stepId: step.id,
        code: step.error?.code ?? 'StepFailed',
        message: step.error?.message ?? `step '${step.id}' ${step.status}`,
      }),
    );
  }
}

/** The state machine caught an error (a failed step, or a fault of the engine itself). */
export async function recordExecutionFailure(
  deps: EngineDeps,
  request: { workflowId: string; error?: { Error?: string; Cause?: string } | undefined },
): Promise<WorkflowStatus> {
  const found = await deps.workflows.get(request.workflowId);
  if (!found) return 'failed';
  const { workflow, steps } = found;
  if (workflow.status !== 'running') {
    if (!workflow.announced) await announceEnd(deps, workflow, steps, ctxOf(workflow, deps.clock));
    return workflow.status;
  }
  return failWorkflow(deps, workflow, steps, errorOf(request.error));
}

function errorOf(caught: { Error?: string; Cause?: string } | undefined): WorkflowError {
  const name = caught?.Error ?? 'States.Runtime';
  if (name === STEP_FAILED_ERROR && caught?.Cause) {
    try {
      const cause = JSON.parse(caught.Cause) as {
        stepId?: string;
        code?: string;
        message?: string;
      };
      return {
        code: cause.code ?? STEP_FAILED_ERROR,
        message: cause.message ?? 'a step failed',
        stepId: cause.stepId ?? null,
      };
    } catch {
      // fall through: not ours
    }
  }
  // A fault's Cause is raw: a Lambda's error message and stack frames, a service's answer. It
  // stays in the engine's log (functions/orchestration/workflow-engine.ts); the workflow says
  // only which part failed, in words of its own.
  return {
    code: ERROR_NAME.test(name) ? name : 'WorkflowFault',
    message:
      name === 'States.Timeout'
        ? 'the workflow execution timed out'
        : /^States\.[A-Za-z]+$/.test(name)
          ? `the workflow execution failed (${name})`
          : 'the workflow engine failed; the cause is in its log',
    stepId: null,
  };
}

/** What an error name looks like (`TypeError`, `Lambda.Unknown`, `States.Timeout`). */
const ERROR_NAME = /^[A-Za-z][A-Za-z0-9_.]{0,63}$/;

async function failWorkflow(
  deps: EngineDeps,
  workflow: Workflow,
  steps: StepState[],
  error: WorkflowError,
): Promise<WorkflowStatus> {
  let failed: Workflow;
  try {
    failed = await deps.workflows.update(workflow.id, {
      from: ['running'],
      set: {
        status: 'failed',
        error,
        costUsd: costOf(steps),
        finishedAt: deps.clock.now().toISOString(),
        announced: false,
      },
    });
  } catch (e) {
    if (!(e instanceof TransitionConflictError)) throw e;
    return (await deps.workflows.get(workflow.id))?.workflow.status ?? 'failed';
  }
  await announceEnd(deps, failed, steps, ctxOf(workflow, deps.clock));
  return 'failed';
}

const TERMINAL_EVENTS = {
  succeeded: workflowSucceeded,
  failed: workflowFailed,
  cancelled: workflowCancelled,
} as const;

/**
 * What follows a workflow's end, once its terminal status is written: the steps still running
 * are stopped (failed, cancelled), the terminal event is published, and the workflow is marked
 * announced. A fault part-way leaves it unannounced, and the next engine call for it (the state
 * machine retries) does it again: cancelling and publishing are safe to repeat.
 */
export async function announceEnd(
  deps: Pick<EngineDeps, 'workflows' | 'tasks' | 'events' | 'clock' | 'approvals'>,
  workflow: Workflow,
  steps: StepState[],
  ctx: EventContext,
): Promise<void> {
  if (workflow.status === 'running') return;
  if (workflow.status !== 'succeeded') await stopRunningSteps(deps, workflow, steps, ctx);
  // Stopping steps changes their status, not whether they started: the count stays right.
  const outcome = outcomeOf(workflow, steps, deps.clock);
  await deps.events.publish([
    workflow.status === 'failed'
      ? createEvent(
          TERMINAL_EVENTS.failed,
          {
            ...outcome,
            error: workflow.error ?? {
              code: 'Failed',
              message: 'the workflow failed',
              stepId: null,
            },
          },
          ctx,
        )
      : createEvent(TERMINAL_EVENTS[workflow.status], outcome, ctx),
  ]);
  try {
    await deps.workflows.update(workflow.id, { from: [workflow.status], set: { announced: true } });
  } catch (error) {
    if (!(error instanceof TransitionConflictError)) throw error;
  }
}

/** Cancels the tasks of steps still running (the others in a failed parallel batch, or all on cancel). */
export async function stopRunningSteps(
  deps: Pick<EngineDeps, 'workflows' | 'tasks' | 'events' | 'clock' | 'approvals'>,
  workflow: Workflow,
  steps: StepState[],
  ctx: EventContext,
): Promise<void> {
  const now = deps.clock.now().toISOString();
  const events: OutgoingEvent[] = [];
  // Each step is marked first, then its task cancelled: a step the snapshot saw pending may have
  // started since (a startStep that loses this race discards the task it made), so every one is
  // tried; a task that does not exist, or has ended, refuses the transition.
  for (const step of steps.filter((s) => s.status === 'running' || s.status === 'pending')) {
    if (step.gate) {
      await closeGate(deps, workflow, step, ctx);
      continue;
    }
    try {
      await deps.workflows.updateStep(workflow.id, step.id, {
        from: ['pending', 'running'],
        set: {
          status: 'cancelled',
          error: { code: 'Cancelled', message: `the workflow ended before step '${step.id}'` },
          finishedAt: now,
        },
      });
    } catch (error) {
      if (!(error instanceof TransitionConflictError)) throw error;
      continue; // it ended on its own meanwhile
    }
    try {
      const task = await deps.tasks.transition(step.taskId, {
        from: UNFINISHED_STATUSES,
        to: 'cancelled',
        set: { finishedAt: now, leaseUntil: null },
      });
      events.push(createEvent(taskCancelled, { taskId: task.id, agentId: task.agentId }, ctx));
    } catch (error) {
      if (!(error instanceof TransitionConflictError)) throw error;
    }
  }
  await deps.events.publish(events);
}

export const costOf = (steps: StepState[]): number =>
  Math.round(steps.reduce((sum, s) => sum + (s.costUsd ?? 0), 0) * 1e6) / 1e6;

/** What workflow.succeeded / failed / cancelled say. */
export function outcomeOf(workflow: Workflow, steps: StepState[], clock: Clock) {
  // Started, not merely ended: a step cancelled before it started did not run.
  const ran = steps.filter((s) => s.startedAt !== null);
  const end = workflow.finishedAt ? Date.parse(workflow.finishedAt) : clock.now().getTime();
  return {
    workflowId: workflow.id,
    name: workflow.name,
    strategy: workflow.strategy,
    chosenStrategy: workflow.chosenStrategy,
    steps: ran.length,
    durationMs: Math.max(0, end - Date.parse(workflow.createdAt)),
    costUsd: costOf(steps),
    quality: workflow.quality,
  };
}

/** The task that runs a step. */
function stepTask(workflow: Workflow, steps: StepState[], step: StepState, now: string): Task {
  if (!step.agentId) throw new Error(`step '${step.id}' is a gate: it runs no task`);
  return {
    id: step.taskId,
    agentId: step.agentId,
    status: 'queued',
    priority: workflow.priority,
    input: stepInput(workflow, steps, step),
    output: null,
    error: null,
    attempts: 0,
    maxAttempts: workflow.maxAttempts,
    timeoutMs: workflow.timeoutMs,
    deadLettered: false,
    workflowId: workflow.id,
    threadId: null,
    pendingApproval: null,
    metadata: { [STEP_METADATA_KEY]: step.id, workflowName: workflow.name },
    usage: emptyUsage(),
    steps: [],
    context: null,
    stepsOmitted: 0,
    correlationId: workflow.correlationId,
    suspended: null,
    turn: null,
    leaseUntil: null,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    updatedAt: now,
  };
}
