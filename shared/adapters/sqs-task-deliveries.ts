/**
 * Retrying and dead-lettering delivered task messages over SQS, for the queues of
 * `SqsTaskQueue`: a retry hides the message for the delay (its visibility), dead-lettering
 * sends its body to the queue's DLQ (the worker then lets SQS delete the original).
 */
import {
  ChangeMessageVisibilityCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { TaskDeliveries, TaskDelivery } from '../core/ports.js';
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
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueOf(delivery).url,
        ReceiptHandle: delivery.receipt,
        VisibilityTimeout: Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.round(delaySeconds))),
      }),
    );
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
