/** Builds events in the envelope API.md fixes, checking each against its catalogue schema. */
import type { z } from 'zod';
import type { EventDefinition, OutgoingEvent } from '../../events/envelope.js';
import { newId } from './ids.js';
import type { Clock } from './ports.js';

export interface EventContext {
  correlationId: string;
  clock: Clock;
  /** The API caller behind the change, when there is one (audited). */
  actor?: { principal: string; keyId?: string } | undefined;
}

export function createEvent<D extends EventDefinition>(
  definition: D,
  data: z.input<D['data']>,
  context: EventContext,
): OutgoingEvent {
  return {
    type: definition.type,
    source: definition.source,
    detail: {
      version: definition.version,
      id: newId(),
      time: context.clock.now().toISOString(),
      correlationId: context.correlationId,
      ...(context.actor ? { actor: context.actor } : {}),
      // A malformed event is a programming error: fail loudly here, not in a consumer.
      data: definition.data.parse(data) as Record<string, unknown>,
    },
  };
}
