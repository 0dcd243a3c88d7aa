/**
 * The task worker's retries and dead-lettering over real SQS (fauxqs): `SqsTaskDeliveries` on
 * its own, and the handler (`runTasks`) mapping each outcome of the core onto a delivered
 * message: deleted, hidden for the backoff and reported, or moved to its DLQ.
 */
await vi.hoisted(async () => (await import('../helpers/quiet-logs.js')).quietLogs());

import { type Message, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it, vi } from 'vitest';
import { runTasks } from '../../functions/kernel/run-tasks.js';
import { SqsTaskDeliveries } from '../../shared/adapters/sqs-task-deliveries.js';
import type { TaskQueueUrls } from '../../shared/adapters/sqs-task-queue.js';
import type { WorkerDeps } from '../../shared/core/kernel/run-task.js';
import type { TaskDelivery } from '../../shared/core/ports.js';
import { PRIORITIES, type Priority, type Task } from '../../shared/core/tasks/task.js';
import { toolCatalogue } from '../../shared/core/tools/catalogue.js';
import { deadLetterQueueOf, TASK_QUEUE_BY_PRIORITY } from '../../shared/runtime/environment.js';
import { queueCounts, receiveMessages, urlIn, useLocalAws } from '../helpers/aws-local.js';
import {
  buildAgent,
  buildTask,
  FixedClock,
  InMemoryAgentStore,
  InMemoryTaskStore,
  RecordingEventPublisher,
} from '../helpers/in-memory.js';
import { sqsEvent, sqsRecord } from '../helpers/lambda-events.js';

const aws = useLocalAws();

/** The task queues and their DLQs of a fresh set of queues: each test counts its own messages. */
async function freshTaskQueues(): Promise<Required<TaskQueueUrls>> {
  const urls = await aws().freshQueues();
  const byPriority = (queueOf: (id: string) => string) =>
    Object.fromEntries(
      PRIORITIES.map((p) => [p, urlIn(urls, queueOf(TASK_QUEUE_BY_PRIORITY[p]))]),
    ) as Record<Priority, string>;
  return { queues: byPriority((id) => id), deadLetterQueues: byPriority(deadLetterQueueOf) };
}

const nameOf = (url: string) => url.split('/').pop() ?? '';

/** Sends `body` to a queue and receives it: a real delivery, in flight. */
async function delivered(queueUrl: string, body: string): Promise<Message> {
  await aws().sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  const [message] = await receiveMessages(aws().sqs, queueUrl, 1);
  if (!message) throw new Error('the message sent was not received');
  return message;
}

const deliveryOf = (queueUrl: string, message: Message): TaskDelivery => ({
  queue: nameOf(queueUrl),
  receipt: message.ReceiptHandle ?? '',
  body: message.Body ?? '',
});

describe('SqsTaskDeliveries', () => {
  it('retryLater changes the visibility of the delivery: with no delay it is delivered again', async () => {
    // Prepare
    const urls = await freshTaskQueues();
    const message = await delivered(urls.queues.normal, '{"taskId":"t-1"}');
    expect(await queueCounts(aws().sqs, urls.queues.normal)).toEqual({ visible: 0, inFlight: 1 });

    // Act
    await new SqsTaskDeliveries(aws().sqs, urls).retryLater(
      deliveryOf(urls.queues.normal, message),
      0,
    );

    // Assess
    const [again] = await receiveMessages(aws().sqs, urls.queues.normal, 1);
    expect(again?.Body).toBe('{"taskId":"t-1"}');
    expect(again?.Attributes?.ApproximateReceiveCount).toBe('2');
  });

  it('retryLater keeps a long backoff within SQS’s 12 hours', async () => {
    // Prepare
    const urls = await freshTaskQueues();
    const message = await delivered(urls.queues.low, '{"taskId":"t-2"}');

    // Act: ten days asked; SQS refuses any visibility over 43 200 s.
    await new SqsTaskDeliveries(aws().sqs, urls).retryLater(
      deliveryOf(urls.queues.low, message),
      10 * 24 * 3600,
    );

    // Assess
    expect(await queueCounts(aws().sqs, urls.queues.low)).toEqual({ visible: 0, inFlight: 1 });
  });

  it("deadLetter sends the body unchanged to the DLQ of the message's own queue", async () => {
    // Prepare
    const urls = await freshTaskQueues();
    const body = '{"taskId":"t-3","agentId":"a"}';
    const message = await delivered(urls.queues.critical, body);

    // Act
    await new SqsTaskDeliveries(aws().sqs, urls).deadLetter(
      deliveryOf(urls.queues.critical, message),
    );

    // Assess
    const [dead] = await receiveMessages(aws().sqs, urls.deadLetterQueues.critical, 1);
    expect(dead?.Body).toBe(body);
    for (const priority of ['normal', 'low'] as const) {
      expect(await queueCounts(aws().sqs, urls.deadLetterQueues[priority])).toEqual({
        visible: 0,
        inFlight: 0,
      });
    }
  });

  it('refuses a delivery from a queue it was not given, naming the queue', async () => {
    const urls = await freshTaskQueues();
    const deliveries = new SqsTaskDeliveries(aws().sqs, urls);
    const stranger = { queue: 'some-other-queue', receipt: 'r', body: '{}' };

    await expect(deliveries.retryLater(stranger, 1)).rejects.toThrow('some-other-queue');
    await expect(deliveries.deadLetter(stranger)).rejects.toThrow('some-other-queue');
  });
});

