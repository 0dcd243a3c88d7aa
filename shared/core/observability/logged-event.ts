/** How a bus event enters the event log, and how a logged event reads in `GET /v1/events`. */
import * as z from 'zod';
import type { BusEvent, EventDetail } from '../../../events/envelope.js';
import { ValidationError } from '../errors.js';
import type { LoggedEvent } from './ports.js';

const isoTime = z.iso.datetime({ offset: true });

/**
 * The log's form of a bus event. Its time must be an ISO date-time: the log is partitioned and
 * sorted by it, so an event without one is malformed (its record fails alone).
 */
export function loggedEventOf(event: BusEvent): LoggedEvent {
  const { detail } = event;
  if (!isoTime.safeParse(detail.time).success) {
    throw new ValidationError('invalid bus event: detail.time', [
      { path: 'detail.time', message: 'not an ISO-8601 date-time' },
    ]);
  }
  const agentId = detail.data.agentId;
  return {
    id: detail.id,
    time: new Date(detail.time).toISOString(),
    type: event['detail-type'],
    source: event.source,
    correlationId: detail.correlationId,
    agentId: typeof agentId === 'string' && agentId !== '' ? agentId : undefined,
    version: detail.version,
    data: detail.data,
  };
}

/** An item of `GET /v1/events`: the envelope fields, and the detail as it was published. */
export interface PublicEvent {
  id: string;
  time: string;
  type: string;
  source: string;
  correlationId: string;
  detail: EventDetail;
}

export const publicEvent = (event: LoggedEvent): PublicEvent => ({
  id: event.id,
  time: event.time,
  type: event.type,
  source: event.source,
  correlationId: event.correlationId,
  detail: {
    version: event.version,
    id: event.id,
    time: event.time,
    correlationId: event.correlationId,
    data: event.data,
  },
});
