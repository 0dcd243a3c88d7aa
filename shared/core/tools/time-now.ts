/** `time.now`: the current time, in UTC and in an IANA time zone of the agent's choosing. */
import * as z from 'zod';
import { defineTool, type ToolDefinition, ToolInputError } from './tool.js';

export interface TimeNowResult {
  /** UTC, ISO 8601 with milliseconds. */
  iso: string;
  epochMs: number;
  /** The zone used, as asked for but in its canonical case (`UTC` when none was asked for). */
  timeZone: string;
  /** Wall-clock time in that zone, ISO 8601 with its UTC offset, e.g. 2024-03-10T09:30:00.000-05:00. */
  local: string;
}

const timeNowInput = z.strictObject({
  timeZone: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_+\-/]+$/, 'an IANA time zone name, e.g. Europe/Paris')
    .optional(),
});

/** Formats `date` as wall-clock time in `timeZone`; throws ToolInputError for an unknown zone. */
export function localTime(date: Date, timeZone: string): { timeZone: string; local: string } {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    });
  } catch {
    throw new ToolInputError(
      `unknown time zone '${timeZone}' (use an IANA name, e.g. Europe/Paris)`,
    );
  }
  const parts = Object.fromEntries(
    format.formatToParts(date).map((part) => [part.type, part.value]),
  ) as Partial<Record<Intl.DateTimeFormatPartTypes, string>>;
  // "GMT+05:30" → "+05:30"; "GMT" alone is UTC.
  const offset = (parts.timeZoneName ?? 'GMT').replace(/^GMT/, '') || '+00:00';
  const millis = String(date.getUTCMilliseconds()).padStart(3, '0');
  const local = `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}.${millis}${offset}`;
  // ICU spells some zones the old way (Asia/Kolkata → Asia/Calcutta): keep the caller's name
  // unless only its case differs.
  const resolved = format.resolvedOptions().timeZone;
  return {
    timeZone: resolved.toLowerCase() === timeZone.toLowerCase() ? resolved : timeZone,
    local,
  };
}

export function createTimeNowTool(options: { now?: () => Date } = {}): ToolDefinition {
  const now = options.now ?? (() => new Date());
  return defineTool({
    name: 'time.now',
    description:
      'Returns the current time: ISO 8601 UTC, epoch milliseconds, and the local time in an optional IANA time zone (default UTC).',
    input: timeNowInput,
    permission: 'tool:time.now',
    timeoutMs: 1000,
    maxOutputBytes: 1024,
    callsPerMinute: 600,
    run: async ({ timeZone }): Promise<TimeNowResult> => {
      const date = now();
      return {
        iso: date.toISOString(),
        epochMs: date.getTime(),
        ...localTime(date, timeZone ?? 'UTC'),
      };
    },
  });
}
