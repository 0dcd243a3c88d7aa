/** Use cases of the IPC layer: send a message, read an inbox, acknowledge a message. */
import { decodeTime } from 'ulid';
import * as z from 'zod';
import type { OutgoingEvent } from '../../../events/envelope.js';
import { messageSent } from '../../../events/message-events.js';
import { type Agent, refuseIfRetired } from '../agents/agent.js';
import { NotFoundError, TooManyRequestsError, ValidationError } from '../errors.js';
import { createEvent } from '../events.js';
import { newId, ULID_PATTERN } from '../ids.js';
import type {
  AgentStore,
  Clock,
  EventPublisher,
  Page,
  PageRequest,
  RateLimiter,
} from '../ports.js';
import { Authorization, actorOfCaller, type Caller } from '../security/authorization.js';
import { parseInput } from '../validation.js';
import type { InboxBound, InboxStore } from './inbox-store.js';
import {
  type PublicInboxMessage,
  parseAddress,
  publicMessage,
  type SendResult,
  sendMessageSchema,
} from './message.js';
import { resolveRecipients } from './recipients.js';

/** Messages a sender may send a minute unless configured otherwise. */
export const DEFAULT_MESSAGES_PER_MINUTE = 60;
/** Recipients per `message.sent` event: a large broadcast becomes several small events. */
export const RECIPIENTS_PER_EVENT = 200;

export interface MessagingDeps {
  agents: AgentStore;
  events: EventPublisher;
  rateLimiter: RateLimiter;
  clock: Clock;
  /** Per sender (bucket `message/<from>`). */
  messagesPerMinute: number;
}

export interface InboxDeps {
  agents: AgentStore;
  inbox: InboxStore;
  events: EventPublisher;
  clock: Clock;
}

/**
 * Sends a message as `from`, to the agents the address reaches that accept the sender. An agent
 * key sends only as its own agent; when nobody may receive the message it is refused (403,
 * audited) and nothing is published. Delivery happens from the bus: `message.sent`.
 */
export async function sendMessage(
  deps: MessagingDeps,
  caller: Caller,
  body: unknown,
): Promise<SendResult> {
  const input = parseInput(sendMessageSchema, body, 'message');
  const authorization = new Authorization(deps.events, deps.clock);
  await authorization.requireAgent(caller, input.from);

  const sender = await deps.agents.get(input.from);
  if (!sender) {
    throw new NotFoundError(`agent '${input.from}' not found`, [
      { path: 'from', message: 'no such agent' },
    ]);
  }
  refuseIfRetired(sender, 'it sends no messages');

  // Before the recipients are looked up: refused and probing sends spend tokens too.
  const decision = await deps.rateLimiter.take(`message/${sender.id}`, deps.messagesPerMinute);
  if (!decision.allowed) {
    throw new TooManyRequestsError(
      `agent '${sender.id}' may send ${deps.messagesPerMinute} messages a minute`,
      Math.max(1, Math.ceil(decision.retryAfterMs / 1000)),
    );
  }

  const address = parseAddress(input.to);
  if (!address) throw new Error(`unparsable address '${input.to}' passed the schema`);
  // An agent key learns from a refusal only that its message was refused: not whether the
  // recipient exists, nor why (its ACL, its retirement). The admin is told.
  const hidden = caller.principal.kind === 'agent' && address.kind === 'agent';
  const hiddenReason = () => `agent '${input.to}' does not accept messages from '${sender.id}'`;
  let recipients: Awaited<ReturnType<typeof resolveRecipients>>;
  try {
    recipients = await resolveRecipients(deps.agents, sender, address);
  } catch (error) {
    if (!(hidden && error instanceof NotFoundError)) throw error;
    return authorization.deny(caller, `agent:${input.to}`, hiddenReason());
  }
  const { accepted, refused } = recipients;
  if (accepted.length === 0) {
    const reason =
      address.kind === 'agent'
        ? hidden
          ? hiddenReason()
          : (refused[0]?.reason ?? `agent '${address.agentId}' does not receive messages`)
        : `no agent tagged '${address.tag}' accepts messages from '${sender.id}'`;
    const resource = address.kind === 'agent' ? `agent:${address.agentId}` : `tag:${address.tag}`;
    await authorization.deny(caller, resource, reason);
  }

  const sentAt = deps.clock.now();
  const id = newId();
  const ctx = {
    correlationId: caller.correlationId,
    clock: deps.clock,
    actor: actorOfCaller(caller),
  };
  const events: OutgoingEvent[] = [];
  for (let i = 0; i < accepted.length; i += RECIPIENTS_PER_EVENT) {
    events.push(
      createEvent(
        messageSent,
        {
          messageId: id,
          from: sender.id,
          to: input.to,
          recipients: accepted.slice(i, i + RECIPIENTS_PER_EVENT),
          subject: input.subject,
          body: input.body,
          ttlSeconds: input.ttlSeconds,
          sentAt: sentAt.toISOString(),
        },
        ctx,
      ),
    );
  }
  await deps.events.publish(events);
  return { id, deliveredTo: accepted };
}

