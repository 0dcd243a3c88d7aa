/**
 * Approvals against real DynamoDB and SQS protocol servers (dynalite, fauxqs): a task that
 * stops at an `ask` call stores what it needs and holds no worker; a decision queues it again and
 * it goes on from the stored state (the tool runs once, the model is not asked again); a thread's
 * turn keeps its thread while it waits; timers are delayed SQS messages that the timer function
 * hides again until the approval is due, then expires it.
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { expireApprovals } from '../../functions/kernel/expire-approvals.js';
import { DynamoApprovalStore } from '../../shared/adapters/dynamo-approval-store.js';
import { DynamoTaskStore } from '../../shared/adapters/dynamo-task-store.js';
import {
  DynamoTaskConversationStore,
  DynamoThreadStore,
} from '../../shared/adapters/dynamo-thread-store.js';
import { SqsApprovalTimer } from '../../shared/adapters/sqs-approval-timer.js';
import { SqsRedelivery } from '../../shared/adapters/sqs-task-deliveries.js';
import {
  type ApprovalDeps,
  decideApproval,
  listApprovals,
} from '../../shared/core/approvals/approval-service.js';
import { newId } from '../../shared/core/ids.js';
import { runTaskMessage, type WorkerDeps } from '../../shared/core/kernel/run-task.js';
import type { Task } from '../../shared/core/tasks/task.js';
import {
  createThread,
  listMessages,
  postMessage,
} from '../../shared/core/threads/thread-service.js';
import { endTurn } from '../../shared/core/threads/turns.js';
import { toolCatalogue } from '../../shared/core/tools/catalogue.js';
import { defineTool } from '../../shared/core/tools/tool.js';
import { APPROVAL_TIMER_QUEUE } from '../../shared/runtime/environment.js';
import { pollUntil, uniqueId, useLocalAws } from '../helpers/aws-local.js';
import {
  buildAgent,
  buildTask,
  InMemoryAgentStore,
  InMemoryTaskQueue,
  RecordingEventPublisher,
} from '../helpers/in-memory.js';

const aws = useLocalAws();
const clock = { now: () => new Date() };
const admin = { principal: 'admin', keyId: 'admin' };

/** A tool whose every run is counted: the side effect a repeated call would show. */
function bumpTool() {
  const runs: string[] = [];
  const tool = defineTool({
    name: 'test.bump',
    description: 'Counts a bump.',
    input: z.strictObject({ label: z.string() }),
    permission: 'tool:test.bump',
    callsPerMinute: 600,
    timeoutMs: 1_000,
    maxOutputBytes: 1_024,
    run: async ({ label }) => {
      runs.push(label);
      return { bumped: label, total: runs.length };
    },
  });
  return { tool, runs };
}

function world(timeoutSeconds = 3600) {
  const tasks = new DynamoTaskStore(aws().dynamo, aws().tableName);
  const threads = new DynamoThreadStore(aws().dynamo, aws().tableName);
  const approvals = new DynamoApprovalStore(aws().dynamo, aws().tableName);
  const timer = new SqsApprovalTimer(aws().sqs, aws().queueUrl(APPROVAL_TIMER_QUEUE));
  const bump = bumpTool();
  const agentId = uniqueId('asker');
  const agent = {
    ...buildAgent({
      id: agentId,
      approval: { timeoutSeconds, onTimeout: 'deny' },
      model: {
        provider: 'scripted',
        turns: [
          { toolCalls: [{ name: 'test.bump', input: { label: 'first' } }] },
          { text: 'bumped: {{lastToolResult}}' },
        ],
      },
    }),
    tools: ['test.bump'],
    toolPolicy: { 'test.bump': 'ask' as const },
  };
  const agents = new InMemoryAgentStore().seed(agent);
  const queue = new InMemoryTaskQueue();
  const events = new RecordingEventPublisher();
  const turnDeps = { threads, tasks, queue, clock };
  const worker: WorkerDeps = {
    agents,
    tasks,
    events,
    clock,
    tools: new Map([...toolCatalogue, [bump.tool.name, bump.tool]]),
    retry: { baseSeconds: 1, maxSeconds: 1 },
    threads,
    queue,
    conversations: new DynamoTaskConversationStore(aws().dynamo, aws().tableName),
    approvals,
    approvalTimer: timer,
    onFinished: (task) => endTurn(turnDeps, task),
  };
  const approvalDeps: ApprovalDeps = {
    approvals,
    tasks,
    queue,
    events,
    clock,
    tools: worker.tools,
  };
  const deliver = (task: Pick<Task, 'id' | 'agentId' | 'threadId'>) =>
    runTaskMessage(worker, {
      taskId: task.id,
      agentId: task.agentId,
      ...(task.threadId ? { threadId: task.threadId } : {}),
    });
  return {
    tasks,
    threads,
    approvals,
    timer,
    bump,
    agentId,
    agents,
    queue,
    events,
    worker,
    approvalDeps,
    deliver,
  };
}

