/**
 * Messages between agents: what a sender may send (the schema of `POST /v1/messages` and of the
 * `agent.message` tool), how an address reads, and the message as an inbox shows it.
 */
import * as z from 'zod';
import { AGENT_ID_PATTERN } from '../ids.js';

/** The body as JSON is at most this long, so that `message.sent` stays a small event. */
export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_SUBJECT_LENGTH = 200;
export const DEFAULT_TTL_SECONDS = 7 * 24 * 3600;
export const MAX_TTL_SECONDS = 30 * 24 * 3600;

/** The same rule as an agent's tags (shared/core/agents/agent.ts). */
const TAG_PATTERN = /^[a-z0-9][a-z0-9:_-]{0,62}$/;

export type Address = { kind: 'agent'; agentId: string } | { kind: 'tag'; tag: string };

/** `<agentId>` or `tag:<tag>`; undefined when it is neither. */
export function parseAddress(to: string): Address | undefined {
  if (to.startsWith('tag:')) {
    const tag = to.slice('tag:'.length);
    return TAG_PATTERN.test(tag) ? { kind: 'tag', tag } : undefined;
  }
  return AGENT_ID_PATTERN.test(to) ? { kind: 'agent', agentId: to } : undefined;
}

const bodyBytes = (body: unknown): number => Buffer.byteLength(JSON.stringify(body) ?? '');

/** What the running agent gives the `agent.message` tool: everything but the sender. */
export const messageContentSchema = z.strictObject({
  to: z
    .string()
    .max(70)
    .refine((to) => parseAddress(to) !== undefined, {
      message: 'an agent id or tag:<tag>',
    }),
  subject: z.string().max(MAX_SUBJECT_LENGTH).default(''),
  body: z
    .unknown()
    .refine((body) => body !== undefined, 'required')
    .refine((body) => bodyBytes(body) <= MAX_BODY_BYTES, {
      message: `at most ${MAX_BODY_BYTES} bytes as JSON (64 KiB)`,
    }),
  ttlSeconds: z.number().int().min(1).max(MAX_TTL_SECONDS).default(DEFAULT_TTL_SECONDS),
});

/** `POST /v1/messages`. */
export const sendMessageSchema = messageContentSchema.extend({
  from: z.string().regex(AGENT_ID_PATTERN, 'from must match ^[a-z0-9][a-z0-9-]{1,62}$'),
});

export type SendMessageInput = z.output<typeof sendMessageSchema>;

export interface SendResult {
  id: string;
  /** The agents that will find the message in their inbox, by id. */
  deliveredTo: string[];
}

/** A message in one agent's inbox. */
export interface InboxItem {
  messageId: string;
  /** The recipient: whose inbox this is. */
  agentId: string;
  from: string;
  /** The address as sent: the recipient's id or `tag:<tag>`. */
  to: string;
  subject: string;
  body: unknown;
  sentAt: string;
  /** After this instant the message is gone: never listed, never acknowledged. */
  expiresAt: string;
  deliveredAt: string;
  ackedAt: string | null;
  /** The task the message started, for recipients with `onMessage: "task"`. */
  taskId: string | null;
  /** When `message.delivered` was published (internal: a redelivery publishes nothing twice). */
  announcedAt: string | null;
}

export type PublicInboxMessage = Omit<InboxItem, 'messageId' | 'agentId' | 'announcedAt'> & {
  id: string;
};

/** What `GET /v1/agents/{id}/inbox` shows of a message. */
export function publicMessage(item: InboxItem): PublicInboxMessage {
  return {
    id: item.messageId,
    from: item.from,
    to: item.to,
    subject: item.subject,
    body: item.body,
    sentAt: item.sentAt,
    expiresAt: item.expiresAt,
    deliveredAt: item.deliveredAt,
    ackedAt: item.ackedAt,
    taskId: item.taskId,
  };
}
