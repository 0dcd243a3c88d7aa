import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { authorizeRequest } from '../../functions/security/authorize-request.js';
import type { ApiKeyRecord } from '../../shared/core/ports.js';
import {
  type AdminKeySource,
  type AgentKeyLookup,
  authenticate,
  bearerToken,
  CachedAgentKeyLookup,
  hashKey,
} from '../../shared/core/security/api-keys.js';

const ADMIN_KEY = 'ac_test_0123456789abcdef';

/** The admin key as the secret store gives it: only its hash. */
const keySource = (key = ADMIN_KEY): AdminKeySource & { calls: number } => {
  const source = {
    calls: 0,
    async adminKeyHash() {
      source.calls += 1;
      return hashKey(key);
    },
  };
  return source;
};

describe('bearerToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER abc', 'abc'],
    ['Bearer   abc  ', 'abc'],
    ['Bearer\tabc', 'abc'],
    ['Bearer ac_live_x-y.z', 'ac_live_x-y.z'],
    [undefined, undefined],
    ['', undefined],
    ['Bearer', undefined],
    ['Bearer ', undefined],
    ['Basic YWRtaW46cGFzcw==', undefined],
    ['abc', undefined],
    ['Bearer a b', undefined],
    [' Bearer abc', undefined],
    ['Bearerabc', undefined],
  ])('reads %j as %j', (header, expected) => {
    // Act
    const token = bearerToken(header);

    // Assess
    expect(token).toBe(expected);
  });
});

describe('authenticate', () => {
  it('accepts the admin key', async () => {
    // Act
    const result = await authenticate(`Bearer ${ADMIN_KEY}`, keySource());

    // Assess
    expect(result).toEqual({ authenticated: true, principal: 'admin', keyId: 'admin' });
  });

  it.each([
    ['a wrong key', `Bearer ${ADMIN_KEY}x`, 'invalid API key'],
    ['the key in another case', `Bearer ${ADMIN_KEY.toUpperCase()}`, 'invalid API key'],
    ['a prefix of the key', `Bearer ${ADMIN_KEY.slice(0, -1)}`, 'invalid API key'],
    ['no header', undefined, 'missing API key'],
    ['an empty header', '', 'missing API key'],
    ['a Basic header', `Basic ${ADMIN_KEY}`, 'Authorization header is not "Bearer <key>"'],
    ['a bare key', ADMIN_KEY, 'Authorization header is not "Bearer <key>"'],
    ['two tokens', `Bearer ${ADMIN_KEY} extra`, 'Authorization header is not "Bearer <key>"'],
  ])('refuses %s', async (_label, header, reason) => {
    // Act
    const result = await authenticate(header, keySource());

    // Assess
    expect(result).toEqual({ authenticated: false, reason });
  });

  it('refuses a very long token without even fetching the key', async () => {
    // Prepare
    const keys = keySource();

    // Act
    const result = await authenticate(`Bearer ${'k'.repeat(513)}`, keys);

    // Assess
    expect(result).toEqual({ authenticated: false, reason: 'invalid API key' });
    expect(keys.calls).toBe(0);
  });

  it('accepts a 512-character key when it is the admin key', async () => {
    // Prepare
    const long = 'k'.repeat(512);

    // Act
    const result = await authenticate(`Bearer ${long}`, keySource(long));

    // Assess
    expect(result.authenticated).toBe(true);
  });

  it('never puts the presented key in a refusal reason', async () => {
    // Prepare
    const presented = 'ac_wrong_secret_value';

    // Act
    const results = await Promise.all([
      authenticate(`Bearer ${presented}`, keySource()),
      authenticate(`Token ${presented}`, keySource()),
      authenticate(`Bearer ${presented}${'x'.repeat(600)}`, keySource()),
    ]);

    // Assess
    for (const result of results) expect(JSON.stringify(result)).not.toContain(presented);
  });
});

// ---------------------------------------------------------------------------------------------
// Agent-scoped keys
// ---------------------------------------------------------------------------------------------

const ALICE_KEY = 'ac_agent_alice_secret_0123456789';

function keyRecord(overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    keyId: 'k1',
    scope: 'agent:alice',
    hint: ALICE_KEY.slice(-4),
    createdAt: '2025-01-01T00:00:00.000Z',
    createdBy: 'admin',
    revokedAt: null,
    ...overrides,
  };
}

/** Agent keys by the hex SHA-256 of their secret, counting lookups. */
class AgentKeys implements AgentKeyLookup {
  readonly byHash = new Map<string, ApiKeyRecord>();
  readonly asked: string[] = [];

  add(secret: string, record: ApiKeyRecord): this {
    this.byHash.set(hashKey(secret).toString('hex'), record);
    return this;
  }

