/** The task: what a caller submits, what is stored, and which status changes are allowed. */
import * as z from 'zod';
import { AGENT_ID_PATTERN } from '../ids.js';
import type { ToolCall } from '../kernel/model-provider.js';
import { MAX_TASK_ATTEMPTS, MAX_TASK_TIMEOUT_MS } from './limits.js';

export const PRIORITIES = ['critical', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const TASK_STATUSES = [
  'queued',
  'running',
  'retrying',
  'waiting',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const FINISHED_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled'];
export const UNFINISHED_STATUSES: readonly TaskStatus[] = [
  'queued',
  'running',
  'retrying',
  'waiting',
];

export const isFinished = (status: TaskStatus): boolean => FINISHED_STATUSES.includes(status);

/**
 * Every transition a task may make. Stores apply them as conditional writes on the `from`
 * status, so a transition can never go backwards or happen twice.
 */
export const TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  queued: ['running', 'cancelled', 'failed'],
  // `running` again only when a worker takes over an attempt whose worker died (lease expired);
  // `waiting` when a tool call needs a person's decision (the attempt stops, no worker is held).
  running: ['succeeded', 'failed', 'retrying', 'cancelled', 'running', 'waiting'],
  retrying: ['running', 'cancelled', 'failed'],
  // `queued` once the approval is decided (or expires as a denial); `failed` when it expires
  // with onTimeout: fail.
  waiting: ['queued', 'cancelled', 'failed'],
  succeeded: [],
  // `queued` only by redrive of a dead-lettered task; `failed` only to set the dead-letter flag.
  failed: ['queued', 'failed'],
  cancelled: [],
};

export const taskInputSchema = z.unknown().refine((value) => value !== undefined, 'required');

export const submitTaskSchema = z.strictObject({
  agentId: z.string().regex(AGENT_ID_PATTERN, 'agentId must match ^[a-z0-9][a-z0-9-]{1,62}$'),
  input: taskInputSchema,
  priority: z.enum(PRIORITIES).default('normal'),
  maxAttempts: z.number().int().min(1).max(MAX_TASK_ATTEMPTS).default(3),
  timeoutMs: z.number().int().min(100).max(MAX_TASK_TIMEOUT_MS).optional(),
  metadata: z.record(z.string(), z.unknown()).default({}),
});

export type SubmitTaskInput = z.output<typeof submitTaskSchema>;

export interface TaskError {
  code: string;
  message: string;
  retryable: boolean;
}

export interface TaskUsage {
  modelCalls: number;
  toolCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface TaskStep {
  index: number;
  kind: 'model' | 'tool';
  name: string;
  ok: boolean;
  durationMs: number;
  /** A short summary of what the step produced or why it failed (truncated). */
  detail?: string;
}

/** How much of its conversation the task's latest model call received (`limits.contextTokens`). */
export interface TaskContext {
  messages: number;
  /** Messages left out, oldest first, to stay within the budget. */
  omitted: number;
}

/**
 * Where an agent loop that stopped for a person's decision goes on (internal). The model's
 * last response asked for `calls`; the first waits for the approval, the rest come after it.
 */
export interface SuspendedLoop {
  approvalId: string;
  calls: ToolCall[];
  /** Conversation messages this task added and stored as items (its own, or its thread's). */
  stored: number;
  /** Steps and usage at the stop: a retry of the resumed attempt starts again from here. */
  steps: number;
  usage: TaskUsage;
  /** Running time used before the stop; waiting does not count against `timeoutMs`. */
  elapsedMs: number;
  /** Set when the approval is decided (or expires as a denial). */
  decision?: LoopDecision | undefined;
}

export interface LoopDecision {
  decision: 'approve' | 'deny' | 'edit';
  /** The input to run the tool with (edit). */
  input?: unknown;
  comment?: string | undefined;
  /** Who decided: a principal, or `system` when the approval expired. */
  by: string;
}

/** A thread turn's bookkeeping (internal): its user message and what it added to the thread. */
export interface TurnRef {
  messageId: string;
  /** Messages this turn stored in the thread after its user message. */
  added: number;
}

/**
 * What one task's record may hold. A task lives in one DynamoDB item (400 KB in all), and an
 * agent may make thousands of steps or answer at any length, so every field that grows with
 * what the agent does is bounded here, before anything is written:
 * - steps: the first `firstSteps` and the last `lastSteps` are kept, the others only counted
 *   (`stepsOmitted`); every step, with its detail, is in the task's trace (`task.step` events);
 * - input, metadata and output together: at most `payloadBytes` of JSON. Input and metadata
 *   come with the request (256 KiB at most); an answer that does not fit beside them fails
 *   the task with `OutputTooLarge`, clearly, rather than as a write DynamoDB refuses;
 * - an error's message: at most `maxErrorMessageChars`.
 * Worst case: 300,000 of payload + 50 steps of at most 500 characters (1.5 KB of UTF-8) each +
 * an error + the fixed fields stays under 400 KB.
 */
export const TASK_RECORD_LIMITS = {
  firstSteps: 10,
  lastSteps: 40,
  payloadBytes: 300_000,
  maxErrorMessageChars: 1_000,
} as const;

/** The steps a record keeps of an attempt's steps, and how many it leaves to the trace. */
export function boundSteps(steps: TaskStep[]): { steps: TaskStep[]; stepsOmitted: number } {
  const { firstSteps, lastSteps } = TASK_RECORD_LIMITS;
  if (steps.length <= firstSteps + lastSteps) return { steps, stepsOmitted: 0 };
  return {
    steps: [...steps.slice(0, firstSteps), ...steps.slice(-lastSteps)],
    stepsOmitted: steps.length - firstSteps - lastSteps,
  };
}

/** Bytes of a value as the task's record stores it (JSON). */
export const storedBytes = (value: unknown): number =>
  Buffer.byteLength(JSON.stringify(value) ?? 'null');

/** How many bytes of output (as JSON) a task can keep beside its input and metadata. */
export const outputBudgetBytes = (task: Pick<Task, 'input' | 'metadata'>): number =>
  Math.max(
    0,
    TASK_RECORD_LIMITS.payloadBytes - storedBytes(task.input) - storedBytes(task.metadata),
  );

/** An error as a record keeps it: its message cut to a bounded length. */
export function boundedError(error: TaskError): TaskError {
  const max = TASK_RECORD_LIMITS.maxErrorMessageChars;
  return error.message.length <= max
    ? error
    : { ...error, message: `${error.message.slice(0, max - 1)}…` };
}

export interface Task {
  id: string;
  agentId: string;
  status: TaskStatus;
  priority: Priority;
  input: unknown;
  output: unknown;
  error: TaskError | null;
  attempts: number;
  maxAttempts: number;
  timeoutMs: number | null;
  deadLettered: boolean;
  workflowId: string | null;
  /**
   * The thread whose turn this task is (API.md, Threads); null for a plain task. Its deltas go
   * to the thread's followers too.
   */
  threadId: string | null;
  /** The approval the task waits for while `waiting`. */
  pendingApproval: string | null;
  metadata: Record<string, unknown>;
  usage: TaskUsage;
  steps: TaskStep[];
  context: TaskContext | null;
  /** Steps of the last attempt left out of `steps` (see TASK_RECORD_LIMITS); in the trace. */
  stepsOmitted: number;
  correlationId: string;
  suspended: SuspendedLoop | null;
  turn: TurnRef | null;
  /** Until when the running attempt's worker is presumed alive (internal). */
  leaseUntil: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

/**
 * What every event about a task names: the task, its agent, and for a thread's turn the thread,
 * so that the thread's followers (live and in replay) receive it.
 */
export const taskRefOf = (task: Pick<Task, 'id' | 'agentId' | 'threadId'>) => ({
  taskId: task.id,
  agentId: task.agentId,
  ...(task.threadId ? { threadId: task.threadId } : {}),
});

export const emptyUsage = (): TaskUsage => ({
  modelCalls: 0,
  toolCalls: 0,
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
});

/** A task as it is submitted: queued, nothing run yet. */
export function queuedTask(
  fields: Pick<
    Task,
    | 'id'
    | 'agentId'
    | 'priority'
    | 'input'
    | 'maxAttempts'
    | 'timeoutMs'
    | 'metadata'
    | 'correlationId'
    | 'createdAt'
  > &
    Partial<Pick<Task, 'workflowId' | 'threadId' | 'turn'>>,
): Task {
  return {
    status: 'queued',
    output: null,
    error: null,
    attempts: 0,
    deadLettered: false,
    workflowId: null,
    threadId: null,
    pendingApproval: null,
    usage: emptyUsage(),
    steps: [],
    stepsOmitted: 0,
    context: null,
    suspended: null,
    turn: null,
    leaseUntil: null,
    startedAt: null,
    finishedAt: null,
    updatedAt: fields.createdAt,
    ...fields,
  };
}

/** The SQS message body that asks the worker to run a task. */
export const taskMessageSchema = z.object({
  taskId: z.string().min(1),
  agentId: z.string().min(1),
  /** The request that caused the task, for the worker's log lines. */
  correlationId: z.string().optional(),
  /** A thread turn: the worker checks the thread's turn before it starts the task. */
  threadId: z.string().optional(),
});
export type TaskMessage = z.infer<typeof taskMessageSchema>;

/** What the public API shows of a task (internal bookkeeping stays inside). */
export type PublicTask = Omit<
  Task,
  'correlationId' | 'updatedAt' | 'leaseUntil' | 'suspended' | 'turn'
>;

export function publicTask(task: Task): PublicTask {
  const {
    correlationId: _c,
    updatedAt: _u,
    leaseUntil: _l,
    suspended: _s,
    turn: _t,
    ...visible
  } = task;
  return visible;
}
