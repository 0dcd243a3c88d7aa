/**
 * The event sink (`recordEvents`) with the real DynamoDB trace and audit stores on dynalite: an
 * SQS batch of EventBridge events becomes task traces and audit entries.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { agentRegistered } from '../../events/agent-events.js';
import type { EventDefinition, OutgoingEvent } from '../../events/envelope.js';
import { modelInvoked } from '../../events/model-events.js';
import { taskFailed, taskStarted, taskStep, taskSucceeded } from '../../events/task-events.js';
import { toolDenied } from '../../events/tool-events.js';
import { recordEvents } from '../../functions/observability/record-events.js';
import { DynamoAuditStore } from '../../shared/adapters/dynamo-audit-store.js';
import { DynamoTraceStore } from '../../shared/adapters/dynamo-trace-store.js';
import { createEvent } from '../../shared/core/events.js';
import { newId } from '../../shared/core/ids.js';
import type { AuditStore, TraceStore } from '../../shared/core/ports.js';
import { useLocalAws } from '../helpers/aws-local.js';
import { FixedClock } from '../helpers/in-memory.js';

// The handler logs every record it fails; the failures here are on purpose. Hoisted above the
// imports, so the handler's logger is built silent.
const logLevel = vi.hoisted(() => {
  const before = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  return before;
});
afterAll(() => {
  if (logLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
  else process.env.POWERTOOLS_LOG_LEVEL = logLevel;
});

const aws = useLocalAws();
const RETENTION_DAYS = 30;

function stores() {
  return {
    traces: new DynamoTraceStore(aws().dynamo, aws().tableName, RETENTION_DAYS),
    audit: new DynamoAuditStore(aws().dynamo, aws().tableName, RETENTION_DAYS),
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

/** What EventBridge puts on the sink's queue for an event. */
const envelope = (event: OutgoingEvent) => ({
  version: '0',
  id: `eb-${newId()}`,
  'detail-type': event.type,
  source: event.source,
  account: '000000000000',
  time: event.detail.time,
  region: 'us-east-1',
  resources: [],
  detail: event.detail,
});

function sqsRecord(body: string): SQSRecord {
  return {
    messageId: `msg-${newId()}`,
    receiptHandle: 'handle',
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1700000000000',
      SenderId: 'events.amazonaws.com',
      ApproximateFirstReceiveTimestamp: '1700000000000',
    },
    messageAttributes: {},
    md5OfBody: 'md5',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:agent-core-events',
    awsRegion: 'us-east-1',
  };
}

const batch = (records: SQSRecord[]): SQSEvent => ({ Records: records });
const recordOf = (event: OutgoingEvent) => sqsRecord(JSON.stringify(envelope(event)));

async function traceOf(traces: TraceStore, taskId: string) {
  return (await traces.list(taskId, { limit: 100 })).items;
}

async function auditItemsOf(day: string): Promise<Record<string, unknown>[]> {
  const page = await aws().dynamo.send(
    new QueryCommand({
      TableName: aws().tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `AUDIT#${day}` },
    }),
  );
  return page.Items ?? [];
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
    const response = await recordEvents(() => deps)(batch(shuffled.map(recordOf)));

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
      JSON.stringify({ ...envelope(good), detail: { ...good.detail, version: undefined } }),
    );
    const notAnEvent = sqsRecord(JSON.stringify({ hello: 'world' }));

    // Act
    const response = await recordEvents(() => deps)(
      batch([notJson, recordOf(good), noVersion, recordOf(denial), notAnEvent]),
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
    const first = await handler(batch([recordOf(denial), recordOf(denial)]));
    const second = await handler(batch([recordOf(denial)]));

    // Assess
    expect([first, second]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(await traceOf(deps.traces, task.taskId)).toHaveLength(1);
    expect(await auditItemsOf(t.day)).toHaveLength(1);
  });

  it('fails every well-formed record when the writes fail, so SQS delivers them again', async () => {
    // Prepare: the audit write fails; the trace write succeeds.
    const t = eventClock();
    const { traces } = stores();
    const failingAudit: AuditStore = {
      record: async () => {
        throw new Error('throttled');
      },
      list: async () => ({ items: [], nextCursor: null }),
    };
    const task = { taskId: newId(), agentId: 'reader' };
    const started = recordOf(t.make(taskStarted, { ...task, attempt: 1 }));
    const denied = recordOf(t.make(toolDenied, { ...task, tool: 'fs.read', reason: 'x' }));
    const registered = recordOf(t.make(agentRegistered, { agentId: 'a1', name: 'a1', tags: [] }));
    const broken = sqsRecord('nope');

    // Act
    const response = await recordEvents(() => ({ traces, audit: failingAudit }))(
      batch([started, broken, denied, registered]),
    );

    // Assess: an event with neither trace nor audit entry had nothing to lose.
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      [broken.messageId, started.messageId, denied.messageId].sort(),
    );
  });
});