  async findByHash(secretHash: string): Promise<ApiKeyRecord | undefined> {
    this.asked.push(secretHash);
    const record = this.byHash.get(secretHash);
    return record ? structuredClone(record) : undefined;
  }
}

describe('authenticate with agent-scoped keys', () => {
  it('accepts an agent key as its scope, naming the key', async () => {
    // Prepare
    const agentKeys = new AgentKeys().add(ALICE_KEY, keyRecord());

    // Act
    const result = await authenticate(`Bearer ${ALICE_KEY}`, keySource(), agentKeys);

    // Assess
    expect(result).toEqual({ authenticated: true, principal: 'agent:alice', keyId: 'k1' });
  });

  it('looks the key up by the hex SHA-256 of the presented token, never the token', async () => {
    // Prepare
    const agentKeys = new AgentKeys().add(ALICE_KEY, keyRecord());

    // Act
    await authenticate(`Bearer ${ALICE_KEY}`, keySource(), agentKeys);

    // Assess
    const expected = hashKey(ALICE_KEY).toString('hex');
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
    expect(agentKeys.asked).toEqual([expected]);
  });

  it('refuses a revoked key, saying so', async () => {
    // Prepare
    const agentKeys = new AgentKeys().add(
      ALICE_KEY,
      keyRecord({ revokedAt: '2025-01-02T00:00:00.000Z' }),
    );

    // Act
    const result = await authenticate(`Bearer ${ALICE_KEY}`, keySource(), agentKeys);

    // Assess
    expect(result).toEqual({ authenticated: false, reason: 'this API key was revoked' });
  });

  it('refuses a key that is neither the admin key nor a known agent key', async () => {
    // Prepare
    const agentKeys = new AgentKeys().add(ALICE_KEY, keyRecord());

    // Act
    const result = await authenticate(`Bearer ${ALICE_KEY}x`, keySource(), agentKeys);

    // Assess
    expect(result).toEqual({ authenticated: false, reason: 'invalid API key' });
    expect(agentKeys.asked).toHaveLength(1);
  });

  it('takes the admin key as admin without looking it up among agent keys', async () => {
    // Prepare: even an agent record under the admin key's hash does not demote it.
    const agentKeys = new AgentKeys().add(ADMIN_KEY, keyRecord());

    // Act
    const result = await authenticate(`Bearer ${ADMIN_KEY}`, keySource(), agentKeys);

    // Assess
    expect(result).toEqual({ authenticated: true, principal: 'admin', keyId: 'admin' });
    expect(agentKeys.asked).toEqual([]);
  });

  it.each([
    ['no header', undefined],
    ['a malformed header', `Token ${ALICE_KEY}`],
    ['a very long token', `Bearer ${'k'.repeat(513)}`],
  ])('does not look up agent keys for %s', async (_label, header) => {
    // Prepare
    const agentKeys = new AgentKeys().add(ALICE_KEY, keyRecord());

    // Act
    const result = await authenticate(header, keySource(), agentKeys);

    // Assess
    expect(result.authenticated).toBe(false);
    expect(agentKeys.asked).toEqual([]);
  });

  it('refuses an agent key when no agent key lookup is given', async () => {
    // Act
    const result = await authenticate(`Bearer ${ALICE_KEY}`, keySource());

    // Assess
    expect(result).toEqual({ authenticated: false, reason: 'invalid API key' });
  });
});

