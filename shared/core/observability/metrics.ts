/**
 * Metrics from events: which events count for what (per minute, for everything, per agent and per
 * model), how one batch's events sum into one delta per bucket, and how the buckets of a time
 * window read back as `GET /v1/metrics` answers. Latencies go into latency sketches
 * (latency-sketch.ts), whose bins add up across writers and buckets, so that a percentile read
 * back is within 1% of the exact one.
 */
import { modelInvoked } from '../../../events/model-events.js';
import {
  taskDeadLettered,
  taskFailed,
  taskQueued,
  taskSucceeded,
} from '../../../events/task-events.js';
import {
  addToSketch,
  emptySketch,
  type LatencySketch,
  mergeSketch,
  sketchQuantile,
} from './latency-sketch.js';
import type { LoggedEvent, MetricBucket, MetricDelta } from './ports.js';

export const ALL_KEY = 'all';
const AGENT_PREFIX = 'agent#';
const MODEL_PREFIX = 'model#';
export const agentKey = (agentId: string): string => `${AGENT_PREFIX}${agentId}`;
export const modelKey = (model: string): string => `${MODEL_PREFIX}${model}`;

export const TASK_COUNTERS = ['submitted', 'succeeded', 'failed', 'deadLettered'] as const;
export const MODEL_COUNTERS = [
  'calls',
  'errors',
  'inputTokens',
  'outputTokens',
  'costUsd',
] as const;

const MINUTE_MS = 60_000;

/** The minute bucket of an ISO time: `yyyy-mm-ddTHH:MM`. */
export const minuteOf = (time: string): string => time.slice(0, 16);

interface Observation {
  keys: string[];
  counters: Record<string, number>;
  latencyMs?: number;
}

/** What an event counts for; nothing for events that are not metrics (or do not parse). */
function observationOf(event: LoggedEvent): Observation | undefined {
  const taskKeys = event.agentId ? [ALL_KEY, agentKey(event.agentId)] : [ALL_KEY];
  switch (event.type) {
    case taskQueued.type: {
      const data = taskQueued.data.safeParse(event.data);
      // Redriven, recovered and resumed tasks were submitted once already.
      if (!data.success || data.data.reason !== 'submitted') return undefined;
      return { keys: taskKeys, counters: { submitted: 1 } };
    }
    case taskSucceeded.type: {
      const data = taskSucceeded.data.safeParse(event.data);
      if (!data.success) return undefined;
      return { keys: taskKeys, counters: { succeeded: 1 }, latencyMs: data.data.durationMs };
    }
    case taskFailed.type:
      return taskFailed.data.safeParse(event.data).success
        ? { keys: taskKeys, counters: { failed: 1 } }
        : undefined;
    case taskDeadLettered.type:
      return taskDeadLettered.data.safeParse(event.data).success
        ? { keys: taskKeys, counters: { deadLettered: 1 } }
        : undefined;
    case modelInvoked.type: {
      const data = modelInvoked.data.safeParse(event.data);
      if (!data.success) return undefined;
      const call = data.data;
      return {
        keys: [modelKey(call.model)],
        counters: {
          calls: 1,
          errors: call.ok ? 0 : 1,
          inputTokens: call.inputTokens,
          outputTokens: call.outputTokens,
          costUsd: call.costUsd,
        },
        latencyMs: call.latencyMs,
      };
    }
    default:
      return undefined;
  }
}

/** A bucket's delta and the events it holds: if its write fails, these events were not counted. */
export interface MetricContribution {
  delta: MetricDelta;
  eventIds: string[];
}

/** Sums events into one delta per minute and key, so a batch writes each bucket once. */
export function metricDeltasOf(events: readonly LoggedEvent[]): MetricContribution[] {
  const byBucket = new Map<string, MetricContribution>();
  const seen = new Set<string>();
  for (const event of events) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    const observation = observationOf(event);
    if (!observation) continue;
    const minute = minuteOf(event.time);
    for (const key of observation.keys) {
      const bucketId = `${minute}|${key}`;
      let contribution = byBucket.get(bucketId);
      if (!contribution) {
        contribution = {
          delta: { minute, key, counters: {}, latency: emptySketch() },
          eventIds: [],
        };
        byBucket.set(bucketId, contribution);
      }
      const { counters, latency } = contribution.delta;
      for (const [name, value] of Object.entries(observation.counters)) {
        counters[name] = (counters[name] ?? 0) + value;
      }
      if (observation.latencyMs !== undefined) addToSketch(latency, observation.latencyMs);
      contribution.eventIds.push(event.id);
    }
  }
  return [...byBucket.values()];
}

