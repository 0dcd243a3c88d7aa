/**
 * The metrics math on known inputs: which events count for what, one delta per bucket per batch,
 * the window's minutes, sums across minute buckets, perMinute and percentiles from latency
 * sketches (their own error bound is tested in latency-sketch.test.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  addToSketch,
  emptySketch,
  type LatencySketch,
  sketchQuantile,
} from '../../shared/core/observability/latency-sketch.js';
import {
  ALL_KEY,
  agentKey,
  metricDeltasOf,
  metricsWindow,
  modelKey,
  summariseMetrics,
} from '../../shared/core/observability/metrics.js';
import type { LoggedEvent, MetricBucket } from '../../shared/core/observability/ports.js';

/** A latency sketch of these durations (ms). */
const sketch = (latencies: number[] = []): LatencySketch => {
  const s = emptySketch();
  for (const ms of latencies) addToSketch(s, ms);
  return s;
};
/** What a sketch of these durations answers for the q-quantile. */
const quantile = (latencies: number[], q: number) => sketchQuantile(sketch(latencies), q);

let sequence = 0;
function event(type: string, time: string, data: Record<string, unknown>): LoggedEvent {
  sequence += 1;
  const agentId = typeof data.agentId === 'string' ? data.agentId : undefined;
  return {
    id: `ev-${String(sequence).padStart(6, '0')}`,
    time,
    type,
    source: 'agent-core.test',
    correlationId: 'corr',
    agentId,
    version: 1,
    data,
  };
}

const task = (agentId: string) => ({ taskId: `t-${agentId}`, agentId });
const queued = (time: string, agentId: string, reason = 'submitted') =>
  event('task.queued', time, { ...task(agentId), priority: 'normal', reason });
const succeeded = (time: string, agentId: string, durationMs: number) =>
  event('task.succeeded', time, {
    ...task(agentId),
    attempt: 1,
    durationMs,
    usage: { modelCalls: 1, toolCalls: 0, inputTokens: 1, outputTokens: 1, costUsd: 0 },
  });
const failed = (time: string, agentId: string) =>
  event('task.failed', time, {
    ...task(agentId),
    attempt: 1,
    error: { code: 'X', message: 'x', retryable: false },
  });
const deadLettered = (time: string, agentId: string) =>
  event('task.dead-lettered', time, {
    ...task(agentId),
    attempts: 3,
    error: { code: 'X', message: 'x', retryable: true },
  });
const modelCall = (time: string, model: string, latencyMs: number, ok = true) =>
  event('model.invoked', time, {
    ...task('alice'),
    model,
    ok,
    latencyMs,
    inputTokens: 10,
    outputTokens: 4,
    costUsd: 0.1,
  });

const T1 = '2025-03-01T10:01:15.000Z';
const T1b = '2025-03-01T10:01:59.999Z';
const T2 = '2025-03-01T10:02:00.000Z';

