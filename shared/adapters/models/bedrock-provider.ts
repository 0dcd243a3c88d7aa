/**
 * A model provider for Amazon Bedrock's Converse API: one `ConverseCommand` per call, whatever
 * the model family, or one `ConverseStreamCommand` when the request carries a `stream`: its
 * events are assembled into the output Converse would have given, read by the same code.
 * Retries are the client's (its `maxAttempts`) and then the caller's, which decides from the
 * `ModelCallError` this throws.
 */
import {
  type BedrockRuntimeClient,
  type ContentBlock,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseCommandOutput,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  type Message,
  type ToolUseBlock,
} from '@aws-sdk/client-bedrock-runtime';
import type {
  ModelMessage,
  ModelProvider,
  ModelRequest,
  ModelResponse,
  ToolCall,
} from '../../core/kernel/model-provider.js';
import type { ModelCallError, ModelFailureReason } from '../../core/models/model-error.js';
import { bedrockCallError, bedrockError } from './bedrock-errors.js';
import { ToolNames } from './tool-names.js';

export interface BedrockConverseProviderOptions {
  client: BedrockRuntimeClient;
  /** A model id or inference profile, e.g. `anthropic.claude-3-5-haiku-20241022-v1:0`. */
  modelId: string;
}

type Document = NonNullable<ToolUseBlock['input']>;

export class BedrockConverseProvider implements ModelProvider {
  readonly name: string;
  readonly canStream = true;
  private readonly client: BedrockRuntimeClient;
  private readonly modelId: string;

  constructor(options: BedrockConverseProviderOptions) {
    this.client = options.client;
    this.modelId = options.modelId;
    this.name = `bedrock:${options.modelId}`;
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    if (!Number.isInteger(request.maxTokens) || request.maxTokens < 1) {
      throw this.error(`maxTokens must be at least 1, got ${request.maxTokens}`, 'invalid-request');
    }
    const names = ToolNames.of(request);
    // A Converse call is silent until the whole answer is ready, which may take minutes; the
    // caller's signal is its bound, not the shared handler's 30-second request warning.
    const options = { abortSignal: request.signal, requestTimeout: 0 };
    let output: ConverseCommandOutput;
    try {
      if (request.stream) {
        const streamed = await this.client.send(
          new ConverseStreamCommand(this.toInput(request, names)),
          options,
        );
        output = await this.readStream(streamed.stream, request);
      } else {
        output = await this.client.send(new ConverseCommand(this.toInput(request, names)), options);
      }
    } catch (error) {
      throw this.callError(error, request.signal);
    }
    return this.toResponse(output, names);
  }

  /**
   * ConverseStream's events as the output Converse answers: text blocks joined, tool-use input
   * (streamed as JSON text) parsed once its block is complete, the stop reason and the usage.
   */
  private async readStream(
    stream: AsyncIterable<ConverseStreamOutput> | undefined,
    request: ModelRequest,
  ): Promise<ConverseCommandOutput> {
    if (!stream) throw this.error('answered without a stream', 'other');
    const blocks = new Map<
      number,
      { text?: string; toolUse?: { id: string; name: string; input: string } }
    >();
    let stopReason: ConverseCommandOutput['stopReason'];
    let usage: ConverseCommandOutput['usage'];
    let stopped = false;
    for await (const event of stream) {
      const failure =
        event.internalServerException ??
        event.modelStreamErrorException ??
        event.validationException ??
        event.throttlingException ??
        event.serviceUnavailableException;
      if (failure) throw failure;
      if (event.contentBlockStart) {
        const { contentBlockIndex = 0, start } = event.contentBlockStart;
        const toolUse = start?.toolUse;
        if (toolUse) {
          blocks.set(contentBlockIndex, {
            toolUse: { id: toolUse.toolUseId ?? '', name: toolUse.name ?? '', input: '' },
          });
        }
      } else if (event.contentBlockDelta) {
        const { contentBlockIndex = 0, delta } = event.contentBlockDelta;
        const block = blocks.get(contentBlockIndex) ?? {};
        if (typeof delta?.text === 'string') {
          block.text = (block.text ?? '') + delta.text;
          request.stream?.text(delta.text);
        } else if (delta?.toolUse && block.toolUse) {
          block.toolUse.input += delta.toolUse.input ?? '';
        }
        // Reasoning and citations are not part of the answer.
        blocks.set(contentBlockIndex, block);
      } else if (event.messageStop) {
        stopReason = event.messageStop.stopReason;
        stopped = true;
      } else if (event.metadata) {
        usage = event.metadata.usage;
      }
    }
    if (!stopped) throw this.error('the stream ended before the answer did', 'network');
    const content: ContentBlock[] = [];
    for (const [, block] of [...blocks].sort(([a], [b]) => a - b)) {
      if (block.toolUse) {
        const { id, name, input } = block.toolUse;
        content.push({ toolUse: { toolUseId: id, name, input: parseToolInput(input) } });
      } else if (block.text !== undefined) content.push({ text: block.text });
    }
    return {
      output: { message: { role: 'assistant', content } },
      stopReason,
      usage,
      metrics: undefined,
      $metadata: {},
    } as ConverseCommandOutput;
  }

