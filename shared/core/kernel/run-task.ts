/**
 * One delivery of a task message to the worker: decide whether the task may run, run one attempt
 * of the agent loop, and record the outcome with conditional writes. Returns what should happen
 * to the message; the handler turns that into SQS calls.
 */

import type { OutgoingEvent } from '../../../events/envelope.js';
import { modelFallback, modelInvoked } from '../../../events/model-events.js';
import {
  taskFailed,
  taskRetrying,
  taskStarted,
  taskStep,
  taskSucceeded,
  taskWaiting,
} from '../../../events/task-events.js';
import { toolDenied, toolInvoked } from '../../../events/tool-events.js';
import { type Agent, contextTokensOf } from '../agents/agent.js';
import {
  approvalRequestedEvent,
  closeApproval,
  requestApproval,
  toolApproval,
} from '../approvals/approval-service.js';
import type { ApprovalStore, ApprovalTimer } from '../approvals/ports.js';
import type { BudgetStore } from '../budgets/ports.js';
import { type BudgetDefinitions, BudgetSpendGuard } from '../budgets/spend-guard.js';
import { TaskAttemptError, TransitionConflictError } from '../errors.js';
import { createEvent, type EventContext } from '../events.js';
import { ModelResolver } from '../models/model-resolver.js';
import { parseRouteConfig } from '../models/route-config.js';
import type { ModelCallSample, RouteObserver } from '../models/router.js';
import type {
  AgentStore,
  Clock,
  EventPublisher,
  ModelStatsStore,
  RateLimiter,
  TaskQueue,
  TaskStore,
  TaskTransition,
} from '../ports.js';
import { MAX_TASK_TIMEOUT_MS } from '../tasks/limits.js';
import {
  boundedError,
  boundSteps,
  isFinished,
  outputBudgetBytes,
  storedBytes,
  TASK_RECORD_LIMITS,
  type Task,
  type TaskError,
  type TaskMessage,
  type TaskStep,
  type TaskUsage,
  taskRefOf,
} from '../tasks/task.js';
import type { TaskConversationStore, ThreadStore } from '../threads/ports.js';
import type { Thread } from '../threads/thread.js';
import { checkTurn, loadConversation, messageEvents, storeAdded } from '../threads/turns.js';
import type { ToolDefinition, ToolServices } from '../tools/tool.js';
import {
  AgentLoopFailure,
  type AgentLoopResult,
  runAgentLoop,
  TaskCancelledSignal,
  type ToolObserver,
} from './agent-loop.js';
import { type AnswerStreamingDeps, StreamingModel } from './answer-streaming.js';
import { providerFor } from './model-provider.js';

/** The tools of an agent's MCP servers, connected for one attempt. */
export interface McpToolset {
  tools: ToolDefinition[];
  errors: { server: string; message: string }[];
  close(): Promise<void>;
}

export interface WorkerDeps {
  agents: AgentStore;
  tasks: TaskStore;
  events: EventPublisher;
  clock: Clock;
  /** The built-in tool catalogue. */
  tools: ReadonlyMap<string, ToolDefinition>;
  retry: RetryPolicy;
  /** Routes and providers; by default only the deterministic ones. */
  models?: ModelResolver;
  services?: ToolServices;
  rateLimiter?: RateLimiter;
  modelStats?: ModelStatsStore;
  loadMcpTools?: (agent: Agent) => Promise<McpToolset>;
  /** Streams answers to the connections following a task; without it, nothing streams. */
  deltas?: AnswerStreamingDeps;
  /** Budgets: every model call is held against those covering the agent; none without this. */
  budgets?: { store: BudgetStore; definitions: BudgetDefinitions };
  /**
   * Told of every task this worker brought to an end (succeeded, failed), and again when a
   * message arrives for a task that has ended: workflow steps report their outcome this way, at
   * least once. A throw leaves the message to be delivered again.
   */
  onFinished?: (task: Task) => Promise<void>;
  /** Threads: a turn's history and its lock. Without it, thread turns cannot run here. */
  threads?: ThreadStore;
  /** The task queues: an idle thread's turn is handed on from here. */
  queue?: TaskQueue;
  /** A plain task's own conversation while it waits for a decision. */
  conversations?: TaskConversationStore;
  /** Approvals (toolPolicy `ask`) and their timers. */
  approvals?: ApprovalStore;
  approvalTimer?: ApprovalTimer;
}

