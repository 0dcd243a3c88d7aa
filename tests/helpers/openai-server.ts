/**
 * An OpenAI-compatible Chat Completions server on 127.0.0.1 for tests and benchmarks. Each
 * request takes the next scripted answer (or the default one: fixed, or made from the request,
 * which gives a model with habits, whatever order the requests come in); a request with
 * `stream: true` gets it as server-sent events, in the chunks the answer names, with tool-call
 * arguments split across chunks and the usage in a last chunk when `stream_options.include_usage`
 * asks; any other request gets the same answer as one `chat.completion`. Requests are recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedToolCall {
  id: string;
  name: string;
  /** JSON text of the arguments, sent in pieces of `argumentPiece` characters when streamed. */
  arguments: string;
}

export interface ScriptedAnswer {
  /** The answer's text, streamed as these chunks (joined when not streamed). */
  chunks?: string[];
  toolCalls?: ScriptedToolCall[];
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** Wait before each streamed chunk (and before a plain answer, once per chunk). */
  chunkDelayMs?: number;
  /** Held until this settles before answering at all. */
  gate?: Promise<unknown>;
  /** Told when each content chunk is written (streamed), with `performance.now()`. */
  onChunk?: (index: number, at: number) => void;
  argumentPiece?: number;
}

export interface RecordedChatRequest {
  body: Record<string, any>;
  headers: IncomingMessage['headers'];
}

const DEFAULT_USAGE = { prompt_tokens: 21, completion_tokens: 9 };

export class OpenAiTestServer {
  readonly requests: RecordedChatRequest[] = [];
  private readonly answers: ScriptedAnswer[] = [];
  private readonly server: Server = createServer((req, res) => void this.handle(req, res));
  private readonly open = new Set<ServerResponse>();

  /**
   * `fallback` answers every request no queued answer is left for: one answer, or a function
   * that makes each answer from the request's body (a model that answers what it is asked).
   */
  constructor(
    private readonly fallback: ScriptedAnswer | ((body: Record<string, any>) => ScriptedAnswer) = {
      chunks: ['done'],
    },
  ) {}

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** Queues answers for the next requests, in order. */
  answer(...answers: ScriptedAnswer[]): void {
    this.answers.push(...answers);
  }

  async stop(): Promise<void> {
    for (const res of this.open) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: Record<string, any>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'body is not JSON' } }));
      return;
    }
    this.requests.push({ body, headers: req.headers });
    const answer =
      this.answers.shift() ??
      (typeof this.fallback === 'function' ? this.fallback(body) : this.fallback);
    await answer.gate;
    if (body.stream === true) await this.stream(res, answer, body.stream_options?.include_usage);
    else await this.plain(res, answer);
  }

  private async plain(res: ServerResponse, answer: ScriptedAnswer): Promise<void> {
    for (const _ of answer.chunks ?? []) await sleep(answer.chunkDelayMs ?? 0);
    const toolCalls = answer.toolCalls ?? [];
    const text = JSON.stringify({
      id: 'chatcmpl-test',
      object: 'chat.completion',
      created: 1_741_569_952,
      model: 'test-model',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: answer.chunks ? answer.chunks.join('') : null,
            ...(toolCalls.length > 0 && {
              tool_calls: toolCalls.map((call) => ({
                id: call.id,
                type: 'function',
                function: { name: call.name, arguments: call.arguments },
              })),
            }),
          },
          finish_reason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
        },
      ],
      usage: { ...(answer.usage ?? DEFAULT_USAGE), total_tokens: 0 },
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(text);
  }

  private async stream(
    res: ServerResponse,
    answer: ScriptedAnswer,
    includeUsage: boolean | undefined,
  ): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      res.write(
        `data: ${JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1, model: 'test-model', choices, ...extra })}\n\n`,
      );
    send([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
    for (const [index, chunk] of (answer.chunks ?? []).entries()) {
      await sleep(answer.chunkDelayMs ?? 0);
      if (res.destroyed) return;
      send([{ index: 0, delta: { content: chunk }, finish_reason: null }]);
      answer.onChunk?.(index, performance.now());
    }
    const piece = answer.argumentPiece ?? 7;
    for (const [index, call] of (answer.toolCalls ?? []).entries()) {
      send([
        {
          index: 0,
          delta: {
            tool_calls: [
              {
                index,
                id: call.id,
                type: 'function',
                function: { name: call.name, arguments: '' },
              },
            ],
          },
          finish_reason: null,
        },
      ]);
      for (let at = 0; at < call.arguments.length; at += piece) {
        send([
          {
            index: 0,
            delta: {
              tool_calls: [
                { index, function: { arguments: call.arguments.slice(at, at + piece) } },
              ],
            },
            finish_reason: null,
          },
        ]);
      }
    }
    send([
      {
        index: 0,
        delta: {},
        finish_reason: answer.toolCalls?.length ? 'tool_calls' : 'stop',
      },
    ]);
    if (includeUsage) send([], { usage: { ...(answer.usage ?? DEFAULT_USAGE), total_tokens: 0 } });
    res.end('data: [DONE]\n\n');
  }
}

const sleep = (ms: number) =>
  ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
