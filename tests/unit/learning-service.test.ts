/**
 * The learning use cases on an in-memory insight store: outcomes read from bus events, counted
 * once however often they arrive, bounded windows, strategies' latency per step, anomalies
 * announced through the summary's outbox (again after a failed publish), and agent insights.
 */
import { describe, expect, it } from 'vitest';
import type { EventDefinition, OutgoingEvent } from '../../events/envelope.js';
import { insightAnomaly } from '../../events/insight-events.js';
import { taskDeadLettered, taskFailed, taskSucceeded } from '../../events/task-events.js';
import {
  workflowCancelled,
  workflowFailed,
  workflowSucceeded,
} from '../../events/workflow-events.js';
import { NotFoundError, ValidationError } from '../../shared/core/errors.js';
import { createEvent } from '../../shared/core/events.js';
import type { Anomaly } from '../../shared/core/learning/anomaly.js';
import {
  getAgentInsights,
  insightReport,
  type LearnDeps,
  type OutcomeRecord,
  recordOutcomes,
} from '../../shared/core/learning/insight-service.js';
import {
  type InsightKey,
  type InsightKind,
  outcomeOf,
} from '../../shared/core/learning/outcome.js';
import type { InsightStore } from '../../shared/core/learning/ports.js';
import {
  DEFAULT_LEARNING_CONFIG,
  type InsightSummary,
} from '../../shared/core/learning/summary.js';
import type { Page, PageRequest } from '../../shared/core/ports.js';
import {
  buildAgent,
  FixedClock,
  InMemoryAgentStore,
  RecordingEventPublisher,
} from '../helpers/in-memory.js';

/** The store's contract in memory: copies in and out, read-modify-write, writes counted. */
class InMemoryInsightStore implements InsightStore {
  readonly summaries = new Map<InsightKey, InsightSummary>();
  readonly anomalyLog = new Map<string, Anomaly>();
  writes = 0;

  async get(key: InsightKey) {
    const found = this.summaries.get(key);
    return found ? structuredClone(found) : undefined;
  }
  async getMany(keys: readonly InsightKey[]) {
    const found = new Map<InsightKey, InsightSummary>();
    for (const key of keys) {
      const summary = await this.get(key);
      if (summary) found.set(key, summary);
    }
    return found;
  }
  async update(
    key: InsightKey,
    change: (current: InsightSummary | undefined) => InsightSummary | undefined,
  ) {
    const current = await this.get(key);
    const next = change(current);
    if (!next) return current;
    this.writes += 1;
    this.summaries.set(key, structuredClone(next));
    return structuredClone(next);
  }
  async list(kind: InsightKind, request: PageRequest): Promise<Page<InsightSummary>> {
    const all = [...this.summaries.values()]
      .filter((s) => s.kind === kind && (request.cursor === undefined || s.name > request.cursor))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const items = all.slice(0, request.limit);
    return {
      items: structuredClone(items),
      nextCursor: all.length > request.limit ? (items.at(-1)?.name ?? null) : null,
    };
  }
  async logAnomalies(anomalies: readonly Anomaly[]) {
    for (const a of anomalies) this.anomalyLog.set(a.id, structuredClone(a));
  }
  async recentAnomalies(limit: number) {
    return [...this.anomalyLog.values()]
      .sort((a, b) => (a.at < b.at ? 1 : -1))
      .slice(0, limit)
      .map((a) => structuredClone(a));
  }
}

const eventClock = new FixedClock('2030-03-01T00:00:00.000Z');

/** An event as the bus delivers it, a second after the previous one. */
function busEvent<D extends EventDefinition>(definition: D, data: unknown) {
  eventClock.advance(1_000);
  const event: OutgoingEvent = createEvent(definition, data as never, {
    correlationId: 'corr-learn',
    clock: eventClock,
  });
  return {
    id: `eb-${event.detail.id}`,
    'detail-type': event.type,
    source: event.source,
    time: event.detail.time,
    detail: event.detail,
  };
}

