/** The HTTP contract of tasks and the queue (handler: tasks-api.ts). */
import * as z from 'zod';
import { PRIORITIES, submitTaskSchema, TASK_STATUSES } from '../../shared/core/tasks/task.js';
import { redriveSchema } from '../../shared/core/tasks/task-service.js';
import {
  anyJson,
  defineRoutes,
  isoTime,
  jsonObject,
  nullableTime,
  pageOf,
  pathId,
} from '../../shared/runtime/http-contract.js';

export const taskUsageSchema = z.object({
  modelCalls: z.number(),
  toolCalls: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  costUsd: z.number(),
});

export const taskSchema = z
  .object({
    id: z.string(),
    agentId: z.string(),
    status: z.enum(TASK_STATUSES),
    priority: z.enum(PRIORITIES),
    input: anyJson,
    output: anyJson.meta({ description: 'The answer once succeeded; null before.' }),
    error: z.object({ code: z.string(), message: z.string(), retryable: z.boolean() }).nullable(),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    timeoutMs: z.number().int().nullable(),
    deadLettered: z.boolean(),
    workflowId: z.string().nullable(),
    threadId: z
      .string()
      .nullable()
      .meta({ description: 'The thread whose turn it is; null for a plain task.' }),
    pendingApproval: z
      .string()
      .nullable()
      .meta({ description: 'The approval it waits for while `waiting`.' }),
    context: z
      .object({
        messages: z.number().int(),
        omitted: z.number().int().meta({
          description: 'Messages left out, oldest first, to stay within `limits.contextTokens`.',
        }),
      })
      .nullable()
      .meta({ description: "For a thread's turn: the history its model calls received." }),
    metadata: jsonObject,
    usage: taskUsageSchema,
    steps: z.array(
      z.object({
        index: z.number().int(),
        kind: z.enum(['model', 'tool']),
        name: z.string(),
        ok: z.boolean(),
        durationMs: z.number(),
        detail: z.string().optional().meta({ description: 'What it produced or why it failed.' }),
      }),
    ),
    stepsOmitted: z.number().int().meta({
      description: 'Steps of the last attempt left out of `steps`: they are in the trace.',
    }),
    createdAt: isoTime,
    startedAt: nullableTime,
    finishedAt: nullableTime,
  })
  .meta({ id: 'Task' });

const traceEntrySchema = z
  .object({
    eventId: z.string(),
    type: z.string(),
    time: isoTime,
    source: z.string(),
    data: jsonObject,
  })
  .meta({ id: 'TraceEntry' });

export const queueStatusSchema = z
  .object({
    depth: z.object({ critical: z.number(), normal: z.number(), low: z.number() }),
    inFlight: z.number(),
    deadLettered: z.number().meta({ description: 'Tasks failed with deadLettered: true.' }),
    inDeadLetterQueues: z
      .number()
      .meta({ description: 'Messages in the DLQs not yet recorded by the DLQ consumer.' }),
  })
  .meta({ id: 'QueueStatus' });

const taskParams = z.object({ id: pathId('The task id.') });

export const taskRoutes = defineRoutes({
  submit: {
    method: 'POST',
    path: '/v1/tasks',
    operationId: 'submitTask',
    summary: 'Submit a task',
    description:
      "Queued by priority: critical before normal before low. A paused agent's tasks wait " +
      "queued; a retired agent's are refused (409). A task stops as `waiting` when its agent " +
      'calls a tool its `toolPolicy` marks `ask`, until the approval is decided.',
    tag: 'tasks',
    access: 'key',
    body: submitTaskSchema.meta({ id: 'TaskSubmission' }),
    bodyName: 'task',
    idempotent: true,
    responses: { 202: { description: 'Accepted, queued.', schema: taskSchema } },
    errors: [403, 404, 409],
    example: { agentId: 'calculator', input: 'what is (2+3)*7?', priority: 'critical' },
  },
  list: {
    method: 'GET',
    path: '/v1/tasks',
    operationId: 'listTasks',
    summary: 'List tasks, newest first',
    description: "An agent key lists its own agent's tasks.",
    tag: 'tasks',
    access: 'key',
    query: z.object({
      agentId: z.string().min(1).max(63).optional(),
      status: z.enum(TASK_STATUSES).optional(),
    }),
    paginated: true,
    responses: { 200: { description: 'A page of tasks.', schema: pageOf(taskSchema) } },
    errors: [403],
  },
  get: {
    method: 'GET',
    path: '/v1/tasks/{id}',
    operationId: 'getTask',
    summary: 'Get a task: status, output, steps, usage',
    tag: 'tasks',
    access: 'key',
    params: taskParams,
    responses: { 200: { description: 'The task.', schema: taskSchema } },
    errors: [403],
  },
  cancel: {
    method: 'POST',
    path: '/v1/tasks/{id}/cancel',
    operationId: 'cancelTask',
    summary: 'Cancel a task',
    description: '409 once it has finished.',
    tag: 'tasks',
    access: 'key',
    params: taskParams,
    responses: { 200: { description: 'The cancelled task.', schema: taskSchema } },
    errors: [403, 409],
  },
  trace: {
    method: 'GET',
    path: '/v1/tasks/{id}/trace',
    operationId: 'getTaskTrace',
    summary: "A task's events, in order",
    tag: 'tasks',
    access: 'key',
    params: taskParams,
    paginated: true,
    responses: { 200: { description: 'A page of events.', schema: pageOf(traceEntrySchema) } },
    errors: [403],
  },
  queue: {
    method: 'GET',
    path: '/v1/queue',
    operationId: 'getQueue',
    summary: 'Queue depth per priority, in flight, dead-lettered',
    tag: 'queue',
    access: 'admin',
    responses: { 200: { description: 'The queue.', schema: queueStatusSchema } },
  },
  deadLetters: {
    method: 'GET',
    path: '/v1/queue/dlq',
    operationId: 'listDeadLetters',
    summary: 'List dead-lettered tasks',
    tag: 'queue',
    access: 'admin',
    paginated: true,
    responses: { 200: { description: 'A page of tasks.', schema: pageOf(taskSchema) } },
  },
  redrive: {
    method: 'POST',
    path: '/v1/queue/dlq/redrive',
    operationId: 'redriveDeadLetters',
    summary: 'Queue dead-lettered tasks again',
    description: 'With fresh attempts. Without `taskIds`, up to 100 dead-lettered tasks per call.',
    tag: 'queue',
    access: 'admin',
    body: redriveSchema.meta({ id: 'RedriveRequest' }),
    bodyName: 'redrive request',
    bodyOptional: true,
    responses: {
      200: {
        description: 'What was queued again, and what was not and why.',
        schema: z
          .object({
            redriven: z.array(z.string()),
            skipped: z.array(z.object({ taskId: z.string(), reason: z.string() })),
          })
          .meta({ id: 'RedriveResult' }),
      },
    },
    example: { taskIds: ['01J9ZQ4B7C8D9E0F1G2H3J4K5M'] },
  },
});
