/**
 * A model provider for any server that speaks OpenAI's Chat Completions wire format: OpenAI
 * itself, Ollama, vLLM, LM Studio. One POST per call, no retries of its own: retries and
 * fallback belong to the caller, which decides from the `ModelCallError` this throws.
 * When the request carries a `stream`, the call asks for server-sent events (`stream: true`,
 * with usage in the last chunk), hands the text on as it comes, and assembles the chunks into
 * the very completion a plain call answers, read by the same code.
 *
 * Also home of `ToolNames`, the tool-name mapping both this and the Bedrock provider use: it
 * lives here because this module imports no SDK.
 */
import { randomUUID } from 'node:crypto';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import * as z from 'zod';
import type {
  ModelMessage,
  ModelProvider,
  ModelRequest,
  ModelResponse,
  ToolCall,
} from '../../core/kernel/model-provider.js';
import { ModelCallError, type ModelFailureReason } from '../../core/models/model-error.js';
import { openAiError, openAiStatusError, parseOkBody, serverMessage } from './openai-errors.js';
import { ToolNames } from './tool-names.js';

export interface OpenAiCompatibleProviderOptions {
  /** The API root, usually ending in `/v1` (`https://api.openai.com/v1`, `http://127.0.0.1:11434/v1`). */
  baseUrl: string;
  model: string;
  /** Sent as a bearer token when set; local servers usually need none. */
  apiKey?: string;
  fetchImpl?: typeof fetch;
  /** Bound on one call, on top of the caller's signal. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;

const wireToolCallSchema = z.object({
  id: z.string().min(1).optional(),
  function: z.object({
    name: z.string().min(1),
    // Some servers send the arguments as an object instead of a JSON string.
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
  }),
});

const completionSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          tool_calls: z.array(wireToolCallSchema).nullish(),
        }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: z
    .object({
      prompt_tokens: z.number().int().nonnegative().nullish(),
      completion_tokens: z.number().int().nonnegative().nullish(),
    })
    .nullish(),
});

type WireToolCall = z.output<typeof wireToolCallSchema>;
type Completion = z.output<typeof completionSchema>;

/** One `chat.completion.chunk`; the last one (with `stream_options.include_usage`) has usage. */
const chunkSchema = z.object({
  choices: z
    .array(
      z.object({
        index: z.number().int().nonnegative().nullish(),
        delta: z
          .object({
            content: z.string().nullish(),
            tool_calls: z
              .array(
                z.object({
                  index: z.number().int().nonnegative().nullish(),
                  id: z.string().nullish(),
                  function: z
                    .object({
                      name: z.string().nullish(),
                      arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
                    })
                    .nullish(),
                }),
              )
              .nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: completionSchema.shape.usage,
  error: z.unknown().optional(),
});

export class OpenAiCompatibleProvider implements ModelProvider {
  readonly name: string;
  readonly canStream = true;
  private readonly url: string;
  private readonly host: string;
  private readonly model: string;
  private readonly apiKey: string | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(options: OpenAiCompatibleProviderOptions) {
    const base = new URL(options.baseUrl);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new Error(`baseUrl must be an http(s) URL, got '${base.protocol}'`);
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
      throw new Error(`timeoutMs must be a positive integer, got ${timeoutMs}`);
    }
    this.name = `openai:${options.model}`;
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.host = base.host;
    this.model = options.model;
    this.apiKey = options.apiKey || undefined;
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.timeoutMs = timeoutMs;
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    if (!Number.isInteger(request.maxTokens) || request.maxTokens < 1) {
      throw this.error(`maxTokens must be at least 1, got ${request.maxTokens}`, 'invalid-request');
    }
    const names = ToolNames.of(request);
    const body = {
      model: this.model,
      messages: request.messages.map((m) => toWireMessage(m, names)),
      max_tokens: request.maxTokens,
      ...(request.stream && { stream: true, stream_options: { include_usage: true } }),
      ...(request.tools.length > 0 && {
        tools: request.tools.map((tool) => ({
          type: 'function',
          function: {
            name: names.toWire(tool.name),
            description: tool.description,
            parameters: tool.inputSchema,
          },
        })),
      }),
    };
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    const signal = AbortSignal.any([request.signal, AbortSignal.timeout(this.timeoutMs)]);

    let response: Response;
    let text: string | undefined;
    try {
      response = await this.fetchImpl(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal,
      });
      // Read inside the try: a connection dropped mid-body is a network failure too.
      if (!request.stream || !isEventStream(response)) text = await response.text();
    } catch (error) {
      throw this.transportError(error, request.signal, signal);
    }
    const { status } = response;
    if (status < 200 || status > 299) throw this.statusError(status, text ?? '');
    if (text !== undefined) {
      return this.toResponse(
        parseOkBody(text, completionSchema, (message) => this.error(message, 'other')),
        names,
      );
    }
    return this.toResponse(await this.readStream(response, request, signal), names);
  }

  /**
   * Reads the server-sent events of a streamed answer into the completion a plain call would
   * have answered: content joined, tool calls assembled by index (arguments joined), the last
   * finish reason, the usage chunk.
   */
  private async readStream(
    response: Response,
    request: ModelRequest,
    signal: AbortSignal,
  ): Promise<Completion> {
    let content = '';
    let finish: string | null = null;
    let usage: Completion['usage'] = null;
    let done = false;
    const calls = new Map<number, { id?: string; name: string; args: string | object }>();
    try {
      if (!response.body) throw this.error('answered 200 with no body', 'other');
      const events = response.body
        .pipeThrough(new TextDecoderStream())
        .pipeThrough(new EventSourceParserStream());
      for await (const event of events) {
        if (event.data === '[DONE]') {
          done = true;
          break;
        }
        let json: unknown;
        try {
          json = JSON.parse(event.data);
        } catch {
          throw this.error('streamed an event that is not JSON', 'other');
        }
        const parsed = chunkSchema.safeParse(json);
        if (!parsed.success) throw this.error('streamed an unexpected chunk', 'other');
        const chunk = parsed.data;
        if (chunk.error !== undefined) {
          const detail = serverMessage(JSON.stringify({ error: chunk.error }));
          throw this.error(`failed while streaming: ${detail}`, 'unavailable');
        }
        if (chunk.usage) usage = chunk.usage;
        for (const choice of chunk.choices ?? []) {
          if ((choice.index ?? 0) !== 0) continue;
          const piece = choice.delta?.content;
          if (piece) {
            content += piece;
            request.stream?.text(piece);
          }
          for (const [position, call] of (choice.delta?.tool_calls ?? []).entries()) {
            const index = call.index ?? position;
            const known = calls.get(index) ?? { name: '', args: '' };
            if (call.id && !known.id) known.id = call.id;
            // A name comes whole, once; a server that repeats it is not read twice.
            if (call.function?.name && !known.name) known.name = call.function.name;
            const args = call.function?.arguments;
            if (typeof args === 'string') {
              known.args = typeof known.args === 'string' ? known.args + args : known.args;
            } else if (args) known.args = args;
            calls.set(index, known);
          }
          if (choice.finish_reason) finish = choice.finish_reason;
        }
      }
    } catch (error) {
      if (error instanceof ModelCallError) throw error;
      throw this.transportError(error, request.signal, signal);
    }
    if (!done && finish === null) {
      throw this.error('the stream ended before the answer did', 'network');
    }
    const toolCalls = [...calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, call]) => ({
        ...(call.id ? { id: call.id } : {}),
        function: { name: call.name, arguments: call.args as string | Record<string, unknown> },
      }));
    return {
      choices: [
        {
          message: { content, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
          finish_reason: finish,
        },
      ],
      usage,
    };
  }

  private toResponse(body: Completion, names: ToolNames): ModelResponse {
    const choice = body.choices[0]!;
    const toolCalls = (choice.message.tool_calls ?? []).map((call) => toToolCall(call, names));
    const finish = choice.finish_reason;
    return {
      text: choice.message.content ?? '',
      toolCalls,
      stopReason:
        finish === 'length'
          ? 'max_tokens'
          : finish === 'tool_calls' || finish === 'function_call' || toolCalls.length > 0
            ? 'tool_use'
            : 'end_turn',
      usage: {
        inputTokens: body.usage?.prompt_tokens ?? 0,
        outputTokens: body.usage?.completion_tokens ?? 0,
        costUsd: 0,
      },
    };
  }

  private transportError(error: unknown, callerSignal: AbortSignal, signal: AbortSignal) {
    if (callerSignal.aborted) return this.error('the call was aborted by its caller', 'timeout');
    if (signal.aborted) return this.error(`no answer within ${this.timeoutMs} ms`, 'timeout');
    const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
    const detail =
      typeof cause?.code === 'string'
        ? cause.code
        : typeof cause?.message === 'string'
          ? cause.message
          : error instanceof Error
            ? error.message
            : String(error);
    return this.error(`network error calling ${this.host}: ${detail}`, 'network');
  }

  private statusError(status: number, body: string): ModelCallError {
    return openAiStatusError(this.name, status, body, this.apiKey);
  }

  private error(message: string, reason: ModelFailureReason, status?: number): ModelCallError {
    return openAiError(this.name, message, reason, status, this.apiKey);
  }
}

/** A streamed answer; a server that ignored `stream` answers plain JSON, read as such. */
const isEventStream = (response: Response): boolean =>
  (response.headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream');

function toWireMessage(message: ModelMessage, names: ToolNames) {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'assistant':
      // OpenAI rejects an empty `tool_calls` array, so a plain answer carries none.
      if (message.toolCalls.length === 0) return { role: 'assistant', content: message.content };
      return {
        role: 'assistant',
        content: message.content || null,
        tool_calls: message.toolCalls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: names.toWire(call.name), arguments: JSON.stringify(call.input ?? {}) },
        })),
      };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}

/**
 * Arguments that are not JSON are handed on as the raw string, not as `{}`: the tool's input
 * schema then rejects them and the model is told its input was invalid, whereas `{}` could run
 * a tool whose fields are all optional with inputs the model never chose.
 */
function toToolCall(call: WireToolCall, names: ToolNames): ToolCall {
  const raw = call.function.arguments;
  let input: unknown = raw ?? {};
  if (typeof raw === 'string') {
    if (raw.trim() === '') input = {};
    else {
      try {
        input = JSON.parse(raw);
      } catch {
        input = raw;
      }
    }
  }
  return {
    id: call.id ?? `call_${randomUUID()}`,
    name: names.fromWire(call.function.name),
    input,
  };
}
