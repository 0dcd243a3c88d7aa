/**
 * The envelope every agent-core event carries on the bus, as API.md fixes it:
 * source `agent-core.<layer>`, detail-type `<entity>.<verb>`, and
 * detail `{version, id, time, correlationId, data}`.
 */
import * as z from 'zod';

export const EVENT_SOURCE_PREFIX = 'agent-core.';

export type EventSource = `agent-core.${string}`;

export interface EventDefinition<T extends z.ZodType = z.ZodType> {
  /** The EventBridge detail-type, e.g. `task.queued`. */
  readonly type: string;
  readonly source: EventSource;
  readonly version: 1;
  readonly data: T;
}

export function defineEvent<T extends z.ZodType>(
  type: string,
  source: EventSource,
  data: T,
): EventDefinition<T> {
  return { type, source, version: 1, data };
}

export const eventDetailSchema = z.object({
  version: z.literal(1),
  id: z.string().min(1),
  time: z.string().min(1),
  correlationId: z.string().min(1),
  /** Who caused it, when a caller of the API did (an extension of API.md's envelope): audited. */
  actor: z.object({ principal: z.string(), keyId: z.string().optional() }).optional(),
  data: z.record(z.string(), z.unknown()),
});

export type EventDetail = z.infer<typeof eventDetailSchema>;

/** An event ready to be put on the bus. */
export interface OutgoingEvent {
  type: string;
  source: EventSource;
  detail: EventDetail;
}

/** What EventBridge delivers to a queue target: the whole event, detail included. */
export const busEventSchema = z.object({
  id: z.string(),
  'detail-type': z.string(),
  source: z.string(),
  time: z.string(),
  detail: eventDetailSchema,
});

export type BusEvent = z.infer<typeof busEventSchema>;
