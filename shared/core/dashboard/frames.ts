/**
 * The frames of the dashboard feed (API.md, "WebSocket dashboard feed").
 *
 * Server → client: `{"type": "event", "event": {"id", "time", "type", "source", "detail"}}`,
 * `{"type": "pong"}`, `{"type": "subscribed", "types": [...]}` and
 * `{"type": "error", "message"}`. Client → server: `{"action": "subscribe", "types": [...]}`
 * and `{"action": "ping"}`.
 *
 * API Gateway carries WebSocket frames of at most 32 KB. An event frame larger than that is sent
 * truncated: `"truncated": true`, and `detail.data` keeps only its short scalar fields (ids,
 * statuses), or nothing; the page fetches the whole event from `GET /v1/events`.
 */
import * as z from 'zod';
import type { BusEvent, EventDetail } from '../../../events/envelope.js';
import { jsonLimitIssues } from '../json-limits.js';
import { TYPE_PATTERN, TYPE_PATTERN_HINT } from '../observability/type-pattern.js';
import { issuesOf } from '../validation.js';

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

const patternSchema = z
  .string()
  .max(200)
  .regex(TYPE_PATTERN, { message: `expected ${TYPE_PATTERN_HINT}, or *` });

export const clientMessageSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('subscribe'), types: z.array(patternSchema).max(MAX_PATTERNS) }),
  z.object({ action: z.literal('ping') }),
]);

export type ClientMessage = z.infer<typeof clientMessageSchema>;

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
  if (result.success) return { message: result.data };
  const details = issuesOf(result.error)
    .map((issue) => `${issue.path || '(message)'}: ${issue.message}`)
    .join('; ');
  return {
    problem: `invalid message (${details}); expected {"action": "subscribe", "types": [...]} or {"action": "ping"}`,
  };
}
