/**
 * The three WebSocket routes of the dashboard feed: `$connect` records the connection under its
 * key's scope, `$disconnect` forgets it (and what it followed), `$default` takes the client's
 * messages (subscribe by types, follow or unfollow a task or thread, ping). Replies go back
 * through the poster (PostToConnection), as API Gateway requires.
 */
import type { Clock } from '../ports.js';
import {
  CONNECTION_TTL_SECONDS,
  type ConnectionPoster,
  type ConnectionStore,
  DEFAULT_PATTERNS,
} from './connection.js';
import { errorFrame, parseClientMessage, pongFrame, subscribedFrame } from './frames.js';
import {
  forgetTargets,
  subscribeToTarget,
  type TargetFeedDeps,
  unsubscribeFromTarget,
} from './target-feed.js';

export interface ConnectionDeps {
  connections: ConnectionStore;
  poster: ConnectionPoster;
  clock: Clock;
  /** What following a task or a thread needs; without it, such subscribes are refused. */
  feed?: Omit<TargetFeedDeps, 'poster' | 'clock'>;
}

const ttlFrom = (clock: Clock) => Math.floor(clock.now().getTime() / 1000) + CONNECTION_TTL_SECONDS;

/** A valid key scope, as the authorizer labels it; anything else is refused. */
export const isFeedPrincipal = (principal: string | undefined): principal is string =>
  principal === 'admin' || /^agent:[a-z0-9][a-z0-9-]{1,62}$/.test(principal ?? '');

export async function connect(
  deps: ConnectionDeps,
  connectionId: string,
  principal: string,
): Promise<void> {
  await deps.connections.put({
    connectionId,
    principal,
    patterns: [...DEFAULT_PATTERNS],
    connectedAt: deps.clock.now().toISOString(),
    ttl: ttlFrom(deps.clock),
  });
}

export async function disconnect(deps: ConnectionDeps, connectionId: string): Promise<void> {
  if (deps.feed) {
    const targets = (await deps.connections.get(connectionId))?.targets ?? [];
    await forgetTargets(deps.feed, connectionId, targets);
  }
  await deps.connections.remove(connectionId);
}

/** Handles one client frame; a bad one is answered with an error frame, never a failure. */
export async function receive(
  deps: ConnectionDeps,
  connectionId: string,
  principal: string,
  body: string | undefined,
): Promise<void> {
  const parsed = parseClientMessage(body);
  if ('problem' in parsed) {
    await deps.poster.post(connectionId, errorFrame(parsed.problem));
    return;
  }
  const { message } = parsed;
  const fields = {
    principal,
    ttl: ttlFrom(deps.clock),
    connectedAt: deps.clock.now().toISOString(),
  };
  if (message.action !== 'ping' && 'target' in message) {
    if (!deps.feed) {
      await deps.poster.post(
        connectionId,
        errorFrame('following a task or a thread is not available here'),
      );
      return;
    }
    const feed: TargetFeedDeps = { ...deps.feed, poster: deps.poster, clock: deps.clock };
    if (message.action === 'unsubscribe') {
      await unsubscribeFromTarget(feed, connectionId, message.target);
      return;
    }
    const known = (await deps.connections.get(connectionId))?.targets ?? [];
    await subscribeToTarget(feed, connectionId, principal, message.target, message.after, known);
    return;
  }
  if (message.action === 'subscribe') {
    const types = [...new Set(message.types)];
    await deps.connections.refresh(connectionId, { ...fields, patterns: types });
    await deps.poster.post(connectionId, subscribedFrame(types));
    return;
  }
  await deps.connections.refresh(connectionId, fields);
  await deps.poster.post(connectionId, pongFrame());
}
