import { describe, expect, it } from 'vitest';
import {
  bucketOf,
  LATENCY_BUCKETS_MS,
  percentileOf,
  summarise,
  withPercentiles,
} from '../../shared/core/models/model-stats.js';
import type { ModelCallSample } from '../../shared/core/models/router.js';

/** A histogram with `counts` at the given bucket indexes and zero elsewhere. */
function histogram(counts: Record<number, number>): number[] {
  return LATENCY_BUCKETS_MS.map((_, i) => counts[i] ?? 0);
}

const sample = (overrides: Partial<ModelCallSample> & { model: string }): ModelCallSample => ({
  ok: true,
  latencyMs: 1,
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  ...overrides,
});

describe('bucketOf', () => {
  it.each([
    [0, 0],
    [5, 0],
    [5.5, 1],
    [10, 1],
    [11, 2],
    [100, 4],
    [101, 5],
    [999, 7],
    [1_000, 7],
    [60_000, 12],
    [60_001, 13],
    [3_600_000, 13],
  ])('puts %d ms in bucket %i', (latencyMs, bucket) => {
    // Act
    const index = bucketOf(latencyMs);

    // Assess
    expect(index).toBe(bucket);
  });

  it('has 14 ascending buckets, the last one open', () => {
    // Assess
    expect(LATENCY_BUCKETS_MS).toHaveLength(14);
    expect([...LATENCY_BUCKETS_MS].sort((a, b) => a - b)).toEqual([...LATENCY_BUCKETS_MS]);
    expect(LATENCY_BUCKETS_MS.at(-1)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('percentileOf', () => {
  it.each([
    ['an empty histogram', [] as number[]],
    ['a histogram of zeros', histogram({})],
  ])('answers null for %s', (_label, counts) => {
    // Act
    const p50 = percentileOf(counts, 50);

    // Assess
    expect(p50).toBeNull();
  });

  it('answers the upper bound of the bucket where the percentile call falls', () => {
    // Prepare: 50 calls ≤ 5 ms, 45 calls in (50, 100], 5 calls in (1000, 2500].
    const counts = histogram({ 0: 50, 4: 45, 8: 5 });

    // Act
    const [p50, p51, p95, p96, p100] = [50, 51, 95, 96, 100].map((p) => percentileOf(counts, p));

    // Assess
    expect(p50).toBe(5);
    expect(p51).toBe(100);
    expect(p95).toBe(100);
    expect(p96).toBe(2_500);
    expect(p100).toBe(2_500);
  });

  it('rounds the rank up: one call is every percentile', () => {
    // Prepare
    const counts = histogram({ 6: 1 });

    // Act
    const [p1, p50, p99] = [1, 50, 99].map((p) => percentileOf(counts, p));

    // Assess
    expect([p1, p50, p99]).toEqual([500, 500, 500]);
  });

  it('answers the lower bound of the open last bucket, the best that is known', () => {
    // Prepare: 9 calls under 5 ms, 1 call over a minute.
    const counts = histogram({ 0: 9, 13: 1 });

    // Act
    const [p90, p95] = [90, 95].map((p) => percentileOf(counts, p));

    // Assess
    expect(p90).toBe(5);
    expect(p95).toBe(60_000);
  });
});

describe('summarise', () => {
  it('sums calls, errors, tokens, cost and latencies per model, in order of first appearance', () => {
    // Prepare
    const samples: ModelCallSample[] = [
      sample({
        model: 'openai:gpt-4o',
        latencyMs: 120,
        inputTokens: 100,
        outputTokens: 10,
        costUsd: 0.001,
      }),
      sample({
        model: 'bedrock:amazon.nova-lite-v1:0',
        ok: false,
        latencyMs: 3,
        error: 'throttled',
      }),
      sample({
        model: 'openai:gpt-4o',
        ok: false,
        latencyMs: 30_001,
        error: 'timeout',
      }),
      sample({
        model: 'openai:gpt-4o',
        latencyMs: 240,
        inputTokens: 200,
        outputTokens: 20,
        costUsd: 0.002,
      }),
      sample({
        model: 'bedrock:amazon.nova-lite-v1:0',
        latencyMs: 90_000,
        inputTokens: 5,
        outputTokens: 7,
        costUsd: 0.0001,
      }),
    ];

    // Act
    const [gpt, nova, ...rest] = summarise(samples);

    // Assess
    expect(rest).toEqual([]);
    expect(gpt).toEqual({
      model: 'openai:gpt-4o',
      calls: 3,
      errors: 1,
      inputTokens: 300,
      outputTokens: 30,
      costUsd: expect.closeTo(0.003, 12),
      histogram: histogram({ 5: 2, 12: 1 }),
    });
    expect(nova).toEqual({
      model: 'bedrock:amazon.nova-lite-v1:0',
      calls: 2,
      errors: 1,
      inputTokens: 5,
      outputTokens: 7,
      costUsd: 0.0001,
      histogram: histogram({ 0: 1, 13: 1 }),
    });
  });

  it('answers nothing for no samples', () => {
    // Act
    const deltas = summarise([]);

    // Assess
    expect(deltas).toEqual([]);
  });

  it('adds p50 and p95 to a summary', () => {
    // Prepare
    const [delta] = summarise([
      sample({ model: 'm', latencyMs: 4 }),
      sample({ model: 'm', latencyMs: 4 }),
      sample({ model: 'm', latencyMs: 700 }),
    ]);

    // Act
    const stats = withPercentiles(delta as NonNullable<typeof delta>);

    // Assess
    expect(stats.latencyMs).toEqual({ p50: 5, p95: 1_000 });
    expect(stats.calls).toBe(3);
  });
});
