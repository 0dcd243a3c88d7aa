/**
 * The frames of the dashboard feed (API.md, "WebSocket dashboard feed").
 *
 * Server → client: `{"type": "event", "event": {"id", "time", "type", "source", "detail"}}`,
 * `{"type": "pong"}`, `{"type": "subscribed", "types": [...]}`,
 * `{"type": "subscribed", "taskId" | "threadId", "replayed": n}`, `{"type": "unsubscribed", …}`,
 * `{"type": "delta", "taskId", "threadId", "text", …}` and `{"type": "error", "message"}`.
 * Client → server: `{"action": "subscribe", "types": [...]}`,
 * `{"action": "subscribe", "taskId" | "threadId": "...", "after": "<event id>" | null}`,
 * `{"action": "unsubscribe", "taskId" | "threadId": "..."}` and `{"action": "ping"}`.
 *
 * API Gateway carries WebSocket frames of at most 32 KB. An event frame larger than that is sent
 * truncated: `"truncated": true`, and `detail.data` keeps only its short scalar fields (ids,
 * statuses), or nothing; the page fetches the whole event from `GET /v1/events`.
 */
import * as z from 'zod';
import type { BusEvent, EventDetail } from '../../../events/envelope.js';
import { ULID_PATTERN } from '../ids.js';
import { jsonLimitIssues } from '../json-limits.js';
import { TYPE_PATTERN, TYPE_PATTERN_HINT } from '../observability/type-pattern.js';
import { issuesOf } from '../validation.js';
import { type FeedTarget, targetField } from './feed-target.js';

export const MAX_FRAME_BYTES = 32 * 1024;
/** Scalar fields of `detail.data` at most this long survive truncation. */
const KEPT_SCALAR_CHARS = 128;
export const MAX_PATTERNS = 50;

/** One event as the feed shows it; `id` and `time` are the agent-core event's own. */
export interface FeedEvent {
  id: string;
  time: string;
  type: string;
  source: string;
  detail: EventDetail;
}

export const feedEventOf = (event: BusEvent): FeedEvent => ({
  id: event.detail.id,
  time: event.detail.time,
  type: event['detail-type'],
  source: event.source,
  detail: event.detail,
});

export const frameBytes = (frame: string): number => Buffer.byteLength(frame, 'utf8');

/** The event frame, truncated when the whole event would not fit in one WebSocket frame. */
export function eventFrame(event: FeedEvent, maxBytes = MAX_FRAME_BYTES): string {
  const whole = JSON.stringify({ type: 'event', event });
  if (frameBytes(whole) <= maxBytes) return whole;
  const short: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event.detail.data)) {
    if (
      (typeof value === 'string' && value.length <= KEPT_SCALAR_CHARS) ||
      typeof value === 'number' ||
      typeof value === 'boolean'
    ) {
      short[key] = value;
    }
  }
  const truncated = (data: Record<string, unknown> | undefined) => {
    const { data: _whole, ...detail } = event.detail;
    return JSON.stringify({
      type: 'event',
      truncated: true,
      event: { ...event, detail: data ? { ...detail, data } : detail },
    });
  };
  const withIds = truncated(short);
  if (frameBytes(withIds) <= maxBytes) return withIds;
  return truncated(undefined);
}

export const pongFrame = (): string => JSON.stringify({ type: 'pong' });

export const subscribedFrame = (types: readonly string[]): string =>
  JSON.stringify({ type: 'subscribed', types });

export const errorFrame = (message: string): string => JSON.stringify({ type: 'error', message });

/** The end of a task's or thread's replay: `more` when the client should subscribe again. */
export const targetSubscribedFrame = (
  target: FeedTarget,
  replayed: number,
  more: boolean,
): string =>
  JSON.stringify({
    type: 'subscribed',
    [targetField(target)]: target.id,
    replayed,
    ...(more ? { more: true } : {}),
  });

export const targetUnsubscribedFrame = (target: FeedTarget): string =>
  JSON.stringify({ type: 'unsubscribed', [targetField(target)]: target.id });

