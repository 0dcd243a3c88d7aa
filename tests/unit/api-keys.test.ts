import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { authorizeRequest } from '../../functions/security/authorize-request.js';
import {
  type AdminKeySource,
  authenticate,
  bearerToken,
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
    const authorize = authorizeRequest(() => keySource());

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
    const authorize = authorizeRequest(() => keySource());

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
      const authorize = authorizeRequest(() => keySource());

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