let taskCounter = 0;
const nextTaskId = () => {
  taskCounter += 1;
  return `t-${taskCounter}`;
};

const usage = (costUsd = 0.001) => ({
  modelCalls: 1,
  toolCalls: 0,
  inputTokens: 10,
  outputTokens: 5,
  costUsd,
});

const succeeded = (agentId: string, durationMs: number, costUsd = 0.001) =>
  busEvent(taskSucceeded, {
    taskId: nextTaskId(),
    agentId,
    attempt: 1,
    durationMs,
    usage: usage(costUsd),
  });

const failed = (agentId: string) =>
  busEvent(taskFailed, {
    taskId: nextTaskId(),
    agentId,
    attempt: 3,
    error: { code: 'ModelError', message: 'throttled', retryable: true },
  });

const workflowData = (overrides: Record<string, unknown> = {}) => ({
  workflowId: 'wf-1',
  name: 'review',
  strategy: 'auto',
  chosenStrategy: 'parallel',
  steps: 3,
  durationMs: 3_000,
  costUsd: 0.02,
  quality: 0.8,
  ...overrides,
});

let recordCounter = 0;
function records(events: ReturnType<typeof busEvent>[]): OutcomeRecord[] {
  return events.flatMap((event) => {
    const outcome = outcomeOf(event);
    recordCounter += 1;
    return outcome ? [{ recordId: `msg-${recordCounter}`, outcome }] : [];
  });
}

function deps(overrides: Partial<LearnDeps> = {}) {
  const insights = new InMemoryInsightStore();
  const events = new RecordingEventPublisher();
  const all: LearnDeps & { insights: InMemoryInsightStore; events: RecordingEventPublisher } = {
    insights,
    events,
    clock: new FixedClock('2030-03-02T00:00:00.000Z'),
    config: DEFAULT_LEARNING_CONFIG,
    ...overrides,
  } as never;
  return all;
}

describe('outcomeOf', () => {
  it('reads task and workflow outcomes, latency per step for workflows', () => {
    // Prepare
    const ok = succeeded('calc', 1_234, 0.5);
    const wf = busEvent(workflowSucceeded, workflowData());
    const wfFailed = busEvent(
      workflowFailed,
      workflowData({ chosenStrategy: 'dag', error: { code: 'X', message: 'x', stepId: 'b' } }),
    );

    // Act
    const outcomes = [ok, wf, wfFailed].map(outcomeOf);

    // Assess
    expect(outcomes.map((o) => o?.key)).toEqual([
      'agent:calc',
      'strategy:parallel',
      'strategy:dag',
    ]);
    expect(outcomes[0]?.execution).toMatchObject({ ok: true, latencyMs: 1_234, costUsd: 0.5 });
    expect(outcomes[1]?.execution).toMatchObject({ ok: true, latencyMs: 1_000, quality: 0.8 });
    expect(outcomes[2]?.execution).toMatchObject({ ok: false, latencyMs: null, costUsd: 0.02 });
    expect(outcomes[0]?.execution.id).toBe(ok.detail.id);
  });

  it('ignores what is not evidence: cancelled workflows, dead-lettering, other events', () => {
    // Prepare
    const cancelled = busEvent(workflowCancelled, workflowData());
    const deadLettered = busEvent(taskDeadLettered, {
      taskId: 't1',
      agentId: 'calc',
      attempts: 3,
      error: { code: 'X', message: 'x', retryable: true },
    });

    // Act + Assess
    expect(outcomeOf(cancelled)).toBeNull();
    expect(outcomeOf(deadLettered)).toBeNull();
  });

  it('refuses a learnt-from event whose data is malformed, naming the field', () => {
    // Prepare
    const event = succeeded('calc', 10);
    (event.detail.data as Record<string, unknown>).durationMs = 'slow';

    // Act
    const error = (() => {
      try {
        return outcomeOf(event);
      } catch (e) {
        return e;
      }
    })();

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details?.map((d) => d.path)).toEqual(['data.durationMs']);
  });
});

