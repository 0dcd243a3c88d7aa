/**
 * What Lambda hands a queue-triggered handler, built for tests: SQS records (with the attributes
 * an event source mapping sets) and the EventBridge envelope a rule puts on a queue.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { EventDetail } from '../../events/envelope.js';
import { newId } from '../../shared/core/ids.js';

export interface SqsRecordOptions {
  messageId?: string;
  receiptHandle?: string;
  /** The queue's name, as the last part of the event source ARN. */
  queue?: string;
  receiveCount?: number;
}

/** An SQS record with `body`, as an event source mapping delivers it. */
export function sqsRecord(body: string, options: SqsRecordOptions = {}): SQSRecord {
  return {
    messageId: options.messageId ?? `msg-${newId()}`,
    receiptHandle: options.receiptHandle ?? 'handle',
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: '1700000000000',
      SenderId: 'events.amazonaws.com',
      ApproximateFirstReceiveTimestamp: '1700000000000',
    },
    messageAttributes: {},
    md5OfBody: 'md5',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${options.queue ?? 'agent-core-queue'}`,
    awsRegion: 'us-east-1',
  };
}

/** A batch of records, as one invocation gets it. */
export const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

/** An event as agent-core publishes it (`OutgoingEvent`) or as the dashboard feed shows it. */
export interface PublishedEvent {
  type: string;
  source: string;
  detail: EventDetail;
}

/** What EventBridge puts on a rule's target queue for an event. */
export const busEnvelope = (event: PublishedEvent) => ({
  version: '0',
  id: `eb-${newId()}`,
  'detail-type': event.type,
  source: event.source,
  account: '000000000000',
  time: event.detail.time,
  region: 'us-east-1',
  resources: [],
  detail: event.detail,
});

/** The SQS record of an event delivered through a rule to a queue. */
export const busRecord = (event: PublishedEvent, options: SqsRecordOptions = {}): SQSRecord =>
  sqsRecord(JSON.stringify(busEnvelope(event)), options);
