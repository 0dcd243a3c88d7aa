/**
 * The event sink (`recordEvents`) with the real DynamoDB stores on dynalite: an SQS batch of
 * EventBridge events becomes task traces, audit entries, event-log items and metric buckets, each
 * written once however often SQS delivers an event.
 */
// The handler logs every record it fails; the failures here are on purpose. Hoisted above the
// imports, so the handler's logger is built silent.
await vi.hoisted(async () => (await import('../helpers/quiet-logs.js')).quietLogs());

import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { agentRegistered } from '../../events/agent-events.js';
import type { EventDefinition, OutgoingEvent } from '../../events/envelope.js';
import { modelInvoked } from '../../events/model-events.js';
import {
  taskFailed,
  taskQueued,
  taskStarted,
  taskStep,
  taskSucceeded,
} from '../../events/task-events.js';
import { toolDenied } from '../../events/tool-events.js';
import { recordEvents } from '../../functions/observability/record-events.js';
import { DynamoAuditStore } from '../../shared/adapters/dynamo-audit-store.js';
import { DynamoEventLog } from '../../shared/adapters/dynamo-event-log.js';
import { DynamoMetricStore } from '../../shared/adapters/dynamo-metric-store.js';
import { DynamoTraceStore } from '../../shared/adapters/dynamo-trace-store.js';
import { createEvent } from '../../shared/core/events.js';
import { newId } from '../../shared/core/ids.js';
import type { MetricStore } from '../../shared/core/observability/ports.js';
import type { AuditStore, TraceStore } from '../../shared/core/ports.js';
import { useLocalAws } from '../helpers/aws-local.js';
import { FixedClock } from '../helpers/in-memory.js';
import { busEnvelope, busRecord, sqsEvent, sqsRecord } from '../helpers/lambda-events.js';

const aws = useLocalAws();
const RETENTION_DAYS = 30;

function stores() {
  return {
    traces: new DynamoTraceStore(aws().dynamo, aws().tableName, RETENTION_DAYS),
    audit: new DynamoAuditStore(aws().dynamo, aws().tableName, RETENTION_DAYS),
    eventLog: new DynamoEventLog(aws().dynamo, aws().tableName, RETENTION_DAYS),
    metrics: new DynamoMetricStore(aws().dynamo, aws().tableName, RETENTION_DAYS),
  };
}

/** Each test's events happen on a day of its own, a second apart: audit partitions stay apart. */
let dayCounter = 0;
function eventClock() {
  dayCounter += 1;
  const clock = new FixedClock(new Date(Date.UTC(2030, 0, dayCounter, 12)));
  return {
    day: clock.iso().slice(0, 10),
    make: <D extends EventDefinition>(definition: D, data: unknown): OutgoingEvent => {
      clock.advance(1_000);
      return createEvent(definition, data as never, { correlationId: 'corr-sink', clock });
    },
  };
}

async function traceOf(traces: TraceStore, taskId: string) {
  return (await traces.list(taskId, { limit: 100 })).items;
}

async function itemsOf(pk: string): Promise<Record<string, unknown>[]> {
  const page = await aws().dynamo.send(
    new QueryCommand({
      TableName: aws().tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
    }),
  );
  return page.Items ?? [];
}

const auditItemsOf = (day: string) => itemsOf(`AUDIT#${day}`);
/** The event ids in the log for the hours of a test's day (its events are at 12:00 and after). */
const loggedIdsOf = async (day: string) =>
  (await itemsOf(`EVENTLOG#${day}T12`)).map((item) => item.eventId);
/** The counters of a metric bucket of a test's day. */
async function countersOf(day: string, minute: string, key: string) {
  const items = await itemsOf(`METRIC#${day}T${minute}`);
  const item = items.find((i) => i.sk === key);
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, ttl: _ttl, ...counters } = item;
  return counters;
}

