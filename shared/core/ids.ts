/** Generated ids are ULIDs: unique and sortable by creation time (API.md). */
import { createHash } from 'node:crypto';
import { encodeTime, monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

export const newId = (): string => nextUlid();

export const AGENT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;
export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID that is the same every time for the same moment and key: its time part is `timeMs`, its
 * random part a hash of `key`. Whatever derives it twice (a firing delivered twice) names the same
 * thing, so a conditional create makes the second one a no-op.
 */
export function derivedId(timeMs: number, key: string): string {
  const digest = createHash('sha256').update(key).digest();
  let random = '';
  for (let i = 0; i < 16; i++) random += CROCKFORD[(digest[i] ?? 0) & 31];
  return `${encodeTime(timeMs, 10)}${random}`;
}
