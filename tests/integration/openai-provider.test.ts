/**
 * OpenAiCompatibleProvider against a real HTTP server on 127.0.0.1 that speaks the Chat
 * Completions wire format: request bodies and headers, answers, and every failure class.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenAiCompatibleProvider } from '../../shared/adapters/models/openai-provider.js';
import type { ModelRequest, ToolDescriptor } from '../../shared/core/kernel/model-provider.js';
import { ModelCallError } from '../../shared/core/models/model-error.js';

interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: any;
}

type Responder = (res: ServerResponse, req: IncomingMessage) => void;

/** A Chat Completions server: records every request and answers with the next scripted responder. */
class FakeChatServer {
  readonly requests: RecordedRequest[] = [];
  private readonly responders: Responder[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Recorded as text: the assertion on it will say so.
      }
      this.requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
      });
      const respond = this.responders.shift();
      if (respond) respond(res, req);
      else json(res, 599, { error: { message: 'the test scripted no answer for this request' } });
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  answer(...responders: Responder[]): void {
    this.responders.push(...responders);
  }

  /** Answers after `ms`, unless the client has gone by then. */
  later(ms: number, respond: Responder): Responder {
    return (res, req) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!res.destroyed) respond(res, req);
      }, ms);
      this.timers.add(timer);
      res.on('close', () => {
        clearTimeout(timer);
        this.timers.delete(timer);
      });
    };
  }

  reset(): void {
    this.requests.length = 0;
    this.responders.length = 0;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** A `chat.completion` object as OpenAI returns it. */
function completion(
  message: Record<string, unknown>,
  finishReason: string,
  usage: Record<string, number> | null = {
    prompt_tokens: 57,
    completion_tokens: 17,
    total_tokens: 74,
  },
) {
  return {
    id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
    object: 'chat.completion',
    created: 1_741_569_952,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', refusal: null, annotations: [], ...message },
        logprobs: null,
        finish_reason: finishReason,
      },
    ],
    ...(usage && { usage }),
    service_tier: 'default',
    system_fingerprint: 'fp_06737a9306',
  };
}

const openAiError = (message: string, type: string, code: string | null) => ({
  error: { message, type, param: null, code },
});

const mathEval: ToolDescriptor = {
  name: 'math.eval',
  description: 'Evaluates an arithmetic expression.',
  inputSchema: {
    type: 'object',
    properties: { expression: { type: 'string' } },
    required: ['expression'],
  },
};

const API_KEY = 'sk-test-7f3a9c1e5b2d4f6a8c0e';

function request(overrides: Partial<ModelRequest> = {}): ModelRequest {
  return {
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Say hello.' },
    ],
    tools: [],
    maxTokens: 256,
    signal: new AbortController().signal,
    ...overrides,
  };
}

async function failureOf(promise: Promise<unknown>): Promise<ModelCallError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelCallError);
  return error as ModelCallError;
}

const server = new FakeChatServer();
let baseUrl: string;

