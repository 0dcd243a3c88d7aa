/**
 * The delivery handler (`deliverMessages`) on SQS batches of EventBridge envelopes, with the real
 * DynamoDB stores on dynalite and the real task queues on fauxqs: inbox items, `message.delivered`
 * events, tasks for `onMessage: "task"` started exactly once, and bad records failing alone.
 */
// The handler logs the records it fails; the failures here are on purpose.
await vi.hoisted(async () => (await import('../helpers/quiet-logs.js')).quietLogs());

import { describe, expect, it, vi } from 'vitest';
import type { OutgoingEvent } from '../../events/envelope.js';
import { messageSent } from '../../events/message-events.js';
import { taskQueued } from '../../events/task-events.js';
import { deliverMessages } from '../../functions/ipc/deliver-messages.js';
import { DynamoAgentStore } from '../../shared/adapters/dynamo-agent-store.js';
import { DynamoInboxStore } from '../../shared/adapters/dynamo-inbox-store.js';
import { DynamoTaskStore } from '../../shared/adapters/dynamo-task-store.js';
import { SqsTaskQueue } from '../../shared/adapters/sqs-task-queue.js';
import type { Agent } from '../../shared/core/agents/agent.js';
import { createEvent } from '../../shared/core/events.js';
import { newId } from '../../shared/core/ids.js';
import type { DeliveryDeps } from '../../shared/core/ipc/delivery.js';
import type { InboxStore } from '../../shared/core/ipc/inbox-store.js';
import { receiveMessages, uniqueId, urlIn, useLocalAws } from '../helpers/aws-local.js';
import { buildAgent, FixedClock, RecordingEventPublisher } from '../helpers/in-memory.js';
import { busEnvelope, busRecord, sqsEvent, sqsRecord } from '../helpers/lambda-events.js';

const aws = useLocalAws();
const SENT_AT = '2030-07-01T09:00:00.000Z';

interface Setup {
  deps: DeliveryDeps;
  events: RecordingEventPublisher;
  clock: FixedClock;
  inbox: DynamoInboxStore;
  tasks: DynamoTaskStore;
  normalQueueUrl: string;
  handler: ReturnType<typeof deliverMessages>;
  agent(
    registration: Record<string, unknown> & { id: string },
    status?: Agent['status'],
  ): Promise<string>;
}

async function setup(
  options: { inbox?: (real: DynamoInboxStore) => InboxStore } = {},
): Promise<Setup> {
  const { dynamo, tableName, sqs } = aws();
  const urls = await aws().freshQueues();
  const queues = {
    critical: urlIn(urls, 'tasks-critical'),
    normal: urlIn(urls, 'tasks-normal'),
    low: urlIn(urls, 'tasks-low'),
  };
  const agents = new DynamoAgentStore(dynamo, tableName);
  const inbox = new DynamoInboxStore(dynamo, tableName);
  const tasks = new DynamoTaskStore(dynamo, tableName);
  const events = new RecordingEventPublisher();
  const clock = new FixedClock(new Date(Date.parse(SENT_AT) + 1_000));
  const deps: DeliveryDeps = {
    agents,
    tasks,
    queue: new SqsTaskQueue(sqs, { queues }),
    events,
    inbox: options.inbox ? options.inbox(inbox) : inbox,
    clock,
    taskClaimLeaseMs: 60_000,
  };
  return {
    deps,
    events,
    clock,
    inbox,
    tasks,
    normalQueueUrl: queues.normal,
    handler: deliverMessages(() => deps),
    async agent(registration, status = 'active') {
      const id = uniqueId(registration.id);
      await agents.create(buildAgent({ ...registration, id }, status));
      return id;
    },
  };
}

function sentEvent(
  data: Partial<Parameters<typeof createEvent<typeof messageSent>>[1]> & { recipients: string[] },
): OutgoingEvent {
  return createEvent(
    messageSent,
    {
      messageId: newId(),
      from: 'sender-agent',
      to: data.recipients[0] ?? 'nobody',
      subject: 'review please',
      body: { file: 'src/app.ts', lines: [1, 2] },
      ttlSeconds: 3600,
      sentAt: SENT_AT,
      ...data,
    },
    { correlationId: 'corr-deliver', clock: new FixedClock(SENT_AT) },
  );
}

const idOf = (event: OutgoingEvent) => event.detail.data.messageId as string;

