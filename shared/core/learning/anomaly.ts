/**
 * Anomaly detection per agent, one task outcome at a time, in the order they are learnt:
 *
 * - Latency (successful tasks): an exponentially weighted moving mean and variance of
 *   ln(latency + 10 ms) (α = 0.05, about the last forty tasks; the plain mean and variance while
 *   fewer than 1/α samples are in). Logs, because latencies are skewed and vary by factors: a
 *   task 4× slower than usual is as unusual at 50 ms as at 5 s; the 10 ms keep a few ms of jitter
 *   in a very fast agent from looking like a factor of two. A task whose log-latency is more than
 *   3 standard deviations from the mean, measured before the task is added, is an anomaly once
 *   20 successful tasks have been seen; the standard deviation is never taken below 0.1 (about
 *   10%), so a very steady agent is not flagged for ordinary jitter. The baseline the event
 *   reports is the geometric moving average, in ms.
 * - Error rate (every task, failure = 1): a fast EWMA (α = 0.1, the last ten-odd tasks) against
 *   a slow one (α = 0.01, the last hundred-odd: the baseline). The fast average's standard
 *   deviation around the baseline p is √(p(1−p)·α/(2−α)), with p taken at least 5%; a fast
 *   average more than 3 of those above the baseline is an anomaly, after 20 tasks. Only a rise
 *   is: fewer failures than usual is good news.
 *
 * Anomalies are rate-limited by the events' own times: at most one per metric per agent in
 * 5 minutes. The baseline keeps learning from anomalous values, so a lasting change becomes the
 * new normal instead of alarming forever.
 */
import type { Execution } from './stats.js';

export type AnomalyMetric = 'latency' | 'error-rate';

export interface AnomalyConfig {
  latencyAlpha: number;
  errorFastAlpha: number;
  errorSlowAlpha: number;
  zThreshold: number;
  /** Samples (successful tasks for latency, tasks for the error rate) before anything is flagged. */
  warmUp: number;
  /** The standard deviation of the log-latency is taken at least this. */
  minLogStdDev: number;
  /** The baseline error rate is taken at least this for its standard deviation. */
  errorRateFloor: number;
  cooldownMs: number;
  /** Anomalies kept in an agent's summary. */
  keep: number;
}

/** Added to latencies before their log is taken (see above). */
export const LATENCY_OFFSET_MS = 10;

/** The log-scale value of a latency, and back. */
export const logLatency = (ms: number): number => Math.log(Math.max(ms, 0) + LATENCY_OFFSET_MS);
export const latencyOfLog = (log: number): number => Math.max(0, Math.exp(log) - LATENCY_OFFSET_MS);

export const DEFAULT_ANOMALY_CONFIG: AnomalyConfig = {
  latencyAlpha: 0.05,
  errorFastAlpha: 0.1,
  errorSlowAlpha: 0.01,
  zThreshold: 3,
  warmUp: 20,
  minLogStdDev: 0.1,
  errorRateFloor: 0.05,
  cooldownMs: 5 * 60_000,
  keep: 5,
};

export interface EwmaState {
  mean: number;
  variance: number;
  count: number;
}

export interface AnomalyBaseline {
  /** Of ln(latency in ms + LATENCY_OFFSET_MS). */
  latency: EwmaState;
  errors: { fast: number; slow: number; count: number };
}

export const emptyBaseline = (): AnomalyBaseline => ({
  latency: { mean: 0, variance: 0, count: 0 },
  errors: { fast: 0, slow: 0, count: 0 },
});

export interface Anomaly {
  /** `<event id>:<metric>`: the same outcome flags the same anomaly, however often it arrives. */
  id: string;
  agentId: string;
  metric: AnomalyMetric;
  value: number;
  baseline: number;
  zScore: number;
  taskId: string | null;
  /** The time of the outcome that tipped it. */
  at: string;
  message: string;
  correlationId: string;
  /** Whether its `insight.anomaly` event is out (the summary is its outbox). */
  published: boolean;
}

/** What one outcome tells the detector, beside the execution itself. */
export interface ObservedOutcome {
  execution: Execution;
  agentId: string;
  taskId: string | null;
  correlationId: string;
}

/** The weight of a new sample: the plain average's until 1/α samples are in, then α. */
const weight = (alpha: number, count: number): number => Math.max(alpha, 1 / count);