/** A thread turn's place: the thread, and how many messages precede its question (with it). */
interface TurnPlace {
  thread: Thread;
  ordinal: number;
}

const deterministicModels = new ModelResolver(parseRouteConfig({}), providerFor);

const noServices: ToolServices = {
  workspace: () => {
    throw new Error('no workspaces are configured for this worker');
  },
  resolveHost: async () => {
    throw new Error('no DNS resolver is configured for this worker');
  },
};

export interface RetryPolicy {
  baseSeconds: number;
  maxSeconds: number;
}

export type MessageOutcome =
  /** Delete the message: the task reached a state that needs nothing more from it. */
  | { kind: 'done' }
  /** Keep the message and deliver it again after this many seconds. */
  | { kind: 'retry-later'; delaySeconds: number }
  /** Move the message to the dead-letter queue: the task's attempts are used up. */
  | { kind: 'dead-letter' };

/**
 * The steps of a loop going on after a decision: those the record kept at the stop (unless an
 * attempt that failed since replaced them), already announced; the others only counted.
 */
interface ResumedSteps {
  steps: TaskStep[];
  announced: number;
  omitted: number;
}

const NOT_RESUMED: ResumedSteps = { steps: [], announced: 0, omitted: 0 };

function resumedSteps(task: Task): ResumedSteps {
  const stop = task.suspended;
  if (!stop?.decision) return NOT_RESUMED;
  // A failed attempt after the stop leaves its error, and its own steps in the record.
  const kept = task.error === null ? task.steps : [];
  return { steps: kept, announced: kept.length, omitted: Math.max(0, stop.steps - kept.length) };
}

/** A record's steps, counting those a resumed loop started without. */
function boundedSteps(steps: TaskStep[], omittedBefore: number) {
  const bounded = boundSteps(steps);
  return { steps: bounded.steps, stepsOmitted: bounded.stepsOmitted + omittedBefore };
}

/** Extra time a running attempt is presumed alive past its own timeout. */
const LEASE_GRACE_MS = 30_000;
/** A budget hold outlives its attempt's deadline by this much before it may be reclaimed. */
const HOLD_GRACE_MS = 60_000;

/** Exponential backoff: base, 2×base, 4×base … capped. Deterministic, so tests can rely on it. */
export function retryDelaySeconds(attempt: number, policy: RetryPolicy): number {
  return Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.max(0, attempt - 1));
}

