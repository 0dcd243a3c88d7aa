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
import { MAX_TASK_TIMEOUT_MS } from '../../../infra/topology.js';
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
} from '../ports.js';
import { isFinished, type Task, type TaskError, type TaskMessage } from '../tasks/task.js';
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
  const dueInDlq =
    current.status === 'failed' &&
    !current.deadLettered &&
    current.error?.retryable === true &&
    current.attempts >= current.maxAttempts;
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
  if (current?.status !== 'running') return { kind: 'done' };
  // Running already: another delivery of this message is being worked on, or its worker died.
  const leaseEnd = current.leaseUntil ? Date.parse(current.leaseUntil) : 0;
  if (leaseEnd > now.getTime()) {
    return { kind: 'retry-later', delaySeconds: Math.ceil((leaseEnd - now.getTime()) / 1000) + 1 };
  }
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

async function runAttempt(
  deps: WorkerDeps,
  agent: Agent,
  task: Task,
  turn: TurnPlace | undefined,
): Promise<MessageOutcome> {
  const ctx: EventContext = { correlationId: task.correlationId, clock: deps.clock };
  const attempt = task.attempts;
  const ref = {
    taskId: task.id,
    agentId: task.agentId,
    ...(task.threadId ? { threadId: task.threadId } : {}),
  };
  // Going on after a decision: the steps before the stop were announced then.
  const resumedSteps = task.suspended?.decision ? task.suspended.steps : 0;
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
              steps: task.steps.slice(0, suspended.steps),
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
    if (result.suspended) {
      return await suspend(deps, agent, task, turn, result, {
        ctx,
        ended,
        afterAttempt,
        steps: stepEvents(task, attempt, result.steps.slice(resumedSteps), ctx),
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
        steps: result.steps,
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
            ...stepEvents(task, attempt, result.steps.slice(resumedSteps), ctx),
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
    if (!(error instanceof AgentLoopFailure)) {
      const cause = error instanceof TaskAttemptError ? error : undefined;
      if (!cause) throw error;
      return recordFailure(deps, task, cause, [], ctx, ended, afterAttempt);
    }
    if (error.failure instanceof TaskCancelledSignal) {
      await afterAttempt([]);
      return { kind: 'done' };
    }
    return recordFailure(
      deps,
      task,
      error.failure,
      error.steps,
      ctx,
      ended,
      afterAttempt,
      error.usage,
      resumedSteps,
    );
  } finally {
    await mcp?.close();
  }
}

async function recordFailure(
  deps: WorkerDeps,
  task: Task,
  cause: TaskAttemptError,
  steps: Task['steps'],
  ctx: EventContext,
  ended: Task[],
  afterAttempt: (events: OutgoingEvent[]) => Promise<void>,
  usage: Task['usage'] = task.usage,
  announcedSteps = 0,
): Promise<MessageOutcome> {
  const attempt = task.attempts;
  const ref = {
    taskId: task.id,
    agentId: task.agentId,
    ...(task.threadId ? { threadId: task.threadId } : {}),
  };
  const newSteps = steps.slice(announcedSteps);
  const error: TaskError = { code: cause.code, message: cause.message, retryable: cause.retryable };
  const common = { error, steps, usage, leaseUntil: null };

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
    return recordFailure(
      deps,
      task,
      unavailable,
      result.steps,
      ctx,
      ended,
      afterAttempt,
      result.usage,
    );
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
        steps: result.steps.length,
        usage: result.usage,
        elapsedMs: (task.suspended?.elapsedMs ?? 0) + (result.suspended?.elapsedMs ?? 0),
      },
      steps: result.steps,
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
        taskId: task.id,
        agentId: task.agentId,
        ...(task.threadId ? { threadId: task.threadId } : {}),
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
  try {
    const task = await deps.tasks.transition(message.taskId, {
      from: ['queued', 'retrying'],
      to: 'failed',
      set: { error, finishedAt: deps.clock.now().toISOString() },
    });
    const ctx = { correlationId: task.correlationId, clock: deps.clock };
    await deps.events.publish([
      createEvent(
        taskFailed,
        { taskId: task.id, agentId: task.agentId, attempt: task.attempts, error },
        ctx,
      ),
    ]);
    await deps.onFinished?.(task);
  } catch (e) {
    if (!(e instanceof TransitionConflictError)) throw e;
  }
  return { kind: 'done' };
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
    throw error;
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
        taskId: task.id,
        agentId: task.agentId,
        attempt,
        step: { index: s.index, kind: s.kind, name: s.name, ok: s.ok, durationMs: s.durationMs },
      },
      ctx,
    ),
  );
}
