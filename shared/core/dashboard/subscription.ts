/**
 * Who receives what on the dashboard feed: the connection's event-type patterns, and its key's
 * scope (an `agent:<id>` key receives only events whose `detail.data.agentId` is that agent).
 */
import { matchesType, parseTypePattern } from '../observability/type-pattern.js';
import type { DashboardConnection } from './connection.js';
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

export function wants(
  connection: Pick<DashboardConnection, 'principal' | 'patterns'>,
  event: FeedEvent,
): boolean {
  return (
    mayReceive(connection.principal, event) && matchesPatterns(connection.patterns, event.type)
  );
}
