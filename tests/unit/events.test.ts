import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import * as agentEvents from '../../events/agent-events.js';
import * as approvalEvents from '../../events/approval-events.js';
import * as budgetEvents from '../../events/budget-events.js';
import { eventCatalogue } from '../../events/catalogue.js';
import { type EventDefinition, eventDetailSchema } from '../../events/envelope.js';
import * as insightEvents from '../../events/insight-events.js';
import * as memoryEvents from '../../events/memory-events.js';
import * as messageEvents from '../../events/message-events.js';
import * as modelEvents from '../../events/model-events.js';
import * as scheduleEvents from '../../events/schedule-events.js';
import * as securityEvents from '../../events/security-events.js';
import * as taskEvents from '../../events/task-events.js';
import * as threadEvents from '../../events/thread-events.js';
import * as toolEvents from '../../events/tool-events.js';
import * as workflowEvents from '../../events/workflow-events.js';
import type { Layer } from '../../infra/topology.js';
import { createEvent } from '../../shared/core/events.js';
import { ULID_PATTERN } from '../../shared/core/ids.js';
import { FixedClock } from '../helpers/in-memory.js';

const LAYERS: Layer[] = [
  'kernel',
  'memory',
  'models',
  'tools',
  'scheduler',
  'ipc',
  'observability',
  'dashboard',
  'security',
  'orchestration',
  'learning',
];

/** Every event definition the event modules export, duplicates included. */
const isDefinition = (value: unknown): value is EventDefinition =>
  typeof value === 'object' && value !== null && 'type' in value && 'source' in value;
const definitions = [
  ...Object.values(agentEvents),
  ...Object.values(taskEvents),
  ...Object.values(modelEvents),
  ...Object.values(toolEvents),
  ...Object.values(securityEvents),
  ...Object.values(messageEvents),
  ...Object.values(memoryEvents),
  ...Object.values(workflowEvents),
  ...Object.values(insightEvents),
  ...Object.values(threadEvents),
  ...Object.values(approvalEvents),
  ...Object.values(budgetEvents),
  ...Object.values(scheduleEvents),
].filter(isDefinition);

const ctx = () => ({ correlationId: 'corr-1', clock: new FixedClock('2025-02-03T04:05:06.789Z') });
const ref = { taskId: '01JAAAAAAAAAAAAAAAAAAAAAAA', agentId: 'worker' };

describe('createEvent', () => {
  it('builds the envelope API.md fixes', () => {
    // Act
    const event = createEvent(taskEvents.taskStarted, { ...ref, attempt: 2 }, ctx());

    // Assess
    expect(event).toEqual({
      type: 'task.started',
      source: 'agent-core.kernel',
      detail: {
        version: 1,
        id: expect.stringMatching(ULID_PATTERN),
        time: '2025-02-03T04:05:06.789Z',
        correlationId: 'corr-1',
        data: { ...ref, attempt: 2 },
      },
    });
    expect(eventDetailSchema.safeParse(event.detail).success).toBe(true);
  });

  it('gives every event its own id', () => {
    // Act
    const ids = Array.from(
      { length: 50 },
      () => createEvent(agentEvents.agentPaused, { agentId: 'a' }, ctx()).detail.id,
    );

    // Assess
    expect(new Set(ids).size).toBe(50);
  });

  it('drops data fields the schema does not know', () => {
    // Act
    const event = createEvent(
      agentEvents.agentPaused,
      { agentId: 'a', secret: 'k' } as unknown as { agentId: string },
      ctx(),
    );

    // Assess
    expect(event.detail.data).toEqual({ agentId: 'a' });
  });

  it.each([
    ['a missing field', taskEvents.taskStarted, { ...ref }],
    ['a wrong type', taskEvents.taskStarted, { ...ref, attempt: '1' }],
    ['a fractional attempt', taskEvents.taskStarted, { ...ref, attempt: 1.5 }],
    [
      'an unknown priority',
      taskEvents.taskQueued,
      { ...ref, priority: 'urgent', reason: 'submitted' },
    ],
    ['an unknown reason', taskEvents.taskQueued, { ...ref, priority: 'low', reason: 'because' }],
    [
      'a bad step kind',
      taskEvents.taskStep,
      {
        ...ref,
        attempt: 1,
        step: { index: 0, kind: 'thought', name: 'x', ok: true, durationMs: 1 },
      },
    ],
    [
      'an error without retryable',
      taskEvents.taskFailed,
      {
        ...ref,
        attempt: 1,
        error: { code: 'X', message: 'y' },
      },
    ],
    [
      'tags that are not a list',
      agentEvents.agentRegistered,
      { agentId: 'a', name: 'n', tags: 'x' },
    ],
  ])('throws on %s', (_label, definition, data) => {
    // Act
    const act = () => createEvent(definition as EventDefinition, data as never, ctx());

    // Assess
    expect(act).toThrow(ZodError);
  });
});

