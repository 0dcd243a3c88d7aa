/** The learning layer's port: where summaries and the anomaly log are kept. */
import type { Page, PageRequest } from '../ports.js';
import type { Anomaly } from './anomaly.js';
import type { InsightKey, InsightKind } from './outcome.js';
import type { InsightSummary } from './summary.js';

export interface InsightStore {
  get(key: InsightKey): Promise<InsightSummary | undefined>;
  /** The summaries that exist among `keys`. */
  getMany(keys: readonly InsightKey[]): Promise<Map<InsightKey, InsightSummary>>;
  /**
   * Read-modify-write of one key: `change` gets the stored summary (undefined when there is
   * none) and returns the new one, or undefined to write nothing. A concurrent writer makes the
   * write fail and `change` run again on what it wrote, so no writer's change is lost; `change`
   * must therefore be pure. Returns the summary as stored afterwards. Throws
   * InsightWriteConflictError when it keeps losing.
   */
  update(
    key: InsightKey,
    change: (current: InsightSummary | undefined) => InsightSummary | undefined,
  ): Promise<InsightSummary | undefined>;
  /** Summaries of one kind, by name. */
  list(kind: InsightKind, request: PageRequest): Promise<Page<InsightSummary>>;
  /** Adds anomalies to the log of recent ones (idempotent by anomaly id). */
  logAnomalies(anomalies: readonly Anomaly[]): Promise<void>;
  /** The latest anomalies of every agent, newest first. */
  recentAnomalies(limit: number): Promise<Anomaly[]>;
}

/** A read-modify-write that lost to concurrent writers every time it tried. */
export class InsightWriteConflictError extends Error {
  constructor(key: string, attempts: number) {
    super(`the summary of '${key}' changed under every one of ${attempts} attempts to write it`);
    this.name = 'InsightWriteConflictError';
  }
}