/** West's incremental update of an exponentially weighted mean and variance. */
export function updateEwma(state: EwmaState, x: number, alpha: number): EwmaState {
  const count = state.count + 1;
  if (count === 1) return { mean: x, variance: 0, count };
  const a = weight(alpha, count);
  const diff = x - state.mean;
  const increment = a * diff;
  return {
    mean: state.mean + increment,
    variance: (1 - a) * (state.variance + diff * increment),
    count,
  };
}

const rounded = (value: number, digits = 3): number => Number(value.toFixed(digits));

/**
 * Feeds one outcome to the detector: the baseline after it, and the anomaly it raises, if any
 * (before the rate limit, which `observeOutcomes` applies).
 */
export function observe(
  baseline: AnomalyBaseline,
  outcome: ObservedOutcome,
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): { baseline: AnomalyBaseline; raised: Omit<Anomaly, 'published'>[] } {
  const { execution } = outcome;
  const raised: Omit<Anomaly, 'published'>[] = [];
  const at = new Date(execution.at).toISOString();
  const common = {
    agentId: outcome.agentId,
    taskId: outcome.taskId,
    at,
    correlationId: outcome.correlationId,
  };

  let latency = baseline.latency;
  if (execution.ok && execution.latencyMs !== null) {
    const x = execution.latencyMs;
    const logX = logLatency(x);
    if (latency.count >= config.warmUp) {
      const sd = Math.max(Math.sqrt(latency.variance), config.minLogStdDev);
      const z = (logX - latency.mean) / sd;
      const typical = latencyOfLog(latency.mean);
      if (Math.abs(z) > config.zThreshold) {
        raised.push({
          id: `${execution.id}:latency`,
          metric: 'latency',
          value: rounded(x),
          baseline: rounded(typical),
          zScore: rounded(z, 2),
          message: `latency ${Math.round(x)} ms is ${Math.abs(z).toFixed(1)} standard deviations ${z > 0 ? 'above' : 'below'} the moving (geometric) average of ${Math.round(typical)} ms`,
          ...common,
        });
      }
    }
    latency = updateEwma(latency, logX, config.latencyAlpha);
  }

  const failed = execution.ok ? 0 : 1;
  const count = baseline.errors.count + 1;
  const fast =
    baseline.errors.fast + weight(config.errorFastAlpha, count) * (failed - baseline.errors.fast);
  const slowBefore = baseline.errors.slow;
  const slow = slowBefore + weight(config.errorSlowAlpha, count) * (failed - slowBefore);
  if (baseline.errors.count >= config.warmUp) {
    const p = Math.min(Math.max(slowBefore, config.errorRateFloor), 0.5);
    const a = config.errorFastAlpha;
    const sd = Math.sqrt((p * (1 - p) * a) / (2 - a));
    const z = (fast - slowBefore) / sd;
    if (z > config.zThreshold) {
      raised.push({
        id: `${execution.id}:error-rate`,
        metric: 'error-rate',
        value: rounded(fast, 4),
        baseline: rounded(slowBefore, 4),
        zScore: rounded(z, 2),
        message: `error rate ${(fast * 100).toFixed(0)}% over the latest tasks is ${z.toFixed(1)} standard deviations above the baseline of ${(slowBefore * 100).toFixed(1)}%`,
        ...common,
      });
    }
  }
  return { baseline: { latency, errors: { fast, slow, count } }, raised };
}

/**
 * Feeds outcomes in order; returns the new baseline, the anomalies that pass the rate limit
 * (at most one per metric within `cooldownMs` of the last one, by the outcomes' times) and the
 * rate limit's new state.
 */
export function observeOutcomes(
  baseline: AnomalyBaseline,
  lastAnomalyAt: Partial<Record<AnomalyMetric, number>>,
  outcomes: readonly ObservedOutcome[],
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): {
  baseline: AnomalyBaseline;
  anomalies: Anomaly[];
  lastAnomalyAt: Partial<Record<AnomalyMetric, number>>;
} {
  let current = baseline;
  const last = { ...lastAnomalyAt };
  const anomalies: Anomaly[] = [];
  for (const outcome of outcomes) {
    const result = observe(current, outcome, config);
    current = result.baseline;
    for (const anomaly of result.raised) {
      const at = outcome.execution.at;
      const previous = last[anomaly.metric];
      if (previous !== undefined && Math.abs(at - previous) < config.cooldownMs) continue;
      last[anomaly.metric] = at;
      anomalies.push({ ...anomaly, published: false });
    }
  }
  return { baseline: current, anomalies, lastAnomalyAt: last };
}
