/** Event-type patterns (`?type=task.*`) and how a bus event reads in the event log and the API. */
import { describe, expect, it } from 'vitest';
import type { BusEvent } from '../../events/envelope.js';
import { ValidationError } from '../../shared/core/errors.js';
import { loggedEventOf, publicEvent } from '../../shared/core/observability/logged-event.js';
import {
  matchesType,
  parseTypePattern,
  TYPE_PATTERN,
} from '../../shared/core/observability/type-pattern.js';

describe('type patterns', () => {
  it.each([
    ['task.queued', 'task.queued', true],
    ['task.queued', 'task.queued-later', false],
    ['task.queued', 'task', false],
    ['task.*', 'task.queued', true],
    ['task.*', 'task.dead-lettered', true],
    ['task.*', 'task', false],
    ['task.*', 'taskforce.queued', false],
    ['task.*', 'workflow.task.queued', false],
    ['workflow.step.*', 'workflow.step.started', true],
    ['workflow.step.*', 'workflow.started', false],
    ['*', 'anything.at-all', true],
  ])('%s matches %s: %s', (pattern, type, expected) => {
    // Prepare
    expect(TYPE_PATTERN.test(pattern)).toBe(true);

    // Act
    const matches = matchesType(parseTypePattern(pattern), type);

    // Assess
    expect(matches).toBe(expected);
  });

  it('reads exact types and prefixes', () => {
    // Assess
    expect(parseTypePattern('task.failed')).toEqual({ exact: 'task.failed' });
    expect(parseTypePattern('task.*')).toEqual({ prefix: 'task.' });
    expect(parseTypePattern('*')).toEqual({ prefix: '' });
  });

  it.each(['', 'task*', '.*', 'task.', 'Task.*', 'task..queued', '*.queued', 'task.*.x', 'a b'])(
    'refuses %j',
    (pattern) => {
      // Assess
      expect(TYPE_PATTERN.test(pattern)).toBe(false);
    },
  );
});

const busEvent = (time: string, data: Record<string, unknown>): BusEvent => ({
  id: 'eb-1',
  'detail-type': 'task.queued',
  source: 'agent-core.scheduler',
  time,
  detail: { version: 1, id: '01JQ0000000000000000000000', time, correlationId: 'corr-1', data },
});

describe('loggedEventOf', () => {
  it('keeps the envelope, the agent the event is about, and the time in UTC', () => {
    // Prepare
    const data = { taskId: 't1', agentId: 'alice', priority: 'low', reason: 'submitted' };

    // Act
    const logged = loggedEventOf(busEvent('2025-03-01T12:30:00.5+02:00', data));

    // Assess
    expect(logged).toEqual({
      id: '01JQ0000000000000000000000',
      time: '2025-03-01T10:30:00.500Z',
      type: 'task.queued',
      source: 'agent-core.scheduler',
      correlationId: 'corr-1',
      agentId: 'alice',
      version: 1,
      data,
    });
  });

  it.each([
    ['no agentId', {}],
    ['an empty agentId', { agentId: '' }],
    ['an agentId that is not a string', { agentId: 7 }],
  ])('names no agent for data with %s', (_what, data) => {
    // Act
    const logged = loggedEventOf(busEvent('2025-03-01T10:30:00.000Z', data));

    // Assess
    expect(logged.agentId).toBeUndefined();
  });

  it.each(['yesterday', '2025-03-01', '+012025-03-01T10:30:00Z', '2025-13-01T10:30:00Z'])(
    'refuses the time %j',
    (time) => {
      // Act + Assess
      expect(() => loggedEventOf(busEvent(time, {}))).toThrow(ValidationError);
    },
  );
});

describe('publicEvent', () => {
  it('shows the envelope fields and the detail as published', () => {
    // Prepare
    const logged = loggedEventOf(busEvent('2025-03-01T10:30:00.000Z', { agentId: 'alice' }));

    // Act
    const shown = publicEvent(logged);

    // Assess
    expect(shown).toEqual({
      id: logged.id,
      time: '2025-03-01T10:30:00.000Z',
      type: 'task.queued',
      source: 'agent-core.scheduler',
      correlationId: 'corr-1',
      detail: {
        version: 1,
        id: logged.id,
        time: '2025-03-01T10:30:00.000Z',
        correlationId: 'corr-1',
        data: { agentId: 'alice' },
      },
    });
  });
});
