/**
 * The live half of following a task or a thread: the event sink, once it has written a batch's
 * events into their traces, sends each to the `live` subscriptions of its task and thread (the
 * replay half is target-feed.ts, which argues why the two meet exactly). Each frame is claimed
 * first, once per (connection, event). Nothing here fails the batch: recording is the sink's
 * job; a frame that could not be sent is logged, its claim given back, and a client that missed
 * it gets it by subscribing again with `after`.
 */
import type { Clock } from '../ports.js';
import type { ConnectionPoster } from './connection.js';
import { type FeedTarget, targetKey, targetsOf } from './feed-target.js';
import { eventFrame, type FeedEvent } from './frames.js';
import { mayReceive } from './subscription.js';
import type { TargetSubscription, TargetSubscriptionStore } from './target-subscription.js';

export interface LiveDeliveryDeps {
  subscriptions: TargetSubscriptionStore;
  poster: ConnectionPoster;
  clock: Clock;
}

export interface LiveDeliveryOutcome {
  /** Frames sent. */
  sent: number;
  /** Connections found gone (410): their subscriptions were removed. */
  gone: string[];
  errors: { connectionId?: string; eventId?: string; error: unknown }[];
}

const byTimeThenId = (a: FeedEvent, b: FeedEvent): number =>
  a.time === b.time ? a.id.localeCompare(b.id) : a.time.localeCompare(b.time);

/** Sends recorded events to the live subscribers of their tasks and threads. */
export async function deliverToFollowers(
  deps: LiveDeliveryDeps,
  recorded: readonly FeedEvent[],
): Promise<LiveDeliveryOutcome> {
  const outcome: LiveDeliveryOutcome = { sent: 0, gone: [], errors: [] };
  const eventsByTarget = new Map<string, { target: FeedTarget; events: FeedEvent[] }>();
  for (const event of recorded) {
    for (const target of targetsOf(event.detail.data)) {
      const key = targetKey(target);
      const group = eventsByTarget.get(key) ?? { target, events: [] };
      group.events.push(event);
      eventsByTarget.set(key, group);
    }
  }
  if (eventsByTarget.size === 0) return outcome;

  const nowSeconds = Math.floor(deps.clock.now().getTime() / 1000);
  // Consistent reads: a subscription written before this read began is in it (the seam).
  let subscribed: { events: FeedEvent[]; subscriptions: TargetSubscription[] }[];
  try {
    if (!(await deps.subscriptions.anyActive(nowSeconds))) return outcome;
    subscribed = await Promise.all(
      [...eventsByTarget.values()].map(async ({ target, events }) => ({
        events,
        subscriptions: await deps.subscriptions.list(target, nowSeconds, true),
      })),
    );
  } catch (error) {
    outcome.errors.push({ error });
    return outcome;
  }

  // Per connection: what it should get, once even when it follows both an event's task and thread.
  const perConnection = new Map<
    string,
    { principal: string; ttl: number; events: Map<string, FeedEvent>; follows: FeedTarget[] }
  >();
  for (const { events, subscriptions } of subscribed) {
    for (const subscription of subscriptions) {
      if (subscription.phase !== 'live') continue;
      const entry = perConnection.get(subscription.connectionId) ?? {
        principal: subscription.principal,
        ttl: subscription.ttl,
        events: new Map<string, FeedEvent>(),
        follows: [],
      };
      entry.follows.push(subscription.target);
      for (const event of events) {
        if (mayReceive(subscription.principal, event)) entry.events.set(event.id, event);
      }
      perConnection.set(subscription.connectionId, entry);
    }
  }

  await Promise.all(
    [...perConnection].map(async ([connectionId, { ttl, events, follows }]) => {
      for (const event of [...events.values()].sort(byTimeThenId)) {
        try {
          if (!(await deps.subscriptions.claim(connectionId, event.id, ttl))) continue;
        } catch (error) {
          outcome.errors.push({ connectionId, eventId: event.id, error });
          continue;
        }
        let sent: Awaited<ReturnType<ConnectionPoster['post']>>;
        try {
          sent = await deps.poster.post(connectionId, eventFrame(event));
        } catch (error) {
          outcome.errors.push({ connectionId, eventId: event.id, error });
          await deps.subscriptions.release(connectionId, event.id).catch(() => undefined);
          continue;
        }
        if (sent === 'sent') {
          outcome.sent++;
          continue;
        }
        outcome.gone.push(connectionId);
        try {
          await Promise.all(
            follows.map((target) => deps.subscriptions.remove(target, connectionId)),
          );
        } catch (error) {
          outcome.errors.push({ connectionId, error });
        }
        return;
      }
    }),
  );
  return outcome;
}
