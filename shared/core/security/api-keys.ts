/**
 * API keys: parsing the Authorization header and checking a key by its hash. The admin key is
 * compared in constant time; agent-scoped keys are looked up by their hash, and revoked ones
 * are refused.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyRecord } from '../ports.js';

export interface AdminKeySource {
  /** SHA-256 of the admin API key. */
  adminKeyHash(): Promise<Buffer>;
}

export interface AgentKeyLookup {
  /** The key whose secret hashes (hex SHA-256) to this, revoked or not. */
  findByHash(secretHash: string): Promise<ApiKeyRecord | undefined>;
}

export type Authentication =
  | { authenticated: true; principal: string; keyId: string }
  | { authenticated: false; reason: string };

export const hashKey = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

export async function authenticate(
  authorizationHeader: string | undefined,
  keys: AdminKeySource,
  agentKeys?: AgentKeyLookup,
): Promise<Authentication> {
  const token = bearerToken(authorizationHeader);
  if (!token) {
    return {
      authenticated: false,
      reason: authorizationHeader
        ? 'Authorization header is not "Bearer <key>"'
        : 'missing API key',
    };
  }
  if (token.length > 512) return { authenticated: false, reason: 'invalid API key' };
  const hash = hashKey(token);
  // Comparing hashes keeps the comparison constant-time whatever the presented key's length.
  if (timingSafeEqual(hash, await keys.adminKeyHash())) {
    return { authenticated: true, principal: 'admin', keyId: 'admin' };
  }
  const record = agentKeys ? await agentKeys.findByHash(hash.toString('hex')) : undefined;
  if (!record) return { authenticated: false, reason: 'invalid API key' };
  if (record.revokedAt) return { authenticated: false, reason: 'this API key was revoked' };
  return { authenticated: true, principal: record.scope, keyId: record.keyId };
}

/**
 * Remembers keys found for a few seconds, so that a burst of requests costs one lookup. Keys
 * not found are never remembered (a guessing client gains nothing), and a revocation takes
 * effect within `ttlMs`.
 */
export class CachedAgentKeyLookup implements AgentKeyLookup {
  private readonly found = new Map<string, { record: ApiKeyRecord; until: number }>();

  constructor(
    private readonly lookup: AgentKeyLookup,
    private readonly ttlMs = 10_000,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 1000,
  ) {}

  async findByHash(secretHash: string): Promise<ApiKeyRecord | undefined> {
    const cached = this.found.get(secretHash);
    if (cached && cached.until > this.now()) return cached.record;
    const record = await this.lookup.findByHash(secretHash);
    if (!record) {
      this.found.delete(secretHash);
      return undefined;
    }
    if (this.found.size >= this.maxEntries) this.found.clear();
    this.found.set(secretHash, { record, until: this.now() + this.ttlMs });
    return record;
  }
}
