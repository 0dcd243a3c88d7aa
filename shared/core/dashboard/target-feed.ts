/**
 * Following one task or one thread on the feed: `subscribe` replays the target's stored events
 * after `after`, in order, then goes live; the event sink (live-delivery.ts) delivers what it
 * records from then on. Why nothing falls between the two and nothing is sent twice is argued in
 * the README ("Live replay"); in short:
 *
 * 1. The subscription is written (`replaying`) before the trace is read. The sink writes an event
 *    into the trace before it reads the subscriptions, both consistently. So for any event, either
 *    the trace read sees it, or the sink's read sees the subscription.
 * 2. While `replaying`, the sink sends nothing to it: the replay alone sends, in order. After the
 *    replay the subscription goes `live` and the trace is read again: an event the sink saw while
 *    the subscription was still `replaying` was recorded before that second read began.
 * 3. Every frame is claimed first, once per (connection, event), by a conditional write: the
 *    replay, the second read and every sink (SQS delivers at least once) claim the same key.
 */
import { newId } from '../ids.js';
import type { Clock, TaskStore, TraceEntry, TraceReplay } from '../ports.js';
import {
  CONNECTION_TTL_SECONDS,
  type ConnectionPoster,
  type ConnectionTargets,
  MAX_TARGETS,
} from './connection.js';
import { type FeedTarget, targetKey } from './feed-target.js';
import {
  errorFrame,
  eventFrame,
  type FeedEvent,
  targetSubscribedFrame,
  targetUnsubscribedFrame,
} from './frames.js';
import { mayReceive } from './subscription.js';
import type { TargetSubscriptionStore } from './target-subscription.js';

/** Events one subscribe replays at most; past that the ack says `more` and the client goes on. */
export const MAX_REPLAY_EVENTS = 500;
const REPLAY_PAGE = 100;
/** Claims of one replay page written at once. */
const CLAIM_CONCURRENCY = 16;

export interface TargetFeedDeps {
  subscriptions: TargetSubscriptionStore;
  targets: ConnectionTargets;
  traces: TraceReplay;
  tasks: Pick<TaskStore, 'get'>;
  poster: ConnectionPoster;
  clock: Clock;
}

/** A replayed trace entry as the live feed shows the event. */
export const feedEventOfEntry = (entry: TraceEntry): FeedEvent => ({
  id: entry.eventId,
  time: entry.time,
  type: entry.type,
  source: entry.source,
  detail: {
    version: 1,
    id: entry.eventId,
    time: entry.time,
    correlationId: entry.correlationId ?? '',
    ...(entry.actor ? { actor: entry.actor } : {}),
    data: entry.data,
  },
});

/**
 * Who the target belongs to. A task: its agent. A thread: the agent its earliest recorded event
 * names; a thread with no recorded event yet has no known owner, and then every frame is checked
 * against the key's scope on its own (events and deltas name their agent).
 */
async function ownerOf(
  deps: TargetFeedDeps,
  target: FeedTarget,
): Promise<{ found: boolean; agentId?: string }> {
  if (target.kind === 'task') {
    const task = await deps.tasks.get(target.id);
    return task ? { found: true, agentId: task.agentId } : { found: false };
  }
  const [first] = await deps.traces.listAfter(target, null, 1);
  const agentId = first?.data.agentId;
  return typeof agentId === 'string' ? { found: true, agentId } : { found: true };
}

const mayFollow = (principal: string, agentId: string | undefined): boolean =>
  principal === 'admin' || agentId === undefined || principal === `agent:${agentId}`;

/** Sends events to one connection, each at most once, in the order given. */
class ClaimedSender {
  sent = 0;
  gone = false;

  constructor(
    private readonly deps: TargetFeedDeps,
    private readonly connectionId: string,
    private readonly principal: string,
    private readonly ttl: number,
  ) {}

  async send(entries: TraceEntry[]): Promise<void> {
    const events = entries
      .map(feedEventOfEntry)
      .filter((event) => mayReceive(this.principal, event));
    const claimed = new Array<boolean>(events.length).fill(false);
    for (let i = 0; i < events.length; i += CLAIM_CONCURRENCY) {
      await Promise.all(
        events.slice(i, i + CLAIM_CONCURRENCY).map(async (event, j) => {
          claimed[i + j] = await this.deps.subscriptions.claim(
            this.connectionId,
            event.id,
            this.ttl,
          );
        }),
      );
    }
    for (const [i, event] of events.entries()) {
      if (!claimed[i]) continue;
      if (this.gone) {
        await this.deps.subscriptions.release(this.connectionId, event.id);
        continue;
      }
      let outcome: Awaited<ReturnType<ConnectionPoster['post']>>;
      try {
        outcome = await this.deps.poster.post(this.connectionId, eventFrame(event));
      } catch (error) {
        // Unsent: the claims still held go back, so that a later subscribe may send them.
        await Promise.all(
          events
            .slice(i)
            .filter((_, k) => claimed[i + k])
            .map((e) => this.deps.subscriptions.release(this.connectionId, e.id)),
        );
        throw error;
      }
      if (outcome === 'gone') {
        this.gone = true;
        await this.deps.subscriptions.release(this.connectionId, event.id);
      } else this.sent++;
    }
  }
}

