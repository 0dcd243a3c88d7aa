/**
 * Threads (API.md, Threads): a conversation with one agent. The thread is one record; each
 * message is its own item (never one growing record). Message ids are ULIDs that keep a turn
 * together: a user message's id ends in `000`, and the messages its turn adds (tool calls, their
 * results, the answer) take the same id with a sequence number in those three characters, so in
 * id order every turn follows its own question, even when the next question was sent (and
 * queued) while the turn ran.
 */
import { incrementBase32, ulid } from 'ulid';
import * as z from 'zod';
import { AGENT_ID_PATTERN } from '../ids.js';
import { messageTokens } from '../kernel/context-window.js';
import { type ModelMessage, renderForModel, type ToolCall } from '../kernel/model-provider.js';
import { PRIORITIES, type TaskUsage } from '../tasks/task.js';

/** Ten years: the longest a thread may keep its messages (0 keeps them for ever). */
export const MAX_THREAD_TTL_SECONDS = 10 * 365 * 86_400;

export const createThreadSchema = z.strictObject({
  agentId: z.string().regex(AGENT_ID_PATTERN, 'agentId must match ^[a-z0-9][a-z0-9-]{1,62}$'),
  metadata: z.record(z.string(), z.unknown()).default({}),
  ttlSeconds: z.number().int().min(0).max(MAX_THREAD_TTL_SECONDS).default(0),
});

export const postMessageSchema = z.strictObject({
  content: z.unknown().refine((value) => value !== undefined, 'required'),
  priority: z.enum(PRIORITIES).default('normal'),
  ifBusy: z.enum(['queue', 'reject']).default('queue'),
});

/** `GET /v1/threads?agentId=`. */
export const listThreadsSchema = z.object({ agentId: z.string().min(1).max(63).optional() });

/** `GET /v1/threads/{id}/messages?after=`: a message id (checked by listMessages). */
export const listMessagesSchema = z.object({ after: z.string().min(1).max(64).optional() });

export const THREAD_STATUSES = ['idle', 'busy'] as const;
export type ThreadStatus = (typeof THREAD_STATUSES)[number];

export interface Thread {
  id: string;
  agentId: string;
  status: ThreadStatus;
  /** Messages stored in it: the callers', and those of turns that ran. */
  messageCount: number;
  /** What its turns cost, summed. */
  usage: TaskUsage;
  createdAt: string;
  lastMessageAt: string | null;
  metadata: Record<string, unknown>;
  /** How long each message is kept; 0: for ever (extension). */
  ttlSeconds: number;
}

/** The turn lock (internal): the task whose turn it is, and where its question stands. */
export interface ThreadTurn {
  /** The task holding the thread's turn, or null. */
  taskId: string | null;
  /** Messages up to and including the holder's question, in id order (for `context.omitted`). */
  ordinal: number;
}

export interface ThreadRecord {
  thread: Thread;
  turn: ThreadTurn;
}

export type MessageRole = 'user' | 'assistant' | 'tool';

/** A message as stored: a thread's, or a plain task's own conversation while it waits. */
export interface StoredMessage {
  id: string;
  role: MessageRole;
  /** A user message's content is any JSON; the assistant's and tools' are text. */
  content: unknown;
  taskId: string | null;
  createdAt: string;
  toolCalls?: ToolCall[] | undefined;
  toolCallId?: string | undefined;
  name?: string | undefined;
  isError?: boolean | undefined;
  /** Estimated tokens as a model receives it, so that budgets need no re-counting. */
  tokens: number;
}

/** A message as the API shows it. */
export type ThreadMessage = Omit<StoredMessage, 'tokens'> & { threadId: string };

/** In API.md's order: id, threadId, role, content, taskId, createdAt, then the extensions. */
export function publicMessage(threadId: string, message: StoredMessage): ThreadMessage {
  const { id, role, content, taskId, createdAt, tokens: _t, ...extensions } = message;
  return { id, threadId, role, content, taskId, createdAt, ...extensions };
}

