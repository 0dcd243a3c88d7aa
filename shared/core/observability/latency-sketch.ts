/**
 * Latency percentiles with a known relative error, from many writers: a DDSketch
 * (@datadog/sketches-js) with 1% relative accuracy, kept as its bins. A bin's key is fixed by the
 * value alone (a logarithmic mapping), so sketches from any number of writers merge by adding
 * their bins' counts: DynamoDB `ADD` on one attribute per bin merges them in place, and a reader
 * sums the buckets of a window the same way. A percentile is read by nearest rank, as everywhere
 * else in agent-core (the smallest sample with at least p% of them at or below it): the bin that
 * holds that sample answers its representative value, within 1% of the sample whatever the
 * spread of latencies.
 */
import { DDSketch } from '@datadog/sketches-js';

export const LATENCY_RELATIVE_ACCURACY = 0.01;

/** A sketch's bins, additive: `bins[key]` samples mapped to `key`; `zeros` samples of (about) 0. */
export interface LatencySketch {
  bins: Record<string, number>;
  zeros: number;
}

const mapping = new DDSketch({ relativeAccuracy: LATENCY_RELATIVE_ACCURACY }).mapping;

export const emptySketch = (): LatencySketch => ({ bins: {}, zeros: 0 });

export const sketchCount = (sketch: LatencySketch): number =>
  Object.values(sketch.bins).reduce((sum, n) => sum + n, sketch.zeros);

/** Adds `count` samples of `latencyMs` (negative latencies count as 0). */
export function addToSketch(sketch: LatencySketch, latencyMs: number, count = 1): void {
  if (!(latencyMs > mapping.minPossible)) {
    sketch.zeros += count;
    return;
  }
  const key = String(mapping.key(latencyMs));
  sketch.bins[key] = (sketch.bins[key] ?? 0) + count;
}

/** Adds every bin of `other` into `into`: the merge of two writers' sketches. */
export function mergeSketch(into: LatencySketch, other: LatencySketch): void {
  for (const [key, count] of Object.entries(other.bins)) {
    into.bins[key] = (into.bins[key] ?? 0) + count;
  }
  into.zeros += other.zeros;
}

/**
 * The q-quantile (0..1) by nearest rank, to four significant digits; null for an empty sketch.
 */
export function sketchQuantile(sketch: LatencySketch, q: number): number | null {
  const total = sketchCount(sketch);
  if (total === 0) return null;
  const rank = Math.min(total, Math.max(1, Math.ceil(q * total)));
  if (rank <= sketch.zeros) return 0;
  let seen = sketch.zeros;
  const keys = Object.keys(sketch.bins)
    .map(Number)
    .sort((a, b) => a - b);
  for (const key of keys) {
    seen += sketch.bins[String(key)] ?? 0;
    if (seen >= rank) return Number(mapping.value(key).toPrecision(4));
  }
  return null;
}

/** Whether `key` can name a bin (what storage reads back is checked before it is trusted). */
export const isBinKey = (key: string): boolean => /^-?\d{1,5}$/.test(key);