export async function runTaskMessage(
  deps: WorkerDeps,
  message: TaskMessage,
  agentCache: Map<string, Promise<Agent | undefined>> = new Map(),
): Promise<MessageOutcome> {
  let agentLookup = agentCache.get(message.agentId);
  if (!agentLookup) {
    agentLookup = deps.agents.get(message.agentId);
    agentCache.set(message.agentId, agentLookup);
  }
  const agent = await agentLookup;

  if (!agent || agent.status === 'retired') {
    const reason = agent ? 'AgentRetired' : 'AgentNotFound';
    return failWithoutRunning(deps, message, {
      code: reason,
      message: agent
        ? `agent '${message.agentId}' is retired`
        : `agent '${message.agentId}' does not exist`,
      retryable: false,
    });
  }

  if (agent.status === 'paused') {
    await deps.tasks.park(agent.id, message.taskId);
    // A resume between our read and the park would have missed this task: look once more.
    const fresh = await deps.agents.get(agent.id);
    if (fresh?.status === 'paused') return { kind: 'done' };
    await deps.tasks.unpark(agent.id, message.taskId);
    agentCache.set(agent.id, Promise.resolve(fresh));
    return runTaskMessage(deps, message, agentCache);
  }

  let turn: TurnPlace | undefined;
  if (message.threadId) {
    if (!deps.threads || !deps.queue) throw new Error('this worker is not configured for threads');
    const turnDeps = {
      threads: deps.threads,
      tasks: deps.tasks,
      queue: deps.queue,
      clock: deps.clock,
    };
    turn = await checkTurn(turnDeps, message.threadId, message.taskId);
    if (!turn) {
      // Not its turn (it waits, and is sent again when its turn comes), or it has ended.
      const current = await deps.tasks.get(message.taskId);
      return current && isFinished(current.status)
        ? deliveredAfterEnd(deps, current)
        : { kind: 'done' };
    }
  }

  const task = await startAttempt(deps, message);
  if ('kind' in task) return task;
  return runAttempt(deps, agent, task, turn);
}

/** A delivery for a task that ended: the outcome may not have reached everyone yet. */
async function deliveredAfterEnd(deps: WorkerDeps, current: Task): Promise<MessageOutcome> {
  await deps.onFinished?.(current);
  // A retryable failure that ended the task (attempts used up, an outcome that could not be
  // written) belongs in the DLQ, where it can be redriven; this delivery takes it there.
  const dueInDlq =
    current.status === 'failed' && !current.deadLettered && current.error?.retryable === true;
  return dueInDlq ? { kind: 'dead-letter' } : { kind: 'done' };
}

async function startAttempt(
  deps: WorkerDeps,
  message: TaskMessage,
): Promise<Task | MessageOutcome> {
  const now = deps.clock.now();
  // The task's own timeout is not known before this write, so the lease assumes the longest.
  const leaseUntil = new Date(now.getTime() + MAX_TASK_TIMEOUT_MS + LEASE_GRACE_MS).toISOString();
  try {
    const started = await deps.tasks.transition(message.taskId, {
      from: ['queued', 'retrying'],
      to: 'running',
      incrementAttempts: true,
      markStarted: now.toISOString(),
      set: { leaseUntil },
    });
    return started;
  } catch (error) {
    if (!(error instanceof TransitionConflictError)) throw error;
  }
  const current = await deps.tasks.get(message.taskId);
  if (current && isFinished(current.status)) return deliveredAfterEnd(deps, current);
  if (!current) return { kind: 'done' };
  const leaseEnd = current.leaseUntil ? Date.parse(current.leaseUntil) : 0;
  if (current.status === 'running' && leaseEnd > now.getTime()) {
    // Another delivery of this message is being worked on: ask again once its lease ends.
    return { kind: 'retry-later', delaySeconds: Math.ceil((leaseEnd - now.getTime()) / 1000) + 1 };
  }
  // Waiting for a person: a stray delivery does nothing (the decision queues it again).
  if (current.status === 'waiting') return { kind: 'done' };
  // No attempt starts past maxAttempts (the store refuses to count one): a task re-queued after
  // its last attempt was interrupted, or whose last worker died, ends here instead.
  if (current.attempts >= current.maxAttempts) return exhaustAttempts(deps, current, now);
  if (current.status !== 'running') return { kind: 'done' };
  // Running, and its lease ended: the worker died. A new attempt takes it over.
  try {
    return await deps.tasks.transition(message.taskId, {
      from: ['running'],
      to: 'running',
      incrementAttempts: true,
      leaseExpiredBefore: now.toISOString(),
      set: { leaseUntil },
    });
  } catch (error) {
    if (error instanceof TransitionConflictError) return { kind: 'done' };
    throw error;
  }
}

