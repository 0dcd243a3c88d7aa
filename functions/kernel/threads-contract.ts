/** The HTTP contract of threads, conversations with an agent (handler: threads-api.ts). */
import * as z from 'zod';
import { PRIORITIES } from '../../shared/core/tasks/task.js';
import {
  createThreadSchema,
  listMessagesSchema,
  listThreadsSchema,
  postMessageSchema,
  THREAD_STATUSES,
} from '../../shared/core/threads/thread.js';
import {
  anyJson,
  defineRoutes,
  isoTime,
  jsonObject,
  nullableTime,
  pageOf,
  pathId,
} from '../../shared/runtime/http-contract.js';
import { taskUsageSchema } from '../scheduler/tasks-contract.js';

export const threadSchema = z
  .object({
    id: z.string(),
    agentId: z.string(),
    status: z.enum(THREAD_STATUSES).meta({ description: '`busy` while a turn runs or waits.' }),
    messageCount: z.number().int(),
    usage: taskUsageSchema.meta({ description: 'What its turns cost, summed.' }),
    createdAt: isoTime,
    lastMessageAt: nullableTime,
    metadata: jsonObject,
    ttlSeconds: z
      .number()
      .int()
      .meta({ description: 'How long each message is kept; 0: for ever.' }),
  })
  .meta({ id: 'Thread' });

export const threadMessageSchema = z
  .object({
    id: z.string(),
    threadId: z.string(),
    role: z.enum(['user', 'assistant', 'tool']),
    content: anyJson.meta({ description: "A user's: any JSON; an assistant's or a tool's: text." }),
    taskId: z
      .string()
      .nullable()
      .meta({ description: 'The turn that wrote it, or that it started.' }),
    createdAt: isoTime,
    toolCalls: z
      .array(z.object({ id: z.string(), name: z.string(), input: anyJson }))
      .optional()
      .meta({ description: "An assistant message's tool calls." }),
    toolCallId: z.string().optional().meta({ description: 'The call a tool message answers.' }),
    name: z.string().optional().meta({ description: "A tool message's tool." }),
    isError: z.boolean().optional().meta({ description: 'A tool message that is an error.' }),
  })
  .meta({ id: 'ThreadMessage' });

const threadParams = z.object({ id: pathId('The thread id.') });

export const threadRoutes = defineRoutes({
  create: {
    method: 'POST',
    path: '/v1/threads',
    operationId: 'createThread',
    summary: 'Start a thread with an agent',
    description: "An agent key starts threads with its own agent only. A retired agent's: 409.",
    tag: 'threads',
    access: 'key',
    body: createThreadSchema.meta({ id: 'ThreadRequest' }),
    bodyName: 'thread',
    responses: { 201: { description: 'Created.', schema: threadSchema } },
    errors: [403, 404, 409],
    example: { agentId: 'support', metadata: { customer: 'c-42' } },
  },
  list: {
    method: 'GET',
    path: '/v1/threads',
    operationId: 'listThreads',
    summary: 'List threads, newest first',
    description: "An agent key lists its own agent's threads.",
    tag: 'threads',
    access: 'key',
    query: listThreadsSchema,
    paginated: true,
    responses: { 200: { description: 'A page of threads.', schema: pageOf(threadSchema) } },
    errors: [403],
  },
  get: {
    method: 'GET',
    path: '/v1/threads/{id}',
    operationId: 'getThread',
    summary: 'Get a thread',
    tag: 'threads',
    access: 'key',
    params: threadParams,
    responses: { 200: { description: 'The thread.', schema: threadSchema } },
    errors: [403],
  },
  delete: {
    method: 'DELETE',
    path: '/v1/threads/{id}',
    operationId: 'deleteThread',
    summary: 'Delete a thread and its messages',
    description: 'Its messages are removed in the background. 409 while a turn runs or waits.',
    tag: 'threads',
    access: 'key',
    params: threadParams,
    responses: { 200: { description: 'The deleted thread, as it was.', schema: threadSchema } },
    errors: [403, 409],
  },
  post: {
    method: 'POST',
    path: '/v1/threads/{id}/messages',
    operationId: 'postThreadMessage',
    summary: 'Send a message: a turn',
    description:
      "The turn is a task (`threadId` set) whose model calls receive the thread's history. One " +
      'turn at a time: a message sent while a turn runs waits its turn (`ifBusy: queue`) or is ' +
      'refused with 409 and nothing written (`ifBusy: reject`).',
    tag: 'threads',
    access: 'key',
    params: threadParams,
    body: postMessageSchema.meta({ id: 'ThreadMessageRequest' }),
    bodyName: 'message',
    responses: {
      202: {
        description: 'Stored, and its turn queued.',
        schema: z
          .object({ message: threadMessageSchema, taskId: z.string() })
          .meta({ id: 'PostedThreadMessage' }),
      },
    },
    errors: [403, 409],
    example: { content: 'And in euros?', priority: PRIORITIES[1], ifBusy: 'queue' },
  },
  messages: {
    method: 'GET',
    path: '/v1/threads/{id}/messages',
    operationId: 'listThreadMessages',
    summary: "A thread's messages, oldest first",
    description: 'After `after` (a message id) or the cursor of the previous page, not both.',
    tag: 'threads',
    access: 'key',
    params: threadParams,
    query: listMessagesSchema,
    paginated: true,
    responses: {
      200: { description: 'A page of messages.', schema: pageOf(threadMessageSchema) },
    },
    errors: [403],
  },
});