beforeAll(async () => {
  baseUrl = await server.start();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => {
  server.reset();
});

describe('OpenAiCompatibleProvider: requests and answers', () => {
  it('POSTs a plain completion to /chat/completions with the key as a bearer token', async () => {
    // Prepare
    server.answer((res) =>
      json(
        res,
        200,
        completion({ content: 'Hello!' }, 'stop', {
          prompt_tokens: 12,
          completion_tokens: 3,
          total_tokens: 15,
        }),
      ),
    );
    const provider = new OpenAiCompatibleProvider({
      baseUrl,
      model: 'gpt-4o-mini',
      apiKey: API_KEY,
    });
    // Act
    const response = await provider.complete(request());
    // Assess
    expect(provider.name).toBe('openai:gpt-4o-mini');
    expect(response).toEqual({
      text: 'Hello!',
      toolCalls: [],
      stopReason: 'end_turn',
      usage: { inputTokens: 12, outputTokens: 3, costUsd: 0 },
    });
    expect(server.requests).toHaveLength(1);
    const [sent] = server.requests;
    expect(sent!.method).toBe('POST');
    expect(sent!.url).toBe('/v1/chat/completions');
    expect(sent!.headers['content-type']).toBe('application/json');
    expect(sent!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(sent!.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Say hello.' },
      ],
      max_tokens: 256,
    });
  });

  it('sends no authorization header without a key, and copes with a trailing slash', async () => {
    // Prepare
    server.answer((res) => json(res, 200, completion({ content: 'hi' }, 'stop')));
    const provider = new OpenAiCompatibleProvider({ baseUrl: `${baseUrl}/`, model: 'llama3.2' });
    // Act
    await provider.complete(request());
    // Assess
    expect(server.requests[0]!.url).toBe('/v1/chat/completions');
    expect(server.requests[0]!.headers).not.toHaveProperty('authorization');
  });

  it('runs a tool-call turn and the follow-up turn with its result', async () => {
    // Prepare
    server.answer(
      (res) =>
        json(
          res,
          200,
          completion(
            {
              content: null,
              tool_calls: [
                {
                  id: 'call_Nl3kx0Ba8ZqUH6V3d4WzY1pA',
                  type: 'function',
                  function: { name: 'math__eval', arguments: '{"expression":"6*7"}' },
                },
              ],
            },
            'tool_calls',
          ),
        ),
      (res) => json(res, 200, completion({ content: '6*7 is 42.' }, 'stop')),
    );
    const provider = new OpenAiCompatibleProvider({
      baseUrl,
      model: 'gpt-4o-mini',
      apiKey: API_KEY,
    });
    const first = request({
      messages: [{ role: 'user', content: 'What is 6*7?' }],
      tools: [mathEval],
    });
    // Act
    const turn1 = await provider.complete(first);
    const turn2 = await provider.complete({
      ...first,
      messages: [
        ...first.messages,
        { role: 'assistant', content: turn1.text, toolCalls: turn1.toolCalls },
        {
          role: 'tool',
          toolCallId: turn1.toolCalls[0]!.id,
          name: 'math.eval',
          content: '42',
          isError: false,
        },
      ],
    });
    // Assess
    expect(turn1).toEqual({
      text: '',
      toolCalls: [
        { id: 'call_Nl3kx0Ba8ZqUH6V3d4WzY1pA', name: 'math.eval', input: { expression: '6*7' } },
      ],
      stopReason: 'tool_use',
      usage: { inputTokens: 57, outputTokens: 17, costUsd: 0 },
    });
    expect(turn2.text).toBe('6*7 is 42.');
    expect(turn2.stopReason).toBe('end_turn');
    const tools = [
      {
        type: 'function',
        function: {
          name: 'math__eval',
          description: 'Evaluates an arithmetic expression.',
          parameters: mathEval.inputSchema,
        },
      },
    ];
    expect(server.requests[0]!.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'What is 6*7?' }],
      max_tokens: 256,
      tools,
    });
    expect(server.requests[1]!.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'user', content: 'What is 6*7?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_Nl3kx0Ba8ZqUH6V3d4WzY1pA',
              type: 'function',
              function: { name: 'math__eval', arguments: '{"expression":"6*7"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_Nl3kx0Ba8ZqUH6V3d4WzY1pA', content: '42' },
      ],
      max_tokens: 256,
      tools,
    });
  });

  it('keeps assistant text beside tool calls, and sends a plain assistant turn without tool_calls', async () => {
    // Prepare
    server.answer((res) => json(res, 200, completion({ content: 'done' }, 'stop')));
    const provider = new OpenAiCompatibleProvider({ baseUrl, model: 'm' });
    // Act
    await provider.complete(
      request({
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'earlier answer', toolCalls: [] },
          { role: 'user', content: 'b' },
          {
            role: 'assistant',
            content: 'Checking.',
            toolCalls: [{ id: 'c1', name: 'mcp.github.search', input: { q: 'x' } }],
          },
          {
            role: 'tool',
            toolCallId: 'c1',
            name: 'mcp.github.search',
            content: 'denied',
            isError: true,
          },
        ],
      }),
    );
    // Assess
    expect(server.requests[0]!.body.messages).toEqual([
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'earlier answer' },
      { role: 'user', content: 'b' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          {
            id: 'c1',
            type: 'function',
            function: { name: 'mcp__github__search', arguments: '{"q":"x"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'denied' },
    ]);
    expect(server.requests[0]!.body).not.toHaveProperty('tools');
  });

  it('maps finish_reason length to max_tokens, and absent usage to 0 tokens', async () => {
    // Prepare
    server.answer((res) => json(res, 200, completion({ content: 'Once upon a' }, 'length', null)));
    const provider = new OpenAiCompatibleProvider({ baseUrl, model: 'm' });
    // Act
    const response = await provider.complete(request());
    // Assess
    expect(response.stopReason).toBe('max_tokens');
    expect(response.text).toBe('Once upon a');
    expect(response.usage).toEqual({ inputTokens: 0, outputTokens: 0, costUsd: 0 });
  });

  it('hands unparseable arguments on as the raw string, and empty arguments as {}', async () => {
    // Prepare
    server.answer((res) =>
      json(
        res,
        200,
        completion(
          {
            content: null,
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'math__eval', arguments: '{"expression": "6*7"' },
              },
              { id: 'call_2', type: 'function', function: { name: 'math__eval', arguments: '' } },
              // Some servers send an object rather than a JSON string.
              {
                id: 'call_3',
                type: 'function',
                function: { name: 'math__eval', arguments: { expression: '1' } },
              },
            ],
          },
          'tool_calls',
        ),
      ),
    );
    const provider = new OpenAiCompatibleProvider({ baseUrl, model: 'm' });
    // Act
    const response = await provider.complete(request({ tools: [mathEval] }));
    // Assess
    expect(response.toolCalls).toEqual([
      { id: 'call_1', name: 'math.eval', input: '{"expression": "6*7"' },
      { id: 'call_2', name: 'math.eval', input: {} },
      { id: 'call_3', name: 'math.eval', input: { expression: '1' } },
    ]);
  });

  it('gives a tool call without an id one of its own, and treats tool calls as tool_use whatever finish_reason says', async () => {
    // Prepare: Ollama-style
    server.answer((res) =>
      json(
        res,
        200,
        completion(
          {
            content: '',
            tool_calls: [{ function: { name: 'math__eval', arguments: '{"expression":"2"}' } }],
          },
          'stop',
        ),
      ),
    );
    const provider = new OpenAiCompatibleProvider({ baseUrl, model: 'qwen2.5' });
    // Act
    const response = await provider.complete(request({ tools: [mathEval] }));
    // Assess
    expect(response.stopReason).toBe('tool_use');
    expect(response.toolCalls).toHaveLength(1);
    expect(response.toolCalls[0]!.id).toMatch(/^call_[0-9a-f-]{36}$/);
  });

  it('refuses maxTokens below 1 without calling the server', async () => {
    // Act
    const error = await failureOf(
      new OpenAiCompatibleProvider({ baseUrl, model: 'm' }).complete(request({ maxTokens: 0 })),
    );
    // Assess
    expect([error.reason, error.retryable]).toEqual(['invalid-request', false]);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a baseUrl that is not http(s)', () => {
    expect(
      () => new OpenAiCompatibleProvider({ baseUrl: 'ftp://example.test/v1', model: 'm' }),
    ).toThrow(/http\(s\)/);
    expect(() => new OpenAiCompatibleProvider({ baseUrl: 'not a url', model: 'm' })).toThrow();
  });
});