describe('recordOutcomes', () => {
  it('counts each outcome once, redelivered in the same batch or a later one, one write per key', async () => {
    // Prepare
    const d = deps();
    const events = [succeeded('calc', 100), failed('calc'), succeeded('calc', 300)];
    const wf = busEvent(workflowSucceeded, workflowData());

    // Act
    const first = await recordOutcomes(d, records([...events, events[0]!, wf]));
    const writesAfterFirst = d.insights.writes;
    const second = await recordOutcomes(d, records([...events, wf]));

    // Assess
    expect(first.failedRecordIds).toEqual([]);
    expect(second.failedRecordIds).toEqual([]);
    expect(writesAfterFirst).toBe(2);
    expect(d.insights.writes).toBe(2);
    const insights = await getAgentInsights(
      { insights: d.insights, agents: new InMemoryAgentStore() },
      'calc',
    );
    expect(insights).toMatchObject({
      agentId: 'calc',
      executions: 3,
      totalExecutions: 3,
      successes: 2,
      failures: 1,
      successRate: 0.6667,
      latencyMs: { p50: 100, p95: 300, mean: 200 },
      costUsd: { total: 0.002 },
      quality: null,
      trend: { latency: 'unknown', errorRate: 'unknown' },
      anomalies: [],
      updatedAt: '2030-03-02T00:00:00.000Z',
    });
  });

  it('keeps a bounded window but counts every execution', async () => {
    // Prepare
    const d = deps({ config: { ...DEFAULT_LEARNING_CONFIG, windowSize: 50 } });
    const events = Array.from({ length: 80 }, (_, i) => succeeded('bounded', 100 + i));

    // Act: in batches of ten, as the queue delivers them.
    for (let i = 0; i < events.length; i += 10) {
      await recordOutcomes(d, records(events.slice(i, i + 10)));
    }

    // Assess
    const summary = d.insights.summaries.get('agent:bounded');
    expect(summary?.window).toHaveLength(50);
    expect(summary?.executions).toBe(80);
    expect(summary?.window[0]?.latencyMs).toBe(130);
  });

  it('announces an anomaly once, keeps it in the summary and the log', async () => {
    // Prepare: 30 steady tasks, then a slow one.
    const d = deps();
    const steady = Array.from({ length: 30 }, (_, i) => succeeded('spiky', 100 + (i % 5)));
    const spike = succeeded('spiky', 2_000);

    // Act
    await recordOutcomes(d, records(steady));
    const result = await recordOutcomes(d, records([spike]));
    await recordOutcomes(d, records([spike]));

    // Assess
    expect(result.failedRecordIds).toEqual([]);
    expect(d.events.types()).toEqual(['insight.anomaly']);
    const event = d.events.events[0] as OutgoingEvent;
    expect(event.source).toBe(insightAnomaly.source);
    expect(event.detail.correlationId).toBe('corr-learn');
    expect(event.detail.data).toMatchObject({
      agentId: 'spiky',
      metric: 'latency',
      value: 2_000,
      taskId: spike.detail.data.taskId,
    });
    expect(d.insights.summaries.get('agent:spiky')?.anomalies).toMatchObject([
      { metric: 'latency', published: true },
    ]);
    expect([...d.insights.anomalyLog.keys()]).toEqual([`${spike.detail.id}:latency`]);
  });

  it('fails the records when announcing fails, and announces on their redelivery', async () => {
    // Prepare
    const d = deps();
    const steady = Array.from({ length: 30 }, () => succeeded('outbox', 100));
    await recordOutcomes(d, records(steady));
    const spikeRecords = records([succeeded('outbox', 5_000)]);
    d.events.failWith = new Error('bus throttled');

    // Act
    const first = await recordOutcomes(d, spikeRecords);
    const pendingBetween = d.insights.summaries.get('agent:outbox')?.anomalies;
    const second = await recordOutcomes(d, spikeRecords);

    // Assess
    expect(first.failedRecordIds).toEqual([spikeRecords[0]?.recordId]);
    expect(first.problems[0]?.error).toMatchObject({ message: 'bus throttled' });
    expect(pendingBetween).toMatchObject([{ published: false }]);
    expect(second.failedRecordIds).toEqual([]);
    expect(d.events.types()).toEqual(['insight.anomaly']);
    expect(d.insights.summaries.get('agent:outbox')?.executions).toBe(31);
    expect(d.insights.summaries.get('agent:outbox')?.anomalies).toMatchObject([
      { published: true },
    ]);
  });

  it('fails only the records of the key whose write failed', async () => {
    // Prepare
    const d = deps();
    const failing: InsightStore = {
      ...d.insights,
      get: d.insights.get.bind(d.insights),
      getMany: d.insights.getMany.bind(d.insights),
      list: d.insights.list.bind(d.insights),
      logAnomalies: d.insights.logAnomalies.bind(d.insights),
      recentAnomalies: d.insights.recentAnomalies.bind(d.insights),
      update: async (key, change) => {
        if (key === 'agent:broken') throw new Error('throttled');
        return d.insights.update(key, change);
      },
    };
    const batch = records([succeeded('broken', 10), succeeded('fine', 10), failed('broken')]);

    // Act
    const result = await recordOutcomes({ ...d, insights: failing }, batch);

    // Assess
    expect(result.failedRecordIds.sort()).toEqual([batch[0]?.recordId, batch[2]?.recordId].sort());
    expect(d.insights.summaries.get('agent:fine')?.executions).toBe(1);
  });
});