describe('metricDeltasOf', () => {
  it('sums a batch into one delta per minute and key, with the events each holds', () => {
    // Prepare
    const events = [
      queued(T1, 'alice'),
      queued(T1b, 'alice'),
      queued(T1, 'bob'),
      succeeded(T1, 'alice', 7),
      succeeded(T1b, 'alice', 300),
      failed(T2, 'bob'),
      deadLettered(T2, 'bob'),
      modelCall(T1, 'echo', 3),
      modelCall(T1b, 'echo', 30, false),
    ];

    // Act
    const deltas = metricDeltasOf(events);

    // Assess
    const byId = new Map(deltas.map((c) => [`${c.delta.minute}|${c.delta.key}`, c]));
    expect([...byId.keys()].sort()).toEqual(
      [
        `2025-03-01T10:01|${ALL_KEY}`,
        `2025-03-01T10:01|${agentKey('alice')}`,
        `2025-03-01T10:01|${agentKey('bob')}`,
        `2025-03-01T10:01|${modelKey('echo')}`,
        `2025-03-01T10:02|${ALL_KEY}`,
        `2025-03-01T10:02|${agentKey('bob')}`,
      ].sort(),
    );
    expect(byId.get('2025-03-01T10:01|all')?.delta).toEqual({
      minute: '2025-03-01T10:01',
      key: 'all',
      counters: { submitted: 3, succeeded: 2 },
      latency: sketch([7, 300]),
    });
    expect(byId.get('2025-03-01T10:01|agent#alice')?.delta.counters).toEqual({
      submitted: 2,
      succeeded: 2,
    });
    expect(byId.get('2025-03-01T10:01|agent#alice')?.eventIds).toEqual(
      [events[0], events[1], events[3], events[4]].map((e) => e?.id),
    );
    expect(byId.get('2025-03-01T10:02|agent#bob')?.delta).toEqual({
      minute: '2025-03-01T10:02',
      key: 'agent#bob',
      counters: { failed: 1, deadLettered: 1 },
      latency: sketch(),
    });
    expect(byId.get('2025-03-01T10:01|model#echo')?.delta).toEqual({
      minute: '2025-03-01T10:01',
      key: 'model#echo',
      counters: { calls: 2, errors: 1, inputTokens: 20, outputTokens: 8, costUsd: 0.2 },
      latency: sketch([3, 30]),
    });
  });

  it.each([
    ['a redriven task', queued(T1, 'alice', 'redriven')],
    ['a recovered task', queued(T1, 'alice', 'recovered')],
    ['a resumed task', queued(T1, 'alice', 'resumed')],
    ['a started task', event('task.started', T1, { ...task('alice'), attempt: 1 })],
    ['an agent registered', event('agent.registered', T1, { agentId: 'a', name: 'a', tags: [] })],
    ['a task.succeeded without its duration', event('task.succeeded', T1, task('alice'))],
    ['a model.invoked without its model', event('model.invoked', T1, { ok: true })],
  ])('counts nothing for %s', (_what, input) => {
    // Act
    const deltas = metricDeltasOf([input]);

    // Assess
    expect(deltas).toEqual([]);
  });

  it('counts an event given twice once', () => {
    // Prepare
    const once = queued(T1, 'alice');

    // Act
    const deltas = metricDeltasOf([once, { ...once }]);

    // Assess
    expect(deltas.map((c) => [c.delta.key, c.delta.counters.submitted, c.eventIds])).toEqual([
      ['all', 1, [once.id]],
      ['agent#alice', 1, [once.id]],
    ]);
  });
});

describe('metricsWindow', () => {
  it('rounds the window out to whole minutes, up to now', () => {
    // Act
    const window = metricsWindow(new Date('2025-03-01T10:07:30.000Z'), 300);

    // Assess
    expect(window).toEqual({
      windowSeconds: 300,
      from: '2025-03-01T10:02:00.000Z',
      to: '2025-03-01T10:07:30.000Z',
      minutes: [
        '2025-03-01T10:02',
        '2025-03-01T10:03',
        '2025-03-01T10:04',
        '2025-03-01T10:05',
        '2025-03-01T10:06',
        '2025-03-01T10:07',
      ],
    });
  });

  it('starts at now minus the window when that falls on a minute, across midnight', () => {
    // Act
    const window = metricsWindow(new Date('2025-03-02T00:00:00.000Z'), 60);

    // Assess
    expect(window.minutes).toEqual(['2025-03-01T23:59', '2025-03-02T00:00']);
    expect(window.from).toBe('2025-03-01T23:59:00.000Z');
  });

  it('reads 1 441 minutes for a day', () => {
    // Act
    const window = metricsWindow(new Date('2025-03-01T10:07:30.000Z'), 86_400);

    // Assess
    expect(window.minutes).toHaveLength(1441);
    expect(window.minutes[0]).toBe('2025-02-28T10:07');
    expect(window.minutes.at(-1)).toBe('2025-03-01T10:07');
  });
});

