/**
 * What the threads core needs from storage. A thread is a record (the thread and its turn lock)
 * plus one item per message and one per question waiting for its turn; the turn lock moves by
 * conditional writes only, so it holds across processes (Lambda containers) with no memory.
 */
import type { Page, PageRequest } from '../ports.js';
import type { TaskUsage } from '../tasks/task.js';
import type { StoredMessage, Thread, ThreadRecord, ThreadTurn } from './thread.js';

export interface WaitingTurn {
  /** The question, whose id orders the waiting turns. */
  messageId: string;
  taskId: string;
}

/** Changes to a thread's counters made with a turn-lock change. */
export interface ThreadCounts {
  /** Added to `messageCount`. */
  messages: number;
  /** Added to the count of messages that precede the next turn's question (internal). */
  settled: number;
  usage?: TaskUsage | undefined;
  at?: string | undefined;
}

export interface ThreadStore {
  /** Stores a new thread (idle, no messages). */
  create(thread: Thread): Promise<void>;
  get(id: string): Promise<ThreadRecord | undefined>;
  /** Newest first; by agent when `agentId` is given. */
  list(filter: PageRequest & { agentId?: string | undefined }): Promise<Page<Thread>>;
  /** Removes the thread record; TransitionConflictError while a turn holds it. */
  remove(id: string): Promise<void>;
  /**
   * Gives the thread's turn to `taskId` if no task holds it, counting its question; answers the
   * turn, or undefined when another task holds it (or the thread is gone).
   */
  lock(id: string, taskId: string, counts: ThreadCounts): Promise<ThreadTurn | undefined>;
  /** Releases the turn `taskId` holds, with its counts; false when it does not hold it. */
  unlock(id: string, taskId: string, counts: ThreadCounts): Promise<boolean>;
  /**
   * Counts a question that waits for its turn (or one that never had it); answers the turn
   * after, so the caller sees whether it was released meanwhile. NotFoundError when the thread
   * is gone.
   */
  count(id: string, counts: ThreadCounts): Promise<ThreadTurn>;
  addWaiting(id: string, turn: WaitingTurn): Promise<void>;
  /** The question that has waited longest (the lowest id). */
  oldestWaiting(id: string): Promise<WaitingTurn | undefined>;
  /** Removes a waiting turn; true when it was there. */
  removeWaiting(id: string, messageId: string): Promise<boolean>;
  /** Stores messages (idempotent by id); kept `ttlSeconds` when above 0. */
  putMessages(id: string, messages: StoredMessage[], ttlSeconds: number): Promise<void>;
  removeMessages(id: string, messageIds: string[]): Promise<void>;
  /** Unexpired messages after `after` (exclusive), oldest first. */
  listMessages(
    id: string,
    request: { after?: string | undefined; limit: number },
  ): Promise<Page<StoredMessage>>;
  /**
   * Unexpired messages with ids from `from` (or the first) to `to`, both inclusive, newest
   * first, a page at a time: what a turn reads of its history.
   */
  newestMessages(
    id: string,
    range: { from?: string | undefined; to: string },
    page: PageRequest,
  ): Promise<Page<StoredMessage>>;
  /** Deletes up to `limit` of a removed thread's items; true when some remain. */
  purge(id: string, limit: number): Promise<boolean>;
}

/** A plain task's own conversation, stored while it waits for a decision. */
export interface TaskConversationStore {
  put(taskId: string, messages: StoredMessage[]): Promise<void>;
  /** Newest first, a page at a time. */
  newest(taskId: string, page: PageRequest): Promise<Page<StoredMessage>>;
}
