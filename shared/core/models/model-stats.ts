/**
 * Statistics per model: counts, tokens, cost, and a latency sketch (latency-sketch.ts), so that
 * samples from many processes add up (DynamoDB ADD) and percentiles read back are within 1%.
 */
import {
  addToSketch,
  emptySketch,
  type LatencySketch,
  sketchQuantile,
} from '../observability/latency-sketch.js';
import type { ModelCallSample } from './router.js';

export interface ModelStats {
  model: string;
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** The 50th and 95th percentile, within 1% (null: no calls). */
  latencyMs: { p50: number | null; p95: number | null };
  /** Every call's latency, in a sketch whose bins add up across writers. */
  latency: LatencySketch;
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
        latency: emptySketch(),
      };
      byModel.set(sample.model, delta);
    }
    delta.calls += 1;
    if (!sample.ok) delta.errors += 1;
    delta.inputTokens += sample.inputTokens;
    delta.outputTokens += sample.outputTokens;
    delta.costUsd += sample.costUsd;
    addToSketch(delta.latency, sample.latencyMs);
  }
  return [...byModel.values()];
}

export const withPercentiles = (stats: StatsDelta): ModelStats => ({
  ...stats,
  latencyMs: { p50: sketchQuantile(stats.latency, 0.5), p95: sketchQuantile(stats.latency, 0.95) },
});
