/**
 * Polls a function's queues the way a Lambda event source mapping does: receives batches,
 * invokes the function, deletes the messages it did not report as failed, and leaves the rest
 * to come back after their visibility timeout (SQS counts receives and redrives to the DLQ).
 *
 * A function with several queues polls them in topology order under one concurrency budget: while
 * the first queue has messages, the next waits. That is how critical tasks start before normal
 * ones, and normal before low, whenever they wait together.
 */
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type CostMeter, sqsPayloadRequests } from './cost-meter.js';
import type { LambdaHost } from './lambda-host.js';
import type { LocalQueueSource } from './wiring.js';

export interface PollerOptions {
  functionName: string;
  sources: (LocalQueueSource & { url: string; arn: string })[];
  /** Batches of this function that may run at once. */
  concurrency: number;
  sqs: SQSClient;
  host: LambdaHost;
  region: string;
  onError: (error: unknown) => void;
  /** Longest pause between empty polling rounds of a function with several queues. */
  maxIdleMs?: number;
  /**
   * Whether the queues' order is a priority (the task queues). When it is not (the DLQs), each
   * queue is long-polled on its own, which costs a receive a second instead of dozens.
   */
  prioritised?: boolean;
  /** Counts the receives that returned messages and the deletes, as the event source mapping's. */
  meter?: CostMeter;
}

/**
 * For this long after its last message, a function with several queues pauses at most
 * BUSY_IDLE_MS between empty rounds: work comes in runs (a workflow's next step follows the
 * previous one within milliseconds), while an idle runtime still backs off to `maxIdleMs`.
 */
const BUSY_WINDOW_MS = 1000;
const BUSY_IDLE_MS = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class QueuePoller {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(private readonly options: PollerOptions) {}

  start(): void {
    this.running = true;
    const sources = this.options.sources;
    // One queue, or queues without a priority: each long-polled on its own, as an event source
    // mapping does. Prioritised queues: short polls in priority order (run()).
    this.loop =
      sources.length === 1 || this.options.prioritised === false
        ? Promise.all(sources.map((source) => this.longPoll(source))).then(() => undefined)
        : this.run();
  }

  /** One queue on its own: long polls, as an event source mapping does. */
  private async longPoll(source: PollerOptions['sources'][number]): Promise<void> {
    while (this.running) {
      try {
        if (this.inFlight.size >= this.options.concurrency) {
          await Promise.race(this.inFlight);
          continue;
        }
        const messages = await this.receive(source, 1);
        if (messages.length) this.dispatch(source, await this.fillBatch(source, messages));
      } catch (error) {
        if (!this.running) break;
        this.options.onError(error);
        await sleep(500);
      }
    }
  }

  /**
   * An event source mapping with a batching window gathers messages until the batch is full or
   * the window (from the first message) has passed, in receives of at most 10 as SQS allows.
   */
  private async fillBatch(
    source: PollerOptions['sources'][number],
    messages: Message[],
  ): Promise<Message[]> {
    const deadline = Date.now() + source.maxBatchingWindowSeconds * 1000;
    while (this.running && messages.length < source.batchSize) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const more = await this.receive(
        source,
        Math.min(1, Math.floor(left / 1000)),
        Math.min(10, source.batchSize - messages.length),
      );
      messages.push(...more);
      if (more.length === 0 && left < 1000) await sleep(Math.min(left, 100));
    }
    return messages;
  }

  /** Stops receiving and waits for the batches in flight, up to `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
    await Promise.race([Promise.allSettled([...this.inFlight]), sleep(graceMs)]);
  }

  private async run(): Promise<void> {
    const sources = [...this.options.sources].sort((a, b) => a.priority - b.priority);
    let idleMs = 0;
    let lastMessageAt = 0;
    while (this.running) {
      try {
        if (this.inFlight.size >= this.options.concurrency) {
          await Promise.race(this.inFlight);
          continue;
        }
        let received = false;
        // Highest priority first; one batch per round, then look at the top queue again.
        for (const source of sources) {
          const messages = await this.receive(source, 0);
          if (messages.length) {
            this.dispatch(source, messages);
            received = true;
            break;
          }
        }
        if (received) {
          idleMs = 0;
          lastMessageAt = Date.now();
          continue;
        }
        // Several queues: short polls with a growing pause, so that a message never sits in a
        // lower queue's pending long poll while a higher queue has work.
        const busy = Date.now() - lastMessageAt < BUSY_WINDOW_MS;
        idleMs = Math.min(
          busy ? BUSY_IDLE_MS : (this.options.maxIdleMs ?? 50),
          Math.max(2, idleMs * 2),
        );
        await sleep(idleMs);
      } catch (error) {
        if (!this.running) break;
        this.options.onError(error);
        await sleep(500);
      }
    }
  }

  private async receive(
    source: PollerOptions['sources'][number],
    waitSeconds: number,
    max = Math.min(10, source.batchSize),
  ): Promise<Message[]> {
    const result = await this.options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: source.url,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.abort.signal },
    );
    const messages = result.Messages ?? [];
    // An event source mapping long-polls: its empty receives are a fixed cost per queue (in the
    // README), not this runtime's short polls.
    if (messages.length) {
      this.options.meter?.add(`esm:${this.options.functionName}`, 'sqs', 'ReceiveMessage', {
        'sqs.request': sqsPayloadRequests(messages.map((m) => m.Body ?? '')),
      });
    }
    return messages;
  }

  private dispatch(source: PollerOptions['sources'][number], messages: Message[]): void {
    const batch = this.invoke(source, messages)
      .catch(this.options.onError)
      .finally(() => this.inFlight.delete(batch));
    this.inFlight.add(batch);
  }

  private async invoke(
    source: PollerOptions['sources'][number],
    messages: Message[],
  ): Promise<void> {
    const event: SQSEvent = {
      Records: messages.map((m) => toRecord(m, source.arn, this.options.region)),
    };
    let failed: Set<string>;
    try {
      const response = await this.options.host.invoke<SQSBatchResponse | undefined>(
        this.options.functionName,
        event,
      );
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      // A failed invocation leaves the whole batch to be received again, as Lambda does.
      this.options.onError(error);
      return;
    }
    const done = messages.filter((m) => !failed.has(m.MessageId ?? ''));
    for (let i = 0; i < done.length; i += 10) {
      this.options.meter?.add(`esm:${this.options.functionName}`, 'sqs', 'DeleteMessageBatch', {
        'sqs.request': 1,
      });
      await this.options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: source.url,
          Entries: done
            .slice(i, i + 10)
            .map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }
}

function toRecord(message: Message, arn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp:
        attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: region,
  };
}
