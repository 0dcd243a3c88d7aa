/**
 * Schedule expressions as EventBridge Scheduler writes them, and their next firings across time
 * zones and daylight-saving changes (a skipped wall-clock time is skipped, a repeated one fires
 * once).
 */
import { describe, expect, it } from 'vitest';
import {
  ExpressionError,
  isTimeZone,
  nextFireAfter,
  parseExpression,
} from '../../shared/core/schedules/expression.js';

const START = new Date('2025-01-01T00:00:00.000Z');

/** The next `n` firings after `after`, as ISO strings. */
function firings(expression: string, after: string, timezone = 'UTC', n = 3): string[] {
  const parsed = parseExpression(expression);
  const out: string[] = [];
  let t = new Date(after);
  for (let i = 0; i < n; i++) {
    const next = nextFireAfter(parsed, t, { timezone, start: START });
    if (!next) break;
    out.push(next.toISOString());
    t = next;
  }
  return out;
}

describe('parseExpression', () => {
  it.each([
    'rate(1 minute)',
    'rate(5 minutes)',
    'rate(1 hour)',
    'rate(12 hours)',
    'rate(7 days)',
    'cron(0 9 * * ? *)',
    'cron(0/15 * ? * MON-FRI *)',
    'cron(0 10 L * ? *)',
    'cron(0 10 LW * ? *)',
    'cron(0 10 15W * ? *)',
    'cron(0 10 ? * 6L *)',
    'cron(0 10 ? * 3#2 *)',
    'cron(0 8 1 JAN,JUL ? 2026-2030)',
    'at(2030-05-01T09:30:00)',
  ])('accepts %s', (expression) => {
    expect(() => parseExpression(expression)).not.toThrow();
  });

  it.each([
    ['every 5 minutes', /rate\(\.\.\.\), cron\(\.\.\.\) or at\(\.\.\.\)/],
    ['rate(0 minutes)', /at least 1/],
    ['rate(5 minute)', /rate\(5 minutes\)/],
    ['rate(1 minutes)', /rate\(1 minute\)/],
    ['rate(30 seconds)', /minutes, hours or days/],
    ['cron(0 9 * * *)', /6 fields/],
    ['cron(0 9 * * * *)', /exactly one of day-of-month and day-of-week must be \?/],
    ['cron(0 9 ? * ? *)', /exactly one/],
    ['cron(60 9 * * ? *)', /minutes: '60' is not in 0-59/],
    ['cron(0 24 * * ? *)', /hours/],
    ['cron(0 9 ? * 8 *)', /day-of-week/],
    ['cron(0 9 ? * MON#6 *)', /# takes 1-5/],
    ['cron(0 9 * 13 ? *)', /month/],
    ['cron(0 9 * * ? 1969)', /year/],
    ['cron(0 9-5 * * ? *)', /backwards/],
    ['at(2030-02-30T09:00:00)', /not a date/],
    ['at(tomorrow)', /yyyy-mm-dd/],
  ])('refuses %s, saying why', (expression, why) => {
    expect(() => parseExpression(expression)).toThrow(ExpressionError);
    expect(() => parseExpression(expression)).toThrow(why);
  });

  it('knows IANA time zones', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});

describe('nextFireAfter', () => {
  it('counts a rate from its start, a fixed duration whatever the zone', () => {
    expect(firings('rate(1 minute)', '2024-12-31T00:00:00Z', 'Europe/Paris')).toEqual([
      '2025-01-01T00:00:00.000Z',
      '2025-01-01T00:01:00.000Z',
      '2025-01-01T00:02:00.000Z',
    ]);
    expect(firings('rate(1 day)', '2025-03-29T12:00:00Z', 'Europe/Paris', 2)).toEqual([
      '2025-03-30T00:00:00.000Z',
      '2025-03-31T00:00:00.000Z',
    ]);
  });

  it('reads cron in the time zone', () => {
    expect(firings('cron(0 9 * * ? *)', '2025-05-31T12:00:00Z', 'Asia/Tokyo', 2)).toEqual([
      '2025-06-01T00:00:00.000Z',
      '2025-06-02T00:00:00.000Z',
    ]);
    expect(
      firings('cron(30 9 ? * MON-FRI *)', '2025-06-06T12:00:00Z', 'America/New_York', 2),
    ).toEqual(['2025-06-06T13:30:00.000Z', '2025-06-09T13:30:00.000Z']);
    // India is UTC+5:30 all year.
    expect(firings('cron(0 0 * * ? *)', '2025-01-01T00:00:00Z', 'Asia/Kolkata', 1)).toEqual([
      '2025-01-01T18:30:00.000Z',
    ]);
  });

  it('follows the offset across a spring-forward change, and skips the time that does not exist', () => {
    // New York, 9 March 2025: 02:00 EST jumps to 03:00 EDT.
    expect(firings('cron(30 2 * * ? *)', '2025-03-08T00:00:00Z', 'America/New_York')).toEqual([
      '2025-03-08T07:30:00.000Z', // 02:30 EST
      '2025-03-10T06:30:00.000Z', // 9 March has no 02:30; the 10th's is EDT
      '2025-03-11T06:30:00.000Z',
    ]);
    expect(firings('cron(0 9 * * ? *)', '2025-03-08T00:00:00Z', 'America/New_York', 2)).toEqual([
      '2025-03-08T14:00:00.000Z',
      '2025-03-09T13:00:00.000Z',
    ]);
  });

  it('fires a repeated fall-back time once, at its first occurrence', () => {
    // Paris, 26 October 2025: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice.
    expect(firings('cron(30 2 * * ? *)', '2025-10-25T12:00:00Z', 'Europe/Paris')).toEqual([
      '2025-10-26T00:30:00.000Z', // 02:30 CEST, the first one
      '2025-10-27T01:30:00.000Z', // 02:30 CET
      '2025-10-28T01:30:00.000Z',
    ]);
    // Every 30 minutes in the 02:00 hour: 02:00 and 02:30 once each, not again an hour later.
    expect(firings('cron(0/30 2 * * ? *)', '2025-10-25T23:00:00Z', 'Europe/Paris')).toEqual([
      '2025-10-26T00:00:00.000Z',
      '2025-10-26T00:30:00.000Z',
      '2025-10-27T01:00:00.000Z',
    ]);
  });

  it('knows the last day, the nearest weekday, the last Friday and the nth weekday', () => {
    expect(firings('cron(0 12 L * ? *)', '2025-02-01T00:00:00Z', 'UTC', 2)).toEqual([
      '2025-02-28T12:00:00.000Z',
      '2025-03-31T12:00:00.000Z',
    ]);
    // 15 June 2025 is a Sunday: the nearest weekday is Monday the 16th.
    expect(firings('cron(0 12 15W * ? *)', '2025-06-01T00:00:00Z', 'UTC', 1)).toEqual([
      '2025-06-16T12:00:00.000Z',
    ]);
    // The last weekday of August 2025 (the 31st is a Sunday) is Friday the 29th.
    expect(firings('cron(0 12 LW * ? *)', '2025-08-01T00:00:00Z', 'UTC', 1)).toEqual([
      '2025-08-29T12:00:00.000Z',
    ]);
    // 6 is Friday (1 is Sunday): the last Friday of January 2025 is the 31st.
    expect(firings('cron(0 12 ? * 6L *)', '2025-01-01T00:00:00Z', 'UTC', 1)).toEqual([
      '2025-01-31T12:00:00.000Z',
    ]);
    expect(firings('cron(0 12 ? * TUE#2 *)', '2025-01-01T00:00:00Z', 'UTC', 2)).toEqual([
      '2025-01-14T12:00:00.000Z',
      '2025-02-11T12:00:00.000Z',
    ]);
  });

  it('stops at the end of its years, and fires an at() once in its zone', () => {
    expect(firings('cron(0 0 1 1 ? 2026)', '2025-06-01T00:00:00Z', 'UTC', 3)).toEqual([
      '2026-01-01T00:00:00.000Z',
    ]);
    expect(firings('at(2030-05-01T09:30:00)', '2025-06-01T00:00:00Z', 'Europe/Paris', 3)).toEqual([
      '2030-05-01T07:30:00.000Z',
    ]);
    expect(firings('cron(0 0 30 2 ? *)', '2025-06-01T00:00:00Z')).toEqual([]);
  });
});
