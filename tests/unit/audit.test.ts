import { describe, expect, it } from 'vitest';
import type { BusEvent, EventDefinition } from '../../events/envelope.js';
import { keyCreated, keyRevoked, securityDenied } from '../../events/security-events.js';
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

describe('auditEntryOf for security events', () => {
  it('reads a refused request as: the principal was denied the action on the resource', () => {
    // Prepare
    const data = {
      principal: 'agent:alice',
      action: 'GET /v1/tasks/{id}',
      resource: 'task:01JAAAAAAAAAAAAAAAAAAAAAAA',
      reason: "this key does not act as agent 'bob'",
    };
    const event = busEvent(securityDenied, data);

    // Act
    const entry = auditEntryOf(event);

    // Assess
    expect(entry).toEqual({
      eventId: event.detail.id,
      time: '2025-03-04T05:06:07.890Z',
      actor: 'agent:alice',
      action: 'GET /v1/tasks/{id}',
      target: 'task:01JAAAAAAAAAAAAAAAAAAAAAAA',
      outcome: 'denied',
      detail: data,
    });
  });

  it.each([
    ['security.key-created', keyCreated],
    ['security.key-revoked', keyRevoked],
  ])('reads %s as an allowed act of whoever did it, on the key', (type, definition) => {
    // Prepare
    const data = { keyId: '01JKEYAAAAAAAAAAAAAAAAAAAA', scope: 'agent:alice', by: 'admin' };
    const event = busEvent(definition, data);

    // Act
    const entry = auditEntryOf(event);

    // Assess
    expect(entry).toEqual({
      eventId: event.detail.id,
      time: '2025-03-04T05:06:07.890Z',
      actor: 'admin',
      action: type,
      target: 'key:01JKEYAAAAAAAAAAAAAAAAAAAA',
      outcome: 'allowed',
      detail: data,
    });
  });

  it('keeps the two key events apart by their detail-type', () => {
    // Prepare
    const data = { keyId: 'k1', scope: 'agent:alice', by: 'admin' };

    // Act
    const created = auditEntryOf(busEvent(keyCreated, data));
    const revoked = auditEntryOf(busEvent(keyRevoked, data));

    // Assess
    expect([created?.action, revoked?.action]).toEqual([
      'security.key-created',
      'security.key-revoked',
    ]);
  });
});

describe('auditEntryOf: changes made through the API', () => {
  const envelope = (
    type: string,
    data: Record<string, unknown>,
    actor?: { principal: string; keyId?: string },
  ) => ({
    id: 'bus-1',
    'detail-type': type,
    source: 'agent-core.kernel',
    time: '2026-01-02T03:04:05Z',
    detail: {
      version: 1 as const,
      id: '01JEVENT00000000000000000',
      time: '2026-01-02T03:04:05.000Z',
      correlationId: 'c-1',
      ...(actor ? { actor } : {}),
      data,
    },
  });

  it.each([
    ['agent.registered', { agentId: 'scout', name: 'Scout', tags: [] }, 'agent:scout'],
    ['agent.retired', { agentId: 'scout' }, 'agent:scout'],
    [
      'task.queued',
      { taskId: 't1', agentId: 'scout', priority: 'normal', reason: 'submitted' },
      'task:t1',
    ],
    [
      'task.queued',
      { taskId: 't1', agentId: 'scout', priority: 'normal', reason: 'redriven' },
      'task:t1',
    ],
    ['task.cancelled', { taskId: 't1', agentId: 'scout' }, 'task:t1'],
    [
      'memory.written',
      { agentId: 'scout', namespace: 'notes', memoryId: 'm1' },
      'memory:scout/notes',
    ],
    ['message.sent', { messageId: 'msg1', from: 'scout' }, 'message:msg1'],
    [
      'budget.created',
      { budgetId: 'team-a', scope: 'tag:a', usdPerDay: 5, usdPerMonth: null },
      'budget:team-a',
    ],
    [
      'budget.deleted',
      { budgetId: 'team-a', scope: 'tag:a', usdPerDay: 5, usdPerMonth: null },
      'budget:team-a',
    ],
    [
      'schedule.updated',
      {
        scheduleId: 'nightly',
        expression: 'cron(0 2 * * ? *)',
        timezone: 'UTC',
        enabled: false,
        runs: 'task',
      },
      'schedule:nightly',
    ],
  ])('audits %s by its caller and key', (type, data, target) => {
    // Act
    const entry = auditEntryOf(envelope(type, data, { principal: 'agent:scout', keyId: '01KEY' }));

    // Assess
    expect(entry).toMatchObject({
      actor: 'agent:scout',
      action: type,
      target,
      outcome: 'allowed',
      detail: { keyId: '01KEY' },
    });
  });

  it('does not audit what no caller did: recovery, resume, or an event without an actor', () => {
    const recovered = { taskId: 't1', agentId: 'scout', priority: 'normal', reason: 'recovered' };
    expect(
      auditEntryOf(envelope('task.queued', recovered, { principal: 'admin' })),
    ).toBeUndefined();
    expect(
      auditEntryOf(envelope('agent.registered', { agentId: 'scout', name: 'S', tags: [] })),
    ).toBeUndefined();
    expect(
      auditEntryOf(envelope('task.succeeded', { taskId: 't1' }, { principal: 'admin' })),
    ).toBeUndefined();
  });
});
