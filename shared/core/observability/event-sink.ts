/**
 * The event sink's work for one batch of bus events: each event goes into the event log (once,
 * by its id), into its task's and its thread's trace when it names them, into the audit log when
 * it is a denial or a key or grant change, and, the first time the log sees it, into the metric
 * buckets. Each write fails only the records it concerns, so SQS delivers exactly those again.
 * Once in their traces, events go to the connections following their task or thread.
 *
 * Metrics are counted exactly once per event id: only events the log did not hold before are
 * counted, and events whose bucket write failed are taken out of the log again, so that the
 * redelivery adds and counts them anew. Two gaps remain, both needing a second failure: if a
 * batch's bucket writes fail only in part, the redelivered events count again in the buckets
 * that were written; if taking them out of the log fails too, they are not counted at all.
 */
import type { BusEvent } from '../../../events/envelope.js';
import { auditEntryOf } from '../audit.js';
import { targetsOf } from '../dashboard/feed-target.js';
import { feedEventOf } from '../dashboard/frames.js';
import {
  deliverToFollowers,
  type LiveDeliveryDeps,
  type LiveDeliveryOutcome,
} from '../dashboard/live-delivery.js';
import type { AuditEntry, AuditStore, TraceEntry, TraceOwner, TraceStore } from '../ports.js';
import { metricDeltasOf } from './metrics.js';
import type { EventLog, LoggedEvent, MetricStore } from './ports.js';

export interface EventSinkDeps {
  traces: TraceStore;
  audit: AuditStore;
  eventLog: EventLog;
  metrics: MetricStore;
  /**
   * Connections following a task or a thread get its events from here, once they are in its
   * trace (target-feed.ts has the argument). Without it, nothing is delivered.
   */
  live?: LiveDeliveryDeps;
}

/** A well-formed record of the batch: its SQS message id and its event. */
export interface SinkRecord {
  recordId: string;
  event: BusEvent;
  logged: LoggedEvent;
}

/** A write that failed, and the records that must be delivered again because of it. */
export interface SinkProblem {
  what: string;
  error: unknown;
  recordIds: string[];
}

export interface SinkOutcome {
  /** Records to deliver again, each once. */
  failedRecordIds: string[];
  problems: SinkProblem[];
  /** What live delivery did; its failures are logged, never a reason to deliver records again. */
  live?: LiveDeliveryOutcome;
}

export async function recordBusEvents(
  deps: EventSinkDeps,
  records: readonly SinkRecord[],
): Promise<SinkOutcome> {
  const traces = new Map<string, { owner: TraceOwner; entry: TraceEntry }[]>();
  const audits = new Map<string, AuditEntry>();
  const events = new Map<string, LoggedEvent>();
  // SQS may deliver one event in two records of a batch: both share its writes' fate.
  const recordsByEvent = new Map<string, string[]>();
  for (const { recordId, event, logged } of records) {
    events.set(logged.id, logged);
    recordsByEvent.set(logged.id, [...(recordsByEvent.get(logged.id) ?? []), recordId]);
    const audit = auditEntryOf(event);
    if (audit) audits.set(recordId, audit);
    // An event about a task is in its trace; one about a thread (a turn's) in the thread's too.
    const owners = targetsOf(event.detail.data);
    if (owners.length > 0) {
      const entry: TraceEntry = {
        eventId: logged.id,
        type: logged.type,
        time: event.detail.time,
        source: logged.source,
        data: logged.data,
        correlationId: event.detail.correlationId,
        ...(event.detail.actor ? { actor: event.detail.actor } : {}),
      };
      traces.set(
        recordId,
        owners.map((owner) => ({ owner, entry })),
      );
    }
  }

  const problems: SinkProblem[] = [];
  const recordsOf = (eventIds: Iterable<string>) =>
    [...eventIds].flatMap((id) => recordsByEvent.get(id) ?? []);
  const write = async (what: string, recordIds: string[], run: () => Promise<void>) => {
    if (recordIds.length === 0) return;
    try {
      await run();
    } catch (error) {
      problems.push({ what, error, recordIds });
    }
  };

  let live: LiveDeliveryOutcome | undefined;
  await Promise.all([
    write('trace entries', [...traces.keys()], async () => {
      await deps.traces.recordMany([...traces.values()].flat());
      // Only after the write: an event is in its trace before any follower is looked up.
      if (deps.live) {
        const recorded = new Map(
          records.filter((r) => traces.has(r.recordId)).map((r) => [r.logged.id, r.event]),
        );
        live = await deliverToFollowers(deps.live, [...recorded.values()].map(feedEventOf)).catch(
          (error: unknown) => ({ sent: 0, gone: [], errors: [{ error }] }),
        );
      }
    }),
    write('audit entries', [...audits.keys()], () => deps.audit.record([...audits.values()])),
    write('event log', recordsOf(events.keys()), async () => {
      problems.push(...(await logAndCount(deps, [...events.values()], recordsOf)));
    }),
  ]);

  const failed = new Set(problems.flatMap((problem) => problem.recordIds));
  return {
    failedRecordIds: records.map((r) => r.recordId).filter((id) => failed.has(id)),
    problems,
    ...(live ? { live } : {}),
  };
}

/** Appends the events to the log, then counts those it did not hold before. */
async function logAndCount(
  deps: EventSinkDeps,
  events: LoggedEvent[],
  recordsOf: (eventIds: Iterable<string>) => string[],
): Promise<SinkProblem[]> {
  const problems: SinkProblem[] = [];
  const outcome = await deps.eventLog.append(events);
  for (const { eventId, error } of outcome.failed) {
    problems.push({ what: 'event log', error, recordIds: recordsOf([eventId]) });
  }
  const added = new Set(outcome.added);
  const contributions = metricDeltasOf(events.filter((event) => added.has(event.id)));
  const results = await Promise.allSettled(contributions.map((c) => deps.metrics.add(c.delta)));
  const uncounted = new Set<string>();
  let firstError: unknown;
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') return;
    firstError ??= result.reason;
    for (const eventId of contributions[i]?.eventIds ?? []) uncounted.add(eventId);
  });
  if (uncounted.size === 0) return problems;
  problems.push({ what: 'metric buckets', error: firstError, recordIds: recordsOf(uncounted) });
  try {
    await deps.eventLog.remove(events.filter((event) => uncounted.has(event.id)));
  } catch (error) {
    problems.push({
      what: 'taking uncounted events out of the event log (their metrics are lost)',
      error,
      recordIds: recordsOf(uncounted),
    });
  }
  return problems;
}
