/**
 * A thread's turns: one at a time, in the order their questions came. The turn is a lock on the
 * thread record held by the running turn's task id, moved only by conditional writes: taken by a
 * message sent to an idle thread, handed to the oldest waiting question when a turn ends (however
 * it ends), released when none waits. A waiting approval keeps it: the turn has not ended.
 *
 * Also what the worker reads for a turn: the thread's history, newest first and bounded by the
 * agent's context budget, so a turn costs the same whatever the thread's length.
 */

import type { OutgoingEvent } from '../../../events/envelope.js';
import { threadMessage } from '../../../events/thread-events.js';
import { createEvent, type EventContext } from '../events.js';
import { messageTokens } from '../kernel/context-window.js';
import { type ModelMessage, renderForModel } from '../kernel/model-provider.js';
import type { Clock, Page, PageRequest, TaskQueue, TaskStore } from '../ports.js';
import { isFinished, type Task } from '../tasks/task.js';
import { envelopeOf } from '../tasks/task-service.js';
import type { TaskConversationStore, ThreadStore } from './ports.js';
import {
  idBefore,
  messageEventData,
  type StoredMessage,
  storedMessage,
  type Thread,
  toModelMessage,
  turnEndId,
  turnMessageId,
} from './thread.js';

export interface TurnDeps {
  threads: ThreadStore;
  tasks: TaskStore;
  queue: TaskQueue;
  clock: Clock;
}

/** Messages read per page of history, at most. */
export const HISTORY_PAGE = 100;
/** Pages a turn reads at most: the number of messages it reads never depends on the thread. */
export const HISTORY_MAX_PAGES = 5;
/** The fewest tokens a stored message counts (its framing): a page never asks for more. */
const MIN_MESSAGE_TOKENS = 5;

/**
 * A turn ended (succeeded, failed, cancelled, dead-lettered): its thread's counters take what it
 * added, and the turn goes to the oldest waiting question, or the thread is idle. A task that
 * never held the turn (it was cancelled while waiting) leaves the queue. Safe to repeat.
 */
export async function endTurn(deps: TurnDeps, task: Task): Promise<void> {
  if (!task.threadId || !task.turn || !isFinished(task.status)) return;
  const released = await deps.threads.unlock(task.threadId, task.id, {
    messages: task.turn.added,
    settled: task.turn.added,
    usage: task.usage,
    at: deps.clock.now().toISOString(),
  });
  if (!released && (await deps.threads.removeWaiting(task.threadId, task.turn.messageId))) {
    // A question that never had its turn still precedes the later ones in the history.
    await deps.threads.count(task.threadId, { messages: 0, settled: 1 }).catch(() => undefined);
  }
  await promote(deps, task.threadId);
}

/**
 * Gives an idle thread's turn to its oldest waiting question and sends that task to its queue.
 * Finishes a hand-over a fault cut short (the turn given, the task not sent).
 */
export async function promote(deps: TurnDeps, threadId: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const next = await deps.threads.oldestWaiting(threadId);
    if (!next) return;
    const turn = await deps.threads.lock(threadId, next.taskId, { messages: 0, settled: 1 });
    if (!turn) {
      const record = await deps.threads.get(threadId);
      // Busy with another turn: that turn's end hands on. Held by `next` itself: finish it.
      if (record?.turn.taskId !== next.taskId) return;
    }
    const task = await deps.tasks.get(next.taskId);
    if (task && !isFinished(task.status)) {
      await deps.queue.enqueue([envelopeOf(task)]);
      await deps.threads.removeWaiting(threadId, next.messageId);
      return;
    }
    // Ended while it waited (cancelled): the turn goes on to the next one.
    await deps.threads.removeWaiting(threadId, next.messageId);
    await deps.threads.unlock(threadId, next.taskId, { messages: 0, settled: 0 });
  }
}

/**
 * Whether a delivered turn may run: its task holds the thread's turn. Answers the turn's
 * position, or undefined (the task waits for its turn, or ended; an idle thread is handed to its
 * oldest question).
 */
export async function checkTurn(
  deps: TurnDeps,
  threadId: string,
  taskId: string,
): Promise<{ ordinal: number; thread: Thread } | undefined> {
  const record = await deps.threads.get(threadId);
  if (!record) return undefined;
  if (record.turn.taskId === taskId) return { ordinal: record.turn.ordinal, thread: record.thread };
  if (record.turn.taskId === null) await promote(deps, threadId);
  return undefined;
}

/** What a model call starts from: the conversation, the question's place in it, what was left out. */
export interface LoadedConversation {
  conversation: ModelMessage[];
  pinned: number;
  omittedBefore: number;
}

