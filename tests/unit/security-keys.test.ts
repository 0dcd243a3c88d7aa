/** Minting, listing and revoking agent-scoped API keys (shared/core/security/api-key-service.ts). */
import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/core/errors.js';
import { ULID_PATTERN } from '../../shared/core/ids.js';
import type { ApiKeyRecord, ApiKeyStore, Page, PageRequest } from '../../shared/core/ports.js';
import {
  type ApiKeyDeps,
  listApiKeys,
  mintApiKey,
  revokeApiKey,
} from '../../shared/core/security/api-key-service.js';
import { authenticate, hashKey } from '../../shared/core/security/api-keys.js';
import {
  buildAgent,
  FixedClock,
  InMemoryAgentStore,
  RecordingEventPublisher,
} from '../helpers/in-memory.js';

/** Keys by the hex hash of their secret, with the contract of DynamoApiKeyStore. */
class InMemoryApiKeyStore implements ApiKeyStore {
  readonly byHash = new Map<string, ApiKeyRecord>();
  readonly listed: PageRequest[] = [];

  async create(record: ApiKeyRecord, secretHash: string): Promise<void> {
    if (this.byHash.has(secretHash)) throw new ConflictError('a key with this hash exists');
    this.byHash.set(secretHash, structuredClone(record));
  }

  async findByHash(secretHash: string): Promise<ApiKeyRecord | undefined> {
    const record = this.byHash.get(secretHash);
    return record ? structuredClone(record) : undefined;
  }

  async list(request: PageRequest): Promise<Page<ApiKeyRecord>> {
    this.listed.push(request);
    const sorted = [...this.byHash.values()].sort((a, b) => (a.keyId < b.keyId ? 1 : -1));
    const rest = request.cursor ? sorted.filter((r) => r.keyId < (request.cursor ?? '')) : sorted;
    const items = rest.slice(0, request.limit);
    const last = items.at(-1);
    return {
      items: items.map((r) => structuredClone(r)),
      nextCursor: rest.length > request.limit && last ? last.keyId : null,
    };
  }

  async revoke(keyId: string, at: string): Promise<ApiKeyRecord> {
    const record = [...this.byHash.values()].find((r) => r.keyId === keyId);
    if (!record) throw new NotFoundError(`API key '${keyId}' not found`);
    record.revokedAt ??= at;
    return structuredClone(record);
  }
}

const ADMIN_KEY = 'ac_admin_test_key';
const admin = { adminKeyHash: async () => hashKey(ADMIN_KEY) };

let keys: InMemoryApiKeyStore;
let agents: InMemoryAgentStore;
let events: RecordingEventPublisher;
let clock: FixedClock;
let deps: ApiKeyDeps;
const ctx = () => ({ correlationId: 'corr-keys', clock });

beforeEach(() => {
  keys = new InMemoryApiKeyStore();
  agents = new InMemoryAgentStore().seed(buildAgent({ id: 'alice' }), buildAgent({ id: 'bob' }));
  events = new RecordingEventPublisher();
  clock = new FixedClock('2025-05-06T07:08:09.000Z');
  deps = { keys, agents, events };
});

describe('mintApiKey', () => {
  it('answers the record and, this once, the key', async () => {
    // Act
    const minted = await mintApiKey(deps, { scope: 'agent:alice' }, 'admin', ctx());

    // Assess
    expect(minted).toEqual({
      keyId: expect.stringMatching(ULID_PATTERN),
      scope: 'agent:alice',
      hint: minted.key.slice(-4),
      createdAt: '2025-05-06T07:08:09.000Z',
      createdBy: 'admin',
      revokedAt: null,
      key: expect.stringMatching(/^ac_agent_[A-Za-z0-9_-]{43}$/),
    });
  });

  it('stores the record under the hash of the key, and never the key itself', async () => {
    // Act
    const { key, ...record } = await mintApiKey(deps, { scope: 'agent:alice' }, 'admin', ctx());

    // Assess
    expect([...keys.byHash.entries()]).toEqual([[hashKey(key).toString('hex'), record]]);
    expect(JSON.stringify([...keys.byHash.entries()])).not.toContain(key);
  });

  it('makes a new key and id every time, even for the same agent', async () => {
    // Act
    const first = await mintApiKey(deps, { scope: 'agent:alice' }, 'admin', ctx());
    const second = await mintApiKey(deps, { scope: 'agent:alice' }, 'admin', ctx());

    // Assess
    expect(second.key).not.toBe(first.key);
    expect(second.keyId).not.toBe(first.keyId);
    expect(keys.byHash.size).toBe(2);
  });

  it('publishes one security.key-created naming the key, scope and minter, not the secret', async () => {
    // Act
    const minted = await mintApiKey(deps, { scope: 'agent:bob' }, 'admin', ctx());

    // Assess
    expect(events.events).toHaveLength(1);
    expect(events.events[0]).toMatchObject({
      type: 'security.key-created',
      source: 'agent-core.security',
      detail: {
        correlationId: 'corr-keys',
        time: '2025-05-06T07:08:09.000Z',
        data: { keyId: minted.keyId, scope: 'agent:bob', by: 'admin' },
      },
    });
    expect(JSON.stringify(events.events)).not.toContain(minted.key);
  });

  it.each([
    ['the admin scope', { scope: 'admin' }, 'scope'],
    ['an empty agent id', { scope: 'agent:' }, 'scope'],
    ['a one-character agent id', { scope: 'agent:a' }, 'scope'],
    ['an upper-case agent id', { scope: 'agent:Alice' }, 'scope'],
    ['a wildcard', { scope: 'agent:*' }, 'scope'],
    ['trailing text', { scope: 'agent:alice extra' }, 'scope'],
    ['another prefix', { scope: 'user:alice' }, 'scope'],
    ['a scope that is not a string', { scope: ['agent:alice'] }, 'scope'],
    ['no scope', {}, 'scope'],
    ['an unknown field', { scope: 'agent:alice', admin: true }, 'admin'],
  ])(
    'refuses %s as a ValidationError on `%s`, storing and publishing nothing',
    async (_label, body, path) => {
      // Act
      const minting = mintApiKey(deps, body, 'admin', ctx());

      // Assess
      await expect(minting).rejects.toBeInstanceOf(ValidationError);
      await expect(minting).rejects.toMatchObject({ details: [expect.objectContaining({ path })] });
      expect(keys.byHash.size).toBe(0);
      expect(events.calls).toBe(0);
    },
  );

  it.each([
    ['no body', undefined],
    ['an array', [{ scope: 'agent:alice' }]],
    ['a string', 'agent:alice'],
  ])('refuses %s as a ValidationError', async (_label, body) => {
    // Act
    const minting = mintApiKey(deps, body, 'admin', ctx());

    // Assess
    await expect(minting).rejects.toBeInstanceOf(ValidationError);
    expect(keys.byHash.size).toBe(0);
  });

  it('refuses an agent that does not exist as NotFound on `scope`, storing nothing', async () => {
    // Act
    const minting = mintApiKey(deps, { scope: 'agent:nobody' }, 'admin', ctx());

    // Assess
    await expect(minting).rejects.toBeInstanceOf(NotFoundError);
    await expect(minting).rejects.toMatchObject({
      message: "agent 'nobody' not found",
      details: [{ path: 'scope', message: 'no such agent' }],
    });
    expect(keys.byHash.size).toBe(0);
    expect(events.calls).toBe(0);
  });

  it('refuses a retired agent as a Conflict, storing nothing', async () => {
    // Prepare
    agents.seed(buildAgent({ id: 'carol' }, 'retired'));

    // Act
    const minting = mintApiKey(deps, { scope: 'agent:carol' }, 'admin', ctx());

    // Assess
    await expect(minting).rejects.toBeInstanceOf(ConflictError);
    await expect(minting).rejects.toMatchObject({ message: expect.stringMatching(/retired/) });
    expect(keys.byHash.size).toBe(0);
    expect(events.calls).toBe(0);
  });
});

