/**
 * Anomaly detection per agent: EWMA and z-score on latency, a fast against a slow EWMA on the
 * error rate; the warm-up, the rate limit, and noise that must not be flagged.
 */
import { describe, expect, it } from 'vitest';
import {
  type AnomalyBaseline,
  DEFAULT_ANOMALY_CONFIG,
  emptyBaseline,
  type ObservedOutcome,
  observeOutcomes,
  updateEwma,
} from '../../shared/core/learning/anomaly.js';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');

/** A deterministic uniform generator in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let counter = 0;
/** One task outcome `secondsApart` after the previous one. */
function outcomes(
  specs: { ok?: boolean; latencyMs?: number }[],
  { start = T0, secondsApart = 10 } = {},
): ObservedOutcome[] {
  return specs.map((spec, i) => {
    counter += 1;
    const ok = spec.ok ?? true;
    return {
      execution: {
        id: `ev-${counter}`,
        at: start + i * secondsApart * 1_000,
        ok,
        latencyMs: ok ? (spec.latencyMs ?? 100) : null,
        costUsd: 0,
        quality: null,
      },
      agentId: 'calc',
      taskId: `task-${counter}`,
      correlationId: 'corr',
    };
  });
}

/** Latencies around `mean`, uniformly within ±`spread` (a share of the mean). */
const noisy = (n: number, mean: number, spread: number, seed = 7) => {
  const next = random(seed);
  return Array.from({ length: n }, () => ({ latencyMs: mean * (1 + spread * (2 * next() - 1)) }));
};

function feed(items: ObservedOutcome[], baseline: AnomalyBaseline = emptyBaseline()) {
  return observeOutcomes(baseline, {}, items, DEFAULT_ANOMALY_CONFIG);
}

describe('updateEwma', () => {
  it('is the plain mean and variance for the first samples', () => {
    // Act
    let state = { mean: 0, variance: 0, count: 0 };
    for (const x of [10, 20, 30]) state = updateEwma(state, x, 0.1);

    // Assess: weights 1, 1/2, 1/3 (1/n while above α).
    expect(state.mean).toBeCloseTo(20, 10);
    expect(state.variance).toBeCloseTo(200 / 3, 10);
    expect(state.count).toBe(3);
  });
});

