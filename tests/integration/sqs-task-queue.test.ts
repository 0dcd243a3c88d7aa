/** SqsTaskQueue and sendBatches against a real SQS protocol server (fauxqs). */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  SqsTaskQueue,
  sendBatches,
  type TaskQueueUrls,
} from '../../shared/adapters/sqs-task-queue.js';
import { newId } from '../../shared/core/ids.js';
import type { TaskEnvelope } from '../../shared/core/ports.js';
import { PRIORITIES, type Priority } from '../../shared/core/tasks/task.js';
import { TASK_QUEUE_BY_PRIORITY } from '../../shared/runtime/environment.js';
import {
  queueCounts,
  receiveMessages,
  uniqueId,
  urlIn,
  useLocalAws,
} from '../helpers/aws-local.js';

const aws = useLocalAws();

/** The task queue URLs of a fresh set of queues, so that each test counts only its messages. */
async function freshTaskQueues(): Promise<TaskQueueUrls> {
  const urls = await aws().freshQueues();
  const byPriority = (suffix: string) =>
    Object.fromEntries(
      PRIORITIES.map((p) => [p, urlIn(urls, `${TASK_QUEUE_BY_PRIORITY[p]}${suffix}`)]),
    ) as Record<Priority, string>;
  return { queues: byPriority(''), deadLetterQueues: byPriority('-dlq') };
}

function envelopes(counts: Record<Priority, number>): TaskEnvelope[] {
  const agentId = uniqueId('agent');
  const all: TaskEnvelope[] = [];
  // Interleaved, so that enqueue has to sort them out.
  const total = counts.critical + counts.normal + counts.low;
  while (all.length < total) {
    for (const priority of PRIORITIES) {
      if (all.filter((t) => t.priority === priority).length < counts[priority]) {
        all.push({ taskId: newId(), agentId, priority });
      }
    }
  }
  return all;
}

describe('SqsTaskQueue: enqueue', () => {
  it('sends each of 25 mixed-priority tasks to its priority’s queue, once, as {taskId, agentId}', async () => {
    // Prepare
    const urls = await freshTaskQueues();
    const tasks = envelopes({ critical: 12, normal: 8, low: 5 });
    // Act
    await new SqsTaskQueue(aws().sqs, urls).enqueue(tasks);
    // Assess
    for (const priority of PRIORITIES) {
      const expected = tasks.filter((t) => t.priority === priority);
      const messages = await receiveMessages(aws().sqs, urls.queues[priority], expected.length);
      const bodies = messages.map((m) => JSON.parse(m.Body ?? 'null'));
      expect(bodies).toHaveLength(expected.length);
      // Nothing more: all of them are now in flight, none left visible.
      expect(await queueCounts(aws().sqs, urls.queues[priority])).toEqual({
        visible: 0,
        inFlight: expected.length,
      });
      expect(bodies).toEqual(
        expect.arrayContaining(expected.map(({ taskId, agentId }) => ({ taskId, agentId }))),
      );
      for (const body of bodies) expect(Object.keys(body).sort()).toEqual(['agentId', 'taskId']);
    }
  });

  it('sends nothing for an empty list', async () => {
    const urls = await freshTaskQueues();
    await new SqsTaskQueue(aws().sqs, urls).enqueue([]);
    for (const priority of PRIORITIES) {
      expect(await queueCounts(aws().sqs, urls.queues[priority])).toEqual({
        visible: 0,
        inFlight: 0,
      });
    }
  });
});

describe('SqsTaskQueue: depth', () => {
  it('reports visible messages per priority, in-flight ones, and DLQ contents', async () => {
    // Prepare
    const urls = await freshTaskQueues();
    const dlqs = urls.deadLetterQueues as Record<Priority, string>;
    const queue = new SqsTaskQueue(aws().sqs, urls);
    await queue.enqueue(envelopes({ critical: 3, normal: 11, low: 2 }));
    // Act + Assess: all waiting.
    expect(await queue.depth()).toEqual({
      depth: { critical: 3, normal: 11, low: 2 },
      inFlight: 0,
      inDeadLetterQueues: 0,
    });
    // A worker takes some.
    expect(await receiveMessages(aws().sqs, urls.queues.normal, 4)).toHaveLength(4);
    expect(await receiveMessages(aws().sqs, urls.queues.critical, 1)).toHaveLength(1);
    expect(await queue.depth()).toEqual({
      depth: { critical: 2, normal: 7, low: 2 },
      inFlight: 5,
      inDeadLetterQueues: 0,
    });
    // Messages reach the DLQs; one of them is being read by the DLQ consumer.
    for (const url of [dlqs.critical, dlqs.low, dlqs.low]) {
      await aws().sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '{}' }));
    }
    expect(await receiveMessages(aws().sqs, dlqs.low, 1)).toHaveLength(1);
    expect(await queue.depth()).toEqual({
      depth: { critical: 2, normal: 7, low: 2 },
      inFlight: 5,
      inDeadLetterQueues: 3,
    });
  });

  it('refuses depth() without the dead-letter queue URLs', async () => {
    const { queues } = await freshTaskQueues();
    await expect(new SqsTaskQueue(aws().sqs, { queues }).depth()).rejects.toThrow(/dead-letter/);
  });
});

describe('sendBatches', () => {
  it('sends more than ten entries in batches, each once', async () => {
    // Prepare
    const url = urlIn(await aws().freshQueues(), 'event-sink');
    const entries = Array.from({ length: 23 }, (_, i) => ({ Id: `e${i}`, MessageBody: `m${i}` }));
    // Act
    await sendBatches(aws().sqs, url, entries);
    // Assess
    const bodies = (await receiveMessages(aws().sqs, url, 23)).map((m) => m.Body);
    expect(bodies.sort()).toEqual(entries.map((e) => e.MessageBody).sort());
    expect(await queueCounts(aws().sqs, url)).toEqual({ visible: 0, inFlight: 23 });
  });

  it('throws, naming the reason, when SQS keeps refusing an entry, and sends the others once', async () => {
    // Prepare: a NUL character is not allowed in a message body.
    const url = urlIn(await aws().freshQueues(), 'event-sink');
    const entries = [
      { Id: 'ok1', MessageBody: 'fine' },
      { Id: 'bad', MessageBody: 'not\u0000fine' },
      { Id: 'ok2', MessageBody: 'also fine' },
    ];
    // Act
    const outcome = sendBatches(aws().sqs, url, entries);
    // Assess
    await expect(outcome).rejects.toThrow(/SQS refused 1 message\(s\): .*[Ii]nvalid characters/);
    const bodies = (await receiveMessages(aws().sqs, url, 2)).map((m) => m.Body);
    expect(bodies.sort()).toEqual(['also fine', 'fine']);
    expect(await queueCounts(aws().sqs, url)).toEqual({ visible: 0, inFlight: 2 });
  });
});
