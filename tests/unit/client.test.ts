/**
 * The typed client against an HTTP server in the test that answers as the contract does: errors
 * become AgentCoreError with the API's code, message and field paths; a 429 is tried again
 * after Retry-After; lists are walked page by page; Idempotency-Key is sent when asked; no answer
 * at all is an error too. Its generated types are those of the current document.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateTypes, TYPES_FILE } from '../../client/generate-types.js';
import { AgentCoreClient, AgentCoreError, paginate } from '../../client/index.js';

type Handler = (
  req: IncomingMessage,
  body: string,
) => { status: number; body?: unknown; headers?: Record<string, string> };

let server: Server;
let baseUrl: string;
let handler: Handler;
const seen: {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        at: Date.now(),
      });
      const answer = handler(req, body);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
});

const client = (options: Partial<ConstructorParameters<typeof AgentCoreClient>[0]> = {}) =>
  new AgentCoreClient({ baseUrl: `${baseUrl}/`, apiKey: 'k-test', ...options });

describe('the client', () => {
  it('sends the key, the body and Idempotency-Key, and returns the answer', async () => {
    handler = () => ({ status: 202, body: { id: 't1', status: 'queued' } });
    const task = await client().tasks.submit(
      { agentId: 'calc', input: '2+3?' },
      { idempotencyKey: 'submit-1' },
    );
    expect(task).toEqual({ id: 't1', status: 'queued' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/tasks' });
    expect(seen[0]?.headers.authorization).toBe('Bearer k-test');
    expect(seen[0]?.headers['idempotency-key']).toBe('submit-1');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ agentId: 'calc', input: '2+3?' });
  });

  it('throws the API error with its status, code, message, field paths and request id', async () => {
    handler = () => ({
      status: 400,
      body: {
        error: {
          code: 'ValidationError',
          message: 'invalid agent: id, model',
          details: [
            { path: 'id', message: 'required' },
            { path: 'model', message: 'required' },
          ],
        },
        requestId: 'req-1',
      },
    });
    const error = await client()
      .agents.register({} as never)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentCoreError);
    expect(error).toMatchObject({
      status: 400,
      code: 'ValidationError',
      message: 'invalid agent: id, model',
      details: [
        { path: 'id', message: 'required' },
        { path: 'model', message: 'required' },
      ],
      requestId: 'req-1',
      isAuthError: false,
    });
  });

  it('marks 401 and 403 as auth errors, and says what came back when it is not the API', async () => {
    handler = () => ({ status: 401, body: { error: { code: 'Unauthorized', message: 'no key' } } });
    await expect(client().agents.list()).rejects.toMatchObject({ status: 401, isAuthError: true });
    handler = () => ({ status: 502, body: 'bad gateway' });
    await expect(client().agents.list()).rejects.toMatchObject({
      status: 502,
      code: 'Http502',
      message: expect.stringContaining('bad gateway'),
    });
  });

  it('tries a 429 again after the Retry-After it was given, then succeeds', async () => {
    let calls = 0;
    handler = () =>
      ++calls < 3
        ? {
            status: 429,
            headers: { 'retry-after': '1' },
            body: { error: { code: 'TooManyRequests', message: 'slow down' }, requestId: 'r' },
          }
        : { status: 202, body: { id: 'sent', deliveredTo: [] } };
    const sent = await client().messages.send({ from: 'a1', to: 'b1', body: 'hi' });
    expect(sent).toEqual({ id: 'sent', deliveredTo: [] });
    expect(seen).toHaveLength(3);
    // Each retry waited the second it was told to (never less).
    expect((seen[1]?.at ?? 0) - (seen[0]?.at ?? 0)).toBeGreaterThanOrEqual(990);
    expect((seen[2]?.at ?? 0) - (seen[1]?.at ?? 0)).toBeGreaterThanOrEqual(990);
    // The same body every time.
    expect(new Set(seen.map((s) => s.body)).size).toBe(1);
  });

  it('gives up on 429 after maxRetries with the 429 error', async () => {
    handler = () => ({
      status: 429,
      headers: { 'retry-after': '0' },
      body: { error: { code: 'TooManyRequests', message: 'slow down' }, requestId: 'r' },
    });
    await expect(client({ maxRetries: 2 }).agents.list()).rejects.toMatchObject({
      status: 429,
      code: 'TooManyRequests',
      retryAfterSeconds: 0,
    });
    expect(seen).toHaveLength(3);
  });

  it('walks every page of a list, following nextCursor', async () => {
    handler = (req) => {
      const cursor = new URL(req.url ?? '', 'http://x').searchParams.get('cursor');
      const page = Number(cursor ?? 0);
      return {
        status: 200,
        body: {
          items: [{ id: `a${page * 2}` }, { id: `a${page * 2 + 1}` }],
          nextCursor: page < 2 ? String(page + 1) : null,
        },
      };
    };
    const ids: string[] = [];
    for await (const agent of client().agents.iterate({ tag: 'x', limit: 2 })) ids.push(agent.id);
    expect(ids).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5']);
    expect(seen.map((s) => s.url)).toEqual([
      '/v1/agents?tag=x&limit=2',
      '/v1/agents?tag=x&limit=2&cursor=1',
      '/v1/agents?tag=x&limit=2&cursor=2',
    ]);
  });

  it('paginate stops at a page without a cursor', async () => {
    const pages = [
      { items: [1, 2], nextCursor: 'b' },
      { items: [3], nextCursor: null },
    ];
    const got: number[] = [];
    for await (const n of paginate(async (cursor) => pages[cursor === 'b' ? 1 : 0]!)) got.push(n);
    expect(got).toEqual([1, 2, 3]);
  });

  it('waits for a task to finish, telling each status once', async () => {
    const statuses = ['queued', 'running', 'running', 'succeeded'];
    handler = () => ({ status: 200, body: { id: 't', status: statuses.shift() ?? 'succeeded' } });
    const updates: string[] = [];
    const done = await client().tasks.wait('t', { onUpdate: (t) => updates.push(t.status) });
    expect(done.status).toBe('succeeded');
    expect(updates).toEqual(['queued', 'running', 'succeeded']);
  });

  it('is an AgentCoreError with status 0 when nothing answers', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await new AgentCoreClient({ baseUrl: `http://127.0.0.1:${port}` })
      .health()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, code: 'ConnectionFailed' });
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('derives the feed URL from the API URL', () => {
    expect(new AgentCoreClient({ baseUrl: 'http://127.0.0.1:3000' }).wsUrl).toBe(
      'ws://127.0.0.1:3000/ws',
    );
    expect(new AgentCoreClient({ baseUrl: 'https://api.example.com/' }).wsUrl).toBe(
      'wss://api.example.com/ws',
    );
  });
});

describe('the generated types', () => {
  it('are those of the current OpenAPI document (npm run client:types)', async () => {
    expect(readFileSync(TYPES_FILE, 'utf8')).toBe(await generateTypes());
  });
});
