/**
 * A model provider for any server that speaks OpenAI's Chat Completions wire format: OpenAI
 * itself, Ollama, vLLM, LM Studio. One POST per call, no retries of its own: retries and
 * fallback belong to the caller, which decides from the `ModelCallError` this throws.
 *
 * Also home of `ToolNames`, the tool-name mapping both this and the Bedrock provider use: it
 * lives here because this module imports no SDK.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type {
  ModelMessage,
  ModelProvider,
  ModelRequest,
  ModelResponse,
  ToolCall,
} from '../../core/kernel/model-provider.js';
import type { ModelCallError, ModelFailureReason } from '../../core/models/model-error.js';
import { openAiError, openAiStatusError, parseOkBody } from './openai-errors.js';
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

export class OpenAiCompatibleProvider implements ModelProvider {
  readonly name: string;
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

    let status: number;
    let text: string;
    try {
      const response = await this.fetchImpl(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal,
      });
      status = response.status;
      // Read inside the try: a connection dropped mid-body is a network failure too.
      text = await response.text();
    } catch (error) {
      throw this.transportError(error, request.signal, signal);
    }
    if (status < 200 || status > 299) throw this.statusError(status, text);
    return this.toResponse(text, names);
  }

  private toResponse(text: string, names: ToolNames): ModelResponse {
    const body = parseOkBody(text, completionSchema, (message) => this.error(message, 'other'));
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
