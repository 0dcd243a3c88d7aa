/**
 * OpenAiCompatibleProvider streaming (`stream: true`) against a real server on 127.0.0.1 that
 * speaks server-sent events: text chunks handed on in order, tool-call deltas assembled, usage
 * from the last chunk, and the same response as the plain call to the same answer. Then the
 * ways a stream goes wrong: cut short, an error event, a non-200, an abort.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiCompatibleProvider } from '../../shared/adapters/models/openai-provider.js';
import type {
  AnswerStream,
  ModelRequest,
  ToolDescriptor,
} from '../../shared/core/kernel/model-provider.js';
import { ModelCallError } from '../../shared/core/models/model-error.js';
import { OpenAiTestServer, type ScriptedAnswer } from '../helpers/openai-server.js';

const server = new OpenAiTestServer();
let baseUrl: string;
beforeAll(async () => {
  baseUrl = await server.start();
});
afterAll(() => server.stop());

const mathEval: ToolDescriptor = {
  name: 'math.eval',
  description: 'Evaluates an arithmetic expression.',
  inputSchema: { type: 'object', properties: { expression: { type: 'string' } } },
};

const request = (stream?: AnswerStream): ModelRequest => ({
  messages: [{ role: 'user', content: 'what is 2+3?' }],
  tools: [mathEval],
  maxTokens: 100,
  signal: new AbortController().signal,
  ...(stream ? { stream } : {}),
});

/** A stream hook that keeps what it is handed. */
function recorder() {
  const chunks: string[] = [];
  let restarts = 0;
  return {
    chunks,
    restarts: () => restarts,
    stream: { text: (chunk: string) => chunks.push(chunk), restart: () => restarts++ },
  };
}

const provider = () => new OpenAiCompatibleProvider({ baseUrl, model: 'test-model' });

/** The same scripted answer, once plain and once streamed: both responses. */
async function bothWays(answer: ScriptedAnswer) {
  server.answer(answer, answer);
  const plain = await provider().complete(request());
  const seen = recorder();
  const streamed = await provider().complete(request(seen.stream));
  const [plainRequest, streamedRequest] = server.requests.slice(-2);
  return { plain, streamed, seen, plainRequest, streamedRequest };
}

describe('OpenAiCompatibleProvider streaming', () => {
  it('streams text chunks in order and answers exactly what the plain call answers', async () => {
    const { plain, streamed, seen, plainRequest, streamedRequest } = await bothWays({
      chunks: ['The ', 'answer ', 'is ', '5', '.'],
      usage: { prompt_tokens: 31, completion_tokens: 6 },
    });
    expect(streamedRequest?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(plainRequest?.body.stream).toBeUndefined();
    expect(seen.chunks).toEqual(['The ', 'answer ', 'is ', '5', '.']);
    expect(streamed).toEqual(plain);
    expect(streamed).toEqual({
      text: 'The answer is 5.',
      toolCalls: [],
      stopReason: 'end_turn',
      usage: { inputTokens: 31, outputTokens: 6, costUsd: 0 },
    });
  });

  it('assembles tool-call deltas by index, arguments joined across chunks', async () => {
    const { plain, streamed, seen } = await bothWays({
      chunks: ['Let me compute.'],
      toolCalls: [
        { id: 'call_a', name: 'math__eval', arguments: '{"expression": "(2+3)*7"}' },
        { id: 'call_b', name: 'math__eval', arguments: '{"expression":"1/3"}' },
      ],
      argumentPiece: 4,
      usage: { prompt_tokens: 40, completion_tokens: 22 },
    });
    expect(seen.chunks).toEqual(['Let me compute.']);
    expect(streamed).toEqual(plain);
    expect(streamed.toolCalls).toEqual([
      { id: 'call_a', name: 'math.eval', input: { expression: '(2+3)*7' } },
      { id: 'call_b', name: 'math.eval', input: { expression: '1/3' } },
    ]);
    expect(streamed.stopReason).toBe('tool_use');
    expect(streamed.usage).toEqual({ inputTokens: 40, outputTokens: 22, costUsd: 0 });
  });

  it('reads a plain JSON answer from a server that ignores stream', async () => {
    const plainOnly = new OpenAiTestServer();
    const url = await plainOnly.start();
    try {
      // The test server streams only when asked; this one is told to answer plainly anyway.
      const ignoring = new OpenAiCompatibleProvider({
        baseUrl: url,
        model: 'm',
        fetchImpl: (input, init) =>
          fetch(input, {
            ...init,
            body: JSON.stringify({ ...JSON.parse(String(init?.body)), stream: false }),
          }),
      });
      plainOnly.answer({ chunks: ['whole'] });
      const seen = recorder();
      const response = await ignoring.complete(request(seen.stream));
      expect(response.text).toBe('whole');
      expect(seen.chunks).toEqual([]);
    } finally {
      await plainOnly.stop();
    }
  });
});

/** A server that answers every request with what `respond` writes. */
async function rawServer(
  respond: (res: ServerResponse) => void,
): Promise<{ url: string; server: Server }> {
  const raw = createServer((req, res) => {
    req.resume();
    req.on('end', () => respond(res));
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(raw.address() as AddressInfo).port}/v1`, server: raw };
}

const chunk = (content: string) =>
  `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

describe('OpenAiCompatibleProvider streaming failures', () => {
  async function failureOf(
    respond: (res: ServerResponse) => void,
    signal?: AbortSignal,
  ): Promise<{ error: ModelCallError; chunks: string[] }> {
    const { url, server: raw } = await rawServer(respond);
    try {
      const seen = recorder();
      const error = await new OpenAiCompatibleProvider({ baseUrl: url, model: 'm' })
        .complete({ ...request(seen.stream), ...(signal ? { signal } : {}) })
        .then(
          () => {
            throw new Error('expected a failure');
          },
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(ModelCallError);
      return { error: error as ModelCallError, chunks: seen.chunks };
    } finally {
      raw.closeAllConnections();
      await new Promise((resolve) => raw.close(resolve));
    }
  }

  it('fails retryably when the stream ends before the answer does', async () => {
    const { error, chunks } = await failureOf((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('half an '));
      res.end();
    });
    expect(chunks).toEqual(['half an ']);
    expect(error).toMatchObject({ reason: 'network', retryable: true });
    expect(error.message).toMatch(/ended before the answer/);
  });

  it('fails with the server’s message on an error event mid-stream', async () => {
    const { error } = await failureOf((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('partial'));
      res.end(`data: ${JSON.stringify({ error: { message: 'model overloaded' } })}\n\n`);
    });
    expect(error).toMatchObject({ reason: 'unavailable', retryable: true });
    expect(error.message).toMatch(/model overloaded/);
  });

  it('fails by status when a streamed request is refused', async () => {
    const { error } = await failureOf((res) => {
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'slow down' } }));
    });
    expect(error).toMatchObject({ reason: 'throttled', retryable: true, status: 429 });
    expect(error.message).toMatch(/slow down/);
  });

  it('stops reading when the caller aborts mid-stream', async () => {
    const controller = new AbortController();
    const { error } = await failureOf((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('never '));
      setTimeout(() => controller.abort(), 20);
    }, controller.signal);
    expect(error).toMatchObject({ reason: 'timeout' });
    expect(error.message).toMatch(/aborted by its caller/);
  });
});
