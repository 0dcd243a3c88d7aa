/**
 * The ports of the observability layer: the event log (every agent-core event, listed by time)
 * and the metric store (per-minute counters and latency sketches). The DynamoDB adapters are
 * `shared/adapters/dynamo-event-log.ts` and `shared/adapters/dynamo-metric-store.ts`.
 */
import type { Page, PageRequest } from '../ports.js';
import type { LatencySketch } from './latency-sketch.js';
import type { TypePattern } from './type-pattern.js';

/** One event as the log keeps it: the bus envelope's detail, with its type and source. */
export interface LoggedEvent {
  id: string;
  /** ISO-8601 UTC as `toISOString` writes it, so that times sort as strings. */
  time: string;
  type: string;
  source: string;
  correlationId: string;
  /** The agent the event is about (`data.agentId`), when it names one. */
  agentId: string | undefined;
  version: 1;
  data: Record<string, unknown>;
}

export interface EventLogQuery extends PageRequest {
  type?: TypePattern | undefined;
  /** Only events about this agent. */
  agentId?: string | undefined;
  /** Newest first (the default): events at or after this time; the default and bound are the adapter's. */
  since?: string | undefined;
  /** Instead: events strictly newer than this event id, oldest first. */
  after?: string | undefined;
}

export interface AppendOutcome {
  /** Ids the log did not hold before this call: their events are counted in the metrics. */
  added: string[];
  /** Ids the log already held (a redelivery): not counted again. */
  existing: string[];
  failed: { eventId: string; error: unknown }[];
}

export interface EventLog {
  /** Writes each event once, whatever the redeliveries: a conditional write per event id. */
  append(events: LoggedEvent[]): Promise<AppendOutcome>;
  /** Takes events out again (they were added but could not be counted): a redelivery re-adds them. */
  remove(events: LoggedEvent[]): Promise<void>;
  list(query: EventLogQuery): Promise<Page<LoggedEvent>>;
}

/**
 * What one batch adds to one metric bucket: the minute (`yyyy-mm-ddTHH:MM`), the key (`all`,
 * `agent#<id>`, `model#<name>`), counters by name, and a latency sketch (its bins add up).
 */
export interface MetricDelta {
  minute: string;
  key: string;
  counters: Record<string, number>;
  latency: LatencySketch;
}

/** A bucket as stored: the sum of every delta added to it. */
export type MetricBucket = MetricDelta;

export interface MetricStore {
  /** Adds a delta to its bucket atomically (DynamoDB ADD): concurrent writers lose nothing. */
  add(delta: MetricDelta): Promise<void>;
  /** Every unexpired bucket of these minutes. */
  read(minutes: readonly string[]): Promise<MetricBucket[]>;
}
