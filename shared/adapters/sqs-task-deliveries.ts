/**
 * Retrying and dead-lettering delivered task messages over SQS, for the queues of
 * `SqsTaskQueue`: a retry hides the message for the delay (its visibility), dead-lettering
 * sends its body to the queue's DLQ (the worker then lets SQS delete the original). Other
 * consumers that only deliver a message again later (approval timers, thread clean-up) use
 * `SqsRedelivery` on their one queue.
 */
import {
  ChangeMessageVisibilityCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Redelivery, TaskDeliveries, TaskDelivery } from '../core/ports.js';
import { PRIORITIES } from '../core/tasks/task.js';
import type { TaskQueueUrls } from './sqs-task-queue.js';

/** SQS's longest visibility timeout: 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;

/** A queue's name is the last segment of its URL (`https://sqs.<region>…/<account>/<name>`). */
const nameOf = (url: string): string => url.split('/').pop() ?? url;

export class SqsTaskDeliveries implements TaskDeliveries {
  private readonly byName = new Map<string, { url: string; deadLetterUrl: string }>();

  constructor(
    private readonly client: SQSClient,
    urls: Required<TaskQueueUrls>,
  ) {
    for (const priority of PRIORITIES) {
      const url = urls.queues[priority];
      this.byName.set(nameOf(url), { url, deadLetterUrl: urls.deadLetterQueues[priority] });
    }
  }

  async retryLater(delivery: TaskDelivery, delaySeconds: number): Promise<void> {
    await hide(this.client, this.queueOf(delivery).url, delivery, delaySeconds);
  }

  async deadLetter(delivery: TaskDelivery): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueOf(delivery).deadLetterUrl,
        MessageBody: delivery.body,
      }),
    );
  }

  private queueOf(delivery: TaskDelivery) {
    const queue = this.byName.get(delivery.queue);
    if (!queue) throw new Error(`no URL configured for task queue ${delivery.queue}`);
    return queue;
  }
}

/** A delivered message of one queue, delivered again later (up to SQS's 12 hours away). */
export class SqsRedelivery implements Redelivery {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async retryLater(delivery: TaskDelivery, delaySeconds: number): Promise<void> {
    await hide(this.client, this.queueUrl, delivery, delaySeconds);
  }
}

/** Hides a delivered message for `seconds` (0..12 h): it comes back then, as a new receive. */
async function hide(client: SQSClient, queueUrl: string, delivery: TaskDelivery, seconds: number) {
  await client.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: delivery.receipt,
      VisibilityTimeout: Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.round(seconds))),
    }),
  );
}
