/**
 * A model provider for Amazon Bedrock's Converse API: one `ConverseCommand` per call, whatever
 * the model family. Retries are the client's (its `maxAttempts`) and then the caller's, which
 * decides from the `ModelCallError` this throws.
 */
import {
  type BedrockRuntimeClient,
  type ContentBlock,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseCommandOutput,
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
    let output: ConverseCommandOutput;
    try {
      output = await this.client.send(new ConverseCommand(this.toInput(request, names)), {
        abortSignal: request.signal,
        // A Converse call is silent until the whole answer is ready, which may take minutes; the
        // caller's signal is its bound, not the shared handler's 30-second request warning.
        requestTimeout: 0,
      });
    } catch (error) {
      throw this.callError(error, request.signal);
    }
    return this.toResponse(output, names);
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
