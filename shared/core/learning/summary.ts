/**
 * One key's summary (an agent's or a strategy's): the bounded window of its latest executions,
 * the count of all it ever learnt, and for agents the anomaly detector's state and its latest
 * anomalies. The store keeps one item per key and changes it by read-modify-write, so these
 * functions are pure: the same summary and outcomes give the same result however often a write
 * has to be tried again.
 */
import {
  type Anomaly,
  type AnomalyBaseline,
  type AnomalyConfig,
  type AnomalyMetric,
  DEFAULT_ANOMALY_CONFIG,
  emptyBaseline,
  latencyOfLog,
  observeOutcomes,
} from './anomaly.js';
import { type InsightKey, type InsightKind, type Outcome, parseInsightKey } from './outcome.js';
import {
  addToWindow,
  type Execution,
  type Trend,
  trendOf,
  type WindowStats,
  windowStats,
} from './stats.js';

export interface InsightSummary {
  key: InsightKey;
  kind: InsightKind;
  name: string;
  /** Outcomes learnt in all (the window holds the latest of them). */
  executions: number;
  /** The latest executions, oldest first. */
  window: Execution[];
  /** Agents only: the anomaly detector's moving averages. */
  baseline: AnomalyBaseline | null;
  /** Agents only: the latest anomalies, oldest first. */
  anomalies: Anomaly[];
  /** When each metric last raised an anomaly (epoch ms), for the rate limit. */
  lastAnomalyAt: Partial<Record<AnomalyMetric, number>>;
  updatedAt: string;
}

export interface LearningConfig {
  /** Executions kept per key. */
  windowSize: number;
  anomaly: AnomalyConfig;
}

export const DEFAULT_WINDOW_SIZE = 1000;

export const DEFAULT_LEARNING_CONFIG: LearningConfig = {
  windowSize: DEFAULT_WINDOW_SIZE,
  anomaly: DEFAULT_ANOMALY_CONFIG,
};

export function emptySummary(key: InsightKey): InsightSummary {
  const { kind, name } = parseInsightKey(key);
  return {
    key,
    kind,
    name,
    executions: 0,
    window: [],
    baseline: kind === 'agent' ? emptyBaseline() : null,
    anomalies: [],
    lastAnomalyAt: {},
    updatedAt: new Date(0).toISOString(),
  };
}

/**
 * The summary after learning `outcomes` (all about `key`); undefined when none of them is new
 * (all were counted before), so that nothing needs writing.
 */
export function learn(
  current: InsightSummary | undefined,
  key: InsightKey,
  outcomes: readonly Outcome[],
  config: LearningConfig,
  now: Date,
): InsightSummary | undefined {
  const summary = current ?? emptySummary(key);
  const { window, accepted } = addToWindow(
    summary.window,
    outcomes.map((o) => o.execution),
    config.windowSize,
  );
  if (accepted.length === 0) return undefined;
  const next: InsightSummary = {
    ...summary,
    executions: summary.executions + accepted.length,
    window,
    updatedAt: now.toISOString(),
  };
  if (summary.kind === 'agent') {
    const byId = new Map(outcomes.map((o) => [o.execution.id, o]));
    const observed = observeOutcomes(
      summary.baseline ?? emptyBaseline(),
      summary.lastAnomalyAt,
      accepted.map((execution) => {
        const outcome = byId.get(execution.id) as Outcome;
        return {
          execution,
          agentId: summary.name,
          taskId: outcome.ref,
          correlationId: outcome.correlationId,
        };
      }),
      config.anomaly,
    );
    next.baseline = observed.baseline;
    next.lastAnomalyAt = observed.lastAnomalyAt;
    next.anomalies = keepLatest(summary.anomalies, observed.anomalies, config.anomaly.keep);
  }
  return next;
}

/**
 * The latest `keep` anomalies. One whose event is not out yet is kept over published ones, so
 * that a burst cannot drop an anomaly before it was announced.
 */
function keepLatest(existing: Anomaly[], added: Anomaly[], keep: number): Anomaly[] {
  const all = [...existing, ...added];
  const pending = all.filter((a) => !a.published).length;
  let droppable = Math.max(0, all.length - Math.max(keep, pending));
  return all.filter((a) => {
    if (droppable > 0 && a.published) {
      droppable -= 1;
      return false;
    }
    return true;
  });
}