/**
 * Reads newest first until `budget` tokens are filled (a message that does not fit ends it) or
 * HISTORY_MAX_PAGES pages were read; answers oldest first.
 */
export async function readNewest(
  page: (request: PageRequest) => Promise<Page<StoredMessage>>,
  budget: number,
): Promise<StoredMessage[]> {
  const read: StoredMessage[] = [];
  let left = budget;
  let cursor: string | undefined;
  for (let i = 0; i < HISTORY_MAX_PAGES && left >= MIN_MESSAGE_TOKENS; i++) {
    // No more items than the budget left could take, so a small budget reads little.
    const limit = Math.min(HISTORY_PAGE, Math.ceil(left / MIN_MESSAGE_TOKENS));
    const result = await page({ limit, cursor });
    for (const message of result.items) {
      if (message.tokens > left) return read.reverse();
      left -= message.tokens;
      read.push(message);
    }
    if (!result.nextCursor) break;
    cursor = result.nextCursor;
  }
  return read.reverse();
}

/**
 * The conversation a task's loop starts with. A plain task: its input, and what it stored while
 * it waited. A thread's turn: the history before its question (newest first, within what the
 * budget leaves), the question, and what the turn stored while it waited. Newer goes first: the
 * turn's own messages, then the history.
 */
export async function loadConversation(
  deps: { threads?: ThreadStore | undefined; conversations?: TaskConversationStore | undefined },
  task: Task,
  budget: number,
  ordinal: number,
): Promise<LoadedConversation> {
  const question: ModelMessage = { role: 'user', content: renderForModel(task.input) };
  let left = budget - messageTokens(question);
  const stored = task.suspended?.stored ?? 0;
  const threads = deps.threads;
  if (task.threadId && task.turn && threads) {
    const { threadId, turn } = { threadId: task.threadId, turn: task.turn };
    const own =
      stored > 0
        ? await readNewest(
            (page) =>
              threads.newestMessages(
                threadId,
                { from: turnMessageId(turn.messageId, 1), to: turnEndId(turn.messageId) },
                page,
              ),
            left,
          )
        : [];
    left -= own.reduce((sum, m) => sum + m.tokens, 0);
    const history =
      own.length === stored && ordinal > 1
        ? await readNewest(
            (page) => threads.newestMessages(threadId, { to: idBefore(turn.messageId) }, page),
            left,
          )
        : [];
    return {
      conversation: [...history.map(toModelMessage), question, ...own.map(toModelMessage)],
      pinned: history.length,
      omittedBefore: Math.max(0, ordinal - 1 - history.length) + (stored - own.length),
    };
  }
  const conversations = deps.conversations;
  const own =
    stored > 0 && conversations
      ? await readNewest((page) => conversations.newest(task.id, page), left)
      : [];
  return {
    conversation: [question, ...own.map(toModelMessage)],
    pinned: 0,
    omittedBefore: stored - own.length,
  };
}

/**
 * Stores what a run added to a task's conversation, after what it stored before: a thread's
 * messages (ids after the question's), or a plain task's own items (only needed while it waits).
 */
export async function storeAdded(
  deps: { threads?: ThreadStore | undefined; conversations?: TaskConversationStore | undefined },
  task: Task,
  thread: Thread | undefined,
  added: ModelMessage[],
  now: Date,
): Promise<StoredMessage[]> {
  const from = task.suspended?.stored ?? 0;
  const createdAt = now.toISOString();
  if (task.turn && thread && deps.threads) {
    const questionId = task.turn.messageId;
    const messages = added.map((message, i) =>
      storedMessage(message, {
        id: turnMessageId(questionId, from + i + 1),
        taskId: task.id,
        createdAt,
      }),
    );
    await deps.threads.putMessages(thread.id, messages, thread.ttlSeconds);
    return messages;
  }
  if (!deps.conversations) throw new Error('no conversation store is configured for this worker');
  const messages = added.map((message, i) =>
    storedMessage(message, {
      id: String(from + i + 1).padStart(6, '0'),
      taskId: task.id,
      createdAt,
    }),
  );
  await deps.conversations.put(task.id, messages);
  return messages;
}

/** `thread.message` for each message, with the thread and its agent named. */
export function messageEvents(
  thread: Pick<Thread, 'id' | 'agentId'>,
  messages: StoredMessage[],
  ctx: EventContext,
): OutgoingEvent[] {
  return messages.map((message) =>
    createEvent(threadMessage, messageEventData(thread, message), ctx),
  );
}
