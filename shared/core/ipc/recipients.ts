/**
 * Who receives a message: the recipient's `acceptsMessagesFrom` decides. An entry `*` accepts
 * anyone, an agent id accepts that agent, `tag:<t>` accepts any agent tagged t. A retired agent
 * never receives, and a broadcast never comes back to its sender.
 */
import type { Agent } from '../agents/agent.js';
import { NotFoundError, ValidationError } from '../errors.js';
import type { AgentStore } from '../ports.js';
import type { Address } from './message.js';

/** A tag broadcast reaches at most this many agents (listing them is part of the request). */
export const MAX_RECIPIENTS = 1000;

type Sender = Pick<Agent, 'id' | 'tags'>;

export function acceptsMessagesFrom(
  recipient: Pick<Agent, 'acceptsMessagesFrom'>,
  sender: Sender,
): boolean {
  return recipient.acceptsMessagesFrom.some((entry) => {
    if (entry === '*') return true;
    if (entry.startsWith('tag:')) return sender.tags.includes(entry.slice('tag:'.length));
    return entry === sender.id;
  });
}

export interface Refusal {
  agentId: string;
  reason: string;
}

export interface Recipients {
  /** Agent ids that will receive the message, in id order. */
  accepted: string[];
  /** Agents the address named that will not, and why. */
  refused: Refusal[];
}

/** Why `recipient` may not receive from `sender`, or undefined when it may. */
function refusalOf(recipient: Agent, sender: Sender): string | undefined {
  if (recipient.status === 'retired') return `agent '${recipient.id}' is retired`;
  if (!acceptsMessagesFrom(recipient, sender)) {
    return `agent '${recipient.id}' does not accept messages from '${sender.id}'`;
  }
  return undefined;
}

/**
 * The agents an address reaches and which of them accept the sender. An unknown agent address is
 * a 404 naming `to`; a tag that reaches nobody is not an error here (the caller decides).
 */
export async function resolveRecipients(
  agents: AgentStore,
  sender: Sender,
  address: Address,
): Promise<Recipients> {
  const candidates: Agent[] = [];
  if (address.kind === 'agent') {
    const agent = await agents.get(address.agentId);
    if (!agent) {
      throw new NotFoundError(`agent '${address.agentId}' not found`, [
        { path: 'to', message: 'no such agent' },
      ]);
    }
    candidates.push(agent);
  } else {
    let cursor: string | undefined;
    do {
      const page = await agents.list({ limit: 100, cursor, tag: address.tag });
      // The sender never receives its own broadcast.
      candidates.push(...page.items.filter((agent) => agent.id !== sender.id));
      if (candidates.length > MAX_RECIPIENTS) {
        throw new ValidationError(
          `tag '${address.tag}' reaches more than ${MAX_RECIPIENTS} agents`,
          [{ path: 'to', message: `a broadcast reaches at most ${MAX_RECIPIENTS} agents` }],
        );
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  const result: Recipients = { accepted: [], refused: [] };
  for (const agent of candidates.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const reason = refusalOf(agent, sender);
    if (reason) result.refused.push({ agentId: agent.id, reason });
    else result.accepted.push(agent.id);
  }
  return result;
}