const isoTimeSchema = z.iso.datetime({ offset: true });

/**
 * `?since=`: an ISO time (messages delivered at or after it) or a message id (messages delivered
 * after it).
 */
async function boundOf(
  deps: Pick<InboxDeps, 'inbox'>,
  agentId: string,
  since: string | undefined,
): Promise<InboxBound | undefined> {
  if (since === undefined) return undefined;
  const invalid = () =>
    new ValidationError('invalid since', [
      { path: 'since', message: 'an ISO-8601 time or a message id' },
    ]);
  if (ULID_PATTERN.test(since)) {
    const known = await deps.inbox.get(agentId, since);
    // A message gone from the inbox (expired) still marks a place: the time in its id, its
    // sending, which is before its delivery, so nothing after it is skipped.
    const at = known?.deliveredAt ?? timeOfId(since);
    if (at === undefined) throw invalid();
    return { kind: 'after', at, messageId: since };
  }
  if (isoTimeSchema.safeParse(since).success) {
    return { kind: 'time', at: new Date(since).toISOString() };
  }
  throw invalid();
}

function timeOfId(id: string): string | undefined {
  try {
    return new Date(decodeTime(id)).toISOString();
  } catch {
    return undefined; // beyond the largest time a ULID holds
  }
}

async function requireInboxOwner(deps: InboxDeps, caller: Caller, agentId: string): Promise<Agent> {
  await new Authorization(deps.events, deps.clock).requireAgent(caller, agentId);
  const agent = await deps.agents.get(agentId);
  if (!agent) throw new NotFoundError(`agent '${agentId}' not found`);
  return agent;
}

/** An agent's inbox in delivery order, oldest first; only the admin or that agent's key. */
export async function readInbox(
  deps: InboxDeps,
  caller: Caller,
  agentId: string,
  query: PageRequest & { since?: string | undefined },
): Promise<Page<PublicInboxMessage>> {
  await requireInboxOwner(deps, caller, agentId);
  const page = await deps.inbox.list(agentId, {
    limit: query.limit,
    cursor: query.cursor,
    since: await boundOf(deps, agentId, query.since),
    now: deps.clock.now().toISOString(),
  });
  return { items: page.items.map(publicMessage), nextCursor: page.nextCursor };
}

/** Acknowledges a message (idempotent: the first `ackedAt` stands). */
export async function ackMessage(
  deps: InboxDeps,
  caller: Caller,
  agentId: string,
  messageId: string,
): Promise<PublicInboxMessage> {
  const agent = await requireInboxOwner(deps, caller, agentId);
  if (caller.principal.kind === 'agent') refuseIfRetired(agent, 'its keys only read');
  const item = ULID_PATTERN.test(messageId)
    ? await deps.inbox.ack(agentId, messageId, deps.clock.now().toISOString())
    : undefined;
  if (!item)
    throw new NotFoundError(`message '${messageId}' not found in the inbox of '${agentId}'`);
  return publicMessage(item);
}
