/**
 * The event sink's core (`recordBusEvents`) with in-memory stores: every event logged once,
 * counted once, and each failed write failing exactly the records it concerns.
 */
import { describe, expect, it } from 'vitest';
import type { BusEvent } from '../../events/envelope.js';
import {
  type EventSinkDeps,
  recordBusEvents,
  type SinkRecord,
} from '../../shared/core/observability/event-sink.js';
import { loggedEventOf } from '../../shared/core/observability/logged-event.js';
import type {
  AppendOutcome,
  EventLog,
  LoggedEvent,
  MetricBucket,
  MetricDelta,
  MetricStore,
} from '../../shared/core/observability/ports.js';
import type {
  AuditEntry,
  AuditStore,
  Page,
  TraceEntry,
  TraceOwner,
  TraceStore,
} from '../../shared/core/ports.js';

class FakeEventLog implements EventLog {
  readonly events = new Map<string, LoggedEvent>();
  failFor = new Set<string>();
  failRemove = false;
  removed: string[] = [];

  async append(events: LoggedEvent[]): Promise<AppendOutcome> {
    const outcome: AppendOutcome = { added: [], existing: [], failed: [] };
    for (const event of events) {
      if (this.failFor.has(event.id)) outcome.failed.push({ eventId: event.id, error: 'down' });
      else if (this.events.has(event.id)) outcome.existing.push(event.id);
      else {
        this.events.set(event.id, event);
        outcome.added.push(event.id);
      }
    }
    return outcome;
  }

  async remove(events: LoggedEvent[]): Promise<void> {
    if (this.failRemove) throw new Error('remove failed');
    for (const event of events) {
      this.events.delete(event.id);
      this.removed.push(event.id);
    }
  }

  async list(): Promise<Page<LoggedEvent>> {
    return { items: [...this.events.values()], nextCursor: null };
  }
}

class FakeMetricStore implements MetricStore {
  readonly adds: MetricDelta[] = [];
  /** Keys (`all`, `agent#<id>`, …) whose writes fail. */
  failKeys = new Set<string>();

  async add(delta: MetricDelta): Promise<void> {
    if (this.failKeys.has(delta.key)) throw new Error(`bucket ${delta.key} throttled`);
    this.adds.push(structuredClone(delta));
  }

  async read(): Promise<MetricBucket[]> {
    return [];
  }

  total(key: string, counter: string): number {
    return this.adds
      .filter((delta) => delta.key === key)
      .reduce((sum, delta) => sum + (delta.counters[counter] ?? 0), 0);
  }
}

class FakeTraceStore implements TraceStore {
  readonly entries: { owner: TraceOwner; entry: TraceEntry }[] = [];
  fail = false;
  async record(taskId: string, entries: TraceEntry[]): Promise<void> {
    await this.recordMany(entries.map((entry) => ({ owner: { kind: 'task', id: taskId }, entry })));
  }
  async recordMany(items: { owner: TraceOwner; entry: TraceEntry }[]): Promise<void> {
    if (this.fail) throw new Error('trace write failed');
    this.entries.push(...items);
  }
  async list(): Promise<Page<TraceEntry>> {
    return { items: [], nextCursor: null };
  }
}

class FakeAuditStore implements AuditStore {
  readonly entries: AuditEntry[] = [];
  fail = false;
  async record(entries: AuditEntry[]): Promise<void> {
    if (this.fail) throw new Error('audit write failed');
    this.entries.push(...entries);
  }
  async list(): Promise<Page<AuditEntry>> {
    return { items: [], nextCursor: null };
  }
}

function world() {
  const deps = {
    traces: new FakeTraceStore(),
    audit: new FakeAuditStore(),
    eventLog: new FakeEventLog(),
    metrics: new FakeMetricStore(),
  } satisfies EventSinkDeps;
  return deps;
}

let sequence = 0;
function record(type: string, data: Record<string, unknown>, recordId?: string): SinkRecord {
  sequence += 1;
  const time = new Date(Date.UTC(2025, 2, 1, 10, 0, sequence % 60)).toISOString();
  const event: BusEvent = {
    id: `eb-${sequence}`,
    'detail-type': type,
    source: 'agent-core.test',
    time,
    detail: {
      version: 1,
      id: `ev-${String(sequence).padStart(5, '0')}`,
      time,
      correlationId: 'corr',
      data,
    },
  };
  return { recordId: recordId ?? `msg-${sequence}`, event, logged: loggedEventOf(event) };
}

const submitted = (agentId: string) =>
  record('task.queued', {
    taskId: `t-${agentId}`,
    agentId,
    priority: 'normal',
    reason: 'submitted',
  });
const denied = (agentId: string) =>
  record('tool.denied', { taskId: `t-${agentId}`, agentId, tool: 'fs.write', reason: 'no' });
const registered = (agentId: string) =>
  record('agent.registered', { agentId, name: agentId, tags: [] });
