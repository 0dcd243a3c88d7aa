/** The three priority queues (and their DLQs) over SQS. */
import {
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { MicroBatcher } from '../core/micro-batch.js';
import type { QueueDepth, TaskEnvelope, TaskQueue } from '../core/ports.js';
import { PRIORITIES, type Priority, type TaskMessage } from '../core/tasks/task.js';

export interface TaskQueueUrls {
  queues: Record<Priority, string>;
  /** Needed only for `depth()`; senders may leave them out. */
  deadLetterQueues?: Record<Priority, string>;
}

/** Sends message batches of up to 10, retrying entries SQS refused once before giving up. */
export async function sendBatches(
  client: SQSClient,
  queueUrl: string,
  entries: SendMessageBatchRequestEntry[],
): Promise<void> {
  for (let i = 0; i < entries.length; i += 10) {
    let batch = entries.slice(i, i + 10);
    for (let attempt = 0; batch.length > 0; attempt++) {
      const result = await client.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch }),
      );
      const failed = new Set((result.Failed ?? []).map((f) => f.Id));
      if (failed.size === 0) break;
      if (attempt >= 2) {
        const reasons = (result.Failed ?? []).map((f) => f.Message ?? f.Code).join('; ');
        throw new Error(`SQS refused ${failed.size} message(s): ${reasons}`);
      }
      batch = batch.filter((entry) => failed.has(entry.Id));
    }
  }
}

export class SqsTaskQueue implements TaskQueue {
  private readonly batcher = new MicroBatcher<TaskEnvelope>((tasks) => this.send(tasks));

  constructor(
    private readonly client: SQSClient,
    private readonly urls: TaskQueueUrls,
  ) {}

  /** Tasks enqueued in the same event-loop turn share SendMessageBatch calls. */
  enqueue(tasks: TaskEnvelope[]): Promise<void> {
    return this.batcher.add(tasks);
  }

  private async send(tasks: TaskEnvelope[]): Promise<void> {
    // Critical first, so that a poller that runs meanwhile meets the most urgent work first.
    for (const priority of PRIORITIES) {
      const entries = tasks
        .filter((task) => task.priority === priority)
        .map((task, i) => {
          const body: TaskMessage = {
            taskId: task.taskId,
            agentId: task.agentId,
            ...(task.correlationId ? { correlationId: task.correlationId } : {}),
            ...(task.threadId ? { threadId: task.threadId } : {}),
          };
          return { Id: String(i), MessageBody: JSON.stringify(body) };
        });
      if (entries.length) await sendBatches(this.client, this.urls.queues[priority], entries);
    }
  }

  async depth(): Promise<QueueDepth> {
    const dlqs = this.urls.deadLetterQueues;
    if (!dlqs) throw new Error('SqsTaskQueue.depth() needs the dead-letter queue URLs');
    const attributes = async (url: string) => {
      const result = await this.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return {
        visible: Number(result.Attributes?.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
      };
    };
    const [queues, deadLetters] = await Promise.all([
      Promise.all(PRIORITIES.map((p) => attributes(this.urls.queues[p]))),
      Promise.all(PRIORITIES.map((p) => attributes(dlqs[p]))),
    ]);
    const depth = Object.fromEntries(
      PRIORITIES.map((p, i) => [p, queues[i]?.visible ?? 0]),
    ) as Record<Priority, number>;
    return {
      depth,
      inFlight: queues.reduce((sum, q) => sum + q.inFlight, 0),
      inDeadLetterQueues: deadLetters.reduce((sum, q) => sum + q.visible + q.inFlight, 0),
    };
  }
}