describe('latency anomalies', () => {
  it('flags a spike after a stable baseline, with its z-score and the task', () => {
    // Prepare: 50 tasks at 100 ms ± 5%, then one of 400 ms.
    const items = outcomes([...noisy(50, 100, 0.05), { latencyMs: 400 }]);

    // Act
    const result = feed(items);

    // Assess
    expect(result.anomalies).toHaveLength(1);
    const anomaly = result.anomalies[0];
    expect(anomaly).toMatchObject({
      agentId: 'calc',
      metric: 'latency',
      value: 400,
      taskId: items.at(-1)?.taskId,
      id: `${items.at(-1)?.execution.id}:latency`,
      published: false,
    });
    expect(anomaly?.baseline).toBeGreaterThan(95);
    expect(anomaly?.baseline).toBeLessThan(105);
    expect(anomaly?.zScore).toBeGreaterThan(3);
    expect(anomaly?.message).toMatch(/latency 400 ms is [\d.]+ standard deviations above/);
  });

  it('does not flag noise, however long it goes on', () => {
    // Prepare: 500 tasks at 100 ms ± 25%, and a slow drift upwards.
    const items = outcomes(
      noisy(500, 100, 0.25, 11).map((s, i) => ({ latencyMs: s.latencyMs * (1 + i / 2_000) })),
    );

    // Act
    const result = feed(items);

    // Assess
    expect(result.anomalies).toEqual([]);
    expect(result.baseline.latency.count).toBe(500);
  });

  it('does not flag anything during the warm-up', () => {
    // Prepare: a spike as the 11th task.
    const items = outcomes([...noisy(10, 100, 0.02), { latencyMs: 5_000 }]);

    // Act + Assess
    expect(feed(items).anomalies).toEqual([]);
  });

  it("flags at most one per metric in 5 minutes, by the events' times", () => {
    // Prepare: spikes at 0 s, 120 s and 420 s, with 100 ordinary tasks after each (1 s apart),
    // so that the baseline has settled again by the next spike.
    const settle = () => noisy(100, 100, 0.05, 3);
    const spiky = [{ latencyMs: 900 }, ...settle()];
    const base = outcomes(noisy(40, 100, 0.05));
    const start = (base.at(-1)?.execution.at as number) + 1_000;
    const items = [
      ...base,
      ...outcomes(spiky, { start, secondsApart: 1 }),
      ...outcomes(spiky, { start: start + 120_000, secondsApart: 1 }),
      ...outcomes(spiky, { start: start + 420_000, secondsApart: 1 }),
    ];
    const spikes = items.filter((o) => o.execution.latencyMs === 900).map((o) => o.taskId);

    // Act
    const limited = observeOutcomes(emptyBaseline(), {}, items, DEFAULT_ANOMALY_CONFIG);
    const unlimited = observeOutcomes(emptyBaseline(), {}, items, {
      ...DEFAULT_ANOMALY_CONFIG,
      cooldownMs: 0,
    });

    // Assess: each spike stands out on its own; the second comes within 5 minutes of the first.
    expect(unlimited.anomalies.map((a) => a.taskId)).toEqual(spikes);
    expect(limited.anomalies.map((a) => a.taskId)).toEqual([spikes[0], spikes[2]]);
    expect(limited.lastAnomalyAt.latency).toBe(start + 420_000);
  });

  it('flags an unusually fast task too, and reports the typical latency as the baseline', () => {
    // Prepare: 60 tasks at 1 s ± 10%, then one of 50 ms (an agent that answers without working).
    const items = outcomes([...noisy(60, 1_000, 0.1), { latencyMs: 50 }]);

    // Act
    const result = feed(items);

    // Assess
    expect(result.anomalies).toHaveLength(1);
    expect(result.anomalies[0]?.zScore).toBeLessThan(-3);
    expect(result.anomalies[0]?.baseline).toBeGreaterThan(950);
    expect(result.anomalies[0]?.baseline).toBeLessThan(1_050);
    expect(result.anomalies[0]?.message).toMatch(
      /below the moving \(geometric\) average of \d+ ms/,
    );
  });
});

describe('error-rate anomalies', () => {
  it('flags a burst of failures after a clean baseline', () => {
    // Prepare: 40 successes, then three failures in a row.
    const items = outcomes([...noisy(40, 100, 0.05), { ok: false }, { ok: false }, { ok: false }]);

    // Act
    const result = feed(items);

    // Assess: flagged at the second failure, and rate-limited for the third.
    expect(result.anomalies).toHaveLength(1);
    expect(result.anomalies[0]).toMatchObject({
      metric: 'error-rate',
      taskId: items[41]?.taskId,
    });
    expect(result.anomalies[0]?.value).toBeGreaterThan(result.anomalies[0]?.baseline ?? 1);
    expect(result.anomalies[0]?.message).toMatch(/error rate \d+% over the latest tasks/);
  });

  it('does not flag occasional failures at the usual rate', () => {
    // Prepare: one failure in every 20 tasks, for 400 tasks.
    const items = outcomes(
      Array.from({ length: 400 }, (_, i) => (i % 20 === 19 ? { ok: false } : { latencyMs: 100 })),
    );

    // Act + Assess
    expect(feed(items).anomalies).toEqual([]);
  });

  it('does not flag fewer failures than usual', () => {
    // Prepare: a flaky agent (every other task fails) that becomes healthy.
    const items = outcomes(
      Array.from({ length: 200 }, (_, i) =>
        i < 100 && i % 2 === 0 ? { ok: false } : { latencyMs: 100 },
      ),
    );

    // Act + Assess
    expect(feed(items).anomalies.filter((a) => a.metric === 'error-rate')).toEqual([]);
  });
});