/** Ends an unfinished task that has no attempt left: failed, for the DLQ; nothing runs. */
async function exhaustAttempts(deps: WorkerDeps, task: Task, now: Date): Promise<MessageOutcome> {
  const last = task.error ? ` (the last one: ${task.error.code})` : '';
  const failed = await failUnrun(
    deps,
    task.id,
    {
      from: [task.status],
      expectAttempts: task.attempts,
      ...(task.status === 'running' ? { leaseExpiredBefore: now.toISOString() } : {}),
      set: { finishedAt: now.toISOString(), leaseUntil: null },
    },
    {
      code: 'AttemptsExhausted',
      message: `all ${task.maxAttempts} attempt(s) were used without an outcome${last}`,
      retryable: true,
    },
  );
  return failed ? { kind: 'dead-letter' } : { kind: 'done' };
}

async function runAttempt(
  deps: WorkerDeps,
  agent: Agent,
  task: Task,
  turn: TurnPlace | undefined,
): Promise<MessageOutcome> {
  const ctx: EventContext = { correlationId: task.correlationId, clock: deps.clock };
  const attempt = task.attempts;
  const ref = taskRefOf(task);
  const resumed = resumedSteps(task);
  const startedAt = deps.clock.now().getTime();
  // Published while the attempt runs, and awaited before its outcome is: task.started still
  // comes first, and the model's first call does not wait for the bus.
  const announced = deps.events.publish([createEvent(taskStarted, { ...ref, attempt }, ctx)]);
  announced.catch(() => undefined); // awaited below; this only keeps a failure from going unhandled

  // What the attempt's model and tool calls tell: published with its outcome, in one go.
  const observed: OutgoingEvent[] = [];
  const samples: ModelCallSample[] = [];
  const models = deps.models ?? deterministicModels;
  const route = 'route' in agent.model ? agent.model.route : agent.model.provider;
  const modelObserver: RouteObserver = {
    invoked: (sample) => {
      samples.push(sample);
      observed.push(createEvent(modelInvoked, { ...ref, ...sample }, ctx));
    },
    fallback: (from, to, reason) =>
      observed.push(createEvent(modelFallback, { ...ref, route, from, to, reason }, ctx)),
  };
  const toolObserver: ToolObserver = {
    invoked: (tool, ok, durationMs) =>
      observed.push(createEvent(toolInvoked, { ...ref, tool, ok, durationMs }, ctx)),
    denied: (tool, reason) => observed.push(createEvent(toolDenied, { ...ref, tool, reason }, ctx)),
  };
  const ended: Task[] = [];
  const afterAttempt = async (events: OutgoingEvent[]) => {
    await announced;
    // The outcome's events and whoever waits for the task (a workflow) are told at once: neither
    // needs the other, and a workflow's next step should not wait for the bus.
    await Promise.all([
      deps.events.publish([...observed, ...events]),
      samples.length ? deps.modelStats?.record(samples) : undefined,
      tellFinished(deps, ended),
    ]);
  };

  // Time spent waiting for a person does not count against the task's timeout.
  const suspended = task.suspended;
  const elapsedBefore = suspended?.elapsedMs ?? 0;
  const timeoutMs = Math.max(1, (task.timeoutMs ?? agent.limits.timeoutMs) - elapsedBefore);
  let mcp: McpToolset | undefined;
  // What the attempt did, for the record written should its outcome not be.
  const progress: { steps: TaskStep[]; usage: TaskUsage } = { steps: [], usage: task.usage };
  const unlessNotWritten = (error: unknown): Promise<MessageOutcome> => {
    if (!(error instanceof OutcomeNotWritten)) throw error;
    return recordOutcomeNotWritten(deps, task, error, progress, ctx, ended, afterAttempt);
  };
  try {
    let tools = deps.tools;
    if (agent.mcpServers?.length && deps.loadMcpTools) {
      mcp = await deps.loadMcpTools(agent);
      tools = new Map([...deps.tools, ...mcp.tools.map((tool) => [tool.name, tool] as const)]);
    }
    const resolved = models.resolve(agent.model, attempt, modelObserver);
    const provider = deps.deltas
      ? new StreamingModel(resolved, deps.deltas, {
          id: task.id,
          agentId: task.agentId,
          threadId: task.threadId ?? null,
          attempt,
        })
      : resolved;
    const covering = deps.budgets ? await deps.budgets.definitions.covering(agent) : [];
    const spendGuard =
      deps.budgets && covering.length
        ? new BudgetSpendGuard({
            store: deps.budgets.store,
            budgets: covering,
            price: resolved.priceBound(),
            agentId: agent.id,
            taskId: task.id,
            threadId: task.threadId ?? undefined,
            clock: deps.clock,
            holdUntil: startedAt + timeoutMs + HOLD_GRACE_MS,
            emit: (event) => observed.push(event),
            context: ctx,
          })
        : undefined;
    const loaded = await loadConversation(deps, task, contextTokensOf(agent), turn?.ordinal ?? 1);
    const result = await runAgentLoop({
      agent,
      taskId: task.id,
      conversation: loaded.conversation,
      pinned: loaded.pinned,
      omittedBefore: loaded.omittedBefore,
      ...(suspended?.decision
        ? {
            resume: {
              calls: suspended.calls,
              decision: suspended.decision,
              steps: resumed.steps,
              stepsOmitted: resumed.omitted,
              usage: suspended.usage,
            },
          }
        : {}),
      provider,
      ...(spendGuard ? { spendGuard } : {}),
      tools,
      timeoutMs,
      services: deps.services ?? noServices,
      ...(deps.rateLimiter ? { rateLimiter: deps.rateLimiter } : {}),
      observer: toolObserver,
      isCancelled: async () => (await deps.tasks.get(task.id))?.status === 'cancelled',
    });
    progress.steps = result.steps;
    progress.usage = result.usage;
    if (result.suspended) {
      return await suspend(deps, agent, task, turn, result, {
        ctx,
        ended,
        afterAttempt,
        steps: stepEvents(task, attempt, result.steps.slice(resumed.announced), ctx),
        omittedBefore: resumed.omitted,
      }).catch(unlessNotWritten);
    }
    const outputBytes = storedBytes(result.output);
    const outputBudget = outputBudgetBytes(task);
    if (outputBytes > outputBudget) {
      const tooLarge = new TaskAttemptError(
        'OutputTooLarge',
        `the answer is ${outputBytes} bytes of JSON; this task can keep ${outputBudget} beside its input and metadata (${TASK_RECORD_LIMITS.payloadBytes} for the three)`,
        false,
      );
      return await recordFailure(deps, {
        task,
        cause: tooLarge,
        steps: result.steps,
        usage: result.usage,
        ctx,
        ended,
        afterAttempt,
        resumed,
      });
    }
    const finishedAt = deps.clock.now();
    const stored = turn ? await storeAdded(deps, task, turn.thread, result.added, finishedAt) : [];
    const recorded = await finish(deps, task, ended, {
      from: ['running'],
      to: 'succeeded',
      expectAttempts: attempt,
      set: {
        output: result.output,
        error: null,
        usage: result.usage,
        ...boundedSteps(result.steps, resumed.omitted),
        context: result.context,
        suspended: null,
        ...(task.turn
          ? { turn: { ...task.turn, added: (suspended?.stored ?? 0) + stored.length } }
          : {}),
        finishedAt: finishedAt.toISOString(),
        leaseUntil: null,
      },
    });
    await afterAttempt(
      recorded
        ? [
            ...stepEvents(task, attempt, result.steps.slice(resumed.announced), ctx),
            ...(turn ? messageEvents(turn.thread, stored, ctx) : []),
            createEvent(
              taskSucceeded,
              {
                ...ref,
                attempt,
                durationMs: finishedAt.getTime() - startedAt,
                usage: result.usage,
              },
              ctx,
            ),
          ]
        : [],
    );
    return { kind: 'done' };
  } catch (error) {
    if (error instanceof OutcomeNotWritten) return unlessNotWritten(error);
    if (!(error instanceof AgentLoopFailure)) {
      const cause = error instanceof TaskAttemptError ? error : undefined;
      if (!cause) throw error;
      return recordFailure(deps, { task, cause, steps: [], ctx, ended, afterAttempt }).catch(
        unlessNotWritten,
      );
    }
    if (error.failure instanceof TaskCancelledSignal) {
      await afterAttempt([]);
      return { kind: 'done' };
    }
    progress.steps = error.steps;
    progress.usage = error.usage;
    return recordFailure(deps, {
      task,
      cause: error.failure,
      steps: error.steps,
      usage: error.usage,
      ctx,
      ended,
      afterAttempt,
      resumed,
    }).catch(unlessNotWritten);
  } finally {
    await mcp?.close();
  }
}