describe('CachedAgentKeyLookup', () => {
  const HASH = hashKey(ALICE_KEY).toString('hex');

  /** A clock the test moves by hand. */
  const clock = () => {
    const state = { now: 1_000_000 };
    return { state, now: () => state.now };
  };

  it('answers a found key from memory within ttlMs, with one lookup', async () => {
    // Prepare
    const inner = new AgentKeys().add(ALICE_KEY, keyRecord());
    const { state, now } = clock();
    const cached = new CachedAgentKeyLookup(inner, 5_000, now);

    // Act
    const first = await cached.findByHash(HASH);
    state.now += 4_999;
    const second = await cached.findByHash(HASH);

    // Assess
    expect(first).toEqual(keyRecord());
    expect(second).toEqual(keyRecord());
    expect(inner.asked).toEqual([HASH]);
  });

  it('looks the key up again once ttlMs has passed, and sees a revocation then', async () => {
    // Prepare
    const inner = new AgentKeys().add(ALICE_KEY, keyRecord());
    const { state, now } = clock();
    const cached = new CachedAgentKeyLookup(inner, 5_000, now);
    await cached.findByHash(HASH);
    inner.add(ALICE_KEY, keyRecord({ revokedAt: '2025-01-02T00:00:00.000Z' }));

    // Act
    const stale = await cached.findByHash(HASH);
    state.now += 5_000;
    const fresh = await cached.findByHash(HASH);

    // Assess
    expect(stale?.revokedAt).toBeNull();
    expect(fresh?.revokedAt).toBe('2025-01-02T00:00:00.000Z');
    expect(inner.asked).toEqual([HASH, HASH]);
  });

  it('never remembers a key that was not found', async () => {
    // Prepare
    const inner = new AgentKeys();
    const cached = new CachedAgentKeyLookup(inner, 60_000, clock().now);

    // Act
    const misses = [await cached.findByHash(HASH), await cached.findByHash(HASH)];
    inner.add(ALICE_KEY, keyRecord());
    const found = await cached.findByHash(HASH);

    // Assess: every miss asked again, and the key minted since is found at once.
    expect(misses).toEqual([undefined, undefined]);
    expect(found).toEqual(keyRecord());
    expect(inner.asked).toEqual([HASH, HASH, HASH]);
  });

  it('forgets a remembered key whose next lookup finds nothing', async () => {
    // Prepare
    const inner = new AgentKeys().add(ALICE_KEY, keyRecord());
    const { state, now } = clock();
    const cached = new CachedAgentKeyLookup(inner, 1_000, now);
    await cached.findByHash(HASH);
    inner.byHash.clear();
    state.now += 1_000;

    // Act
    const gone = await cached.findByHash(HASH);
    const stillGone = await cached.findByHash(HASH);

    // Assess
    expect(gone).toBeUndefined();
    expect(stillGone).toBeUndefined();
    expect(inner.asked).toHaveLength(3);
  });

  it('keeps keys apart by their hash', async () => {
    // Prepare
    const bobKey = 'ac_agent_bob_secret_0123456789';
    const inner = new AgentKeys()
      .add(ALICE_KEY, keyRecord())
      .add(bobKey, keyRecord({ keyId: 'k2', scope: 'agent:bob' }));
    const cached = new CachedAgentKeyLookup(inner, 60_000, clock().now);

    // Act
    const alice = await cached.findByHash(HASH);
    const bob = await cached.findByHash(hashKey(bobKey).toString('hex'));

    // Assess
    expect(alice?.scope).toBe('agent:alice');
    expect(bob?.scope).toBe('agent:bob');
  });

  it('empties itself when full, so that it never holds more than maxEntries', async () => {
    // Prepare
    const secrets = ['ac_agent_one_0000', 'ac_agent_two_0000', 'ac_agent_three_00'];
    const inner = new AgentKeys();
    for (const [i, secret] of secrets.entries()) {
      inner.add(secret, keyRecord({ keyId: `k${i}` }));
    }
    const hashes = secrets.map((secret) => hashKey(secret).toString('hex'));
    const cached = new CachedAgentKeyLookup(inner, 60_000, clock().now, 2);
    for (const hash of hashes.slice(0, 2)) await cached.findByHash(hash);

    // Act: a third key while two are remembered, then the first two again.
    await cached.findByHash(hashes[2] as string);
    await cached.findByHash(hashes[2] as string);
    await cached.findByHash(hashes[0] as string);

    // Assess: the third stayed remembered; the first had been forgotten with the rest.
    expect(inner.asked).toEqual([hashes[0], hashes[1], hashes[2], hashes[0]]);
  });

  it('authenticates through the cache, and refuses the key once its revocation is seen', async () => {
    // Prepare
    const inner = new AgentKeys().add(ALICE_KEY, keyRecord());
    const { state, now } = clock();
    const cached = new CachedAgentKeyLookup(inner, 10_000, now);
    const before = await authenticate(`Bearer ${ALICE_KEY}`, keySource(), cached);
    inner.add(ALICE_KEY, keyRecord({ revokedAt: '2025-01-02T00:00:00.000Z' }));
    state.now += 10_001;

    // Act
    const after = await authenticate(`Bearer ${ALICE_KEY}`, keySource(), cached);

    // Assess
    expect(before).toMatchObject({ authenticated: true, principal: 'agent:alice' });
    expect(after).toEqual({ authenticated: false, reason: 'this API key was revoked' });
  });
});

// ---------------------------------------------------------------------------------------------
// authorizeRequest (the HTTP API Lambda authorizer)
// ---------------------------------------------------------------------------------------------

function authorizerEvent(
  headers: Record<string, string> | undefined,
): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:api/$default/POST/v1/tasks',
    identitySource: [],
    routeKey: 'POST /v1/tasks',
    rawPath: '/v1/tasks',
    rawQueryString: '',
    cookies: [],
    ...(headers ? { headers } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: {
        method: 'POST',
        path: '/v1/tasks',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'vitest',
      },
      requestId: 'req-1',
      routeKey: 'POST /v1/tasks',
      stage: '$default',
      time: '01/Jan/2025:00:00:00 +0000',
      timeEpoch: 1_735_689_600_000,
    },
  } as APIGatewayRequestAuthorizerEventV2;
}