  private toInput(request: ModelRequest, names: ToolNames): ConverseCommandInput {
    const system = request.messages.flatMap((m) =>
      m.role === 'system' ? [{ text: m.content }] : [],
    );
    // Converse wants user and assistant turns to alternate: consecutive messages of one role
    // (the results of several tool calls, above all) become the blocks of one message.
    const messages: Message[] = [];
    for (const message of request.messages) {
      const turn = toTurn(message, names);
      if (!turn) continue;
      const last = messages.at(-1);
      if (last?.role === turn.role) last.content = [...(last.content ?? []), ...turn.content];
      else messages.push(turn);
    }
    return {
      modelId: this.modelId,
      messages,
      ...(system.length > 0 && { system }),
      inferenceConfig: { maxTokens: request.maxTokens },
      ...(request.tools.length > 0 && {
        toolConfig: {
          tools: request.tools.map((tool) => ({
            toolSpec: {
              name: names.toWire(tool.name),
              description: tool.description,
              inputSchema: { json: tool.inputSchema as Document },
            },
          })),
        },
      }),
    };
  }

  private toResponse(output: ConverseCommandOutput, names: ToolNames): ModelResponse {
    const content = output.output?.message?.content;
    if (!content) throw this.error('answered without a message', 'other');
    let text = '';
    const toolCalls: ToolCall[] = [];
    for (const block of content) {
      if (typeof block.text === 'string') text += block.text;
      else if (block.toolUse) {
        const { toolUseId, name, input } = block.toolUse;
        if (!toolUseId || !name)
          throw this.error('answered a tool use without id or name', 'other');
        toolCalls.push({ id: toolUseId, name: names.fromWire(name), input: input ?? {} });
      }
      // Reasoning, citations and other blocks are not part of the answer.
    }
    const stop = output.stopReason;
    return {
      text,
      toolCalls,
      stopReason:
        stop === 'tool_use'
          ? 'tool_use'
          : stop === 'max_tokens' || stop === 'model_context_window_exceeded'
            ? 'max_tokens'
            : 'end_turn',
      usage: {
        inputTokens: output.usage?.inputTokens ?? 0,
        outputTokens: output.usage?.outputTokens ?? 0,
        // The router prices tokens; the provider only counts them.
        costUsd: 0,
      },
    };
  }

  private callError(error: unknown, signal: AbortSignal): ModelCallError {
    return bedrockCallError(this.name, error, signal);
  }

  private error(message: string, reason: ModelFailureReason, status?: number): ModelCallError {
    return bedrockError(this.name, message, reason, status);
  }
}

/**
 * Streamed tool input is JSON text; Converse gives the parsed document. Text that is not JSON is
 * handed on as is: the tool's schema refuses it and the model is told, rather than run with `{}`.
 */
function parseToolInput(text: string): Document {
  if (text.trim() === '') return {} as Document;
  try {
    return JSON.parse(text) as Document;
  } catch {
    return text as unknown as Document;
  }
}

function toTurn(
  message: ModelMessage,
  names: ToolNames,
): { role: 'user' | 'assistant'; content: ContentBlock[] } | undefined {
  switch (message.role) {
    case 'system':
      return undefined;
    case 'user':
      return { role: 'user', content: [{ text: message.content }] };
    case 'assistant': {
      // Converse rejects blank text blocks, so an assistant turn that only calls tools has none.
      const content: ContentBlock[] = message.content ? [{ text: message.content }] : [];
      for (const call of message.toolCalls) {
        content.push({
          toolUse: {
            toolUseId: call.id,
            name: names.toWire(call.name),
            input: (call.input ?? {}) as Document,
          },
        });
      }
      return { role: 'assistant', content };
    }
    case 'tool':
      return {
        role: 'user',
        content: [
          {
            toolResult: {
              toolUseId: message.toolCallId,
              content: [{ text: message.content }],
              status: message.isError ? 'error' : 'success',
            },
          },
        ],
      };
  }
}
