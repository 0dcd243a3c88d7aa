/**
 * Event-type patterns as `GET /v1/events?type=` and the dashboard feed take them: an exact type
 * (`task.failed`), a prefix ending in `.*` (`task.*`, `workflow.step.*`), or `*` for every type.
 */

/** An exact type, or the prefix (with its dot) every matching type starts with; `''` is all. */
export type TypePattern = { exact: string } | { prefix: string };

export const TYPE_PATTERN = /^(\*|[a-z][a-z0-9-]*(\.[a-z0-9-]+)*(\.\*)?)$/;

export const TYPE_PATTERN_HINT = 'an event type such as task.failed, or a prefix such as task.*';

/** Reads a pattern already checked against TYPE_PATTERN. */
export function parseTypePattern(pattern: string): TypePattern {
  if (pattern === '*') return { prefix: '' };
  if (pattern.endsWith('.*')) return { prefix: pattern.slice(0, -1) };
  return { exact: pattern };
}

export function matchesType(pattern: TypePattern, type: string): boolean {
  return 'exact' in pattern ? type === pattern.exact : type.startsWith(pattern.prefix);
}