export interface Delta {
  taskId: string;
  threadId: string | null;
  text: string;
  /** The task's attempt, and the model call within it (from 0): a new call is a new answer. */
  attempt: number;
  call: number;
  /** The call was tried again (a retry, a fallback): the text sent for it so far is void. */
  reset?: boolean;
}

export const deltaFrame = (delta: Delta): string =>
  JSON.stringify({
    type: 'delta',
    taskId: delta.taskId,
    threadId: delta.threadId,
    text: delta.text,
    attempt: delta.attempt,
    call: delta.call,
    ...(delta.reset ? { reset: true } : {}),
  });

const patternSchema = z
  .string()
  .max(200)
  .regex(TYPE_PATTERN, { message: `expected ${TYPE_PATTERN_HINT}, or *` });

const idSchema = (what: string) =>
  z.string().regex(ULID_PATTERN, { message: `expected a ${what} id (a ULID)` });

/** One of `types`, `taskId` or `threadId`; `after` only beside a task or a thread. */
const subscribeSchema = z
  .object({
    action: z.literal('subscribe'),
    types: z.array(patternSchema).max(MAX_PATTERNS).optional(),
    taskId: idSchema('task').optional(),
    threadId: idSchema('thread').optional(),
    after: idSchema('event').nullable().optional(),
  })
  .superRefine((message, ctx) => {
    const given = (['types', 'taskId', 'threadId'] as const).filter(
      (field) => message[field] !== undefined,
    );
    if (given.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['types'],
        message: 'required (or taskId, or threadId)',
      });
    }
    for (const field of given.slice(1)) {
      ctx.addIssue({ code: 'custom', path: [field], message: `only one of ${given.join(', ')}` });
    }
    if (message.after != null && message.types !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['after'], message: 'only with taskId or threadId' });
    }
  })
  .transform(
    (message): SubscribeMessage =>
      message.types !== undefined
        ? { action: 'subscribe', types: message.types }
        : {
            action: 'subscribe',
            target: message.taskId
              ? { kind: 'task', id: message.taskId }
              : { kind: 'thread', id: message.threadId as string },
            after: message.after ?? null,
          },
  );

const unsubscribeSchema = z
  .object({
    action: z.literal('unsubscribe'),
    taskId: idSchema('task').optional(),
    threadId: idSchema('thread').optional(),
  })
  .refine((message) => (message.taskId === undefined) !== (message.threadId === undefined), {
    path: ['taskId'],
    message: 'give one of taskId, threadId',
  })
  .transform(
    (message): ClientMessage => ({
      action: 'unsubscribe',
      target: message.taskId
        ? { kind: 'task', id: message.taskId }
        : { kind: 'thread', id: message.threadId as string },
    }),
  );

type SubscribeMessage =
  | { action: 'subscribe'; types: string[] }
  | { action: 'subscribe'; target: FeedTarget; after: string | null };

export type ClientMessage =
  | SubscribeMessage
  | { action: 'unsubscribe'; target: FeedTarget }
  | { action: 'ping' };

export const clientMessageSchema = z.discriminatedUnion('action', [
  subscribeSchema,
  unsubscribeSchema,
  z.object({ action: z.literal('ping') }),
]);

/** Reads a client frame; a frame that is not a valid message gives the reason instead. */
export function parseClientMessage(
  body: string | undefined,
): { message: ClientMessage } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(body ?? '');
  } catch {
    return { problem: 'a message must be JSON, e.g. {"action": "ping"}' };
  }
  // The same limits as a request body, before the schema walks it.
  const broken = jsonLimitIssues(value);
  if (broken.length > 0) {
    return {
      problem: `invalid message (${broken.map((i) => `${i.path}: ${i.message}`).join('; ')})`,
    };
  }
  const result = clientMessageSchema.safeParse(value);
  if (result.success) return { message: result.data as ClientMessage };
  const details = issuesOf(result.error)
    .map((issue) => `${issue.path || '(message)'}: ${issue.message}`)
    .join('; ');
  return {
    problem: `invalid message (${details}); expected {"action": "subscribe", "types": [...]}, {"action": "subscribe", "taskId" or "threadId": "...", "after": "<event id>" | null}, {"action": "unsubscribe", "taskId" or "threadId": "..."} or {"action": "ping"}`,
  };
}
