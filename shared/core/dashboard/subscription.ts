/**
 * Who receives what on the dashboard feed: the connection's event-type patterns, and its key's
 * scope (an `agent:<id>` key receives only events whose `detail.data.agentId` is that agent).
 * Events of a task or thread the connection follows come the other way (live-delivery.ts).
 */
import { matchesType, parseTypePattern } from '../observability/type-pattern.js';
import type { DashboardConnection } from './connection.js';
import { targetKey, targetsOf } from './feed-target.js';
import type { FeedEvent } from './frames.js';

export function matchesPatterns(patterns: readonly string[], type: string): boolean {
  return patterns.some((pattern) => matchesType(parseTypePattern(pattern), type));
}

/** Whether the key's scope lets it see this event at all. */
export function mayReceive(principal: string, event: FeedEvent): boolean {
  if (principal === 'admin') return true;
  if (principal.startsWith('agent:')) {
    const agentId = principal.slice('agent:'.length);
    return agentId.length > 0 && event.detail.data.agentId === agentId;
  }
  return false;
}

/** Whether the connection follows the event's task or thread (then the sink sends it, not the push). */
export function follows(
  connection: Pick<DashboardConnection, 'targets'>,
  event: FeedEvent,
): boolean {
  const targets = connection.targets;
  return (
    targets !== undefined &&
    targets.length > 0 &&
    targetsOf(event.detail.data).some((target) => targets.includes(targetKey(target)))
  );
}

export function wants(
  connection: Pick<DashboardConnection, 'principal' | 'patterns' | 'targets'>,
  event: FeedEvent,
): boolean {
  return (
    mayReceive(connection.principal, event) &&
    matchesPatterns(connection.patterns, event.type) &&
    !follows(connection, event)
  );
}