/** The store failed an attempt's final write for another reason than a conflict. */
class OutcomeNotWritten extends Error {
  constructor(override readonly cause: unknown) {
    super(`the outcome could not be written: ${errorName(cause)}`);
    this.name = 'OutcomeNotWritten';
  }
}

const errorName = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 200) : 'unknown error';

/**
 * An attempt ran but its outcome could not be written (the store refused or failed the write).
 * Running it again would repeat every tool call it made, so the task is failed with a small
 * record instead: no output, no steps (the trace has them), retryable, so that it goes to the
 * DLQ where an operator can redrive it. Should even that write fail, the message comes back
 * later and the lease, then maxAttempts, decide.
 */
async function recordOutcomeNotWritten(
  deps: WorkerDeps,
  task: Task,
  failure: OutcomeNotWritten,
  progress: { steps: TaskStep[]; usage: TaskUsage },
  ctx: EventContext,
  ended: Task[],
  afterAttempt: (events: OutgoingEvent[]) => Promise<void>,
): Promise<MessageOutcome> {
  const attempt = task.attempts;
  const error: TaskError = {
    code: 'OutcomeNotRecorded',
    message: `attempt ${attempt} ran but its outcome could not be stored (${errorName(failure.cause)}); it is not run again by itself`,
    retryable: true,
  };
  let failed: Task;
  try {
    failed = await deps.tasks.transition(task.id, {
      from: ['running'],
      to: 'failed',
      expectAttempts: attempt,
      set: {
        error,
        output: null,
        steps: [],
        stepsOmitted: progress.steps.length,
        usage: progress.usage,
        finishedAt: deps.clock.now().toISOString(),
        leaseUntil: null,
      },
    });
  } catch (e) {
    if (e instanceof TransitionConflictError) return { kind: 'done' };
    throw failure.cause;
  }
  ended.push(failed);
  await afterAttempt([
    ...stepEvents(task, attempt, progress.steps, ctx),
    createEvent(taskFailed, { ...taskRefOf(task), attempt, error }, ctx),
  ]);
  return { kind: 'dead-letter' };
}

