/**
 * Events of a task's life. The scheduler layer queues, retries, cancels and dead-letters; the
 * kernel layer (the worker) starts, steps, and finishes.
 */
import * as z from 'zod';
import { defineEvent } from './envelope.js';

const SCHEDULER = 'agent-core.scheduler';
const KERNEL = 'agent-core.kernel';

/** A thread's turn names its thread, so that the thread's subscribers and replay find it. */
const taskRef = { taskId: z.string(), agentId: z.string(), threadId: z.string().optional() };
const errorShape = z.object({ code: z.string(), message: z.string(), retryable: z.boolean() });
const usageShape = z.object({
  modelCalls: z.number(),
  toolCalls: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  costUsd: z.number(),
});

export const taskQueued = defineEvent(
  'task.queued',
  SCHEDULER,
  z.object({
    ...taskRef,
    priority: z.enum(['critical', 'normal', 'low']),
    // decided: queued again once a person decided (or the approval expired as a denial).
    reason: z.enum(['submitted', 'redriven', 'recovered', 'resumed', 'decided']),
  }),
);
export const taskStarted = defineEvent(
  'task.started',
  KERNEL,
  z.object({ ...taskRef, attempt: z.number().int() }),
);
export const taskStep = defineEvent(
  'task.step',
  KERNEL,
  z.object({
    ...taskRef,
    attempt: z.number().int(),
    step: z.object({
      index: z.number().int(),
      kind: z.enum(['model', 'tool']),
      name: z.string(),
      ok: z.boolean(),
      durationMs: z.number(),
      /** What the step produced or why it failed, cut short (extension). */
      detail: z.string().optional(),
    }),
  }),
);
export const taskRetrying = defineEvent(
  'task.retrying',
  SCHEDULER,
  z.object({
    ...taskRef,
    attempt: z.number().int(),
    error: errorShape,
    retryInSeconds: z.number(),
  }),
);
/** The task stopped for a person's decision on a tool call; no worker is held while it waits. */
export const taskWaiting = defineEvent(
  'task.waiting',
  KERNEL,
  z.object({
    ...taskRef,
    attempt: z.number().int(),
    approvalId: z.string(),
    tool: z.string(),
  }),
);
export const taskSucceeded = defineEvent(
  'task.succeeded',
  KERNEL,
  z.object({ ...taskRef, attempt: z.number().int(), durationMs: z.number(), usage: usageShape }),
);
export const taskFailed = defineEvent(
  'task.failed',
  KERNEL,
  z.object({ ...taskRef, attempt: z.number().int(), error: errorShape }),
);
export const taskCancelled = defineEvent('task.cancelled', SCHEDULER, z.object(taskRef));
export const taskDeadLettered = defineEvent(
  'task.dead-lettered',
  SCHEDULER,
  z.object({ ...taskRef, attempts: z.number().int(), error: errorShape }),
);