describe('summariseMetrics', () => {
  const window = metricsWindow(new Date('2025-03-01T10:07:30.000Z'), 300); // 5.5 minutes
  const bucket = (
    minute: string,
    key: string,
    counters: Record<string, number>,
    latencies: number[] = [],
  ): MetricBucket => ({ minute, key, counters, latency: sketch(latencies) });

  it('sums the buckets of the window per key; perMinute is submitted per minute of it', () => {
    // Prepare
    const buckets = [
      bucket('2025-03-01T10:02', 'all', { submitted: 5, succeeded: 2 }, [10, 10]),
      bucket('2025-03-01T10:07', 'all', { submitted: 6, failed: 1, deadLettered: 1 }, [100]),
      bucket('2025-03-01T10:01', 'all', { submitted: 100 }, [9000]), // before the window
      bucket('2025-03-01T10:02', 'agent#alice', { submitted: 5, succeeded: 2 }, [10, 10]),
      bucket('2025-03-01T10:07', 'agent#bob', { submitted: 6, failed: 1 }),
      bucket('2025-03-01T10:03', 'model#echo', { calls: 2, inputTokens: 4, costUsd: 0.1 }, [5, 5]),
      bucket(
        '2025-03-01T10:05',
        'model#echo',
        { calls: 1, errors: 1, outputTokens: 3, costUsd: 0.2 },
        [5000],
      ),
    ];

    // Act
    const summary = summariseMetrics(buckets, window);

    // Assess
    expect(summary).toEqual({
      tasks: {
        submitted: 11,
        succeeded: 2,
        failed: 1,
        deadLettered: 1,
        perMinute: 2, // 11 over 5.5 minutes
        latencyMs: {
          p50: quantile([10], 0.5),
          p95: quantile([100], 0.5),
          p99: quantile([100], 0.5),
        },
      },
      byAgent: {
        alice: {
          submitted: 5,
          succeeded: 2,
          failed: 0,
          deadLettered: 0,
          perMinute: 0.91,
          latencyMs: {
            p50: quantile([10], 0.5),
            p95: quantile([10], 0.5),
            p99: quantile([10], 0.5),
          },
        },
        bob: {
          submitted: 6,
          succeeded: 0,
          failed: 1,
          deadLettered: 0,
          perMinute: 1.09,
          latencyMs: { p50: null, p95: null, p99: null },
        },
      },
      byModel: {
        echo: {
          calls: 3,
          errors: 1,
          inputTokens: 4,
          outputTokens: 3,
          costUsd: 0.3,
          latencyMs: { p50: quantile([5], 0.5), p95: quantile([5000], 0.5) },
        },
      },
    });
  });

  it('reads p50, p95 and p99 from the summed sketches, within 1% of the exact figures', () => {
    // Prepare: 100 durations over two minutes: 100–300 ms, where a histogram of fixed bounds
    // answered 250 or 500 for every percentile.
    const first = Array.from({ length: 60 }, (_, i) => 100 + i * 3);
    const second = Array.from({ length: 40 }, (_, i) => 101 + i * 5);
    const buckets = [
      bucket('2025-03-01T10:03', 'all', { succeeded: 60 }, first),
      bucket('2025-03-01T10:04', 'all', { succeeded: 40 }, second),
    ];
    const sorted = [...first, ...second].sort((a, b) => a - b);
    const exact = (q: number) => sorted[Math.ceil(q * 100) - 1] as number;

    // Act
    const { latencyMs } = summariseMetrics(buckets, window).tasks;

    // Assess
    for (const [name, q] of [
      ['p50', 0.5],
      ['p95', 0.95],
      ['p99', 0.99],
    ] as const) {
      expect(Math.abs((latencyMs[name] as number) - exact(q)) / exact(q)).toBeLessThan(0.0105);
    }
    expect(latencyMs.p50).toBeLessThan(latencyMs.p95 as number);
  });

  it('answers zeros, nulls and empty maps for a quiet window', () => {
    // Act
    const summary = summariseMetrics([], window);

    // Assess
    expect(summary).toEqual({
      tasks: {
        submitted: 0,
        succeeded: 0,
        failed: 0,
        deadLettered: 0,
        perMinute: 0,
        latencyMs: { p50: null, p95: null, p99: null },
      },
      byAgent: {},
      byModel: {},
    });
  });
});
