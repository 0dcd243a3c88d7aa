/**
 * Events of the IPC layer. `message.sent` is also the work item of delivery: the rule
 * `messages-to-delivery` routes it to the `messages` queue, so it carries the whole message
 * (the body is capped at 64 KiB, the recipients are split across events, so an event stays well
 * under EventBridge's 256 KiB).
 */
import * as z from 'zod';
import { defineEvent } from './envelope.js';

const SOURCE = 'agent-core.ipc';

export const messageSent = defineEvent(
  'message.sent',
  SOURCE,
  z.object({
    messageId: z.string().min(1),
    /** The sending agent. */
    from: z.string().min(1),
    /** The address as sent: an agent id or `tag:<tag>`. */
    to: z.string().min(1),
    /** The agents this event delivers to (a broadcast may span several events). */
    recipients: z.array(z.string().min(1)).min(1),
    subject: z.string(),
    /** Any JSON value; `null` included, never absent. */
    body: z.unknown().refine((value) => value !== undefined, 'required'),
    ttlSeconds: z.number().int().positive(),
    sentAt: z.string().min(1),
  }),
);

export const messageDelivered = defineEvent(
  'message.delivered',
  SOURCE,
  z.object({
    messageId: z.string().min(1),
    from: z.string().min(1),
    /** The recipient whose inbox now holds the message. */
    agentId: z.string().min(1),
    deliveredAt: z.string().min(1),
    /** The task the message started (recipients with `onMessage: "task"`); it joins its trace. */
    taskId: z.string().optional(),
  }),
);
