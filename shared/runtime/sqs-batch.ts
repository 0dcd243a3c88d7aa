/**
 * Partial batch responses for SQS-triggered handlers: every record is handled on its own and
 * only the ones that failed are reported, so one bad record never fails its whole batch.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { TaskDelivery } from '../core/ports.js';

/** Thrown to leave a record in its queue on purpose (its visibility already set): not an error. */
export class RetryLater extends Error {
  constructor(readonly delaySeconds: number) {
    super(`deliver again in ${delaySeconds} s`);
    this.name = 'RetryLater';
  }
}

export async function processBatch(
  event: SQSEvent,
  handleRecord: (record: SQSRecord) => Promise<void>,
  logger: Logger,
): Promise<SQSBatchResponse> {
  const results = await Promise.allSettled(event.Records.map((record) => handleRecord(record)));
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  results.forEach((result, i) => {
    if (result.status === 'rejected') {
      const record = event.Records[i] as SQSRecord;
      batchItemFailures.push({ itemIdentifier: record.messageId });
      if (result.reason instanceof RetryLater) return;
      logger.error('record failed; SQS will deliver it again', {
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        ...correlationOf(record),
        error: result.reason as Error,
      });
    }
  });
  return { batchItemFailures };
}

/**
 * The correlation id a record carries (an EventBridge event's `detail.correlationId`, or a task
 * message's `correlationId`), so that a failure's log line joins the request that caused it.
 */
function correlationOf(record: SQSRecord): { correlation_id?: string } {
  try {
    const body = JSON.parse(record.body) as {
      correlationId?: unknown;
      detail?: { correlationId?: unknown };
    };
    const id = body?.detail?.correlationId ?? body?.correlationId;
    return typeof id === 'string' ? { correlation_id: id } : {};
  } catch {
    return {};
  }
}

/** Parses a record body as JSON; a body that is not JSON is a poison message and throws. */
export function jsonBody(record: SQSRecord): unknown {
  try {
    return JSON.parse(record.body);
  } catch (error) {
    throw new Error(`message ${record.messageId} is not JSON`, { cause: error });
  }
}

/** The queue's name from an event source ARN: `arn:aws:sqs:<region>:<account>:<name>`. */
export const queueNameOf = (record: SQSRecord): string =>
  record.eventSourceARN.split(':').pop() ?? '';

/** A record as the delivery its queue knows (to retry it later or dead-letter it). */
export const deliveryOf = (record: SQSRecord): TaskDelivery => ({
  queue: queueNameOf(record),
  receipt: record.receiptHandle,
  body: record.body,
});
