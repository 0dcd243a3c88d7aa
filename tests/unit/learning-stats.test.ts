/**
 * The rolling window: nearest-rank percentiles, the bound, deduplication of redelivered events,
 * the window's figures and the trend between its older and recent halves.
 */
import { describe, expect, it } from 'vitest';
import {
  addToWindow,
  type Execution,
  percentile,
  trendOf,
  windowStats,
} from '../../shared/core/learning/stats.js';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');

/** The i-th execution of a synthetic history, a second apart. */
const run = (i: number, overrides: Partial<Execution> = {}): Execution => ({
  id: `ev-${String(i).padStart(5, '0')}`,
  at: T0 + i * 1_000,
  ok: true,
  latencyMs: 100,
  costUsd: 0.01,
  quality: null,
  ...overrides,
});

const history = (n: number, make: (i: number) => Partial<Execution> = () => ({})) =>
  Array.from({ length: n }, (_, i) => run(i, make(i)));

describe('percentile', () => {
  it.each([
    [50, 5],
    [95, 10],
    [100, 10],
    [10, 1],
    [0, 1],
    [51, 6],
  ])('is the nearest-rank p%i of 1..10: %i', (p, expected) => {
    // Prepare
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    // Act
    const value = percentile(sorted, p);

    // Assess
    expect(value).toBe(expected);
  });

  it('is null for no values, and the value itself for one', () => {
    // Act + Assess
    expect(percentile([], 50)).toBeNull();
    expect(percentile([42], 95)).toBe(42);
  });
});

describe('addToWindow', () => {
  it('keeps the newest executions up to its capacity, oldest first', () => {
    // Prepare
    const first = addToWindow([], history(8), 5);

    // Act: three newer ones, delivered out of order.
    const second = addToWindow(first.window, [run(10), run(9), run(8)], 5);

    // Assess
    expect(first.window.map((e) => e.id)).toEqual([
      'ev-00003',
      'ev-00004',
      'ev-00005',
      'ev-00006',
      'ev-00007',
    ]);
    expect(first.accepted).toHaveLength(8);
    expect(second.window.map((e) => e.id)).toEqual([
      'ev-00006',
      'ev-00007',
      'ev-00008',
      'ev-00009',
      'ev-00010',
    ]);
    expect(second.accepted.map((e) => e.id)).toEqual(['ev-00008', 'ev-00009', 'ev-00010']);
  });

  it('does not count an event twice, within one batch or across batches', () => {
    // Prepare
    const { window } = addToWindow([], [run(1), run(2), run(1)], 10);

    // Act
    const again = addToWindow(window, [run(2), run(3)], 10);

    // Assess
    expect(window.map((e) => e.id)).toEqual(['ev-00001', 'ev-00002']);
    expect(again.accepted.map((e) => e.id)).toEqual(['ev-00003']);
    expect(again.window).toHaveLength(3);
  });

  it('ignores an event older than everything a full window holds (it was counted and dropped)', () => {
    // Prepare: a full window of 0..9 after 0..14 passed through it (capacity 10).
    const { window } = addToWindow([], history(15), 10);

    // Act: event 2 is redelivered long after it was dropped, and one equal to the oldest time.
    const late = addToWindow(window, [run(2), run(5, { id: 'other-at-oldest-time' })], 10);

    // Assess
    expect(late.accepted).toEqual([]);
    expect(late.window).toEqual(window);
  });

  it('accepts an older event while the window still has room', () => {
    // Prepare
    const { window } = addToWindow([], [run(5), run(6)], 10);

    // Act
    const result = addToWindow(window, [run(1)], 10);

    // Assess
    expect(result.window.map((e) => e.id)).toEqual(['ev-00001', 'ev-00005', 'ev-00006']);
  });
});

describe('windowStats', () => {
  it('gives the success rate, latency percentiles of successes, cost and quality', () => {
    // Prepare: latencies 10..100 for 10 successes, 2 failures, quality on 3 of them.
    const window = [
      ...history(10, (i) => ({ latencyMs: (i + 1) * 10, quality: i < 3 ? 0.5 + i * 0.1 : null })),
      run(10, { ok: false, latencyMs: null, costUsd: 0 }),
      run(11, { ok: false, latencyMs: null, costUsd: 0.02 }),
    ];

    // Act
    const stats = windowStats(window);

    // Assess
    expect(stats).toEqual({
      executions: 12,
      successes: 10,
      failures: 2,
      successRate: 0.8333,
      latencyMs: { p50: 50, p95: 100, mean: 55 },
      costUsd: { total: 0.12, mean: 0.01 },
      quality: { mean: 0.6, scored: 3 },
      from: '2030-01-01T00:00:00.000Z',
      to: '2030-01-01T00:00:11.000Z',
    });
  });

  it('has nulls and no quality for an empty window', () => {
    // Act
    const stats = windowStats([]);

    // Assess
    expect(stats.successRate).toBeNull();
    expect(stats.latencyMs).toEqual({ p50: null, p95: null, mean: null });
    expect(stats.quality).toBeNull();
  });
});

describe('trendOf', () => {
  it('sees latency rising and the error rate rising in the recent half', () => {
    // Prepare: 40 runs at 100 ms without failures, then 40 at 200 ms with every 4th failing.
    const window = history(80, (i) =>
      i < 40
        ? { latencyMs: 100 }
        : i % 4 === 0
          ? { ok: false, latencyMs: null }
          : { latencyMs: 200 },
    );

    // Act
    const trend = trendOf(window);

    // Assess
    expect(trend).toEqual({ latency: 'rising', errorRate: 'rising' });
  });

  it('sees both falling when the recent half is faster and healthier', () => {
    // Prepare
    const window = history(80, (i) =>
      i >= 40
        ? { latencyMs: 50 }
        : i % 3 === 0
          ? { ok: false, latencyMs: null }
          : { latencyMs: 100 },
    );

    // Act + Assess
    expect(trendOf(window)).toEqual({ latency: 'falling', errorRate: 'falling' });
  });

  it('calls small moves stable and too few samples unknown', () => {
    // Prepare
    const steady = history(60, (i) => ({ latencyMs: 100 + (i % 7), ok: i % 10 !== 0 }));
    const few = history(12);

    // Act + Assess
    expect(trendOf(steady)).toEqual({ latency: 'stable', errorRate: 'stable' });
    expect(trendOf(few)).toEqual({ latency: 'unknown', errorRate: 'unknown' });
  });
});
