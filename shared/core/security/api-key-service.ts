/** Minting, listing and revoking agent-scoped API keys (admin only). */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { keyCreated, keyRevoked } from '../../../events/security-events.js';
import { refuseIfRetired } from '../agents/agent.js';
import { NotFoundError } from '../errors.js';
import { createEvent, type EventContext } from '../events.js';
import { AGENT_ID_PATTERN, newId } from '../ids.js';
import type {
  AgentStore,
  ApiKeyRecord,
  ApiKeyStore,
  EventPublisher,
  Page,
  PageRequest,
} from '../ports.js';
import { parseInput } from '../validation.js';
import { hashKey } from './api-keys.js';

export interface ApiKeyDeps {
  keys: ApiKeyStore;
  agents: AgentStore;
  events: EventPublisher;
}

export const mintSchema = z.strictObject({
  scope: z
    .string()
    .regex(
      new RegExp(`^agent:${AGENT_ID_PATTERN.source.slice(1, -1)}$`),
      'scope must be agent:<agentId>',
    ),
});

/** A new key's secret: 32 random bytes, prefixed so that it is recognisable in a leak scan. */
const newSecret = () => `ac_agent_${randomBytes(32).toString('base64url')}`;

export async function mintApiKey(
  deps: ApiKeyDeps,
  body: unknown,
  by: string,
  ctx: EventContext,
): Promise<ApiKeyRecord & { key: string }> {
  const { scope } = parseInput(mintSchema, body, 'API key');
  const agentId = scope.slice('agent:'.length);
  const agent = await deps.agents.get(agentId);
  if (!agent) {
    throw new NotFoundError(`agent '${agentId}' not found`, [
      { path: 'scope', message: 'no such agent' },
    ]);
  }
  refuseIfRetired(agent, 'no key is minted for it');
  const secret = newSecret();
  const record: ApiKeyRecord = {
    keyId: newId(),
    scope,
    hint: secret.slice(-4),
    createdAt: ctx.clock.now().toISOString(),
    createdBy: by,
    revokedAt: null,
  };
  await deps.keys.create(record, hashKey(secret).toString('hex'));
  await deps.events.publish([createEvent(keyCreated, { keyId: record.keyId, scope, by }, ctx)]);
  // The secret is shown this once; only its hash is kept.
  return { ...record, key: secret };
}

export function listApiKeys(
  deps: Pick<ApiKeyDeps, 'keys'>,
  request: PageRequest,
): Promise<Page<ApiKeyRecord>> {
  return deps.keys.list(request);
}

export async function revokeApiKey(
  deps: ApiKeyDeps,
  keyId: string,
  by: string,
  ctx: EventContext,
): Promise<ApiKeyRecord> {
  const at = ctx.clock.now().toISOString();
  const record = await deps.keys.revoke(keyId, at);
  // A repeated revocation changes nothing and is not announced again.
  if (record.revokedAt === at) {
    await deps.events.publish([createEvent(keyRevoked, { keyId, scope: record.scope, by }, ctx)]);
  }
  return record;
}