const again = (original: SinkRecord, recordId: string): SinkRecord => ({ ...original, recordId });

describe('recordBusEvents', () => {
  it('logs every event, traces task events, audits denials and counts metrics', async () => {
    // Prepare
    const deps = world();
    const records = [submitted('alice'), denied('bob'), registered('carol')];

    // Act
    const outcome = await recordBusEvents(deps, records);

    // Assess
    expect(outcome).toEqual({ failedRecordIds: [], problems: [] });
    expect([...deps.eventLog.events.keys()]).toEqual(records.map((r) => r.logged.id));
    expect(deps.traces.entries.map((e) => e.owner.id)).toEqual(['t-alice', 't-bob']);
    expect(deps.audit.entries.map((e) => e.eventId)).toEqual([records[1]?.logged.id]);
    expect(deps.metrics.total('all', 'submitted')).toBe(1);
    expect(deps.metrics.total('agent#alice', 'submitted')).toBe(1);
  });

  it('counts an event once, delivered twice in a batch and again in a later one', async () => {
    // Prepare
    const deps = world();
    const first = submitted('alice');

    // Act
    const one = await recordBusEvents(deps, [first, again(first, 'msg-dup')]);
    const two = await recordBusEvents(deps, [again(first, 'msg-later')]);

    // Assess
    expect([one.failedRecordIds, two.failedRecordIds]).toEqual([[], []]);
    expect(deps.metrics.total('all', 'submitted')).toBe(1);
    expect(deps.eventLog.events.size).toBe(1);
  });

  it('fails only the records of an event the log could not take', async () => {
    // Prepare
    const deps = world();
    const [ok, broken] = [submitted('alice'), submitted('bob')] as [SinkRecord, SinkRecord];
    deps.eventLog.failFor.add(broken.logged.id);

    // Act
    const outcome = await recordBusEvents(deps, [ok, broken, again(broken, 'msg-dup')]);

    // Assess
    expect(outcome.failedRecordIds).toEqual([broken.recordId, 'msg-dup']);
    expect(outcome.problems.map((p) => p.what)).toEqual(['event log']);
    expect(deps.metrics.total('all', 'submitted')).toBe(1);
  });

  it('takes events whose buckets failed out of the log, so their redelivery counts them', async () => {
    // Prepare: bob's bucket write fails; alice's do not.
    const deps = world();
    const [alice, bob] = [submitted('alice'), submitted('bob')] as [SinkRecord, SinkRecord];
    deps.metrics.failKeys.add('agent#bob');

    // Act
    const outcome = await recordBusEvents(deps, [alice, bob]);
    deps.metrics.failKeys.clear();
    const redelivered = await recordBusEvents(deps, [again(bob, 'msg-redelivered')]);

    // Assess
    expect(outcome.failedRecordIds).toEqual([bob.recordId]);
    expect(deps.eventLog.removed).toEqual([bob.logged.id]);
    expect(redelivered.failedRecordIds).toEqual([]);
    expect(deps.metrics.total('agent#alice', 'submitted')).toBe(1);
    expect(deps.metrics.total('agent#bob', 'submitted')).toBe(1);
    expect(deps.eventLog.events.has(bob.logged.id)).toBe(true);
  });

  it('reports events it could not take out of the log again, and fails their records', async () => {
    // Prepare
    const deps = world();
    const alice = submitted('alice');
    deps.metrics.failKeys.add('all');
    deps.eventLog.failRemove = true;

    // Act
    const outcome = await recordBusEvents(deps, [alice]);

    // Assess
    expect(outcome.failedRecordIds).toEqual([alice.recordId]);
    expect(outcome.problems.map((p) => p.what)).toEqual([
      'metric buckets',
      'taking uncounted events out of the event log (their metrics are lost)',
    ]);
  });

  it('fails the records with trace entries when the trace write fails, and only those', async () => {
    // Prepare
    const deps = world();
    deps.traces.fail = true;
    const records = [submitted('alice'), registered('carol')];

    // Act
    const outcome = await recordBusEvents(deps, records);

    // Assess
    expect(outcome.failedRecordIds).toEqual([records[0]?.recordId]);
    expect(deps.eventLog.events.size).toBe(2);
  });

  it('fails the records with audit entries when the audit write fails, and only those', async () => {
    // Prepare
    const deps = world();
    deps.audit.fail = true;
    const records = [submitted('alice'), denied('bob'), registered('carol')];

    // Act
    const outcome = await recordBusEvents(deps, records);

    // Assess
    expect(outcome.failedRecordIds).toEqual([records[1]?.recordId]);
    expect(deps.traces.entries).toHaveLength(2);
  });

  it('writes nothing for an empty batch', async () => {
    // Prepare
    const deps = world();

    // Act
    const outcome = await recordBusEvents(deps, []);

    // Assess
    expect(outcome).toEqual({ failedRecordIds: [], problems: [] });
    expect(deps.metrics.adds).toEqual([]);
  });
});