describe('recordEvents', () => {
  it("writes each task's events to its trace in order, and a denial to the audit log", async () => {
    // Prepare: two tasks whose events arrive interleaved, and an event about no task.
    const t = eventClock();
    const deps = stores();
    const a = { taskId: newId(), agentId: 'calc' };
    const b = { taskId: newId(), agentId: 'reader' };
    const aEvents = [
      t.make(taskStarted, { ...a, attempt: 1 }),
      t.make(modelInvoked, {
        ...a,
        model: 'echo',
        ok: true,
        latencyMs: 2,
        inputTokens: 3,
        outputTokens: 3,
        costUsd: 0,
      }),
      t.make(taskStep, {
        ...a,
        attempt: 1,
        step: { index: 0, kind: 'model', name: 'echo', ok: true, durationMs: 2 },
      }),
      t.make(taskSucceeded, {
        ...a,
        attempt: 1,
        durationMs: 5,
        usage: { modelCalls: 1, toolCalls: 0, inputTokens: 3, outputTokens: 3, costUsd: 0 },
      }),
    ];
    const bStarted = t.make(taskStarted, { ...b, attempt: 1 });
    const denial = t.make(toolDenied, {
      ...b,
      tool: 'fs.write',
      reason: "agent 'reader' does not list tool 'fs.write'",
    });
    const bEvents = [
      bStarted,
      denial,
      t.make(taskFailed, {
        ...b,
        attempt: 1,
        error: { code: 'MaxStepsExceeded', message: 'too many', retryable: false },
      }),
    ];
    const registered = t.make(agentRegistered, { agentId: 'calc', name: 'calc', tags: [] });
    const shuffled = [
      aEvents[2],
      bEvents[1],
      aEvents[0],
      registered,
      bEvents[2],
      aEvents[3],
      bEvents[0],
      aEvents[1],
    ] as OutgoingEvent[];

    // Act
    const response = await recordEvents(() => deps)(
      sqsEvent(...shuffled.map((event) => busRecord(event))),
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const asEntry = (event: OutgoingEvent) => ({
      eventId: event.detail.id,
      type: event.type,
      time: event.detail.time,
      source: event.source,
      data: event.detail.data,
    });
    expect(await traceOf(deps.traces, a.taskId)).toEqual(aEvents.map(asEntry));
    expect(await traceOf(deps.traces, b.taskId)).toEqual(bEvents.map(asEntry));
    const audit = await auditItemsOf(t.day);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      eventId: denial.detail.id,
      time: denial.detail.time,
      actor: 'agent:reader',
      action: 'tool.denied',
      target: 'tool:fs.write',
      outcome: 'denied',
    });
    expect(JSON.parse(audit[0]?.detailJson as string)).toEqual(denial.detail.data);
    // Every event is in the log, the one about no task too, in time order.
    expect(await loggedIdsOf(t.day)).toEqual(
      [...aEvents, ...bEvents, registered].map((e) => e.detail.id).sort(),
    );
    // Their times are 12:00:01 … 12:00:08: one minute's buckets.
    expect(await countersOf(t.day, '12:00', 'all')).toEqual({ succeeded: 1, failed: 1, lat00: 1 });
    expect(await countersOf(t.day, '12:00', 'agent#calc')).toEqual({ succeeded: 1, lat00: 1 });
    expect(await countersOf(t.day, '12:00', 'agent#reader')).toEqual({ failed: 1 });
    expect(await countersOf(t.day, '12:00', 'model#echo')).toEqual({
      calls: 1,
      errors: 0,
      inputTokens: 3,
      outputTokens: 3,
      costUsd: 0,
      lat00: 1,
    });
  });

  it('fails only the malformed records of a batch, and records the rest', async () => {
    // Prepare
    const t = eventClock();
    const deps = stores();
    const task = { taskId: newId(), agentId: 'calc' };
    const good = t.make(taskStarted, { ...task, attempt: 1 });
    const denial = t.make(toolDenied, { ...task, tool: 'math.eval', reason: 'not listed' });
    const notJson = sqsRecord('{"detail-type": ');
    const noVersion = sqsRecord(
      JSON.stringify({ ...busEnvelope(good), detail: { ...good.detail, version: undefined } }),
    );
    const notAnEvent = sqsRecord(JSON.stringify({ hello: 'world' }));

    // Act
    const response = await recordEvents(() => deps)(
      sqsEvent(...[notJson, busRecord(good), noVersion, busRecord(denial), notAnEvent]),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: notJson.messageId },
      { itemIdentifier: noVersion.messageId },
      { itemIdentifier: notAnEvent.messageId },
    ]);
    expect((await traceOf(deps.traces, task.taskId)).map((e) => e.eventId)).toEqual([
      good.detail.id,
      denial.detail.id,
    ]);
    expect((await auditItemsOf(t.day)).map((item) => item.eventId)).toEqual([denial.detail.id]);
  });

  it('records an event delivered twice once, in the trace and in the audit log', async () => {
    // Prepare
    const t = eventClock();
    const deps = stores();
    const task = { taskId: newId(), agentId: 'reader' };
    const denial = t.make(toolDenied, { ...task, tool: 'fs.read', reason: 'not listed' });
    const handler = recordEvents(() => deps);

    // Act: twice in one batch, and again in a later batch.
    const first = await handler(sqsEvent(...[busRecord(denial), busRecord(denial)]));
    const second = await handler(sqsEvent(...[busRecord(denial)]));

    // Assess
    expect([first, second]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(await traceOf(deps.traces, task.taskId)).toHaveLength(1);
    expect(await auditItemsOf(t.day)).toHaveLength(1);
  });

  it('counts a redelivered batch once in the metrics, and logs its events once', async () => {
    // Prepare: a submission, a success and a model call; one event twice in the first batch.
    const t = eventClock();
    const deps = stores();
    const task = { taskId: newId(), agentId: 'calc' };
    const events = [
      t.make(taskQueued, { ...task, priority: 'normal', reason: 'submitted' }),
      t.make(modelInvoked, {
        ...task,
        model: 'echo',
        ok: false,
        latencyMs: 40,
        inputTokens: 2,
        outputTokens: 0,
        costUsd: 0.25,
      }),
      t.make(taskSucceeded, {
        ...task,
        attempt: 1,
        durationMs: 1200,
        usage: { modelCalls: 1, toolCalls: 0, inputTokens: 2, outputTokens: 0, costUsd: 0.25 },
      }),
    ];
    const handler = recordEvents(() => deps);

    // Act: the batch, then SQS delivers it all again.
    const first = await handler(
      sqsEvent(...[...events, events[0] as OutgoingEvent].map((event) => busRecord(event))),
    );
    const second = await handler(sqsEvent(...events.map((event) => busRecord(event))));

    // Assess
    expect([first, second]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(await loggedIdsOf(t.day)).toEqual(events.map((e) => e.detail.id).sort());
    expect(await countersOf(t.day, '12:00', 'all')).toEqual({
      submitted: 1,
      succeeded: 1,
      lat08: 1,
    });
    expect(await countersOf(t.day, '12:00', 'agent#calc')).toEqual({
      submitted: 1,
      succeeded: 1,
      lat08: 1,
    });
    expect(await countersOf(t.day, '12:00', 'model#echo')).toEqual({
      calls: 1,
      errors: 1,
      inputTokens: 2,
      outputTokens: 0,
      costUsd: 0.25,
      lat03: 1,
    });
  });

  it('fails the records whose metrics could not be written, and counts them on redelivery', async () => {
    // Prepare: the metric store fails once, for the agent's bucket only.
    const t = eventClock();
    const deps = stores();
    let failures = 1;
    const flaky: MetricStore = {
      add: async (delta) => {
        if (delta.key === 'agent#calc' && failures-- > 0) throw new Error('throttled');
        await deps.metrics.add(delta);
      },
      read: (minutes) => deps.metrics.read(minutes),
    };
    const mine = busRecord(
      t.make(taskQueued, {
        taskId: newId(),
        agentId: 'calc',
        priority: 'low',
        reason: 'submitted',
      }),
    );
    const other = busRecord(
      t.make(taskQueued, {
        taskId: newId(),
        agentId: 'read',
        priority: 'low',
        reason: 'submitted',
      }),
    );
    const handler = recordEvents(() => ({ ...deps, metrics: flaky }));

    // Act
    const first = await handler(sqsEvent(...[mine, other]));
    const loggedBetween = await loggedIdsOf(t.day);
    const second = await handler(sqsEvent(...[mine]));

    // Assess: the failed record was taken out of the log, so its redelivery counted it once.
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: mine.messageId }] });
    expect(loggedBetween).toEqual([JSON.parse(other.body).detail.id]);
    expect(second).toEqual({ batchItemFailures: [] });
    expect(await countersOf(t.day, '12:00', 'agent#calc')).toEqual({ submitted: 1 });
    expect(await countersOf(t.day, '12:00', 'agent#read')).toEqual({ submitted: 1 });
    // `all` was written for both the first time: the redelivery counts `mine` there again (the
    // documented gap when a batch's bucket writes fail only in part).
    expect(await countersOf(t.day, '12:00', 'all')).toEqual({ submitted: 3 });
  });

  it('fails only the records a failed write concerns, so SQS delivers them again', async () => {
    // Prepare: the audit write fails; the trace and log writes succeed.
    const t = eventClock();
    const deps = stores();
    const failingAudit: AuditStore = {
      record: async () => {
        throw new Error('throttled');
      },
      list: async () => ({ items: [], nextCursor: null }),
    };
    const task = { taskId: newId(), agentId: 'reader' };
    const started = busRecord(t.make(taskStarted, { ...task, attempt: 1 }));
    const denied = busRecord(t.make(toolDenied, { ...task, tool: 'fs.read', reason: 'x' }));
    const registered = busRecord(t.make(agentRegistered, { agentId: 'a1', name: 'a1', tags: [] }));
    const broken = sqsRecord('nope');

    // Act
    const response = await recordEvents(() => ({ ...deps, audit: failingAudit }))(
      sqsEvent(...[started, broken, denied, registered]),
    );

    // Assess
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      broken.messageId,
      denied.messageId,
    ]);
    expect(await traceOf(deps.traces, task.taskId)).toHaveLength(2);
    expect(await loggedIdsOf(t.day)).toHaveLength(3);
  });

  it('fails the records with trace entries when the trace write fails', async () => {
    // Prepare
    const t = eventClock();
    const deps = stores();
    const failingTraces: TraceStore = {
      record: async () => {
        throw new Error('throttled');
      },
      recordMany: async () => {
        throw new Error('throttled');
      },
      list: async () => ({ items: [], nextCursor: null }),
    };
    const started = busRecord(t.make(taskStarted, { taskId: newId(), agentId: 'x1', attempt: 1 }));
    const registered = busRecord(t.make(agentRegistered, { agentId: 'a1', name: 'a1', tags: [] }));

    // Act
    const response = await recordEvents(() => ({ ...deps, traces: failingTraces }))(
      sqsEvent(...[started, registered]),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: started.messageId }]);
  });
});