describe('listApiKeys', () => {
  it('answers the store page for the page asked, without secrets', async () => {
    // Prepare
    const minted = [];
    for (const scope of ['agent:alice', 'agent:bob', 'agent:alice']) {
      minted.push(await mintApiKey(deps, { scope }, 'admin', ctx()));
    }

    // Act
    const first = await listApiKeys(deps, { limit: 2 });
    const second = await listApiKeys(deps, { limit: 2, cursor: first.nextCursor ?? undefined });

    // Assess
    expect(keys.listed).toEqual([{ limit: 2 }, { limit: 2, cursor: first.nextCursor }]);
    const listed = [...first.items, ...second.items];
    expect(listed.map((k) => k.keyId)).toEqual(minted.map((k) => k.keyId).reverse());
    expect(second.nextCursor).toBeNull();
    for (const { key } of minted) expect(JSON.stringify(listed)).not.toContain(key);
  });
});

describe('revokeApiKey', () => {
  it('marks the key revoked now and publishes one security.key-revoked', async () => {
    // Prepare
    const { keyId } = await mintApiKey(deps, { scope: 'agent:alice' }, 'admin', ctx());
    events.events.length = 0;
    clock.advance(60_000);

    // Act
    const revoked = await revokeApiKey(deps, keyId, 'admin', ctx());

    // Assess
    expect(revoked).toMatchObject({
      keyId,
      scope: 'agent:alice',
      revokedAt: '2025-05-06T07:09:09.000Z',
    });
    expect(events.events).toHaveLength(1);
    expect(events.events[0]).toMatchObject({
      type: 'security.key-revoked',
      detail: { correlationId: 'corr-keys', data: { keyId, scope: 'agent:alice', by: 'admin' } },
    });
  });

  it('refuses an unknown key id as NotFound and publishes nothing', async () => {
    // Act
    const revoking = revokeApiKey(deps, '01JNOSUCHKEYAAAAAAAAAAAAAA', 'admin', ctx());

    // Assess
    await expect(revoking).rejects.toBeInstanceOf(NotFoundError);
    expect(events.calls).toBe(0);
  });
});

describe('a minted key, end to end through authenticate', () => {
  it('acts as its agent until revoked, then is refused', async () => {
    // Prepare
    const minted = await mintApiKey(deps, { scope: 'agent:alice' }, 'admin', ctx());

    // Act
    const before = await authenticate(`Bearer ${minted.key}`, admin, keys);
    await revokeApiKey(deps, minted.keyId, 'admin', ctx());
    const after = await authenticate(`Bearer ${minted.key}`, admin, keys);

    // Assess
    expect(before).toEqual({ authenticated: true, principal: 'agent:alice', keyId: minted.keyId });
    expect(after).toEqual({ authenticated: false, reason: 'this API key was revoked' });
  });

  it('is not accepted by its hint, its id, or its hash', async () => {
    // Prepare
    const minted = await mintApiKey(deps, { scope: 'agent:alice' }, 'admin', ctx());

    // Act
    const results = await Promise.all(
      [minted.hint, minted.keyId, hashKey(minted.key).toString('hex')].map((token) =>
        authenticate(`Bearer ${token}`, admin, keys),
      ),
    );

    // Assess
    for (const result of results) {
      expect(result).toEqual({ authenticated: false, reason: 'invalid API key' });
    }
  });
});
