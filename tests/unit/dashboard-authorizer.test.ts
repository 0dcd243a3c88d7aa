/**
 * The dashboard WebSocket authorizer: IAM policy responses (WebSocket APIs take no simple
 * responses) from the `token` query parameter; the token never reaches the logs.
 */
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { authorizeConnection } from '../../functions/dashboard/authorize-connection.js';
import type { ApiKeyRecord } from '../../shared/core/ports.js';
import { hashKey } from '../../shared/core/security/api-keys.js';

const ADMIN_KEY = 'ac_admin_dashboard_test';
const ALICE_KEY = 'ac_agent_alice_dashboard_test';
const REVOKED_KEY = 'ac_agent_revoked_dashboard_test';
const METHOD_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abc123/dashboard/$connect';

const records = new Map<string, ApiKeyRecord>([
  [
    hashKey(ALICE_KEY).toString('hex'),
    {
      keyId: 'k-alice',
      scope: 'agent:alice',
      hint: 'test',
      createdAt: '2025-01-01T00:00:00.000Z',
      createdBy: 'admin',
      revokedAt: null,
    },
  ],
  [
    hashKey(REVOKED_KEY).toString('hex'),
    {
      keyId: 'k-revoked',
      scope: 'agent:alice',
      hint: 'test',
      createdAt: '2025-01-01T00:00:00.000Z',
      createdBy: 'admin',
      revokedAt: '2025-01-02T00:00:00.000Z',
    },
  ],
]);

const authorize = authorizeConnection(() => ({
  admin: { adminKeyHash: async () => hashKey(ADMIN_KEY) },
  agentKeys: { findByHash: async (hash) => records.get(hash) },
}));

const event = (query: Record<string, string> | null): APIGatewayRequestAuthorizerEvent =>
  ({
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    queryStringParameters: query,
    headers: {},
  }) as unknown as APIGatewayRequestAuthorizerEvent;

const policy = (effect: 'Allow' | 'Deny') => ({
  Version: '2012-10-17',
  Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: METHOD_ARN }],
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('dashboard connection authorizer', () => {
  it('allows the admin key, labelled admin', async () => {
    expect(await authorize(event({ token: ADMIN_KEY }))).toEqual({
      principalId: 'admin',
      policyDocument: policy('Allow'),
      context: { principal: 'admin', keyId: 'admin' },
    });
  });

  it('allows an agent key, labelled with its scope and key id', async () => {
    expect(await authorize(event({ token: ALICE_KEY }))).toEqual({
      principalId: 'agent:alice',
      policyDocument: policy('Allow'),
      context: { principal: 'agent:alice', keyId: 'k-alice' },
    });
  });

  it.each([
    ['an unknown key', { token: 'ac_nobody' }],
    ['a revoked key', { token: REVOKED_KEY }],
    ['an empty token', { token: '' }],
    ['a token with spaces', { token: `${ADMIN_KEY} extra` }],
    ['no token', {}],
    ['no query string', null],
  ])('denies %s', async (_what, query) => {
    expect(await authorize(event(query))).toEqual({
      principalId: 'anonymous',
      policyDocument: policy('Deny'),
      context: {},
    });
  });

  it('never logs the token', async () => {
    const writes: string[] = [];
    const capture = (chunk: unknown) => {
      writes.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture as never);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture as never);
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        writes.push(args.map(String).join(' '));
      }),
    );
    await authorize(event({ token: 'ac_secret_wrong_key_value' }));
    await authorize(event({ token: REVOKED_KEY }));
    expect(spies.length).toBeGreaterThan(0);
    const logged = writes.join('\n');
    // The refusals were logged, with their reasons only.
    expect(logged).toContain('dashboard connection refused');
    expect(logged).not.toContain('ac_secret_wrong_key_value');
    expect(logged).not.toContain(REVOKED_KEY);
  });
});