describe('authorizeRequest', () => {
  /** Captures what the function writes (its structured logs go to stdout/stderr). */
  function captureOutput() {
    let text = '';
    const capture = (chunk: unknown) => {
      text += String(chunk);
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    return () => text;
  }

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('labels a request with the admin key as admin', async () => {
    // Prepare
    const output = captureOutput();
    const authorize = authorizeRequest(() => ({ admin: keySource() }));

    // Act
    const result = await authorize(authorizerEvent({ authorization: `Bearer ${ADMIN_KEY}` }));

    // Assess
    expect(result).toEqual({
      isAuthorized: true,
      context: { principal: 'admin', keyId: 'admin' },
    });
    expect(output()).not.toContain(ADMIN_KEY);
  });

  it('reads the header whatever its case', async () => {
    // Prepare
    captureOutput();
    const authorize = authorizeRequest(() => ({ admin: keySource() }));

    // Act
    const result = await authorize(authorizerEvent({ Authorization: `Bearer ${ADMIN_KEY}` }));

    // Assess
    expect(result.context.principal).toBe('admin');
  });

  it.each([
    ['a wrong key', { authorization: 'Bearer ac_wrong_key_123' }, 'invalid API key'],
    ['no headers at all', undefined, 'missing API key'],
    ['no Authorization header', { 'content-type': 'application/json' }, 'missing API key'],
    [
      'a malformed header',
      { authorization: 'Basic ac_wrong_key_123' },
      'Authorization header is not "Bearer <key>"',
    ],
    ['a very long token', { authorization: `Bearer ${'z'.repeat(5_000)}` }, 'invalid API key'],
  ])(
    'lets %s through as anonymous with a reason, never denying',
    async (_label, headers, reason) => {
      // Prepare
      const output = captureOutput();
      const authorize = authorizeRequest(() => ({ admin: keySource() }));

      // Act
      const result = await authorize(authorizerEvent(headers));

      // Assess
      expect(result).toEqual({ isAuthorized: true, context: { principal: '', reason } });
      // It logs why, so the capture below is known to see the logs.
      expect(output()).toContain('unauthenticated request');
      const presented = (headers as Record<string, string> | undefined)?.authorization?.split(
        ' ',
      )[1];
      if (presented) {
        expect(JSON.stringify(result)).not.toContain(presented);
        expect(output()).not.toContain(presented);
      }
      expect(output()).not.toContain(ADMIN_KEY);
    },
  );
});

describe('authorizeRequest with agent-scoped keys', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Silences (and keeps) what the function logs. */
  function captureOutput() {
    let text = '';
    const capture = (chunk: unknown) => {
      text += String(chunk);
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    return () => text;
  }

  it('labels a request with an agent key as that agent, with the key id', async () => {
    // Prepare
    const output = captureOutput();
    const agentKeys = new AgentKeys().add(ALICE_KEY, keyRecord());
    const authorize = authorizeRequest(() => ({ admin: keySource(), agentKeys }));

    // Act
    const result = await authorize(authorizerEvent({ authorization: `Bearer ${ALICE_KEY}` }));

    // Assess
    expect(result).toEqual({
      isAuthorized: true,
      context: { principal: 'agent:alice', keyId: 'k1' },
    });
    expect(output()).not.toContain(ALICE_KEY);
  });

  it('still labels the admin key as admin when agent keys are configured', async () => {
    // Prepare
    captureOutput();
    const agentKeys = new AgentKeys().add(ALICE_KEY, keyRecord());
    const authorize = authorizeRequest(() => ({ admin: keySource(), agentKeys }));

    // Act
    const result = await authorize(authorizerEvent({ authorization: `Bearer ${ADMIN_KEY}` }));

    // Assess
    expect(result.context).toEqual({ principal: 'admin', keyId: 'admin' });
  });

  it('lets a revoked key through as anonymous with the reason, and logs no secret', async () => {
    // Prepare
    const output = captureOutput();
    const agentKeys = new AgentKeys().add(
      ALICE_KEY,
      keyRecord({ revokedAt: '2025-01-02T00:00:00.000Z' }),
    );
    const authorize = authorizeRequest(() => ({ admin: keySource(), agentKeys }));

    // Act
    const result = await authorize(authorizerEvent({ authorization: `Bearer ${ALICE_KEY}` }));

    // Assess
    expect(result).toEqual({
      isAuthorized: true,
      context: { principal: '', reason: 'this API key was revoked' },
    });
    expect(output()).toContain('this API key was revoked');
    expect(output()).not.toContain(ALICE_KEY);
    expect(output()).not.toContain(hashKey(ALICE_KEY).toString('hex'));
  });
});
