/**
 * `GET /v1/events`: the query, who sees what (the admin every event; an `agent:<id>` key only
 * events about its own agent), and the items as the API shows them.
 */
import * as z from 'zod';
import { AGENT_ID_PATTERN, ULID_PATTERN } from '../ids.js';
import type { Page, PageRequest } from '../ports.js';
import type { Authorization, Caller } from '../security/authorization.js';
import { parseInput } from '../validation.js';
import { type PublicEvent, publicEvent } from './logged-event.js';
import type { EventLog } from './ports.js';
import { parseTypePattern, TYPE_PATTERN, TYPE_PATTERN_HINT } from './type-pattern.js';

export const eventQuerySchema = z
  .object({
    type: z.string().max(100).regex(TYPE_PATTERN, TYPE_PATTERN_HINT).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    agentId: z.string().regex(AGENT_ID_PATTERN, 'not an agent id').optional(),
    after: z.string().regex(ULID_PATTERN, 'not an event id').optional(),
  })
  .refine((query) => query.since === undefined || query.after === undefined, {
    path: ['since'],
    message: 'give since or after, not both: after lists what came after that event',
  });

export interface EventListingDeps {
  eventLog: EventLog;
  authorization: Authorization;
}

export async function listEvents(
  deps: EventListingDeps,
  caller: Caller,
  query: Record<string, string>,
  page: PageRequest,
): Promise<Page<PublicEvent>> {
  const { type, since, agentId, after } = parseInput(
    eventQuerySchema,
    { type: query.type, since: query.since, agentId: query.agentId, after: query.after },
    'query',
  );
  const result = await deps.eventLog.list({
    ...page,
    type: type === undefined ? undefined : parseTypePattern(type),
    since,
    after,
    agentId: await visibleAgent(deps.authorization, caller, agentId),
  });
  return { items: result.items.map(publicEvent), nextCursor: result.nextCursor };
}

/** The agent whose events the caller sees: the one it names, or for an agent key its own. */
async function visibleAgent(
  authorization: Authorization,
  caller: Caller,
  agentId: string | undefined,
): Promise<string | undefined> {
  const { principal } = caller;
  if (principal.kind === 'agent') {
    // Naming another agent is refused (403, audited), not quietly narrowed to its own events.
    if (agentId !== undefined) await authorization.requireAgent(caller, agentId);
    return principal.agentId;
  }
  await authorization.requireAdmin(caller, 'events');
  return agentId;
}
