/**
 * SignatureVerifier (local/signed-requests.ts): what the internal endpoints accept, signed by the
 * SDK's own signer, and each way a request can fail to be the runtime's; and the 403 each
 * protocol gets.
 */
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import {
  newResourceCredentials,
  refusalResponse,
  SignatureVerifier,
  type SignedRequest,
} from '../../local/signed-requests.js';

const credentials = newResourceCredentials();
const NOW = Date.parse('2026-03-01T12:00:00Z');
const verifier = new SignatureVerifier(credentials, () => NOW);
const BODY = '{"TableName":"agent-core","Key":{"pk":{"S":"agent#a"},"sk":{"S":"agent"}}}';

interface Options {
  signingDate?: number;
  signWith?: { accessKeyId: string; secretAccessKey: string };
  service?: string;
  path?: string;
  query?: Record<string, string>;
  applyChecksum?: boolean;
  unsignable?: string[];
}

/** A request as the SDK sends it: signed, then turned into what the server receives. */
async function signed(body = BODY, options: Options = {}): Promise<SignedRequest> {
  const signer = new SignatureV4({
    credentials: options.signWith ?? credentials,
    region: 'us-east-1',
    service: options.service ?? 'dynamodb',
    sha256: Sha256,
    applyChecksum: options.applyChecksum ?? true,
  });
  const request = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 4567,
      path: options.path ?? '/',
      query: options.query ?? {},
      headers: {
        host: '127.0.0.1:4567',
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.GetItem',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'aws-sdk-js',
      },
      body,
    }),
    {
      signingDate: new Date(options.signingDate ?? NOW),
      unsignableHeaders: new Set(options.unsignable ?? []),
    },
  );
  // Percent-encoded as the SDK's HTTP handler writes a query (a space is %20, not +).
  const search = Object.entries(options.query ?? {})
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
  return {
    method: request.method,
    url: `${request.path}${search ? `?${search}` : ''}`,
    headers: Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]),
    ),
    body: Buffer.from(body),
  };
}

const codeOf = async (request: SignedRequest) => (await verifier.verify(request))?.code;

