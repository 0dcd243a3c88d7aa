/**
 * Schedule expressions as EventBridge Scheduler writes them, and when they fire:
 *
 *   rate(value unit)      unit minute(s) | hour(s) | day(s); a fixed duration from the start
 *   cron(min hour dom month dow year)   fields as EventBridge's: dom 1-31 with , - * ? / L W,
 *                         month 1-12 or JAN-DEC, dow 1-7 or SUN-SAT (1 is Sunday) with , - * ? L #,
 *                         year 1970-2199; exactly one of dom and dow is `?`
 *   at(yyyy-mm-ddThh:mm:ss)   once
 *
 * cron and at are read in the schedule's IANA time zone with EventBridge's daylight-saving rules:
 * a time that does not exist (the spring-forward gap) is skipped, and a time that happens twice
 * (fall back) fires once, at its first occurrence. A rate is a fixed duration whatever the zone.
 * The time zone arithmetic is luxon's (the IANA database through Intl).
 */
import { IANAZone } from 'luxon';

export type ScheduleExpression =
  | { kind: 'rate'; everyMs: number }
  | { kind: 'cron'; cron: Cron }
  | { kind: 'at'; wall: WallTime };

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

interface Cron {
  minutes: number[];
  hours: number[];
  months: Set<number>;
  /** null: every year. */
  years: number[] | null;
  days: DayOfMonthRule | null;
  weekdays: DayOfWeekRule | null;
}

interface DayOfMonthRule {
  any: boolean;
  days: Set<number>;
  last: boolean;
  lastWeekday: boolean;
  nearestWeekdayTo: number[];
}

interface DayOfWeekRule {
  any: boolean;
  /** 1 (Sunday) .. 7 (Saturday). */
  weekdays: Set<number>;
  /** `5L`: the last Thursday of the month. */
  lastOf: number[];
  /** `3#2`: the second Tuesday. */
  nth: [weekday: number, n: number][];
}

/** A malformed or impossible expression; its message says what is wrong, for a 400. */
export class ExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpressionError';
  }
}

const MINUTE_MS = 60_000;
const UNIT_MS: Record<string, number> = {
  minute: MINUTE_MS,
  hour: 60 * MINUTE_MS,
  day: 24 * 60 * MINUTE_MS,
};
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
/** EventBridge's range of years. */
const FIRST_YEAR = 1970;
const LAST_YEAR = 2199;

export function parseExpression(text: string): ScheduleExpression {
  const match = /^(rate|cron|at)\((.*)\)$/.exec(text.trim());
  if (!match) throw new ExpressionError('must be rate(...), cron(...) or at(...)');
  const [, kind, body = ''] = match;
  if (kind === 'rate') return parseRate(body.trim());
  if (kind === 'at') return { kind: 'at', wall: parseAt(body.trim()) };
  return { kind: 'cron', cron: parseCron(body.trim()) };
}

function parseRate(body: string): ScheduleExpression {
  const match = /^(\d{1,9})\s+(minute|minutes|hour|hours|day|days)$/.exec(body);
  if (!match) throw new ExpressionError('rate(value unit): unit is minutes, hours or days');
  const value = Number(match[1]);
  const unit = match[2] as string;
  if (value < 1) throw new ExpressionError('rate: the value must be at least 1');
  // As EventBridge writes them: `rate(1 hour)`, `rate(2 hours)`.
  if (value === 1 && unit.endsWith('s')) {
    throw new ExpressionError(`rate: write 'rate(1 ${unit.slice(0, -1)})' for a value of 1`);
  }
  if (value > 1 && !unit.endsWith('s')) {
    throw new ExpressionError(`rate: write 'rate(${value} ${unit}s)' for a value above 1`);
  }
  const everyMs = value * (UNIT_MS[unit.replace(/s$/, '')] as number);
  if (everyMs > 3650 * 24 * 60 * MINUTE_MS) throw new ExpressionError('rate: at most 10 years');
  return { kind: 'rate', everyMs };
}

function parseAt(body: string): WallTime {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!match) throw new ExpressionError('at(yyyy-mm-ddThh:mm:ss)');
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as number[];
  const wall = { year, month, day, hour, minute, second } as WallTime;
  const check = new Date(
    Date.UTC(year as number, (month as number) - 1, day, hour, minute, second),
  );
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() + 1 !== month ||
    check.getUTCDate() !== day ||
    (hour as number) > 23 ||
    (minute as number) > 59 ||
    (second as number) > 59
  ) {
    throw new ExpressionError(`at: ${body} is not a date and time`);
  }
  return wall;
}