/** Anomalies whose `insight.anomaly` event is still to be published. */
export const pendingAnomalies = (summary: InsightSummary | undefined): Anomaly[] =>
  summary?.anomalies.filter((a) => !a.published) ?? [];

/** The summary with these anomalies marked published; undefined when there is nothing to mark. */
export function markPublished(
  current: InsightSummary | undefined,
  ids: readonly string[],
): InsightSummary | undefined {
  if (!current) return undefined;
  const marked = new Set(ids);
  if (!current.anomalies.some((a) => !a.published && marked.has(a.id))) return undefined;
  return {
    ...current,
    anomalies: current.anomalies.map((a) => (marked.has(a.id) ? { ...a, published: true } : a)),
  };
}

/** An anomaly as the API shows it. */
export type AnomalyView = Omit<Anomaly, 'published' | 'correlationId'>;

export const anomalyView = ({ published: _p, correlationId: _c, ...rest }: Anomaly): AnomalyView =>
  rest;

/** What agents and strategies share: figures over the window. */
interface CommonView {
  /** Executions in the window: what the figures are computed from. */
  executions: number;
  /** Executions learnt in all. */
  totalExecutions: number;
  successRate: number | null;
  successes: number;
  failures: number;
  costUsd: WindowStats['costUsd'];
  quality: WindowStats['quality'];
  trend: Trend;
  from: string | null;
  to: string | null;
  updatedAt: string | null;
}

export interface AgentInsights extends CommonView {
  agentId: string;
  /** Of successful tasks. */
  latencyMs: WindowStats['latencyMs'];
  /** The anomaly detector's moving averages. */
  baseline: {
    /** The moving (geometric) average of the latency (ms) and the spread of its log. */
    latencyMs: { average: number; logStdDev: number } | null;
    /** The fast (latest tasks) and slow (baseline) moving error rates. */
    errorRate: { recent: number; baseline: number } | null;
  };
  /** The latest anomalies, newest first. */
  anomalies: AnomalyView[];
}

export interface StrategyInsights extends CommonView {
  strategy: string;
  /** Of successful workflows, per step: duration divided by the steps that ran. */
  latencyPerStepMs: WindowStats['latencyMs'];
}

/** The figures in the order the API shows them; latency goes after `successRate`. */
function views(summary: InsightSummary | undefined) {
  const window = summary?.window ?? [];
  const stats = windowStats(window);
  const head = {
    executions: stats.executions,
    totalExecutions: summary?.executions ?? 0,
    successRate: stats.successRate,
    successes: stats.successes,
    failures: stats.failures,
  };
  const tail = {
    costUsd: stats.costUsd,
    quality: stats.quality,
    trend: trendOf(window),
    from: stats.from,
    to: stats.to,
    updatedAt: summary ? summary.updatedAt : null,
  };
  return { head, latencyMs: stats.latencyMs, tail };
}

const round = (value: number, digits = 3) => Number(value.toFixed(digits));

export function agentInsights(agentId: string, summary: InsightSummary | undefined): AgentInsights {
  const { head, latencyMs, tail } = views(summary);
  const baseline = summary?.baseline;
  return {
    agentId,
    ...head,
    latencyMs,
    ...tail,
    baseline: {
      latencyMs:
        baseline && baseline.latency.count > 0
          ? {
              average: round(latencyOfLog(baseline.latency.mean)),
              logStdDev: round(Math.sqrt(baseline.latency.variance), 4),
            }
          : null,
      errorRate:
        baseline && baseline.errors.count > 0
          ? { recent: round(baseline.errors.fast, 4), baseline: round(baseline.errors.slow, 4) }
          : null,
    },
    anomalies: [...(summary?.anomalies ?? [])].reverse().map(anomalyView),
  };
}

export function strategyInsights(summary: InsightSummary): StrategyInsights {
  const { head, latencyMs, tail } = views(summary);
  return { strategy: summary.name, ...head, latencyPerStepMs: latencyMs, ...tail };
}