export function toModelMessage(message: StoredMessage): ModelMessage {
  switch (message.role) {
    case 'user':
      return { role: 'user', content: renderForModel(message.content) };
    case 'assistant':
      return {
        role: 'assistant',
        content: String(message.content),
        toolCalls: message.toolCalls ?? [],
      };
    case 'tool':
      return {
        role: 'tool',
        toolCallId: message.toolCallId ?? '',
        name: message.name ?? '',
        content: String(message.content),
        isError: message.isError ?? false,
      };
  }
}

/** A message of a turn (anything but the question) as stored. */
export function storedMessage(
  message: ModelMessage,
  fields: { id: string; taskId: string | null; createdAt: string },
): StoredMessage {
  const tokens = messageTokens(message);
  switch (message.role) {
    case 'system':
    case 'user':
      return { ...fields, role: 'user', content: message.content, tokens };
    case 'assistant':
      return {
        ...fields,
        role: 'assistant',
        content: message.content,
        ...(message.toolCalls.length ? { toolCalls: message.toolCalls } : {}),
        tokens,
      };
    case 'tool':
      return {
        ...fields,
        role: 'tool',
        content: message.content,
        toolCallId: message.toolCallId,
        name: message.name,
        isError: message.isError,
        tokens,
      };
  }
}

/** A user message as stored: its content as given, its tokens as the model will see it. */
export function userMessage(fields: {
  id: string;
  content: unknown;
  taskId: string;
  createdAt: string;
}): StoredMessage {
  return {
    ...fields,
    role: 'user',
    tokens: messageTokens({ role: 'user', content: renderForModel(fields.content) }),
  };
}

const TURN_SUFFIX = '000';
/** Messages one turn may add: three Crockford base32 characters, less the question's `000`. */
export const MAX_TURN_MESSAGES = 32 ** 3 - 1;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

let lastQuestionId = '';

/**
 * The id of a new user message: a ULID whose last three characters are `000`, increasing within
 * this process (a second message in the same millisecond gets the next id, as a monotonic ULID
 * would).
 */
export function newQuestionId(): string {
  let head = ulid().slice(0, 23);
  const lastHead = lastQuestionId.slice(0, 23);
  if (head <= lastHead) head = incrementBase32(lastHead);
  lastQuestionId = `${head}${TURN_SUFFIX}`;
  return lastQuestionId;
}

/** The id of the `seq`-th message (1-based) a turn adds after its question. */
export function turnMessageId(questionId: string, seq: number): string {
  if (!Number.isInteger(seq) || seq < 1 || seq > MAX_TURN_MESSAGES) {
    throw new RangeError(`a turn holds at most ${MAX_TURN_MESSAGES} messages`);
  }
  let suffix = '';
  for (let n = seq, i = 0; i < 3; i++, n = Math.floor(n / 32)) suffix = CROCKFORD[n % 32] + suffix;
  return `${questionId.slice(0, 23)}${suffix}`;
}

/**
 * The greatest id below `id` (ids have a fixed length): what precedes a question is everything
 * up to it, inclusive bounds being what key ranges take.
 */
export function idBefore(id: string): string {
  const chars = id.split('');
  for (let i = chars.length - 1; i >= 0; i--) {
    const at = CROCKFORD.indexOf(chars[i] as string);
    if (at > 0) {
      chars[i] = CROCKFORD[at - 1] as string;
      return chars.join('');
    }
    chars[i] = 'Z';
  }
  return '';
}

/** The last id a turn's messages can have: everything of the turn sorts up to it. */
export const turnEndId = (questionId: string): string => `${questionId.slice(0, 23)}ZZZ`;

/** The text a `thread.message` event carries: whole when short, else its beginning. */
export const MESSAGE_EVENT_CONTENT_LIMIT = 1000;

export function messageEventData(thread: Pick<Thread, 'id' | 'agentId'>, message: StoredMessage) {
  const text = renderForModel(message.content);
  const truncated = text.length > MESSAGE_EVENT_CONTENT_LIMIT;
  return {
    threadId: thread.id,
    agentId: thread.agentId,
    messageId: message.id,
    role: message.role,
    taskId: message.taskId,
    content: truncated ? text.slice(0, MESSAGE_EVENT_CONTENT_LIMIT) : text,
    truncated,
    ...(message.toolCalls?.length ? { toolCalls: message.toolCalls.map((c) => c.name) } : {}),
  };
}
