/**
 * Partial batch responses for SQS-triggered handlers: every record is handled on its own and
 * only the ones that failed are reported, so one bad record never fails its whole batch.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** Thrown to leave a record in its queue on purpose (its visibility already set): not an error. */
export class RetryLater extends Error {
  constructor(readonly delaySeconds: number) {
    super(`deliver again in ${delaySeconds} s`);
    this.name = 'RetryLater';
  }
}

/** SQS's longest visibility timeout: 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Leaves a record in its queue, hidden for `seconds` (0..12 h): it comes back then, as a new
 * receive. Throws RetryLater, for processBatch to report the record without logging an error.
 */
export async function deliverAgainIn(
  sqs: SQSClient,
  queueUrl: string,
  record: SQSRecord,
  seconds: number,
): Promise<never> {
  const hidden = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.round(seconds)));
  await sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: record.receiptHandle,
      VisibilityTimeout: hidden,
    }),
  );
  throw new RetryLater(hidden);
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
  } catch {
    throw new Error(`message ${record.messageId} is not JSON`);
  }
}

/** The queue's name from an event source ARN: `arn:aws:sqs:<region>:<account>:<name>`. */
export const queueNameOf = (record: SQSRecord): string =>
  record.eventSourceARN.split(':').pop() ?? '';
