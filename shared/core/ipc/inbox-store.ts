/** The port to agents' inboxes, and to the markers that make "a message starts a task" happen once. */
import type { Page, PageRequest } from '../ports.js';
import type { InboxItem } from './message.js';

/**
 * Where a listing starts, in delivery order: (deliveredAt, messageId). Delivery order rather than
 * send order, so that a reader polling `since` the last message it saw misses none that was sent
 * earlier but delivered later.
 */
export type InboxBound =
  /** Messages delivered at or after this instant. */
  | { kind: 'time'; at: string }
  /** Messages after this one (delivered later, or at the same instant with a greater id). */
  | { kind: 'after'; at: string; messageId: string };

export interface InboxQuery extends PageRequest {
  since?: InboxBound | undefined;
  /** Messages that expired at or before this instant are left out (TTL deletion lags). */
  now: string;
}

/** The outcome of claiming the right to start the task a message asks for. */
export type TaskClaim =
  /** This delivery starts the task; a stale claim it took over is named (its owner died). */
  | { kind: 'claimed'; previousClaimAt: string | null }
  /** Started already. */
  | { kind: 'started'; taskId: string }
  /** Another delivery claimed it moments ago and may still be starting it. */
  | { kind: 'busy' };

export interface InboxStore {
  /** Writes a message into its recipient's inbox unless it is there already; true when new. */
  put(item: InboxItem): Promise<boolean>;
  get(agentId: string, messageId: string): Promise<InboxItem | undefined>;
  /** An inbox in delivery order, oldest first, without expired messages. */
  list(agentId: string, query: InboxQuery): Promise<Page<InboxItem>>;
  /**
   * Sets `ackedAt` unless it is set (the first acknowledgement stands); undefined when the message
   * is not in the inbox or expired at `at`.
   */
  ack(agentId: string, messageId: string, at: string): Promise<InboxItem | undefined>;
  /** Records that `message.delivered` went out, with the task the message started, if any. */
  markAnnounced(
    agentId: string,
    messageId: string,
    fields: { announcedAt: string; taskId: string | null },
  ): Promise<void>;
  /**
   * Claims the start of the task for (message, recipient): a conditional marker item. A claim
   * without a task that is older than `staleBefore` is taken over.
   */
  claimTask(
    messageId: string,
    agentId: string,
    claim: { now: string; staleBefore: string; expiresAt: string },
  ): Promise<TaskClaim>;
  /** Stores the started task's id on the marker. */
  recordTask(messageId: string, agentId: string, taskId: string): Promise<void>;
}