describe('OpenAiCompatibleProvider: failures', () => {
  /** Each status with an error body as OpenAI or Ollama sends it, and the short message in it. */
  const statuses = [
    [429, 'throttled', true, 'Rate limit reached for gpt-4o-mini on tokens per min (TPM).'],
    [500, 'unavailable', true, 'The server had an error while processing your request.'],
    [503, 'unavailable', true, 'model is loading'],
    [401, 'auth', false, 'Incorrect API key provided.'],
    [403, 'auth', false, 'Project does not have access to model.'],
    [404, 'not-found', false, "model 'llama9' not found, try pulling it first"],
    [400, 'invalid-request', false, "Invalid value for 'max_tokens'."],
    [422, 'invalid-request', false, 'unprocessable'],
  ] as const;
  const bodies: Record<number, unknown> = {
    429: openAiError(statuses[0][3], 'tokens', 'rate_limit_exceeded'),
    500: openAiError(statuses[1][3], 'server_error', null),
    503: { error: statuses[2][3] },
    401: openAiError(statuses[3][3], 'invalid_request_error', 'invalid_api_key'),
    403: openAiError(statuses[4][3], 'invalid_request_error', null),
    404: { error: statuses[5][3] },
    400: openAiError(statuses[6][3], 'invalid_request_error', 'invalid_value'),
    422: { message: statuses[7][3] },
  };
  it.each(statuses)('HTTP %i → %s (retryable %s)', async (status, reason, retryable, detail) => {
    // Prepare
    server.answer((res) => json(res, status, bodies[status]));
    const provider = new OpenAiCompatibleProvider({
      baseUrl,
      model: 'gpt-4o-mini',
      apiKey: API_KEY,
    });
    // Act
    const error = await failureOf(provider.complete(request()));
    // Assess
    expect(error.reason).toBe(reason);
    expect(error.retryable).toBe(retryable);
    expect(error.status).toBe(status);
    expect(error.message).toContain(`HTTP ${status}: ${detail}`);
    expect(error.message).not.toContain(API_KEY);
  });

  it('never puts the API key in an error, even when the server echoes it', async () => {
    // Prepare
    server.answer((res) =>
      json(
        res,
        401,
        openAiError(
          `Incorrect API key provided: ${API_KEY}.`,
          'invalid_request_error',
          'invalid_api_key',
        ),
      ),
    );
    const provider = new OpenAiCompatibleProvider({ baseUrl, model: 'm', apiKey: API_KEY });
    // Act
    const error = await failureOf(provider.complete(request()));
    // Assess
    expect(error.reason).toBe('auth');
    expect(error.message).not.toContain(API_KEY);
    expect(error.message).toContain('[redacted]');
  });

  it('truncates a long error body to about 300 characters', async () => {
    // Prepare
    server.answer((res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end(`<html>${'bad gateway '.repeat(500)}</html>`);
    });
    const provider = new OpenAiCompatibleProvider({ baseUrl, model: 'm' });
    // Act
    const error = await failureOf(provider.complete(request()));
    // Assess
    expect([error.reason, error.retryable]).toEqual(['unavailable', true]);
    expect(error.message).toContain('<html>bad gateway');
    expect(error.message.length).toBeLessThan(400);
  });

  it('a 200 whose body is not JSON → other, not retryable', async () => {
    // Prepare
    server.answer((res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>captive portal</html>');
    });
    const provider = new OpenAiCompatibleProvider({ baseUrl, model: 'm' });
    // Act
    const error = await failureOf(provider.complete(request()));
    // Assess
    expect([error.reason, error.retryable]).toEqual(['other', false]);
    expect(error.message).toContain('not JSON');
  });

  it('a 200 with no choices → other, not retryable', async () => {
    // Prepare
    server.answer((res) => json(res, 200, { id: 'x', object: 'chat.completion', choices: [] }));
    const provider = new OpenAiCompatibleProvider({ baseUrl, model: 'm' });
    // Act
    const error = await failureOf(provider.complete(request()));
    // Assess
    expect([error.reason, error.retryable]).toEqual(['other', false]);
    expect(error.message).toContain('choices');
  });

  it('a server slower than timeoutMs → timeout, retryable, within a bounded wait', async () => {
    // Prepare
    server.answer(
      server.later(5_000, (res) => json(res, 200, completion({ content: 'late' }, 'stop'))),
    );
    const provider = new OpenAiCompatibleProvider({ baseUrl, model: 'm', timeoutMs: 150 });
    const started = Date.now();
    // Act
    const error = await failureOf(provider.complete(request()));
    // Assess
    expect([error.reason, error.retryable]).toEqual(['timeout', true]);
    expect(error.message).toContain('150 ms');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a body that stalls after the headers → timeout too', async () => {
    // Prepare
    server.answer((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":"chatcmpl-1","choices":[');
      // …and nothing more until the client gives up.
    });
    const provider = new OpenAiCompatibleProvider({ baseUrl, model: 'm', timeoutMs: 150 });
    // Act
    const error = await failureOf(provider.complete(request()));
    // Assess
    expect([error.reason, error.retryable]).toEqual(['timeout', true]);
  });

  it('the caller’s signal (the task deadline) aborts the call → timeout, retryable', async () => {
    // Prepare
    server.answer(
      server.later(5_000, (res) => json(res, 200, completion({ content: 'late' }, 'stop'))),
    );
    const provider = new OpenAiCompatibleProvider({ baseUrl, model: 'm', timeoutMs: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    // Act
    const error = await failureOf(provider.complete(request({ signal: controller.signal })));
    // Assess
    expect([error.reason, error.retryable]).toEqual(['timeout', true]);
    expect(error.message).toContain('aborted by its caller');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a connection destroyed mid-response → network, retryable', async () => {
    // Prepare
    server.answer((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      res.write('{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const provider = new OpenAiCompatibleProvider({ baseUrl, model: 'm', timeoutMs: 5_000 });
    // Act
    const error = await failureOf(provider.complete(request()));
    // Assess
    expect([error.reason, error.retryable]).toEqual(['network', true]);
    expect(error.message).toContain('network error calling 127.0.0.1');
  });

  it('a connection destroyed before any answer → network, retryable', async () => {
    // Prepare
    server.answer((res) => res.socket?.destroy());
    const provider = new OpenAiCompatibleProvider({ baseUrl, model: 'm', timeoutMs: 5_000 });
    // Act
    const error = await failureOf(provider.complete(request()));
    // Assess
    expect([error.reason, error.retryable]).toEqual(['network', true]);
  });

  it('a refused connection → network, retryable', async () => {
    // Prepare: a port that was just free
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const provider = new OpenAiCompatibleProvider({
      baseUrl: `http://127.0.0.1:${port}/v1`,
      model: 'm',
    });
    // Act
    const error = await failureOf(provider.complete(request()));
    // Assess
    expect([error.reason, error.retryable]).toEqual(['network', true]);
    expect(error.message).toContain('ECONNREFUSED');
  });
});
