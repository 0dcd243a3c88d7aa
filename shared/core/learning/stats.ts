/**
 * A key's rolling window of executions (an agent's tasks, a strategy's workflows) and what is
 * read from it: success rate, latency percentiles, cost, quality and the trend. The window is
 * bounded and keeps the newest executions by their time; it also deduplicates: an event whose id
 * is in the window, or that is older than everything a full window holds, is not counted again.
 */

export interface Execution {
  /** The id of the event that reported it: a redelivered event has the same one. */
  id: string;
  /** When it finished (epoch ms, the event's time). */
  at: number;
  ok: boolean;
  /** Successful executions only (ms; per step for strategies); null for failures. */
  latencyMs: number | null;
  costUsd: number;
  /** 0..1 when a scorer gave one. */
  quality: number | null;
}

const byTime = (a: Execution, b: Execution): number =>
  a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The p-th percentile by nearest rank (the smallest value with at least p% at or below it). */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

const sortedNumbers = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);

/** The latencies of the successful executions. */
export const latenciesOf = (window: readonly Execution[]): number[] =>
  window.flatMap((e) => (e.ok && e.latencyMs !== null ? [e.latencyMs] : []));

/**
 * Adds executions to a window (kept sorted by time, at most `capacity` long, the oldest
 * dropped first). Returns the new window and the executions that were new, in time order;
 * duplicates (by id, within the window or within `additions`) and executions older than the
 * oldest of a full window (they would be dropped at once, or were counted and dropped before)
 * are left out.
 */
export function addToWindow(
  window: readonly Execution[],
  additions: readonly Execution[],
  capacity: number,
): { window: Execution[]; accepted: Execution[] } {
  const seen = new Set(window.map((e) => e.id));
  const oldest = window.length >= capacity ? window[0]?.at : undefined;
  const accepted: Execution[] = [];
  for (const execution of [...additions].sort(byTime)) {
    if (seen.has(execution.id)) continue;
    if (oldest !== undefined && execution.at <= oldest) continue;
    seen.add(execution.id);
    accepted.push(execution);
  }
  if (accepted.length === 0) return { window: [...window], accepted };
  const merged = [...window, ...accepted].sort(byTime);
  return { window: merged.slice(Math.max(0, merged.length - capacity)), accepted };
}

export interface WindowStats {
  /** Executions in the window (the basis of every figure here). */
  executions: number;
  successes: number;
  failures: number;
  successRate: number | null;
  /** Of successful executions. */
  latencyMs: { p50: number | null; p95: number | null; mean: number | null };
  costUsd: { total: number; mean: number | null };
  /** Mean of the scores given; null when none was. */
  quality: { mean: number; scored: number } | null;
  /** Times of the oldest and newest execution in the window. */
  from: string | null;
  to: string | null;
}

const round = (value: number | null, digits = 3): number | null =>
  value === null ? null : Number(value.toFixed(digits));

export function windowStats(window: readonly Execution[]): WindowStats {
  const successes = window.filter((e) => e.ok).length;
  const latencies = sortedNumbers(latenciesOf(window));
  const total = window.reduce((sum, e) => sum + e.costUsd, 0);
  const scores = window.flatMap((e) => (e.quality === null ? [] : [e.quality]));
  const first = window[0];
  const last = window.at(-1);
  return {
    executions: window.length,
    successes,
    failures: window.length - successes,
    successRate: window.length ? round(successes / window.length, 4) : null,
    latencyMs: {
      p50: round(percentile(latencies, 50)),
      p95: round(percentile(latencies, 95)),
      mean: round(mean(latencies)),
    },
    costUsd: {
      total: Number(total.toFixed(6)),
      mean: round(mean(window.map((e) => e.costUsd)), 6),
    },
    quality: scores.length
      ? { mean: round(mean(scores), 4) as number, scored: scores.length }
      : null,
    from: first ? new Date(first.at).toISOString() : null,
    to: last ? new Date(last.at).toISOString() : null,
  };
}

export type Direction = 'rising' | 'falling' | 'stable' | 'unknown';

export interface Trend {
  latency: Direction;
  errorRate: Direction;
}

/** Each half of the window needs this many samples before a trend is called. */
export const MIN_TREND_SAMPLES = 10;
/** Latency: the recent half's median must differ from the older half's by this factor. */
export const LATENCY_TREND_RATIO = 1.25;

/**
 * The recent half of the window against the older half. Latency: the ratio of the medians
 * (rising above 1.25, falling below 1/1.25). Error rate: a two-proportion z-test (|z| ≥ 2) with
 * a difference of at least 5 points. `unknown` while either half has fewer than 10 samples.
 */
export function trendOf(window: readonly Execution[]): Trend {
  const half = Math.floor(window.length / 2);
  const older = window.slice(0, half);
  const recent = window.slice(half);

  let latency: Direction = 'unknown';
  const olderLatency = sortedNumbers(latenciesOf(older));
  const recentLatency = sortedNumbers(latenciesOf(recent));
  if (olderLatency.length >= MIN_TREND_SAMPLES && recentLatency.length >= MIN_TREND_SAMPLES) {
    const before = percentile(olderLatency, 50) as number;
    const after = percentile(recentLatency, 50) as number;
    if (after > before * LATENCY_TREND_RATIO) latency = 'rising';
    else if (after * LATENCY_TREND_RATIO < before) latency = 'falling';
    else latency = 'stable';
  }

  let errorRate: Direction = 'unknown';
  if (older.length >= MIN_TREND_SAMPLES && recent.length >= MIN_TREND_SAMPLES) {
    const failures = (part: readonly Execution[]) => part.filter((e) => !e.ok).length;
    const p1 = failures(older) / older.length;
    const p2 = failures(recent) / recent.length;
    const pooled = (failures(older) + failures(recent)) / window.length;
    const se = Math.sqrt(pooled * (1 - pooled) * (1 / older.length + 1 / recent.length));
    const z = se === 0 ? 0 : (p2 - p1) / se;
    if (Math.abs(z) >= 2 && Math.abs(p2 - p1) >= 0.05) errorRate = z > 0 ? 'rising' : 'falling';
    else errorRate = 'stable';
  }
  return { latency, errorRate };
}