describe('getAgentInsights and insightReport', () => {
  it('answers a registered agent without history with zero executions, and 404 for no agent', async () => {
    // Prepare
    const d = deps();
    const agents = new InMemoryAgentStore().seed(buildAgent({ id: 'fresh' }));

    // Act
    const fresh = await getAgentInsights({ insights: d.insights, agents }, 'fresh');
    const missing = await getAgentInsights({ insights: d.insights, agents }, 'ghost').catch(
      (e: unknown) => e,
    );
    const malformed = await getAgentInsights({ insights: d.insights, agents }, '../x').catch(
      (e: unknown) => e,
    );

    // Assess
    expect(fresh).toMatchObject({
      agentId: 'fresh',
      executions: 0,
      totalExecutions: 0,
      successRate: null,
      anomalies: [],
      baseline: { latencyMs: null, errorRate: null },
      updatedAt: null,
    });
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(malformed).toBeInstanceOf(NotFoundError);
  });

  it('reports every strategy, a page of agents and the recent anomalies', async () => {
    // Prepare
    const d = deps();
    await recordOutcomes(
      d,
      records([
        succeeded('alpha', 10),
        succeeded('beta', 20),
        succeeded('gamma', 30),
        busEvent(workflowSucceeded, workflowData({ chosenStrategy: 'sequential', steps: 4 })),
        busEvent(workflowSucceeded, workflowData({ chosenStrategy: 'parallel', steps: 2 })),
      ]),
    );

    // Act
    const first = await insightReport(d, { limit: 2 });
    const second = await insightReport(d, { limit: 2, cursor: first.nextCursor ?? undefined });

    // Assess
    expect(first.strategies.map((s) => [s.strategy, s.latencyPerStepMs.p50])).toEqual([
      ['parallel', 1_500],
      ['sequential', 750],
    ]);
    expect(first.agents.map((a) => a.agentId)).toEqual(['alpha', 'beta']);
    expect(second.agents.map((a) => a.agentId)).toEqual(['gamma']);
    expect(second.nextCursor).toBeNull();
    expect(first.recentAnomalies).toEqual([]);
  });
});