/** An attempt that failed, with what it did before, as `recordFailure` records it. */
interface AttemptFailure {
  task: Task;
  cause: TaskAttemptError;
  /** The steps the attempt took before it failed. */
  steps: Task['steps'];
  /** What the attempt used; the task's usage so far when it got no further than starting. */
  usage?: Task['usage'];
  ctx: EventContext;
  /** Tasks this attempt ended, told to `onFinished` once the events are out. */
  ended: Task[];
  afterAttempt: (events: OutgoingEvent[]) => Promise<void>;
  /** A loop that went on after a decision: the steps it started with. */
  resumed?: ResumedSteps;
}

async function recordFailure(
  deps: WorkerDeps,
  {
    task,
    cause,
    steps,
    usage = task.usage,
    ctx,
    ended,
    afterAttempt,
    resumed = NOT_RESUMED,
  }: AttemptFailure,
): Promise<MessageOutcome> {
  const attempt = task.attempts;
  const ref = taskRefOf(task);
  const newSteps = steps.slice(resumed.announced);
  const error = boundedError({
    code: cause.code,
    message: cause.message,
    retryable: cause.retryable,
  });
  const common = { error, ...boundedSteps(steps, resumed.omitted), usage, leaseUntil: null };

  if (cause.retryable && attempt < task.maxAttempts) {
    const delaySeconds = retryDelaySeconds(attempt, deps.retry);
    const recorded = await finish(deps, task, ended, {
      from: ['running'],
      to: 'retrying',
      expectAttempts: attempt,
      set: common,
    });
    await afterAttempt(
      recorded
        ? [
            ...stepEvents(task, attempt, newSteps, ctx),
            createEvent(
              taskRetrying,
              { ...ref, attempt, error, retryInSeconds: delaySeconds },
              ctx,
            ),
          ]
        : [],
    );
    return recorded ? { kind: 'retry-later', delaySeconds } : { kind: 'done' };
  }

  const recorded = await finish(deps, task, ended, {
    from: ['running'],
    to: 'failed',
    expectAttempts: attempt,
    set: { ...common, finishedAt: deps.clock.now().toISOString() },
  });
  await afterAttempt(
    recorded
      ? [
          ...stepEvents(task, attempt, newSteps, ctx),
          createEvent(taskFailed, { ...ref, attempt, error }, ctx),
        ]
      : [],
  );
  if (!recorded) return { kind: 'done' };
  // Retryable failures that ran out of attempts go to the DLQ, where they can be redriven;
  // a failure no retry can fix (a limit, a bad script) simply ends the task.
  return cause.retryable ? { kind: 'dead-letter' } : { kind: 'done' };
}

