/**
 * Events of threads (conversations): a thread is created or deleted, and a message is added to
 * it (the caller's, or the assistant's and its tool calls' once a turn has run). A message event
 * carries its content only while it is short: longer ones carry a preview, and the whole message
 * is read through `GET /v1/threads/{id}/messages`.
 */
import * as z from 'zod';
import { defineEvent } from './envelope.js';

const SOURCE = 'agent-core.kernel';

const threadRef = { threadId: z.string(), agentId: z.string() };

export const threadCreated = defineEvent('thread.created', SOURCE, z.object(threadRef));

export const threadDeleted = defineEvent('thread.deleted', SOURCE, z.object(threadRef));

export const threadMessage = defineEvent(
  'thread.message',
  SOURCE,
  z.object({
    ...threadRef,
    messageId: z.string(),
    role: z.enum(['user', 'assistant', 'tool']),
    /** The turn's task (for a user message: the task it started). */
    taskId: z.string().nullable(),
    /** The content as text, whole when short; otherwise its beginning and `truncated: true`. */
    content: z.string(),
    truncated: z.boolean(),
    /** Assistant messages that call tools name them. */
    toolCalls: z.array(z.string()).optional(),
  }),
);
