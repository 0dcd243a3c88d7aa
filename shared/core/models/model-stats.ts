/**
 * Statistics per model: counts, tokens, cost, and a latency histogram with fixed bucket bounds,
 * so that samples from many processes add up (DynamoDB ADD) and percentiles can be read back.
 */
import type { ModelCallSample } from './router.js';

/** Upper bounds (ms) of the latency buckets; the last one catches everything slower. */
export const LATENCY_BUCKETS_MS = [
  5,
  10,
  25,
  50,
  100,
  250,
  500,
  1000,
  2500,
  5000,
  10_000,
  30_000,
  60_000,
  Number.POSITIVE_INFINITY,
] as const;

export interface ModelStats {
  model: string;
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Upper bounds of the buckets holding the 50th and 95th percentile (null: no calls). */
  latencyMs: { p50: number | null; p95: number | null };
  /** Calls per latency bucket, aligned with LATENCY_BUCKETS_MS. */
  histogram: number[];
}

export const bucketOf = (latencyMs: number): number =>
  LATENCY_BUCKETS_MS.findIndex((bound) => latencyMs <= bound);

/** The upper bound of the bucket where the p-th percentile call falls. */
export function percentileOf(histogram: readonly number[], p: number): number | null {
  const total = histogram.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (const [i, count] of histogram.entries()) {
    seen += count;
    if (seen >= rank) {
      const bound = LATENCY_BUCKETS_MS[i] as number;
      // The open last bucket: report its lower bound, the best that is known.
      return Number.isFinite(bound) ? bound : (LATENCY_BUCKETS_MS[i - 1] as number);
    }
  }
  return null;
}

export type StatsDelta = Omit<ModelStats, 'latencyMs'>;

/** Sums samples per model, ready to be added to the stored totals. */
export function summarise(samples: readonly ModelCallSample[]): StatsDelta[] {
  const byModel = new Map<string, StatsDelta>();
  for (const sample of samples) {
    let delta = byModel.get(sample.model);
    if (!delta) {
      delta = {
        model: sample.model,
        calls: 0,
        errors: 0,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        histogram: LATENCY_BUCKETS_MS.map(() => 0),
      };
      byModel.set(sample.model, delta);
    }
    delta.calls += 1;
    if (!sample.ok) delta.errors += 1;
    delta.inputTokens += sample.inputTokens;
    delta.outputTokens += sample.outputTokens;
    delta.costUsd += sample.costUsd;
    const bucket = bucketOf(sample.latencyMs);
    delta.histogram[bucket] = (delta.histogram[bucket] ?? 0) + 1;
  }
  return [...byModel.values()];
}

export const withPercentiles = (stats: StatsDelta): ModelStats => ({
  ...stats,
  latencyMs: { p50: percentileOf(stats.histogram, 50), p95: percentileOf(stats.histogram, 95) },
});
