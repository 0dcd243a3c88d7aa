import { describe, expect, it } from 'vitest';
import { createTimeNowTool, type TimeNowResult } from '../../shared/core/tools/time-now.js';
import { type ToolContext, ToolInputError } from '../../shared/core/tools/tool.js';

const context: ToolContext = {
  agentId: 'agent-1',
  taskId: '01HZZZZZZZZZZZZZZZZZZZZZZZ',
  allowedHosts: [],
  signal: new AbortController().signal,
  services: {
    workspace: () => {
      throw new Error('time.now must not touch a workspace');
    },
    resolveHost: () => Promise.reject(new Error('time.now must not resolve hosts')),
  },
};

/** Runs the tool as the agent loop does: input through the schema first. */
async function timeNow(input: unknown, at: string): Promise<TimeNowResult> {
  const tool = createTimeNowTool({ now: () => new Date(at) });
  return (await tool.run(tool.input.parse(input), context)) as TimeNowResult;
}

describe('time.now', () => {
  it('answers in UTC when no zone is asked for', async () => {
    // Prepare
    const at = '2024-03-10T14:30:05.123Z';
    // Act
    const result = await timeNow({}, at);
    // Assess
    expect(result).toEqual({
      iso: at,
      epochMs: Date.parse(at),
      timeZone: 'UTC',
      local: '2024-03-10T14:30:05.123+00:00',
    });
  });

  it.each([
    // New York changes to summer time at 02:00 local on 2024-03-10.
    ['America/New_York', '2024-03-10T06:59:59.000Z', '2024-03-10T01:59:59.000-05:00'],
    ['America/New_York', '2024-03-10T07:00:00.000Z', '2024-03-10T03:00:00.000-04:00'],
    ['Asia/Kolkata', '2024-03-10T14:30:05.123Z', '2024-03-10T20:00:05.123+05:30'],
    ['Pacific/Kiritimati', '2024-12-31T10:00:00.000Z', '2025-01-01T00:00:00.000+14:00'],
    ['Europe/London', '2024-01-15T00:00:00.500Z', '2024-01-15T00:00:00.500+00:00'],
  ])('shows %s wall-clock time with its offset at %s', async (timeZone, at, local) => {
    // Prepare: the table row.
    // Act
    const result = await timeNow({ timeZone }, at);
    // Assess
    expect(result.local).toBe(local);
    expect(result.timeZone).toBe(timeZone);
    expect(result.iso).toBe(at);
  });

  it('writes midnight as 00, not 24', async () => {
    // Prepare
    const at = '2024-06-01T22:00:00.000Z';
    // Act
    const result = await timeNow({ timeZone: 'Europe/Paris' }, at);
    // Assess
    expect(result.local).toBe('2024-06-02T00:00:00.000+02:00');
  });

  it('answers with the canonical spelling of a zone given in another case', async () => {
    // Prepare
    const at = '2024-06-01T12:00:00.000Z';
    // Act
    const result = await timeNow({ timeZone: 'europe/paris' }, at);
    // Assess
    expect(result.timeZone).toBe('Europe/Paris');
  });

  it.each(['Mars/Olympus_Mons', 'Europe/Atlantis', 'GMT+99'])(
    'refuses the unknown zone %s as a ToolInputError',
    async (timeZone) => {
      // Prepare
      const at = '2024-06-01T12:00:00.000Z';
      // Act
      const outcome = timeNow({ timeZone }, at);
      // Assess
      await expect(outcome).rejects.toBeInstanceOf(ToolInputError);
      await expect(outcome).rejects.toThrow(/unknown time zone/);
    },
  );

  it.each([
    [{ timeZone: '' }],
    [{ timeZone: 'Europe/Paris; rm -rf /' }],
    [{ timeZone: 'x'.repeat(65) }],
    [{ timeZone: 'UTC', locale: 'fr' }],
    [{ timeZone: 3 }],
  ])('rejects the input %j at the schema', (input) => {
    // Prepare
    const tool = createTimeNowTool();
    // Act
    const parsed = tool.input.safeParse(input);
    // Assess
    expect(parsed.success).toBe(false);
  });

  it('reads the real clock by default', async () => {
    // Prepare
    const tool = createTimeNowTool();
    const before = Date.now();
    // Act
    const result = (await tool.run(tool.input.parse({}), context)) as TimeNowResult;
    // Assess
    const after = Date.now();
    expect(result.epochMs).toBeGreaterThanOrEqual(before);
    expect(result.epochMs).toBeLessThanOrEqual(after);
    expect(Date.parse(result.iso)).toBe(result.epochMs);
    expect(Date.parse(result.local)).toBe(result.epochMs);
  });
});