/** The minutes a window reads: from the minute `windowSeconds` ago up to the current one. */
export interface MetricsWindow {
  windowSeconds: number;
  /** The start of the first minute read. */
  from: string;
  to: string;
  minutes: string[];
}

/**
 * Rounded out to whole minutes, so that every event of the last `windowSeconds` counts: the
 * window spans between `windowSeconds` and `windowSeconds + 60` seconds.
 */
export function metricsWindow(now: Date, windowSeconds: number): MetricsWindow {
  const to = now.getTime();
  const first = Math.floor((to - windowSeconds * 1000) / MINUTE_MS) * MINUTE_MS;
  const minutes: string[] = [];
  for (let t = first; t <= to; t += MINUTE_MS) minutes.push(minuteOf(new Date(t).toISOString()));
  return { windowSeconds, from: new Date(first).toISOString(), to: now.toISOString(), minutes };
}

export interface TaskMetrics {
  submitted: number;
  succeeded: number;
  failed: number;
  deadLettered: number;
  /** Tasks submitted per minute over the window. */
  perMinute: number;
  /** Of succeeded tasks' durations; null when none succeeded. */
  latencyMs: { p50: number | null; p95: number | null; p99: number | null };
}

export interface ModelMetrics {
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: { p50: number | null; p95: number | null };
}

export interface MetricsSummary {
  tasks: TaskMetrics;
  byAgent: Record<string, TaskMetrics>;
  byModel: Record<string, ModelMetrics>;
}

interface Totals {
  counters: Record<string, number>;
  latency: LatencySketch;
}

const round = (value: number, digits: number): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

function taskMetricsOf(totals: Totals | undefined, spanMinutes: number): TaskMetrics {
  const count = (name: (typeof TASK_COUNTERS)[number]) => totals?.counters[name] ?? 0;
  const latency = totals?.latency ?? emptySketch();
  return {
    submitted: count('submitted'),
    succeeded: count('succeeded'),
    failed: count('failed'),
    deadLettered: count('deadLettered'),
    perMinute: round(count('submitted') / spanMinutes, 2),
    latencyMs: {
      p50: sketchQuantile(latency, 0.5),
      p95: sketchQuantile(latency, 0.95),
      p99: sketchQuantile(latency, 0.99),
    },
  };
}

function modelMetricsOf(totals: Totals): ModelMetrics {
  const count = (name: (typeof MODEL_COUNTERS)[number]) => totals.counters[name] ?? 0;
  return {
    calls: count('calls'),
    errors: count('errors'),
    inputTokens: count('inputTokens'),
    outputTokens: count('outputTokens'),
    // Sums of small fractions: rounded to a billionth of a dollar, not shown as 0.30000000000000004.
    costUsd: round(count('costUsd'), 9),
    latencyMs: {
      p50: sketchQuantile(totals.latency, 0.5),
      p95: sketchQuantile(totals.latency, 0.95),
    },
  };
}

/** Sums the window's buckets per key and reads counts, rates and percentiles from the sums. */
export function summariseMetrics(
  buckets: readonly MetricBucket[],
  window: MetricsWindow,
): MetricsSummary {
  const inWindow = new Set(window.minutes);
  const byKey = new Map<string, Totals>();
  for (const bucket of buckets) {
    if (!inWindow.has(bucket.minute)) continue;
    let totals = byKey.get(bucket.key);
    if (!totals) {
      totals = { counters: {}, latency: emptySketch() };
      byKey.set(bucket.key, totals);
    }
    for (const [name, value] of Object.entries(bucket.counters)) {
      totals.counters[name] = (totals.counters[name] ?? 0) + value;
    }
    mergeSketch(totals.latency, bucket.latency);
  }
  const spanMinutes = (Date.parse(window.to) - Date.parse(window.from)) / MINUTE_MS;
  const byAgent: [string, TaskMetrics][] = [];
  const byModel: [string, ModelMetrics][] = [];
  for (const [key, totals] of [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (key.startsWith(AGENT_PREFIX)) {
      byAgent.push([key.slice(AGENT_PREFIX.length), taskMetricsOf(totals, spanMinutes)]);
    } else if (key.startsWith(MODEL_PREFIX)) {
      byModel.push([key.slice(MODEL_PREFIX.length), modelMetricsOf(totals)]);
    }
  }
  return {
    tasks: taskMetricsOf(byKey.get(ALL_KEY), spanMinutes),
    byAgent: Object.fromEntries(byAgent),
    byModel: Object.fromEntries(byModel),
  };
}