describe('a task that asks', () => {
  it('stops as waiting, holding no worker, and goes on after approval without repeating a call', async () => {
    // Prepare
    const w = world();
    const task = buildTask({ agentId: w.agentId, input: 'bump it' });
    await w.tasks.create(task);

    // Act: the first delivery stops at the call.
    const first = await w.deliver(task);

    // Assess: done with the message; the task waits, the approval is pending, nothing ran.
    expect(first).toEqual({ kind: 'done' });
    const waiting = (await w.tasks.get(task.id)) as Task;
    expect(waiting).toMatchObject({ status: 'waiting', attempts: 1 });
    expect(w.bump.runs).toEqual([]);
    const [approval] = (await listApprovals(w.approvalDeps, { taskId: task.id, limit: 10 })).items;
    expect(approval).toMatchObject({
      id: waiting.pendingApproval,
      status: 'pending',
      toolName: 'test.bump',
      input: { label: 'first' },
      agentId: w.agentId,
    });
    expect(w.events.types()).toContain('task.waiting');
    expect(w.events.types()).toContain('approval.requested');

    // Act: decided, then delivered again.
    await decideApproval(
      w.approvalDeps,
      approval?.id ?? '',
      { decision: 'approve' },
      {
        correlationId: 'c',
        clock,
        actor: admin,
      },
    );
    expect(w.queue.sentIds()).toEqual([task.id]);
    await w.deliver(task);

    // Assess: the tool ran once; the model was called twice in all (once before, once after).
    const done = (await w.tasks.get(task.id)) as Task;
    expect(done).toMatchObject({ status: 'succeeded', attempts: 1, pendingApproval: null });
    expect(done.output).toBe('bumped: {"bumped":"first","total":1}');
    expect(w.bump.runs).toEqual(['first']);
    expect(done.usage.modelCalls).toBe(2);
    expect(done.steps.map((s) => s.kind)).toEqual(['model', 'tool', 'model']);
    expect(w.events.ofType('task.step')).toHaveLength(3);
  });

  it('a thread’s turn keeps the thread while it waits; the next message waits behind it', async () => {
    // Prepare
    const w = world();
    const deps = {
      threads: w.threads,
      agents: w.agents,
      tasks: w.tasks,
      queue: w.queue,
      events: w.events,
    };
    const ctx = { correlationId: 'c', clock };
    const thread = await createThread(deps, { agentId: w.agentId }, ctx);
    const { taskId } = await postMessage(deps, thread, { content: 'bump please' }, ctx);
    const turn = (await w.tasks.get(taskId)) as Task;

    // Act
    await w.deliver(turn);
    const next = await postMessage(deps, thread, { content: 'and again' }, ctx);

    // Assess: waiting, the thread busy, its tool call stored in the thread, the next not sent.
    expect((await w.tasks.get(taskId))?.status).toBe('waiting');
    expect((await w.threads.get(thread.id))?.thread.status).toBe('busy');
    const stored = await listMessages(deps, thread, { limit: 10 });
    expect(stored.items.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(stored.items[1]?.toolCalls?.[0]).toMatchObject({ name: 'test.bump' });
    expect(w.queue.sentIds()).toEqual([taskId]);

    // Act: approve; the turn goes on and hands the thread to the next message.
    const pending = (await w.tasks.get(taskId)) as Task;
    await decideApproval(
      w.approvalDeps,
      pending.pendingApproval ?? '',
      { decision: 'approve' },
      {
        correlationId: 'c',
        clock,
        actor: admin,
      },
    );
    await w.deliver(turn);

    // Assess
    expect((await w.tasks.get(taskId))?.status).toBe('succeeded');
    expect(w.queue.sentIds()).toEqual([taskId, taskId, next.taskId]);
    const after = await listMessages(deps, thread, { limit: 10 });
    expect(after.items.map((m) => m.role)).toEqual([
      'user',
      'assistant',
      'tool',
      'assistant',
      'user',
    ]);
    expect(w.bump.runs).toEqual(['first']);
  });
});

describe('approval timers', () => {
  const recordOf = (message: { Body?: string; ReceiptHandle?: string; MessageId?: string }) =>
    ({
      messageId: message.MessageId ?? newId(),
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
      attributes: { ApproximateReceiveCount: '1' },
      eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${APPROVAL_TIMER_QUEUE}`,
    }) as unknown as SQSRecord;

  /** A handler on the real queue, and a receive from it. */
  function timers(w: ReturnType<typeof world>) {
    const url = aws().queueUrl(APPROVAL_TIMER_QUEUE);
    const handler = expireApprovals(() => ({
      approvals: w.approvalDeps,
      redelivery: new SqsRedelivery(aws().sqs, url),
    }));
    const receive = async () =>
      (await aws().sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 })))
        .Messages?.[0];
    return { url, handler, receive };
  }

  it('hide a timer that comes before its approval is due', async () => {
    // Prepare: an approval due in an hour, and a timer message for it delivered now.
    const w = world(3600);
    const task = buildTask({ agentId: w.agentId, input: 'bump it' });
    await w.tasks.create(task);
    await w.deliver(task);
    const approvalId = ((await w.tasks.get(task.id)) as Task).pendingApproval ?? '';
    const t = timers(w);
    await new SqsApprovalTimer(aws().sqs, t.url).arm([
      { approvalId, dueAt: new Date().toISOString() },
    ]);
    const early = await pollUntil(t.receive, { what: 'the timer message' });

    // Act
    const result = await t.handler({ Records: [recordOf(early)] });

    // Assess: left in the queue, hidden (not received again now), the approval still pending.
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: early.MessageId }]);
    expect(await t.receive()).toBeUndefined();
    expect((await w.approvals.get(approvalId))?.status).toBe('pending');
  });

  it('expire the approval once it is due, with no process waiting for it', async () => {
    // Prepare: an approval due in 2 s; its timer, armed by the worker, is a delayed message.
    const w = world(2);
    const task = buildTask({ agentId: w.agentId, input: 'bump it' });
    await w.tasks.create(task);
    await w.deliver(task);
    const approvalId = ((await w.tasks.get(task.id)) as Task).pendingApproval ?? '';
    const t = timers(w);

    // Act: whatever the queue delivers is handled, until the approval has expired.
    const expired = await pollUntil(
      async () => {
        const message = await t.receive();
        if (message) await t.handler({ Records: [recordOf(message)] });
        const approval = await w.approvals.get(approvalId);
        return approval?.status === 'expired' ? approval : undefined;
      },
      { timeoutMs: 30_000, what: 'the approval to expire' },
    );

    // Assess: onTimeout deny, so the task is queued again to go on as a denial.
    expect(expired).toMatchObject({ status: 'expired', decidedBy: 'system' });
    const task2 = (await w.tasks.get(task.id)) as Task;
    expect(task2.status).toBe('queued');
    expect(task2.suspended?.decision).toMatchObject({ decision: 'deny', by: 'system' });
    expect(w.events.types()).toContain('approval.expired');
  }, 40_000);
});