function parseCron(body: string): Cron {
  const fields = body.split(/\s+/);
  if (fields.length !== 6) {
    throw new ExpressionError(
      `cron has 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  }
  const [minutes, hours, dom, month, dow, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if ((dom === '?') === (dow === '?')) {
    throw new ExpressionError('cron: exactly one of day-of-month and day-of-week must be ?');
  }
  return {
    minutes: [...numbers(minutes, 'minutes', 0, 59)].sort((a, b) => a - b),
    hours: [...numbers(hours, 'hours', 0, 23)].sort((a, b) => a - b),
    months: numbers(month, 'month', 1, 12, MONTHS),
    years:
      year === '*' ? null : [...numbers(year, 'year', FIRST_YEAR, LAST_YEAR)].sort((a, b) => a - b),
    days: dom === '?' ? null : dayOfMonthRule(dom),
    weekdays: dow === '?' ? null : dayOfWeekRule(dow),
  };
}

/** A field of `,`-separated items: `*`, `n`, `a-b`, with an optional `/step`. */
function numbers(
  field: string,
  name: string,
  min: number,
  max: number,
  names?: string[],
): Set<number> {
  const values = new Set<number>();
  for (const item of field.split(',')) {
    const match = /^(\*|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:\/(\d+))?$/.exec(item);
    if (!match) throw new ExpressionError(`cron ${name}: '${item}' is not valid`);
    const [, range = '', stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw new ExpressionError(`cron ${name}: a step must be at least 1`);
    let from: number;
    let to: number;
    if (range === '*') {
      from = min;
      to = max;
    } else {
      const [a, b] = range.split('-') as [string, string | undefined];
      from = value(a, name, min, max, names);
      // `5/15` is 5, 20, 35, 50: a start with a step runs to the end of the field.
      to =
        b === undefined ? (stepText === undefined ? from : max) : value(b, name, min, max, names);
      if (to < from) throw new ExpressionError(`cron ${name}: range ${range} runs backwards`);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function value(text: string, name: string, min: number, max: number, names?: string[]): number {
  const named = names?.indexOf(text.toUpperCase()) ?? -1;
  const n = named >= 0 ? named + 1 : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ExpressionError(`cron ${name}: '${text}' is not in ${min}-${max}`);
  }
  return n;
}

function dayOfMonthRule(field: string): DayOfMonthRule {
  const rule: DayOfMonthRule = {
    any: false,
    days: new Set(),
    last: false,
    lastWeekday: false,
    nearestWeekdayTo: [],
  };
  if (field === '*') return { ...rule, any: true };
  for (const item of field.split(',')) {
    if (item === 'L') rule.last = true;
    else if (item === 'LW') rule.lastWeekday = true;
    else if (/^\d+W$/.test(item))
      rule.nearestWeekdayTo.push(value(item.slice(0, -1), 'day-of-month', 1, 31));
    else for (const day of numbers(item, 'day-of-month', 1, 31)) rule.days.add(day);
  }
  return rule;
}

function dayOfWeekRule(field: string): DayOfWeekRule {
  const rule: DayOfWeekRule = { any: false, weekdays: new Set(), lastOf: [], nth: [] };
  if (field === '*') return { ...rule, any: true };
  for (const item of field.split(',')) {
    const hash = /^(\w+)#(\d)$/.exec(item);
    if (item === 'L') rule.weekdays.add(7);
    else if (/^\w+L$/.test(item))
      rule.lastOf.push(value(item.slice(0, -1), 'day-of-week', 1, 7, WEEKDAYS));
    else if (hash) {
      const n = Number(hash[2]);
      if (n < 1 || n > 5) throw new ExpressionError(`cron day-of-week: '${item}': # takes 1-5`);
      rule.nth.push([value(hash[1] as string, 'day-of-week', 1, 7, WEEKDAYS), n]);
    } else for (const day of numbers(item, 'day-of-week', 1, 7, WEEKDAYS)) rule.weekdays.add(day);
  }
  return rule;
}