describe('SignatureVerifier', () => {
  it("accepts a request the SDK's signer signed with the runtime's credentials", async () => {
    expect(await verifier.verify(await signed())).toBeUndefined();
    // Without x-amz-content-sha256 (the signature covers the body's hash all the same), for
    // another service, with a path and query, and with user-agent left out of the signature.
    expect(await codeOf(await signed(BODY, { applyChecksum: false }))).toBeUndefined();
    expect(
      await codeOf(
        await signed('hi', {
          service: 'execute-api',
          path: '/%40connections/L0SM9cOFvHcCIhw%3D',
          query: { a: 'b c', z: '1' },
        }),
      ),
    ).toBeUndefined();
    expect(await codeOf(await signed('', { signingDate: NOW - 4 * 60_000 }))).toBeUndefined();
  });

  it('refuses a request without a signature', async () => {
    const request = await signed();
    delete request.headers.authorization;
    expect(await codeOf(request)).toBe('MissingAuthenticationTokenException');
  });

  it('refuses a request signed with other credentials, or with the right id and another secret', async () => {
    const other = newResourceCredentials();
    expect(await codeOf(await signed(BODY, { signWith: other }))).toBe(
      'UnrecognizedClientException',
    );
    expect(
      await codeOf(
        await signed(BODY, {
          signWith: {
            accessKeyId: credentials.accessKeyId,
            secretAccessKey: other.secretAccessKey,
          },
        }),
      ),
    ).toBe('InvalidSignatureException');
  });

  it('refuses a signature more than five minutes old or ahead: a replay, or a wrong clock', async () => {
    expect(await codeOf(await signed(BODY, { signingDate: NOW - 6 * 60_000 }))).toBe(
      'InvalidSignatureException',
    );
    expect(await codeOf(await signed(BODY, { signingDate: NOW + 6 * 60_000 }))).toBe(
      'InvalidSignatureException',
    );
  });

  it('refuses a body changed after signing, with or without a stated body hash', async () => {
    const tampered = BODY.replace('agent#a', 'agent#b');
    const withHash = await signed();
    expect(await codeOf({ ...withHash, body: Buffer.from(tampered) })).toBe(
      'InvalidSignatureException',
    );
    const withoutHash = await signed(BODY, { applyChecksum: false });
    expect(withoutHash.headers['x-amz-content-sha256']).toBeUndefined();
    expect(await codeOf({ ...withoutHash, body: Buffer.from(tampered) })).toBe(
      'InvalidSignatureException',
    );
    // A stated hash of the changed body does not help: the header itself is signed.
    const restated = await signed();
    const { createHash } = await import('node:crypto');
    restated.headers['x-amz-content-sha256'] = createHash('sha256').update(tampered).digest('hex');
    expect(await codeOf({ ...restated, body: Buffer.from(tampered) })).toBe(
      'InvalidSignatureException',
    );
  });

  it('refuses a changed signed header, method, path or query', async () => {
    const base = await signed(BODY, { query: { a: '1' } });
    expect(
      await codeOf({ ...base, headers: { ...base.headers, 'x-amz-target': 'X.DeleteTable' } }),
    ).toBe('InvalidSignatureException');
    expect(await codeOf({ ...base, headers: { ...base.headers, host: 'other:1' } })).toBe(
      'InvalidSignatureException',
    );
    expect(await codeOf({ ...base, method: 'PUT' })).toBe('InvalidSignatureException');
    expect(await codeOf({ ...base, url: '/other?a=1' })).toBe('InvalidSignatureException');
    expect(await codeOf({ ...base, url: '/?a=2' })).toBe('InvalidSignatureException');
    expect(await codeOf({ ...base, url: '/?a=%zz' })).toBe('InvalidSignatureException');
  });

  it('refuses signatures that leave host or x-amz-date out, or are malformed', async () => {
    const withoutHost = await signed(BODY, { unsignable: ['host'] });
    expect(withoutHost.headers.authorization).not.toMatch(/SignedHeaders=[^,]*host/);
    expect(await codeOf(withoutHost)).toBe('InvalidSignatureException');
    const base = await signed();
    expect(
      await codeOf({ ...base, headers: { ...base.headers, authorization: 'Bearer abc' } }),
    ).toBe('IncompleteSignatureException');
    for (const date of ['yesterday', '20261399T999999Z']) {
      expect(await codeOf({ ...base, headers: { ...base.headers, 'x-amz-date': date } })).toBe(
        'IncompleteSignatureException',
      );
    }
    const { 'x-amz-target': _target, ...withoutTarget } = base.headers;
    expect(await codeOf({ ...base, headers: withoutTarget })).toBe('InvalidSignatureException');
  });

  it('never names the expected credentials in a refusal', async () => {
    const answers = await Promise.all([
      verifier.verify(await signed(BODY, { signWith: newResourceCredentials() })),
      verifier.verify(await signed(BODY, { signingDate: NOW - 6 * 60_000 })),
      verifier.verify({ ...(await signed()), body: Buffer.from('{}') }),
    ]);
    for (const answer of answers) {
      expect(answer).toBeDefined();
      expect(JSON.stringify(answer)).not.toContain(credentials.accessKeyId);
      expect(JSON.stringify(answer)).not.toContain(credentials.secretAccessKey);
    }
  });
});

describe('refusalResponse', () => {
  const refused = { code: 'UnrecognizedClientException' as const, message: 'invalid <token>' };

  it('answers AWS JSON 1.0 and 1.1 with __type, in the protocol the request spoke', () => {
    for (const type of ['application/x-amz-json-1.0', 'application/x-amz-json-1.1']) {
      const answer = refusalResponse(refused, type);
      expect(answer.status).toBe(403);
      expect(answer.headers['content-type']).toBe(type);
      expect(answer.headers['x-amzn-errortype']).toBe(refused.code);
      expect(JSON.parse(answer.body)).toEqual({ __type: refused.code, message: refused.message });
    }
  });

  it('answers the Query protocol in XML and REST-JSON with x-amzn-ErrorType and a message', () => {
    const query = refusalResponse(refused, 'application/x-www-form-urlencoded; charset=utf-8');
    expect(query.headers['content-type']).toBe('text/xml');
    expect(query.body).toContain(`<Code>${refused.code}</Code>`);
    expect(query.body).toContain('invalid &#60;token&#62;');
    const rest = refusalResponse(refused, 'application/octet-stream');
    expect(rest.headers['x-amzn-errortype']).toBe(refused.code);
    expect(JSON.parse(rest.body)).toEqual({ message: refused.message });
    expect(refusalResponse(refused, undefined).status).toBe(403);
  });
});