/**
 * Subscribes a connection to a task or a thread: replays, goes live, acknowledges with
 * `{"type": "subscribed", "taskId" | "threadId", "replayed"}`. A refusal is an error frame.
 */
export async function subscribeToTarget(
  deps: TargetFeedDeps,
  connectionId: string,
  principal: string,
  target: FeedTarget,
  after: string | null,
  knownTargets: readonly string[] = [],
): Promise<void> {
  const refuse = (message: string) => deps.poster.post(connectionId, errorFrame(message));
  const owner = await ownerOf(deps, target);
  if (!owner.found) {
    await refuse(`no task ${target.id}`);
    return;
  }
  if (!mayFollow(principal, owner.agentId)) {
    await refuse(`this key may follow only its own agent's ${target.kind}s (${target.id})`);
    return;
  }
  const key = targetKey(target);
  if (!knownTargets.includes(key) && knownTargets.length >= MAX_TARGETS) {
    await refuse(`a connection follows at most ${MAX_TARGETS} tasks and threads`);
    return;
  }

  const now = deps.clock.now();
  const ttl = Math.floor(now.getTime() / 1000) + CONNECTION_TTL_SECONDS;
  const generation = newId();
  // The marker first: a sink that finds no marker found no subscription written before it.
  await deps.subscriptions.markActive(ttl);
  await deps.targets.addTarget(connectionId, key, {
    principal,
    ttl,
    connectedAt: now.toISOString(),
  });
  await deps.subscriptions.put({
    target,
    connectionId,
    principal,
    generation,
    phase: 'replaying',
    ttl,
  });

  const sender = new ClaimedSender(deps, connectionId, principal, ttl);
  const seen = new Set<string>();
  let cursor = after;
  let more = false;
  for (;;) {
    const limit = Math.min(REPLAY_PAGE, MAX_REPLAY_EVENTS - seen.size);
    const page = await deps.traces.listAfter(target, cursor, limit);
    for (const entry of page) seen.add(entry.eventId);
    await sender.send(page);
    if (sender.gone) return disconnectTarget(deps, connectionId, target);
    if (page.length < limit) break;
    cursor = page.at(-1)?.eventId ?? cursor;
    if (seen.size >= MAX_REPLAY_EVENTS) {
      // Whether anything is left decides `more`; the subscription stays `replaying` meanwhile.
      more = (await deps.traces.listAfter(target, cursor, 1)).length > 0;
      break;
    }
  }
  if (more) {
    await deps.poster.post(connectionId, targetSubscribedFrame(target, sender.sent, true));
    return;
  }

  // A newer subscribe of this connection to this target took over: it replays for itself.
  if (!(await deps.subscriptions.goLive(target, connectionId, generation))) return;
  // What the sink left to us while `replaying`: recorded before this read, skipped if sent.
  let catchUp = after;
  for (;;) {
    const page = await deps.traces.listAfter(target, catchUp, REPLAY_PAGE);
    await sender.send(page.filter((entry) => !seen.has(entry.eventId)));
    if (sender.gone) return disconnectTarget(deps, connectionId, target);
    if (page.length < REPLAY_PAGE) break;
    catchUp = page.at(-1)?.eventId ?? catchUp;
  }
  await deps.poster.post(connectionId, targetSubscribedFrame(target, sender.sent, false));
}

/** Stops following a target: no more of its events or deltas; acknowledged. */
export async function unsubscribeFromTarget(
  deps: TargetFeedDeps,
  connectionId: string,
  target: FeedTarget,
): Promise<void> {
  await disconnectTarget(deps, connectionId, target);
  await deps.poster.post(connectionId, targetUnsubscribedFrame(target));
}

async function disconnectTarget(
  deps: Pick<TargetFeedDeps, 'subscriptions' | 'targets'>,
  connectionId: string,
  target: FeedTarget,
): Promise<void> {
  await deps.subscriptions.remove(target, connectionId);
  await deps.targets.removeTarget(connectionId, targetKey(target));
}

/** Parses `task:<id>` / `thread:<id>` back into a target. */
export function targetOfKey(key: string): FeedTarget | undefined {
  const [kind, id] = key.split(':', 2);
  return (kind === 'task' || kind === 'thread') && id ? { kind, id } : undefined;
}

/** A closed connection's subscriptions go with it (the claims expire by TTL). */
export async function forgetTargets(
  deps: Pick<TargetFeedDeps, 'subscriptions'>,
  connectionId: string,
  targets: readonly string[],
): Promise<void> {
  await Promise.all(
    targets.flatMap((key) => {
      const target = targetOfKey(key);
      return target ? [deps.subscriptions.remove(target, connectionId)] : [];
    }),
  );
}