/** Whether `timezone` is an IANA time zone this runtime knows. */
export const isTimeZone = (timezone: string): boolean => IANAZone.isValidZone(timezone);

export interface FireContext {
  timezone: string;
  /** When a rate schedule started counting (its first firing is then). */
  start: Date;
}

/** The first firing strictly after `after`, or undefined when the expression fires no more. */
export function nextFireAfter(
  expression: ScheduleExpression,
  after: Date,
  context: FireContext,
): Date | undefined {
  const zone = IANAZone.create(context.timezone);
  if (!zone.isValid) throw new ExpressionError(`unknown time zone '${context.timezone}'`);
  const t = after.getTime();
  switch (expression.kind) {
    case 'rate': {
      const start = context.start.getTime();
      if (t < start) return new Date(start);
      return new Date(
        start + (Math.floor((t - start) / expression.everyMs) + 1) * expression.everyMs,
      );
    }
    case 'at': {
      const at = instantOf(zone, expression.wall);
      return at !== undefined && at > t ? new Date(at) : undefined;
    }
    case 'cron':
      return nextCron(expression.cron, zone, t);
  }
}

/** The instant of a wall-clock time: undefined in a DST gap, the first of two in an overlap. */
function instantOf(zone: IANAZone, wall: WallTime): number | undefined {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const DAY = 86_400_000;
  const offsets = new Set([zone.offset(asUtc - DAY), zone.offset(asUtc), zone.offset(asUtc + DAY)]);
  const candidates = [...offsets]
    .map((offsetMinutes) => asUtc - offsetMinutes * MINUTE_MS)
    .filter((instant) => instant + zone.offset(instant) * MINUTE_MS === asUtc)
    .sort((a, b) => a - b);
  return candidates[0];
}

/** The wall-clock date (in the zone) of an instant. */
function wallDateOf(zone: IANAZone, instant: number): { year: number; month: number; day: number } {
  const shifted = new Date(instant + zone.offset(instant) * MINUTE_MS);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
  };
}

function nextCron(cron: Cron, zone: IANAZone, after: number): Date | undefined {
  // Start the search on the wall-clock day before `after`'s, so no offset can hide a firing.
  const from = wallDateOf(zone, after - 86_400_000);
  const years = cron.years ?? yearsFrom(from.year);
  for (const year of years) {
    if (year < from.year) continue;
    for (let month = 1; month <= 12; month++) {
      if (!cron.months.has(month)) continue;
      if (year === from.year && month < from.month) continue;
      const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
      for (let day = 1; day <= daysInMonth; day++) {
        if (year === from.year && month === from.month && day < from.day) continue;
        if (!dayMatches(cron, year, month, day, daysInMonth)) continue;
        for (const hour of cron.hours) {
          for (const minute of cron.minutes) {
            const at = instantOf(zone, { year, month, day, hour, minute, second: 0 });
            if (at !== undefined && at > after) return new Date(at);
          }
        }
      }
    }
  }
  return undefined;
}

function* yearsFrom(first: number): Generator<number> {
  for (let year = Math.max(first, FIRST_YEAR); year <= LAST_YEAR; year++) yield year;
}

function dayMatches(cron: Cron, year: number, month: number, day: number, dim: number): boolean {
  if (cron.days) {
    const rule = cron.days;
    if (rule.any || rule.days.has(day)) return true;
    if (rule.last && day === dim) return true;
    if (rule.lastWeekday && day === nearestWeekday(year, month, dim, dim)) return true;
    return rule.nearestWeekdayTo.some(
      (n) => n <= dim && day === nearestWeekday(year, month, n, dim),
    );
  }
  const rule = cron.weekdays as DayOfWeekRule;
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
  if (rule.any || rule.weekdays.has(weekday)) return true;
  if (rule.lastOf.includes(weekday) && day + 7 > dim) return true;
  return rule.nth.some(([w, n]) => w === weekday && Math.ceil(day / 7) === n);
}

/** The weekday nearest to day `n` of the month, never leaving the month (Quartz's `nW`). */
function nearestWeekday(year: number, month: number, n: number, dim: number): number {
  const weekday = new Date(Date.UTC(year, month - 1, n)).getUTCDay(); // 0 Sunday .. 6 Saturday
  if (weekday === 6) return n === 1 ? 3 : n - 1;
  if (weekday === 0) return n === dim ? n - 2 : n + 1;
  return n;
}