describe('runTasks', () => {
  /** A worker on in-memory stores, over the real queues; retries without delay. */
  async function worker() {
    const urls = await freshTaskQueues();
    const clock = new FixedClock();
    const agents = new InMemoryAgentStore();
    const tasks = new InMemoryTaskStore(clock);
    const deps: WorkerDeps = {
      agents,
      tasks,
      events: new RecordingEventPublisher(),
      clock,
      tools: toolCatalogue,
      retry: { baseSeconds: 0, maxSeconds: 0 },
    };
    const handler = runTasks(() => ({
      worker: deps,
      deliveries: new SqsTaskDeliveries(aws().sqs, urls),
    }));
    /** Seeds the task, delivers its message from the normal queue and runs the batch. */
    const run = async (agentModel: Record<string, unknown>, task: Partial<Task> = {}) => {
      const agent = buildAgent({ id: 'worker-agent', model: agentModel });
      agents.seed(agent);
      const stored = buildTask({ agentId: agent.id, ...task });
      tasks.seed(stored);
      const message = await delivered(
        urls.queues.normal,
        JSON.stringify({ taskId: stored.id, agentId: agent.id }),
      );
      const record = sqsRecord(message.Body ?? '', {
        messageId: message.MessageId ?? '',
        receiptHandle: message.ReceiptHandle ?? '',
        queue: nameOf(urls.queues.normal),
      });
      const response = await handler(sqsEvent(record));
      return { response, record, task: () => tasks.stored(stored.id) };
    };
    return { urls, tasks, handler, run };
  }

  it('reports nothing for a task that succeeded: SQS deletes its message', async () => {
    const w = await worker();

    const { response, task } = await w.run({ provider: 'echo' });

    expect(response.batchItemFailures).toEqual([]);
    expect(task().status).toBe('succeeded');
  });

  it('hides a message whose task will retry for its backoff, and reports it', async () => {
    const w = await worker();
    const flaky = { provider: 'scripted', turns: [{ text: 'x' }], failUntilAttempt: 3 };

    const { response, record, task } = await w.run(flaky, { maxAttempts: 3 });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(task().status).toBe('retrying');
    // The backoff here is 0 s: the message is visible again at once, not after the queue's timeout.
    const [again] = await receiveMessages(aws().sqs, w.urls.queues.normal, 1);
    expect(again?.Attributes?.ApproximateReceiveCount).toBe('2');
  });

  it('moves the message of a task whose last attempt failed retryably to its DLQ', async () => {
    const w = await worker();
    const down = { provider: 'scripted', turns: [{ text: 'x' }], failUntilAttempt: 11 };

    const { response, record, task } = await w.run(down, { maxAttempts: 1 });

    expect(response.batchItemFailures).toEqual([]);
    expect(task()).toMatchObject({ status: 'failed', error: { retryable: true } });
    const [dead] = await receiveMessages(aws().sqs, w.urls.deadLetterQueues.normal, 1);
    expect(dead?.Body).toBe(record.body);
  });

  it('retries a message whose run failed around the task (a store fault), with backoff', async () => {
    const w = await worker();
    w.tasks.transition = async () => {
      throw new Error('the table is unavailable');
    };

    const { response, record } = await w.run({ provider: 'echo' });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    const [again] = await receiveMessages(aws().sqs, w.urls.queues.normal, 1);
    expect(again?.Attributes?.ApproximateReceiveCount).toBe('2');
  });

  it('fails a malformed record alone, leaving the queue to redeliver it', async () => {
    const w = await worker();
    const bad = sqsRecord('{"taskId": 42}', { queue: nameOf(w.urls.queues.normal) });

    const response = await w.handler(sqsEvent(bad));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: bad.messageId }]);
    expect(await queueCounts(aws().sqs, w.urls.deadLetterQueues.normal)).toEqual({
      visible: 0,
      inFlight: 0,
    });
  });
});