/**
 * A tool call waits for a person: what the loop added is stored (as the thread's messages, or the
 * task's own items), the approval is stored with its timer armed, and the task becomes
 * `waiting` with what it needs to go on. The attempt ends and the worker is free: no process
 * waits for the decision.
 */
async function suspend(
  deps: WorkerDeps,
  agent: Agent,
  task: Task,
  turn: TurnPlace | undefined,
  result: AgentLoopResult,
  outcome: {
    ctx: EventContext;
    ended: Task[];
    afterAttempt: (events: OutgoingEvent[]) => Promise<void>;
    steps: OutgoingEvent[];
    /** Steps before this run's that the record does not keep. */
    omittedBefore: number;
  },
): Promise<MessageOutcome> {
  const { ctx, ended, afterAttempt } = outcome;
  const calls = result.suspended?.calls ?? [];
  const call = calls[0];
  if (!call) throw new Error('a suspended loop names the call it waits on');
  if (!deps.approvals || !deps.approvalTimer || (!turn && !deps.conversations)) {
    const unavailable = new TaskAttemptError(
      'ApprovalsUnavailable',
      `tool ${call.name} needs a person's decision (toolPolicy ask), and this runtime keeps no approvals`,
      false,
    );
    return recordFailure(deps, {
      task,
      cause: unavailable,
      steps: result.steps,
      usage: result.usage,
      ctx,
      ended,
      afterAttempt,
    });
  }
  const now = deps.clock.now();
  const stored = await storeAdded(deps, task, turn?.thread, result.added, now);
  const storedTotal = (task.suspended?.stored ?? 0) + stored.length;
  const approval = toolApproval({ task, agent, call, now });
  await requestApproval({ approvals: deps.approvals, timer: deps.approvalTimer }, approval);
  const attempt = task.attempts;
  const recorded = await finish(deps, task, ended, {
    from: ['running'],
    to: 'waiting',
    expectAttempts: attempt,
    set: {
      pendingApproval: approval.id,
      suspended: {
        approvalId: approval.id,
        calls,
        stored: storedTotal,
        steps: outcome.omittedBefore + result.steps.length,
        usage: result.usage,
        elapsedMs: (task.suspended?.elapsedMs ?? 0) + (result.suspended?.elapsedMs ?? 0),
      },
      ...boundedSteps(result.steps, outcome.omittedBefore),
      usage: result.usage,
      context: result.context,
      error: null,
      leaseUntil: null,
      ...(task.turn ? { turn: { ...task.turn, added: storedTotal } } : {}),
    },
  });
  if (!recorded) {
    // Cancelled meanwhile: nobody will act on this approval.
    await closeApproval(
      { approvals: deps.approvals, events: deps.events, clock: deps.clock },
      approval.id,
      'the task ended before a decision',
    );
    await afterAttempt([]);
    return { kind: 'done' };
  }
  await afterAttempt([
    ...outcome.steps,
    ...(turn ? messageEvents(turn.thread, stored, ctx) : []),
    createEvent(
      taskWaiting,
      {
        ...taskRefOf(task),
        attempt,
        approvalId: approval.id,
        tool: call.name,
      },
      ctx,
    ),
    approvalRequestedEvent(approval, ctx),
  ]);
  return { kind: 'done' };
}

