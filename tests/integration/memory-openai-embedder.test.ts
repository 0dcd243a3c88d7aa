/**
 * OpenAiEmbedder against a real HTTP server on 127.0.0.1 that speaks `POST /v1/embeddings`:
 * request body and headers, batching, answers in any order, and every failure class.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenAiEmbedder } from '../../shared/adapters/embeddings/openai-embedder.js';
import { ModelCallError } from '../../shared/core/models/model-error.js';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: any;
}

type Responder = (res: ServerResponse, body: any) => void;

const requests: Recorded[] = [];
const responders: Responder[] = [];
const sockets = new Set<import('node:net').Socket>();
let server: Server;
let baseUrl: string;

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Answers every input with a vector that encodes its length, in reverse order. */
const echoVectors =
  (dimensions = 4): Responder =>
  (res, body) => {
    const inputs = body.input as string[];
    const data = inputs.map((text, index) => {
      const embedding = new Array(dimensions).fill(0);
      embedding[text.length % dimensions] = 2;
      return { object: 'embedding', index, embedding };
    });
    json(res, 200, { object: 'list', data: data.reverse(), model: body.model });
  };

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // recorded as text
      }
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const respond = responders.shift();
      if (respond) respond(res, body);
      else json(res, 599, { error: { message: 'no answer scripted for this request' } });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests.length = 0;
  responders.length = 0;
});

async function failureOf(promise: Promise<unknown>): Promise<ModelCallError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ModelCallError);
    return error as ModelCallError;
  }
  throw new Error('expected the call to fail');
}

describe('OpenAiEmbedder', () => {
  it('POSTs {model, input, encoding_format, dimensions} to /embeddings with the bearer key', async () => {
    // Prepare
    responders.push(echoVectors(8));
    const embedder = new OpenAiEmbedder({
      baseUrl: `${baseUrl}/`,
      model: 'text-embedding-3-small',
      dimensions: 8,
      apiKey: 'sk-test-key',
    });

    // Act
    await embedder.embed(['hello', 'world!']);

    // Assess
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      method: 'POST',
      url: '/v1/embeddings',
      headers: { authorization: 'Bearer sk-test-key', 'content-type': 'application/json' },
      body: {
        model: 'text-embedding-3-small',
        input: ['hello', 'world!'],
        encoding_format: 'float',
        dimensions: 8,
      },
    });
    expect(embedder.id).toBe('openai:text-embedding-3-small:8');
  });

  it('sends no key and no dimensions when none are configured', async () => {
    // Prepare
    responders.push(echoVectors(4));
    const embedder = new OpenAiEmbedder({ baseUrl, model: 'nomic-embed-text' });

    // Act
    await embedder.embed(['x']);

    // Assess
    expect(requests[0]?.headers.authorization).toBeUndefined();
    expect(requests[0]?.body).not.toHaveProperty('dimensions');
    expect(embedder.id).toBe('openai:nomic-embed-text');
    expect(embedder.dimensions).toBe(4);
  });

  it('puts vectors back in input order, unit length, in batches', async () => {
    // Prepare
    responders.push(echoVectors(4), echoVectors(4));
    const embedder = new OpenAiEmbedder({ baseUrl, model: 'm', batchSize: 3 });

    // Act
    const vectors = await embedder.embed(['a', 'bb', 'ccc', 'dddd', 'eeeee']);

    // Assess
    expect(requests.map((r) => r.body.input)).toEqual([
      ['a', 'bb', 'ccc'],
      ['dddd', 'eeeee'],
    ]);
    expect(vectors.map((v) => Array.from(v).indexOf(1))).toEqual([1, 2, 3, 0, 1]);
  });

  it.each([
    [429, 'throttled', true],
    [408, 'timeout', true],
    [500, 'unavailable', true],
    [503, 'unavailable', true],
    [401, 'auth', false],
    [403, 'auth', false],
    [404, 'not-found', false],
    [400, 'invalid-request', false],
  ] as const)(
    'HTTP %i → %s, retryable %s, with the server message',
    async (status, reason, retryable) => {
      // Prepare
      responders.push((res) => json(res, status, { error: { message: `nope ${status}` } }));
      const embedder = new OpenAiEmbedder({ baseUrl, model: 'm' });

      // Act
      const error = await failureOf(embedder.embed(['x']));

      // Assess
      expect([error.reason, error.retryable, error.status]).toEqual([reason, retryable, status]);
      expect(error.message).toContain(`nope ${status}`);
      expect(error.message).toContain('openai:m');
    },
  );

  it('never shows the API key, even when the server echoes it', async () => {
    // Prepare
    responders.push((res) => json(res, 401, { error: { message: 'bad key sk-secret-123' } }));
    const embedder = new OpenAiEmbedder({ baseUrl, model: 'm', apiKey: 'sk-secret-123' });

    // Act
    const error = await failureOf(embedder.embed(['x']));

    // Assess
    expect(error.message).not.toContain('sk-secret-123');
    expect(error.message).toContain('[redacted]');
  });

  it.each([
    ['a body that is not JSON', (res: ServerResponse) => res.end('<html>'), /not JSON/],
    ['no data', (res: ServerResponse) => json(res, 200, { data: [] }), /unexpected body/],
    [
      'fewer embeddings than texts',
      (res: ServerResponse) => json(res, 200, { data: [{ index: 0, embedding: [1, 0] }] }),
      /fewer embeddings/,
    ],
    [
      'vectors of changing size',
      (res: ServerResponse) =>
        json(res, 200, {
          data: [
            { index: 0, embedding: [1, 0] },
            { index: 1, embedding: [1, 0, 0] },
          ],
        }),
      /3 dimensions where 2/,
    ],
    [
      'an index beyond the inputs',
      (res: ServerResponse) => json(res, 200, { data: [{ index: 5, embedding: [1] }] }),
      /input 5/,
    ],
  ])('fails (other, not retryable) on %s', async (_, respond, message) => {
    // Prepare
    responders.push(respond);
    const embedder = new OpenAiEmbedder({ baseUrl, model: 'm' });

    // Act
    const error = await failureOf(embedder.embed(['a', 'b']));

    // Assess
    expect([error.reason, error.retryable]).toEqual(['other', false]);
    expect(error.message).toMatch(message);
  });

  it('fails with a timeout (retryable) when the server does not answer in time', async () => {
    // Prepare: never answers
    responders.push(() => undefined);
    const embedder = new OpenAiEmbedder({ baseUrl, model: 'm', timeoutMs: 200 });

    // Act
    const error = await failureOf(embedder.embed(['x']));

    // Assess
    expect([error.reason, error.retryable]).toEqual(['timeout', true]);
    expect(error.message).toMatch(/no answer within 200 ms/);
  });

  it('fails with a network error (retryable) when nothing listens', async () => {
    // Prepare: a port that was just free
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const embedder = new OpenAiEmbedder({ baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm' });

    // Act
    const error = await failureOf(embedder.embed(['x']));

    // Assess
    expect([error.reason, error.retryable]).toEqual(['network', true]);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('refuses a base URL that is not http(s)', () => {
    // Assess
    expect(() => new OpenAiEmbedder({ baseUrl: 'ftp://x/v1', model: 'm' })).toThrow(/http/);
  });
});