describe('the event catalogue', () => {
  it('holds every exported definition, each under its own type', () => {
    // Assess: a duplicate type would collapse two definitions into one map entry.
    expect(definitions.length).toBeGreaterThanOrEqual(17);
    expect(new Set(definitions.map((d) => d.type)).size).toBe(definitions.length);
    expect(eventCatalogue.size).toBe(definitions.length);
    for (const definition of definitions) {
      expect(eventCatalogue.get(definition.type)).toBe(definition);
    }
  });

  it.each(definitions.map((d) => [d.type, d] as const))(
    '%s has source agent-core.<layer>, version 1 and an <entity>.<verb> type',
    (_type, definition) => {
      // Assess
      const [prefix, layer] = definition.source.split('.');
      expect(prefix).toBe('agent-core');
      expect(LAYERS).toContain(layer);
      expect(definition.source).toBe(`agent-core.${layer}`);
      expect(definition.version).toBe(1);
      expect(definition.type).toMatch(/^[a-z]+\.[a-z-]+(\.[a-z-]+)?$/);
    },
  );

  it('lists only the event types API.md names', () => {
    // Prepare: from the Events section of API.md.
    const documented = [
      ...['registered', 'updated', 'paused', 'resumed', 'retired'].map((v) => `agent.${v}`),
      ...[
        'queued',
        'started',
        'step',
        'retrying',
        'waiting',
        'succeeded',
        'failed',
        'cancelled',
        'dead-lettered',
      ].map((v) => `task.${v}`),
      'thread.created',
      'thread.message',
      ...['requested', 'decided', 'expired'].map((v) => `approval.${v}`),
      'tool.invoked',
      'tool.denied',
      'model.invoked',
      'model.fallback',
      'security.denied',
      'message.sent',
      'message.delivered',
      'memory.written',
      ...['started', 'step.started', 'step.completed', 'succeeded', 'failed', 'cancelled'].map(
        (v) => `workflow.${v}`,
      ),
      'insight.anomaly',
      'budget.warning',
      'budget.exceeded',
      'schedule.fired',
    ];
    // Beyond API.md's list, each documented in the README.
    const extensions = [
      'security.key-created',
      'security.key-revoked',
      'memory.granted',
      'memory.revoked',
      'thread.deleted',
      ...['created', 'updated', 'deleted'].flatMap((v) => [`budget.${v}`, `schedule.${v}`]),
    ];

    // Assess
    for (const type of eventCatalogue.keys())
      expect([...documented, ...extensions]).toContain(type);
  });
});

describe('model and tool events', () => {
  it.each([
    [modelEvents.modelInvoked, 'model.invoked', 'agent-core.models'],
    [modelEvents.modelFallback, 'model.fallback', 'agent-core.models'],
    [toolEvents.toolInvoked, 'tool.invoked', 'agent-core.tools'],
    [toolEvents.toolDenied, 'tool.denied', 'agent-core.tools'],
  ] as const)('%s is %s from %s, in the catalogue', (definition, type, source) => {
    // Assess
    expect(definition.type).toBe(type);
    expect(definition.source).toBe(source);
    expect(eventCatalogue.get(type)).toBe(definition);
  });

  it.each([
    [
      'a successful model call',
      modelEvents.modelInvoked,
      {
        ...ref,
        model: 'bedrock:amazon.nova-lite-v1:0',
        ok: true,
        latencyMs: 812,
        inputTokens: 100,
        outputTokens: 20,
        costUsd: 0.0000108,
      },
    ],
    [
      'a failed model call with its reason',
      modelEvents.modelInvoked,
      {
        ...ref,
        model: 'openai:gpt-4o',
        ok: false,
        latencyMs: 30,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        error: 'throttled',
      },
    ],
    [
      'a fallback',
      modelEvents.modelFallback,
      { ...ref, route: 'default', from: 'openai:a', to: 'echo', reason: 'openai:a: timeout' },
    ],
    ['a tool call', toolEvents.toolInvoked, { ...ref, tool: 'math.eval', ok: true, durationMs: 2 }],
    [
      'a denial',
      toolEvents.toolDenied,
      { ...ref, tool: 'fs.write', reason: "agent 'worker' does not list tool 'fs.write'" },
    ],
  ])('carries %s as given', (_label, definition, data) => {
    // Act
    const event = createEvent(definition as EventDefinition, data as never, ctx());

    // Assess
    expect(event.detail.data).toEqual(data);
  });

  it.each([
    ['model.invoked without a model', modelEvents.modelInvoked, { ...ref, ok: true }],
    [
      'model.fallback without a reason',
      modelEvents.modelFallback,
      { ...ref, route: 'r', from: 'a', to: 'b' },
    ],
    [
      'tool.invoked with ok as a string',
      toolEvents.toolInvoked,
      { ...ref, tool: 't', ok: 'yes', durationMs: 1 },
    ],
    ['tool.denied without a task', toolEvents.toolDenied, { agentId: 'a', tool: 't', reason: 'r' }],
  ])('throws on %s', (_label, definition, data) => {
    // Act
    const act = () => createEvent(definition as EventDefinition, data as never, ctx());

    // Assess
    expect(act).toThrow(ZodError);
  });
});
