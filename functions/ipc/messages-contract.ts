/** The HTTP contract of messages between agents (handler: messages-api.ts). */
import * as z from 'zod';
import { sendMessageSchema } from '../../shared/core/ipc/message.js';
import {
  anyJson,
  defineRoutes,
  isoTime,
  nullableTime,
  pageOf,
  pathId,
} from '../../shared/runtime/http-contract.js';

export const inboxMessageSchema = z
  .object({
    id: z.string(),
    from: z.string(),
    to: z.string().meta({ description: 'The address as sent: an agent id or `tag:<tag>`.' }),
    subject: z.string(),
    body: anyJson,
    sentAt: isoTime,
    expiresAt: isoTime,
    deliveredAt: isoTime,
    ackedAt: nullableTime,
    taskId: z
      .string()
      .nullable()
      .meta({ description: 'The task it started, for agents with onMessage: task.' }),
  })
  .meta({ id: 'InboxMessage' });

const inboxParams = { id: pathId('The recipient agent id.') };

export const messageRoutes = defineRoutes({
  send: {
    method: 'POST',
    path: '/v1/messages',
    operationId: 'sendMessage',
    summary: 'Send a message to an agent or to every agent of a tag',
    description:
      "Each recipient's acceptsMessagesFrom decides; 403 when nobody may receive it. An agent " +
      'key sends as its own agent only.',
    tag: 'messages',
    access: 'key',
    body: sendMessageSchema.meta({ id: 'MessageRequest' }),
    bodyName: 'message',
    responses: {
      202: {
        description: 'Sent; delivered from the bus.',
        schema: z
          .object({ id: z.string(), deliveredTo: z.array(z.string()) })
          .meta({ id: 'SentMessage' }),
      },
    },
    errors: [403, 404, 409, 429],
    example: { from: 'scanner', to: 'tag:reviewers', subject: 'findings', body: { count: 3 } },
  },
  inbox: {
    method: 'GET',
    path: '/v1/agents/{id}/inbox',
    operationId: 'readInbox',
    summary: "An agent's inbox, oldest first",
    tag: 'messages',
    access: 'key',
    params: z.object(inboxParams),
    query: z.object({
      since: z
        .string()
        .optional()
        .meta({ description: 'An ISO-8601 time, or a message id (messages after it).' }),
    }),
    paginated: true,
    responses: { 200: { description: 'A page of messages.', schema: pageOf(inboxMessageSchema) } },
    errors: [403],
  },
  ack: {
    method: 'POST',
    path: '/v1/agents/{id}/inbox/{messageId}/ack',
    operationId: 'ackMessage',
    summary: 'Mark a message read',
    tag: 'messages',
    access: 'key',
    params: z.object({ ...inboxParams, messageId: pathId('The message id.') }),
    responses: { 200: { description: 'The message.', schema: inboxMessageSchema } },
    errors: [403],
  },
});
