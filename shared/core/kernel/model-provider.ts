/** The one interface every model provider implements, and the deterministic built-in ones. */
import { abortableSleep } from '../abortable-sleep.js';
import { TaskAttemptError } from '../errors.js';
import { DEFAULT_ROUTES } from '../models/route-config.js';
import type { ModelSpec, ProviderSpec, ScriptedTurn } from './model-spec.js';

export interface ToolCall {
  id: string;
  name: string;
  input: unknown;
}

export type ModelMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls: ToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string; isError: boolean };

export interface ToolDescriptor {
  name: string;
  description: string;
  inputSchema: unknown;
}

export interface ModelRequest {
  messages: ModelMessage[];
  tools: ToolDescriptor[];
  maxTokens: number;
  signal: AbortSignal;
  /**
   * Given when someone watches the answer being written: a provider that can stream asks its
   * model to, and hands on the text as it comes. The response is the same either way.
   */
  stream?: AnswerStream;
}

/** Where a streaming provider puts the answer's text as it arrives. */
export interface AnswerStream {
  text(chunk: string): void;
  /** The call is being tried again (a retry, a fallback): the text handed on so far is void. */
  restart(): void;
}

export interface ModelResponse {
  text: string;
  toolCalls: ToolCall[];
  stopReason: 'end_turn' | 'tool_use' | 'max_tokens';
  usage: {
    inputTokens: number;
    outputTokens: number;
    costUsd: number;
    /** False when the model that answered is not in the price table (its cost counts 0). */
    priced?: boolean;
  };
}

export interface ModelProvider {
  /** Name recorded on model steps, e.g. `echo` or `bedrock:anthropic.claude-...`. */
  readonly name: string;
  /** Whether `complete` streams when the request asks (`stream`); the deterministic ones do not. */
  readonly canStream?: boolean;
  complete(request: ModelRequest): Promise<ModelResponse>;
}

/** Deterministic providers count tokens as a quarter of the characters, like many tokenizers. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

const render = (value: unknown): string =>
  typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null');

/**
 * What was asked last: the newest user message (a plain task's input; a thread's newest message,
 * with the earlier ones before it).
 */
const lastUserMessage = (messages: ModelMessage[]): string =>
  messages.findLast((m) => m.role === 'user')?.content ?? '';

/**
 * Model calls already made for the newest question: one assistant message each. Counted from the
 * conversation, so a loop that goes on after a person's decision (a new provider, a new attempt)
 * takes the next turn, not the first again.
 */
const callsSinceQuestion = (messages: ModelMessage[]): number => {
  const question = messages.findLastIndex((m) => m.role === 'user');
  return messages.slice(question + 1).filter((m) => m.role === 'assistant').length;
};

const inputTokensOf = (messages: ModelMessage[]): number =>
  messages.reduce((sum, m) => sum + estimateTokens(m.content), 0);

/** Answers with the task input (in a thread: the newest message). */
export class EchoProvider implements ModelProvider {
  readonly name = 'echo';

  async complete({ messages }: ModelRequest): Promise<ModelResponse> {
    const text = lastUserMessage(messages);
    return {
      text,
      toolCalls: [],
      stopReason: 'end_turn',
      usage: {
        inputTokens: inputTokensOf(messages),
        outputTokens: estimateTokens(text),
        costUsd: 0,
      },
    };
  }
}

/**
 * Plays its turns in order, one per model call of a task (of a thread's turn: each turn starts
 * at the first). Text turns fill in `{{input}}` (the newest user message) and
 * `{{lastToolResult}}`. Attempts below `failUntilAttempt` fail with a retryable error, as a
 * throttled or unavailable model would.
 */
export class ScriptedProvider implements ModelProvider {
  readonly name = 'scripted';
  /** Turns played before this attempt's first call (a loop going on after a decision). */
  private before: number | undefined;
  private calls = 0;

  constructor(
    private readonly turns: ScriptedTurn[],
    private readonly attempt: number,
    private readonly failUntilAttempt: number | undefined,
  ) {}

  async complete({ messages, signal }: ModelRequest): Promise<ModelResponse> {
    if (this.failUntilAttempt !== undefined && this.attempt < this.failUntilAttempt) {
      throw new TaskAttemptError(
        'ModelUnavailable',
        `scripted model fails attempts below ${this.failUntilAttempt} (this is attempt ${this.attempt})`,
        true,
      );
    }
    // Counted from the conversation once, then by this provider: a long turn's window leaves its
    // oldest calls out, and counting what the window shows would play a turn again.
    this.before ??= callsSinceQuestion(messages);
    const callIndex = this.before + this.calls++;
    const turn = this.turns[callIndex];
    if (!turn) {
      throw new TaskAttemptError(
        'ScriptExhausted',
        `scripted model has ${this.turns.length} turns and was called a ${callIndex + 1}th time`,
        false,
      );
    }
    if (turn.delayMs) await abortableSleep(turn.delayMs, signal);
    const inputTokens = inputTokensOf(messages);
    if ('toolCalls' in turn) {
      const toolCalls = turn.toolCalls.map((call, i) => ({
        id: `call-${callIndex}-${i}`,
        name: call.name,
        input: call.input,
      }));
      return {
        text: '',
        toolCalls,
        stopReason: 'tool_use',
        usage: { inputTokens, outputTokens: estimateTokens(render(toolCalls)), costUsd: 0 },
      };
    }
    const values: Record<string, string> = {
      input: lastUserMessage(messages),
      lastToolResult: [...messages].reverse().find((m) => m.role === 'tool')?.content ?? '',
    };
    // One pass with a function: the filled-in values are taken literally, never as templates
    // or `$` replacement patterns.
    const text = turn.text.replace(
      /\{\{(input|lastToolResult)\}\}/g,
      (_, name: string) => values[name] ?? '',
    );
    return {
      text,
      toolCalls: [],
      stopReason: 'end_turn',
      usage: { inputTokens, outputTokens: estimateTokens(text), costUsd: 0 },
    };
  }
}

/**
 * The deterministic provider for one attempt of a task (`echo`, `scripted`, or the built-in
 * `default` route). Scripted providers keep per-attempt state. Real providers (Bedrock, OpenAI-
 * compatible) are built by the runtime's provider factory, which falls back to this one.
 */
export function providerFor(spec: ModelSpec, attempt: number): ModelProvider {
  const target: ProviderSpec | undefined = 'route' in spec ? DEFAULT_ROUTES[spec.route]?.[0] : spec;
  switch (target?.provider) {
    case 'echo':
      return new EchoProvider();
    case 'scripted':
      return new ScriptedProvider(target.turns, attempt, target.failUntilAttempt);
    default:
      throw new TaskAttemptError(
        'ProviderNotConfigured',
        `model ${JSON.stringify(spec)} needs a provider this runtime has not configured`,
        false,
      );
  }
}

export { render as renderForModel };
