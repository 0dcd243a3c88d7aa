/**
 * Subscriptions to one task or one thread (`{"action": "subscribe", "taskId" | "threadId",
 * "after"}`), and the port that keeps them. The DynamoDB adapter is
 * `shared/adapters/dynamo-target-subscription-store.ts`; README "Live feed" has the argument for
 * why replay and live delivery meet with no gap and no duplicate.
 */
import type { FeedTarget } from './feed-target.js';

export type SubscriptionPhase = 'replaying' | 'live';

export interface TargetSubscription {
  target: FeedTarget;
  connectionId: string;
  /** The connection's key scope (`admin` or `agent:<id>`): every frame is checked against it. */
  principal: string;
  /** The subscribe that wrote it: a later subscribe to the same target replaces it. */
  generation: string;
  /**
   * `replaying` while the subscribe route sends the stored events: the event sink leaves it
   * alone, and the route reads the trace again after going `live`. Then the sink delivers.
   */
  phase: SubscriptionPhase;
  /** Epoch seconds: the subscription ends with its connection. */
  ttl: number;
}

export interface TargetSubscriptionStore {
  /**
   * Notes that some subscription may be live until `untilSeconds` (one item, only ever moved
   * later), so that a sink with nobody to deliver to pays one read per batch.
   */
  markActive(untilSeconds: number): Promise<void>;
  /** Whether any subscription may be live at `nowSeconds` (a consistent read). */
  anyActive(nowSeconds: number): Promise<boolean>;
  put(subscription: TargetSubscription): Promise<void>;
  /** `replaying` → `live`, only while `generation` is the subscription's; false otherwise. */
  goLive(target: FeedTarget, connectionId: string, generation: string): Promise<boolean>;
  /**
   * The unexpired subscriptions of a target. `consistent`: every subscription whose write
   * completed before the read is in it (the event sink needs that; deltas do not).
   */
  list(target: FeedTarget, nowSeconds: number, consistent: boolean): Promise<TargetSubscription[]>;
  remove(target: FeedTarget, connectionId: string): Promise<void>;
  /**
   * Claims the sending of an event to a connection: true for the first claim only, whoever makes
   * it (the replay, or any event sink). The claim lasts until `ttl` (epoch seconds).
   */
  claim(connectionId: string, eventId: string, ttl: number): Promise<boolean>;
  /** Gives a claim back after its frame could not be sent, so that a later try may send it. */
  release(connectionId: string, eventId: string): Promise<void>;
}
