/**
 * EventBridge event-pattern matching for the subset the topology uses: exact values and
 * `{prefix}` on `source` and `detail-type`. A rule with an unsupported field fails loudly.
 */
import type { EventRuleSpec } from '../infra/topology.js';

type Matcher = string | { prefix: string };

const matchesOne = (value: string, matcher: Matcher): boolean =>
  typeof matcher === 'string' ? value === matcher : value.startsWith(matcher.prefix);

export function matchesPattern(
  pattern: EventRuleSpec['pattern'],
  event: { source: string; 'detail-type': string },
): boolean {
  for (const field of Object.keys(pattern)) {
    if (field !== 'source' && field !== 'detail-type') {
      throw new Error(`the local event bus does not match on '${field}'`);
    }
  }
  const { source, 'detail-type': detailType } = pattern;
  if (source && !source.some((m) => matchesOne(event.source, m))) return false;
  if (detailType && !detailType.some((m) => matchesOne(event['detail-type'], m))) return false;
  return true;
}
