/** The task: what a caller submits, what is stored, and which status changes are allowed. */
import * as z from 'zod';
import { MAX_TASK_ATTEMPTS, MAX_TASK_TIMEOUT_MS } from '../../../infra/topology.js';
import { AGENT_ID_PATTERN } from '../ids.js';

export const PRIORITIES = ['critical', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const TASK_STATUSES = [
  'queued',
  'running',
  'retrying',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const FINISHED_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled'];
export const UNFINISHED_STATUSES: readonly TaskStatus[] = ['queued', 'running', 'retrying'];

export const isFinished = (status: TaskStatus): boolean => FINISHED_STATUSES.includes(status);

/**
 * Every transition a task may make. Stores apply them as conditional writes on the `from`
 * status, so a transition can never go backwards or happen twice.
 */
export const TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  queued: ['running', 'cancelled', 'failed'],
  // `running` again only when a worker takes over an attempt whose worker died (lease expired).
  running: ['succeeded', 'failed', 'retrying', 'cancelled', 'running'],
  retrying: ['running', 'cancelled', 'failed'],
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
  /** The thread whose turn this task is, when it is one: its deltas go to the thread's followers. */
  threadId?: string | null;
  metadata: Record<string, unknown>;
  usage: TaskUsage;
  steps: TaskStep[];
  correlationId: string;
  /** Until when the running attempt's worker is presumed alive (internal). */
  leaseUntil: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

export const emptyUsage = (): TaskUsage => ({
  modelCalls: 0,
  toolCalls: 0,
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
});

/** The SQS message body that asks the worker to run a task. */
export const taskMessageSchema = z.object({
  taskId: z.string().min(1),
  agentId: z.string().min(1),
  /** The request that caused the task, for the worker's log lines. */
  correlationId: z.string().optional(),
});
export type TaskMessage = z.infer<typeof taskMessageSchema>;

/** What the public API shows of a task (internal bookkeeping stays inside). */
export type PublicTask = Omit<Task, 'correlationId' | 'updatedAt' | 'leaseUntil'>;

export function publicTask(task: Task): PublicTask {
  const { correlationId: _c, updatedAt: _u, leaseUntil: _l, ...visible } = task;
  return visible;
}
