/**
 * The latency sketch's promise, checked against exact quantiles on generated data: every
 * quantile is within 1% (the sketch's relative accuracy, plus the 4-digit rounding) of the exact
 * nearest-rank value, for one writer and for many writers' sketches merged bin by bin.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addToSketch,
  emptySketch,
  LATENCY_RELATIVE_ACCURACY,
  type LatencySketch,
  mergeSketch,
  sketchCount,
  sketchQuantile,
} from '../../shared/core/observability/latency-sketch.js';

const QUANTILES = [0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1];
/** The sketch's accuracy and the rounding to four significant digits of what it answers. */
const BOUND = LATENCY_RELATIVE_ACCURACY + 5e-4;

/** Nearest rank: the smallest sample with at least q of them at or below it. */
const exactQuantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number;
};

const sketchOf = (values: number[]): LatencySketch => {
  const sketch = emptySketch();
  for (const value of values) addToSketch(sketch, value);
  return sketch;
};

/** Latencies as they come: from sub-millisecond to minutes, clustered or spread out. */
const latency = fc.oneof(
  fc.double({ min: 0.05, max: 120_000, noNaN: true }),
  fc.integer({ min: 1, max: 600 }),
  fc.double({ min: 100, max: 300, noNaN: true }),
);

function expectWithinBound(sketch: LatencySketch, values: number[]): void {
  for (const q of QUANTILES) {
    const exact = exactQuantile(values, q);
    const estimate = sketchQuantile(sketch, q) as number;
    expect(Math.abs(estimate - exact) / exact).toBeLessThanOrEqual(BOUND);
  }
}

describe('latency sketch', () => {
  it('answers every quantile within its relative accuracy of the exact one', () => {
    fc.assert(
      fc.property(fc.array(latency, { minLength: 1, maxLength: 2000 }), (values) => {
        expectWithinBound(sketchOf(values), values);
      }),
      { numRuns: 200 },
    );
  });

  it("merges many writers' sketches into the sketch of all their samples", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(latency, { minLength: 1, maxLength: 300 }), {
          minLength: 2,
          maxLength: 12,
        }),
        (writers) => {
          const merged = emptySketch();
          for (const values of writers) mergeSketch(merged, sketchOf(values));
          const all = writers.flat();
          expect(merged).toEqual(sketchOf(all));
          expect(sketchCount(merged)).toBe(all.length);
          expectWithinBound(merged, all);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('tells 100–300 ms tasks apart, where the coarse histogram said 500 for every percentile', () => {
    const values = Array.from({ length: 1000 }, (_, i) => 100 + (i * 200) / 999);
    const sketch = sketchOf(values);
    const p50 = sketchQuantile(sketch, 0.5) as number;
    const p95 = sketchQuantile(sketch, 0.95) as number;
    const p99 = sketchQuantile(sketch, 0.99) as number;
    expect(p50).toBeGreaterThan(195);
    expect(p50).toBeLessThan(205);
    expect(p95).toBeGreaterThan(p50);
    expect(p99).toBeGreaterThan(p95);
    expect(p99).toBeLessThanOrEqual(300 * (1 + BOUND));
  });

  it('counts latencies of 0 (and below) as zeros, and an empty sketch has no quantile', () => {
    const sketch = sketchOf([0, 0, -3, 10]);
    expect(sketch.zeros).toBe(3);
    expect(sketchQuantile(sketch, 0.5)).toBe(0);
    expect(sketchQuantile(emptySketch(), 0.5)).toBeNull();
  });
});