describe('deliverMessages', () => {
  it("writes each recipient's inbox item and publishes message.delivered per recipient", async () => {
    // Prepare
    const s = await setup();
    const a = await s.agent({ id: 'reader-a' });
    const b = await s.agent({ id: 'reader-b' });
    const event = sentEvent({ recipients: [a, b] });
    // Act
    const result = await s.handler(sqsEvent(busRecord(event)));
    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    for (const agentId of [a, b]) {
      expect(await s.inbox.get(agentId, idOf(event))).toEqual({
        messageId: idOf(event),
        agentId,
        from: 'sender-agent',
        to: a,
        subject: 'review please',
        body: { file: 'src/app.ts', lines: [1, 2] },
        sentAt: SENT_AT,
        expiresAt: '2030-07-01T10:00:00.000Z',
        deliveredAt: s.clock.iso(),
        ackedAt: null,
        taskId: null,
        announcedAt: s.clock.iso(),
      });
    }
    const delivered = s.events.ofType('message.delivered');
    expect(delivered.map((e) => e.detail.data.agentId).sort()).toEqual([a, b].sort());
    expect(delivered[0]?.source).toBe('agent-core.ipc');
    expect(delivered[0]?.detail.correlationId).toBe('corr-deliver');
    expect(delivered[0]?.detail.data).toMatchObject({
      messageId: idOf(event),
      from: 'sender-agent',
    });
    expect(s.events.ofType(taskQueued.type)).toEqual([]);
  });

  it('turns a message into one task for an onMessage: task recipient, even when delivered twice', async () => {
    // Prepare
    const s = await setup();
    const worker = await s.agent({ id: 'worker', onMessage: 'task' });
    const event = sentEvent({ recipients: [worker] });
    // Act: the same event twice, as SQS may deliver it (a second record, a later batch).
    const first = await s.handler(sqsEvent(busRecord(event)));
    const second = await s.handler(sqsEvent(busRecord(event), busRecord(event)));
    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    const tasks = (await s.tasks.list({ agentId: worker, limit: 10 })).items;
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      priority: 'normal',
      status: 'queued',
      input: {
        id: idOf(event),
        from: 'sender-agent',
        subject: 'review please',
        body: { file: 'src/app.ts', lines: [1, 2] },
      },
      metadata: { messageId: idOf(event), from: 'sender-agent' },
      correlationId: 'corr-deliver',
    });
    const taskId = tasks[0]?.id;
    expect(s.events.ofType('message.delivered').map((e) => e.detail.data.taskId)).toEqual([taskId]);
    expect(s.events.ofType(taskQueued.type)).toHaveLength(1);
    expect((await s.inbox.get(worker, idOf(event)))?.taskId).toBe(taskId);
    const queued = await receiveMessages(aws().sqs, s.normalQueueUrl, 2, { timeoutMs: 1_500 });
    expect(queued.map((m) => JSON.parse(m.Body ?? '{}').taskId)).toEqual([taskId]);
  });

  it('fails a malformed record alone: the rest of the batch is delivered', async () => {
    // Prepare
    const s = await setup();
    const reader = await s.agent({ id: 'reader' });
    const good = sentEvent({ recipients: [reader] });
    const noRecipients = {
      ...busEnvelope(good),
      detail: { ...good.detail, data: { ...good.detail.data, recipients: [] } },
    };
    const records = [
      sqsRecord('not json at all', { messageId: 'bad-json' }),
      sqsRecord(JSON.stringify(noRecipients), { messageId: 'bad-data' }),
      sqsRecord(JSON.stringify({ hello: 'world' }), { messageId: 'not-an-event' }),
      busRecord(good, { messageId: 'good' }),
    ];
    // Act
    const result = await s.handler(sqsEvent(...records));
    // Assess
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([
      'bad-data',
      'bad-json',
      'not-an-event',
    ]);
    expect(await s.inbox.get(reader, idOf(good))).toBeDefined();
    expect(s.events.ofType('message.delivered')).toHaveLength(1);
  });

  it('ignores other event types on the queue', async () => {
    // Prepare
    const s = await setup();
    const other = createEvent(
      taskQueued,
      { taskId: newId(), agentId: 'x', priority: 'normal', reason: 'submitted' },
      { correlationId: 'c', clock: s.clock },
    );
    // Act
    const result = await s.handler(sqsEvent(busRecord(other)));
    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(s.events.events).toEqual([]);
  });

  it('skips recipients retired or removed since the message was sent, and messages already expired', async () => {
    // Prepare
    const s = await setup();
    const retired = await s.agent({ id: 'retired' }, 'retired');
    const active = await s.agent({ id: 'active' });
    const late = sentEvent({ recipients: [active], ttlSeconds: 1 });
    const toRetired = sentEvent({ recipients: [retired, 'never-registered', active] });
    // Act: the clock stands 1 s after sending, when the 1 s message has just expired.
    const result = await s.handler(sqsEvent(busRecord(late), busRecord(toRetired)));
    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await s.inbox.get(active, idOf(late))).toBeUndefined();
    expect(await s.inbox.get(retired, idOf(toRetired))).toBeUndefined();
    expect(await s.inbox.get(active, idOf(toRetired))).toBeDefined();
    expect(s.events.ofType('message.delivered').map((e) => e.detail.data.agentId)).toEqual([
      active,
    ]);
  });

  it('publishes message.delivered once when the first attempt failed after writing the inbox', async () => {
    // Prepare
    const s = await setup();
    const reader = await s.agent({ id: 'reader' });
    const event = sentEvent({ recipients: [reader] });
    s.events.failWith = new Error('bus down');
    // Act
    const first = await s.handler(sqsEvent(busRecord(event, { messageId: 'r1' })));
    const second = await s.handler(sqsEvent(busRecord(event, { messageId: 'r1' })));
    const third = await s.handler(sqsEvent(busRecord(event, { messageId: 'r1' })));
    // Assess
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'r1' }]);
    expect(second.batchItemFailures).toEqual([]);
    expect(third.batchItemFailures).toEqual([]);
    expect(s.events.ofType('message.delivered')).toHaveLength(1);
  });

  it('does not start a second task when a delivery died after submitting it, before recording it', async () => {
    // Prepare: the first delivery submits the task, then fails to record it on the marker.
    let failRecord = true;
    const s = await setup({
      inbox: (real) =>
        Object.assign(Object.create(real) as DynamoInboxStore, {
          recordTask: async (messageId: string, agentId: string, taskId: string) => {
            if (failRecord) throw new Error('table unavailable');
            return real.recordTask(messageId, agentId, taskId);
          },
        }),
    });
    const worker = await s.agent({ id: 'worker', onMessage: 'task' });
    const event = sentEvent({ recipients: [worker] });
    // Act
    const first = await s.handler(sqsEvent(busRecord(event, { messageId: 'r1' })));
    failRecord = false;
    // Within the claim's lease the first delivery may still be at work: retry later.
    s.clock.advance(30_000);
    const tooSoon = await s.handler(sqsEvent(busRecord(event, { messageId: 'r1' })));
    // Past the lease it is presumed dead: its task is found, not submitted again.
    s.clock.advance(31_000);
    const later = await s.handler(sqsEvent(busRecord(event, { messageId: 'r1' })));
    // Assess
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'r1' }]);
    expect(tooSoon.batchItemFailures).toEqual([{ itemIdentifier: 'r1' }]);
    expect(later.batchItemFailures).toEqual([]);
    const tasks = (await s.tasks.list({ agentId: worker, limit: 10 })).items;
    expect(tasks).toHaveLength(1);
    expect((await s.inbox.get(worker, idOf(event)))?.taskId).toBe(tasks[0]?.id);
    expect(s.events.ofType('message.delivered').map((e) => e.detail.data.taskId)).toEqual([
      tasks[0]?.id,
    ]);
  });

  it('starts the task when a delivery died after claiming, before submitting', async () => {
    // Prepare: a claim left by a delivery that died before submitting anything.
    const s = await setup();
    const worker = await s.agent({ id: 'worker', onMessage: 'task' });
    const event = sentEvent({ recipients: [worker] });
    await s.inbox.claimTask(idOf(event), worker, {
      now: s.clock.iso(),
      staleBefore: '2000-01-01T00:00:00.000Z',
      expiresAt: '2030-07-01T10:00:00.000Z',
    });
    s.clock.advance(61_000);
    // Act
    const result = await s.handler(sqsEvent(busRecord(event)));
    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect((await s.tasks.list({ agentId: worker, limit: 10 })).items).toHaveLength(1);
  });
});
