import { describe, expect, it } from 'vitest';
import type { BusEvent, EventDefinition } from '../../events/envelope.js';
import { taskStarted } from '../../events/task-events.js';
import { toolDenied, toolInvoked } from '../../events/tool-events.js';
import { auditEntryOf } from '../../shared/core/audit.js';
import { createEvent } from '../../shared/core/events.js';
import { FixedClock } from '../helpers/in-memory.js';

const ctx = { correlationId: 'corr-audit', clock: new FixedClock('2025-03-04T05:06:07.890Z') };
const ref = { taskId: '01JAAAAAAAAAAAAAAAAAAAAAAA', agentId: 'reader' };

/** An event as EventBridge delivers it to the event sink's queue. */
function busEvent<D extends EventDefinition>(definition: D, data: unknown): BusEvent {
  const event = createEvent(definition, data as never, ctx);
  return {
    id: 'eb-0001',
    'detail-type': event.type,
    source: event.source,
    time: '2025-03-04T05:06:08Z',
    detail: event.detail,
  };
}

describe('auditEntryOf', () => {
  it('reads a tool denial as: the agent was denied the tool', () => {
    // Prepare
    const data = {
      ...ref,
      tool: 'fs.write',
      reason: "agent 'reader' does not list tool 'fs.write'",
    };
    const event = busEvent(toolDenied, data);

    // Act
    const entry = auditEntryOf(event);

    // Assess: keyed by the event's own id and time, not EventBridge's.
    expect(entry).toEqual({
      eventId: event.detail.id,
      time: '2025-03-04T05:06:07.890Z',
      actor: 'agent:reader',
      action: 'tool.denied',
      target: 'tool:fs.write',
      outcome: 'denied',
      detail: data,
    });
  });

  it.each([
    ['a tool call that ran', toolInvoked, { ...ref, tool: 'fs.write', ok: false, durationMs: 3 }],
    ['a task event', taskStarted, { ...ref, attempt: 1 }],
  ])('makes no entry of %s', (_label, definition, data) => {
    // Act
    const entry = auditEntryOf(busEvent(definition as EventDefinition, data));

    // Assess
    expect(entry).toBeUndefined();
  });

  it('goes by the detail-type alone', () => {
    // Prepare: a denial relabelled as something else.
    const event = {
      ...busEvent(toolDenied, { ...ref, tool: 't', reason: 'r' }),
      'detail-type': 'tool.invoked',
    };

    // Act
    const entry = auditEntryOf(event);

    // Assess
    expect(entry).toBeUndefined();
  });
});
