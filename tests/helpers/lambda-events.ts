/**
 * What Lambda hands a handler, built for tests: a context, API Gateway HTTP API (v2) events, SQS
 * records (with the attributes an event source mapping sets) and the EventBridge envelope a rule
 * puts on a queue.
 */
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import type { EventDetail } from '../../events/envelope.js';
import { newId } from '../../shared/core/ids.js';
import type { AuthorizerContext } from '../../shared/core/security/principal.js';
import type { HttpEvent } from '../../shared/runtime/http-api.js';

/** The invocation's context, as Lambda gives it. */
export function lambdaContext(functionName = 'test-function'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '128',
    awsRequestId: 'aws-req-1',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => 10_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

export interface HttpEventOptions {
  /** `METHOD /path/{param}`; the raw path fills the parameters in from `pathParameters`. */
  routeKey?: string;
  body?: string;
  isBase64Encoded?: boolean;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  pathParameters?: Record<string, string>;
  /** What the authorizer put in the context; `admin` unless told (undefined: none). */
  authorizer?: AuthorizerContext | undefined;
  requestId?: string;
}

/** An API Gateway HTTP API (payload 2.0) event, as the route's Lambda integration gets it. */
export function httpEvent(options: HttpEventOptions = {}): HttpEvent {
  const routeKey = options.routeKey ?? 'POST /v1/things';
  const [method = 'GET', template = '/'] = routeKey.split(' ');
  const path = template.replace(
    /\{(\w+)\}/g,
    (placeholder, name: string) => options.pathParameters?.[name] ?? placeholder,
  );
  const authorizer = 'authorizer' in options ? options.authorizer : { principal: 'admin' };
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: options.headers ?? {},
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: options.requestId ?? 'req-1',
      routeKey,
      stage: '$default',
      time: '01/Jan/2025:00:00:00 +0000',
      timeEpoch: 1_735_689_600_000,
      ...(authorizer ? { authorizer: { lambda: authorizer } } : {}),
    } as HttpEvent['requestContext'],
  };
}

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
