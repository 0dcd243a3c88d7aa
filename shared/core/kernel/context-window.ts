/**
 * What one model call receives of a conversation, bounded by the agent's `limits.contextTokens`:
 * the task's question always, then the newest messages that fit. Token counts are estimates (a
 * quarter of the characters, like the deterministic providers count), enough to keep a call
 * within a budget without a tokenizer per model.
 */
import { estimateTokens, type ModelMessage } from './model-provider.js';

/** Framing each message costs beyond its text (role, separators), roughly. */
const MESSAGE_OVERHEAD_TOKENS = 4;

export function messageTokens(message: ModelMessage): number {
  const calls =
    message.role === 'assistant' && message.toolCalls.length > 0
      ? estimateTokens(JSON.stringify(message.toolCalls))
      : 0;
  return estimateTokens(message.content) + calls + MESSAGE_OVERHEAD_TOKENS;
}

export interface ContextWindow {
  messages: ModelMessage[];
  /** Messages of the conversation left out. */
  omitted: number;
}

/**
 * `pinned` (what the task asks: its input, a thread's newest user message) is always kept. After
 * it come the task's own messages (its tool calls and results), newest first while they fit;
 * before it the history, newest first with what budget is left, but only when nothing of the
 * task's own was left out (newer goes first). A window never starts with an answer or a tool
 * result whose question or call was left out: providers refuse those.
 */
export function fitContext(
  messages: readonly ModelMessage[],
  pinned: number,
  budget: number,
): ContextWindow {
  const question = messages[pinned];
  if (!question) return { messages: [...messages], omitted: 0 };
  let left = budget - messageTokens(question);
  let afterStart = messages.length;
  for (let i = messages.length - 1; i > pinned; i--) {
    const tokens = messageTokens(messages[i] as ModelMessage);
    if (tokens > left) break;
    left -= tokens;
    afterStart = i;
  }
  const cutAfter = afterStart > pinned + 1;
  // Tool results whose call was left out cannot follow the question.
  while (cutAfter && afterStart < messages.length && messages[afterStart]?.role === 'tool') {
    afterStart++;
  }
  let beforeStart = pinned;
  if (!cutAfter) {
    for (let i = pinned - 1; i >= 0; i--) {
      const tokens = messageTokens(messages[i] as ModelMessage);
      if (tokens > left) break;
      left -= tokens;
      beforeStart = i;
    }
    // History starts with a question: never an answer or a tool result cut from its call.
    while (beforeStart < pinned && messages[beforeStart]?.role !== 'user') beforeStart++;
  }
  const window = [...messages.slice(beforeStart, pinned + 1), ...messages.slice(afterStart)];
  return { messages: window, omitted: messages.length - window.length };
}
