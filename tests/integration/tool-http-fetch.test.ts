/**
 * http.fetch against a real HTTP server on 127.0.0.1. Names like `api.test` reach it through a
 * fake resolver; the tool is built with a policy that lets 127.0.0.1 through and judges every
 * other address by the default policy, so nothing here leaves the loopback interface.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isPublicAddress } from '../../shared/core/tools/address-policy.js';
import {
  createHttpFetchTool,
  HTTP_FETCH_LIMITS,
  HttpFetchError,
  type HttpFetchOptions,
  type HttpFetchResult,
} from '../../shared/core/tools/http-fetch.js';
import { type ToolContext, ToolInputError } from '../../shared/core/tools/tool.js';

const DNS: Record<string, string[]> = {
  'api.test': ['127.0.0.1'],
  'other.test': ['127.0.0.1'],
  'rebind.test': ['127.0.0.1'],
  'forbidden.test': ['127.0.0.1'],
  'internal.test': ['10.0.0.1'],
  'metadata.test': ['169.254.169.254'],
  'mixed.test': ['127.0.0.1', '192.168.0.10'],
};
const ALLOWED = [
  'api.test',
  'other.test',
  'rebind.test',
  'internal.test',
  'metadata.test',
  'mixed.test',
  '169.254.169.254',
];

const loopbackOnly: HttpFetchOptions['isAddressAllowed'] = (ip) =>
  ip === '127.0.0.1' || isPublicAddress(ip);

let server: Server;
let port: number;
let hits: { path: string; host: string | undefined; method: string | undefined }[];
let lookups: string[];
const slowResponses = new Set<ServerResponse>();

function handle(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://placeholder');
  hits.push({ path: url.pathname, host: request.headers.host, method: request.method });
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const redirect = (status: number, location: string) => {
      response.writeHead(status, { location });
      response.end();
    };
    switch (true) {
      case url.pathname === '/hello':
        response.writeHead(200, {
          'content-type': 'text/plain; charset=utf-8',
          'content-length': '11',
          etag: '"v1"',
          'set-cookie': 'session=secret',
          'x-internal': 'not for the model',
        });
        response.end('hello world');
        return;
      case url.pathname === '/echo':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ method: request.method, headers: request.headers, body }));
        return;
      case url.pathname === '/redirect':
        redirect(Number(url.searchParams.get('status') ?? 302), url.searchParams.get('to') ?? '/');
        return;
      case url.pathname.startsWith('/chain/'): {
        const left = Number(url.pathname.slice('/chain/'.length));
        if (left > 0) redirect(302, `/chain/${left - 1}`);
        else response.end('end of chain');
        return;
      }
      case url.pathname === '/big': {
        const size = Number(url.searchParams.get('bytes'));
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end(Buffer.alloc(size, 'a'));
        return;
      }
      case url.pathname === '/accents':
        response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('é'.repeat(1000));
        return;
      case url.pathname === '/latin1':
        response.writeHead(200, { 'content-type': 'text/plain; charset=iso-8859-1' });
        response.end(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
        return;
      case url.pathname === '/slow':
        // Never answers; the tool has to give up.
        slowResponses.add(response);
        response.on('close', () => slowResponses.delete(response));
        return;
      default:
        response.writeHead(404);
        response.end('not found');
    }
  });
}

beforeAll(async () => {
  server = createServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

beforeEach(() => {
  hits = [];
  lookups = [];
});

function contextWith(signal: AbortSignal = new AbortController().signal): ToolContext {
  return {
    agentId: 'agent-1',
    taskId: '01HZZZZZZZZZZZZZZZZZZZZZZZ',
    allowedHosts: ALLOWED,
    signal,
    services: {
      workspace: () => {
        throw new Error('http.fetch must not touch a workspace');
      },
      resolveHost: async (hostname) => {
        lookups.push(hostname);
        const addresses = DNS[hostname];
        if (!addresses) throw new Error(`ENOTFOUND ${hostname}`);
        return addresses;
      },
    },
  };
}

async function fetchWith(
  input: Record<string, unknown>,
  options: HttpFetchOptions = {},
  signal?: AbortSignal,
): Promise<HttpFetchResult> {
  const tool = createHttpFetchTool({ isAddressAllowed: loopbackOnly, ...options });
  return (await tool.run(tool.input.parse(input), contextWith(signal))) as HttpFetchResult;
}

const at = (host: string, path: string) => `http://${host}:${port}${path}`;

describe('http.fetch against a local server', () => {
  it('fetches a page: status, body, selected headers, and the name as Host', async () => {
    // Prepare
    const url = at('api.test', '/hello');
    // Act
    const result = await fetchWith({ url });
    // Assess
    expect(result.status).toBe(200);
    expect(result.body).toBe('hello world');
    expect(result.truncated).toBe(false);
    expect(result.url).toBe(url);
    expect(result.headers).toMatchObject({
      'content-type': 'text/plain; charset=utf-8',
      etag: '"v1"',
      'content-length': '11',
    });
    expect(result.headers).not.toHaveProperty('set-cookie');
    expect(result.headers).not.toHaveProperty('x-internal');
    expect(hits).toEqual([{ path: '/hello', host: `api.test:${port}`, method: 'GET' }]);
  });

  it('connects to the address it checked: one lookup per hop, none by the system', async () => {
    // Prepare: `rebind.test` exists only in the fake resolver; a second, system lookup of it
    // would fail the request.
    const url = at('rebind.test', '/hello');
    // Act
    const result = await fetchWith({ url });
    // Assess
    expect(result.status).toBe(200);
    expect(lookups).toEqual(['rebind.test']);
  });

  it('sends a POST with headers and body', async () => {
    // Prepare
    const input = {
      url: at('api.test', '/echo'),
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Trace': 'abc' },
      body: '{"q":1}',
    };
    // Act
    const result = await fetchWith(input);
    // Assess
    const echoed = JSON.parse(result.body);
    expect(echoed.method).toBe('POST');
    expect(echoed.body).toBe('{"q":1}');
    expect(echoed.headers['content-type']).toBe('application/json');
    expect(echoed.headers['x-trace']).toBe('abc');
    expect(echoed.headers['content-length']).toBe('7');
  });

  it('answers a HEAD with the status and headers and an empty body', async () => {
    // Prepare
    const url = at('api.test', '/hello');
    // Act
    const result = await fetchWith({ url, method: 'HEAD' });
    // Assess
    expect(result.status).toBe(200);
    expect(result.body).toBe('');
    expect(hits[0]?.method).toBe('HEAD');
  });

  it('passes error statuses back as results', async () => {
    // Prepare
    const url = at('api.test', '/missing');
    // Act
    const result = await fetchWith({ url });
    // Assess
    expect(result.status).toBe(404);
    expect(result.body).toBe('not found');
  });

  it('decodes the charset the server names', async () => {
    // Prepare
    const url = at('api.test', '/latin1');
    // Act
    const result = await fetchWith({ url });
    // Assess
    expect(result.body).toBe('café');
  });
});

describe('http.fetch redirects', () => {
  it.each([301, 302, 303, 307, 308])(
    'follows a %i to another allowed host, checking it again',
    async (status) => {
      // Prepare
      const target = at('other.test', '/hello');
      const url = at('api.test', `/redirect?status=${status}&to=${encodeURIComponent(target)}`);
      // Act
      const result = await fetchWith({ url });
      // Assess
      expect(result.status).toBe(200);
      expect(result.url).toBe(target);
      expect(result.body).toBe('hello world');
      expect(lookups).toEqual(['api.test', 'other.test']);
      expect(hits.map((hit) => hit.host)).toEqual([`api.test:${port}`, `other.test:${port}`]);
    },
  );

  it('follows a relative Location', async () => {
    // Prepare
    const url = at('api.test', '/redirect?to=/hello');
    // Act
    const result = await fetchWith({ url });
    // Assess
    expect(result.url).toBe(at('api.test', '/hello'));
    expect(result.body).toBe('hello world');
  });

  it('turns a POST into a GET without body on 303, and keeps it on 307', async () => {
    // Prepare
    const post = (status: number) => ({
      url: at('api.test', `/redirect?status=${status}&to=/echo`),
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'payload',
    });
    // Act
    const after303 = JSON.parse((await fetchWith(post(303))).body);
    const after307 = JSON.parse((await fetchWith(post(307))).body);
    // Assess
    expect(after303).toMatchObject({ method: 'GET', body: '' });
    expect(after303.headers['content-type']).toBeUndefined();
    expect(after307).toMatchObject({ method: 'POST', body: 'payload' });
  });

  it('drops credentials when a redirect changes origin, keeps them when it does not', async () => {
    // Prepare
    const headers = { Authorization: 'Bearer secret-token', Cookie: 'a=b' };
    const crossOrigin = at(
      'api.test',
      `/redirect?to=${encodeURIComponent(at('other.test', '/echo'))}`,
    );
    const sameOrigin = at('api.test', '/redirect?to=/echo');
    // Act
    const across = JSON.parse((await fetchWith({ url: crossOrigin, headers })).body);
    const within = JSON.parse((await fetchWith({ url: sameOrigin, headers })).body);
    // Assess
    expect(across.headers.authorization).toBeUndefined();
    expect(across.headers.cookie).toBeUndefined();
    expect(within.headers.authorization).toBe('Bearer secret-token');
  });

  it('refuses a redirect to a host that is not on the allow-list', async () => {
    // Prepare
    const url = at(
      'api.test',
      `/redirect?to=${encodeURIComponent(at('forbidden.test', '/hello'))}`,
    );
    // Act
    const outcome = fetchWith({ url });
    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ToolInputError);
    await expect(outcome).rejects.toThrow(
      /'forbidden.test' is not in this agent's network allow-list/,
    );
    expect(hits.map((hit) => hit.path)).toEqual(['/redirect']);
    expect(lookups).not.toContain('forbidden.test');
  });

  it.each([
    ['internal.test', /resolves to 10\.0\.0\.1/],
    ['metadata.test', /resolves to 169\.254\.169\.254/],
    ['mixed.test', /resolves to 192\.168\.0\.10/],
  ])(
    'refuses a redirect to the allowed name %s that resolves to a private address',
    async (host, reason) => {
      // Prepare
      const url = at('api.test', `/redirect?to=${encodeURIComponent(at(host, '/hello'))}`);
      // Act
      const outcome = fetchWith({ url });
      // Assess
      await expect(outcome).rejects.toBeInstanceOf(ToolInputError);
      await expect(outcome).rejects.toThrow(reason);
      expect(hits.map((hit) => hit.path)).toEqual(['/redirect']);
    },
  );

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:169.254.169.254]/',
    'http://2852039166/',
  ])('refuses a redirect to the metadata address written as %s', async (target) => {
    // Prepare: 169.254.169.254 is even on the allow-list; the address policy still says no.
    const url = at('api.test', `/redirect?to=${encodeURIComponent(target)}`);
    // Act
    const outcome = fetchWith({ url });
    // Assess
    await expect(outcome).rejects.toThrow(/not a public address|allow-list/);
    await expect(outcome).rejects.toBeInstanceOf(ToolInputError);
  });

  it('refuses a redirect to another scheme', async () => {
    // Prepare
    const url = at('api.test', `/redirect?to=${encodeURIComponent('file:///etc/passwd')}`);
    // Act
    const outcome = fetchWith({ url });
    // Assess
    await expect(outcome).rejects.toThrow(/only http: and https:/);
  });

  it('follows five redirects and gives up at the sixth', async () => {
    // Prepare
    const five = at('api.test', '/chain/5');
    const six = at('api.test', '/chain/6');
    // Act
    const followed = await fetchWith({ url: five });
    const hitsForFive = hits.length;
    hits = [];
    const outcome = fetchWith({ url: six });
    // Assess
    expect(HTTP_FETCH_LIMITS.maxRedirects).toBe(5);
    expect(followed.body).toBe('end of chain');
    expect(hitsForFive).toBe(6);
    await expect(outcome).rejects.toBeInstanceOf(HttpFetchError);
    await expect(outcome).rejects.toThrow(/too many redirects/);
    expect(hits).toHaveLength(6);
  });
});

describe('http.fetch limits', () => {
  it('reads at most 1 MiB by default and marks the body truncated', async () => {
    // Prepare
    const url = at('api.test', `/big?bytes=${3 * 1024 * 1024}`);
    // Act
    const result = await fetchWith({ url });
    // Assess
    expect(HTTP_FETCH_LIMITS.maxResponseBytes).toBe(1024 * 1024);
    expect(result.body).toHaveLength(1024 * 1024);
    expect(result.truncated).toBe(true);
    expect(result.status).toBe(200);
  });

  it('does not mark a body truncated that is exactly at the limit', async () => {
    // Prepare
    const url = at('api.test', '/big?bytes=1000');
    // Act
    const result = await fetchWith({ url }, { maxResponseBytes: 1000 });
    // Assess
    expect(result.body).toHaveLength(1000);
    expect(result.truncated).toBe(false);
  });

  it('cuts between characters, never inside one', async () => {
    // Prepare: é is two bytes in UTF-8, so 101 bytes end in the middle of the 51st.
    const url = at('api.test', '/accents');
    // Act
    const result = await fetchWith({ url }, { maxResponseBytes: 101 });
    // Assess
    expect(result.body).toBe('é'.repeat(50));
    expect(result.truncated).toBe(true);
  });

  it('gives up on a slow server after its own timeout', async () => {
    // Prepare
    const url = at('api.test', '/slow');
    const started = Date.now();
    // Act
    const outcome = fetchWith({ url }, { timeoutMs: 150 });
    // Assess
    await expect(outcome).rejects.toBeInstanceOf(HttpFetchError);
    await expect(outcome).rejects.toThrow(/timed out after 150 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
    await expect.poll(() => slowResponses.size, { timeout: 2000 }).toBe(0);
  });

  it('stops when the task signal is aborted', async () => {
    // Prepare
    const url = at('api.test', '/slow');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    // Act
    const outcome = fetchWith({ url }, {}, controller.signal);
    // Assess
    await expect(outcome).rejects.toBeInstanceOf(HttpFetchError);
    await expect(outcome).rejects.toThrow(/cancelled/);
  });

  it('refuses 127.0.0.1 with the default policy, even on the allow-list', async () => {
    // Prepare: the catalogue's configuration.
    const tool = createHttpFetchTool();
    const context = { ...contextWith(), allowedHosts: ['api.test', '127.0.0.1'] };
    // Act
    const byName = tool.run(tool.input.parse({ url: at('api.test', '/hello') }), context);
    const byAddress = tool.run(tool.input.parse({ url: at('127.0.0.1', '/hello') }), context);
    // Assess
    await expect(byName).rejects.toThrow(/not a public address/);
    await expect(byAddress).rejects.toThrow(/not a public address/);
    expect(hits).toEqual([]);
  });
});