/** Fails a task that cannot even start (its agent is gone or retired). */
async function failWithoutRunning(
  deps: WorkerDeps,
  message: TaskMessage,
  error: TaskError,
): Promise<MessageOutcome> {
  await failUnrun(
    deps,
    message.taskId,
    { from: ['queued', 'retrying'], set: { finishedAt: deps.clock.now().toISOString() } },
    error,
  );
  return { kind: 'done' };
}

/**
 * Fails a task without running an attempt: the transition (with `error`), `task.failed`, and
 * whoever waits for the task. Undefined when the task had moved on meanwhile.
 */
async function failUnrun(
  deps: WorkerDeps,
  taskId: string,
  transition: Omit<TaskTransition, 'to'>,
  error: TaskError,
): Promise<Task | undefined> {
  let failed: Task;
  try {
    failed = await deps.tasks.transition(taskId, {
      ...transition,
      to: 'failed',
      set: { ...transition.set, error },
    });
  } catch (e) {
    if (e instanceof TransitionConflictError) return undefined;
    throw e;
  }
  await deps.events.publish([
    createEvent(
      taskFailed,
      { ...taskRefOf(failed), attempt: failed.attempts, error },
      { correlationId: failed.correlationId, clock: deps.clock },
    ),
  ]);
  await deps.onFinished?.(failed);
  return failed;
}

/**
 * Applies a transition that ends an attempt; false when the task moved on meanwhile (cancel).
 * A task that ended is told to `onFinished` once its events are out.
 */
async function finish(
  deps: WorkerDeps,
  task: Task,
  ended: Task[],
  transition: Parameters<TaskStore['transition']>[1],
): Promise<boolean> {
  try {
    const after = await deps.tasks.transition(task.id, transition);
    if (isFinished(after.status)) ended.push(after);
    return true;
  } catch (error) {
    if (error instanceof TransitionConflictError) return false;
    throw new OutcomeNotWritten(error);
  }
}

async function tellFinished(deps: WorkerDeps, ended: Task[]): Promise<void> {
  for (const task of ended) await deps.onFinished?.(task);
}

function stepEvents(
  task: Task,
  attempt: number,
  steps: Task['steps'],
  ctx: EventContext,
): OutgoingEvent[] {
  return steps.map((s) =>
    createEvent(
      taskStep,
      {
        ...taskRefOf(task),
        attempt,
        // With its detail: the task's record keeps only some steps, the trace keeps them all.
        step: {
          index: s.index,
          kind: s.kind,
          name: s.name,
          ok: s.ok,
          durationMs: s.durationMs,
          ...(s.detail === undefined ? {} : { detail: s.detail }),
        },
      },
      ctx,
    ),
  );
}
