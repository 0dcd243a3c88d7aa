/**
 * The one middleware stack every handler wears (shared/runtime/lambda-handler.ts), tested as
 * middy's own packages test theirs: a real `middy(fn)` (or the stack's own builders) invoked with
 * an event and a context, and what the function saw, logged and answered looked at.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConflictError } from '../../shared/core/errors.js';
import type { HttpEvent, HttpResponse } from '../../shared/runtime/http-api.js';
import {
  correlationIds,
  eventHandler,
  httpHandler,
  metrics,
} from '../../shared/runtime/lambda-handler.js';
import { httpEvent, lambdaContext } from '../helpers/lambda-events.js';

/** The JSON lines the loggers write (Powertools writes them to stdout and stderr). */
function capturedLogLines(): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  const capture = (chunk: unknown) => {
    for (const line of String(chunk).split('\n')) {
      if (line.startsWith('{')) lines.push(JSON.parse(line));
    }
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  return lines;
}

const newLogger = () => new Logger({ serviceName: 'middleware-test', logLevel: 'INFO' });
const context = lambdaContext('middleware-test');

afterEach(() => {
  vi.restoreAllMocks();
});

describe('correlationIds', () => {
  it.each([
    ['the caller’s x-correlation-id', { 'x-correlation-id': 'order-42' }, 'order-42'],
    ['the header in any case', { 'X-Correlation-Id': 'order-43' }, 'order-43'],
    ['the request id for a malformed one', { 'x-correlation-id': 'not a token' }, 'req-7'],
    ['the request id for none', {}, 'req-7'],
  ])('puts %s on every line of the invocation, and takes it off after', async (_, headers, id) => {
    // Prepare
    const logger = newLogger();
    const lines = capturedLogLines();
    const handler = middy(async () => {
      logger.info('inside');
      return { statusCode: 204 };
    }).use(correlationIds({ logger }));

    // Act
    await handler(httpEvent({ headers, requestId: 'req-7' }), context);
    logger.info('after');

    // Assess
    expect(lines.find((line) => line.message === 'inside')).toMatchObject({ correlation_id: id });
    expect(lines.find((line) => line.message === 'after')).not.toHaveProperty('correlation_id');
  });

  it('takes the id off when the function fails too', async () => {
    const logger = newLogger();
    const lines = capturedLogLines();
    const handler = middy(async (): Promise<HttpResponse> => {
      throw new Error('boom');
    }).use(correlationIds({ logger }));

    await expect(handler(httpEvent({ requestId: 'req-8' }), context)).rejects.toThrow('boom');
    logger.info('after');

    expect(lines.find((line) => line.message === 'after')).not.toHaveProperty('correlation_id');
  });
});

describe('httpHandler', () => {
  it('gives the function the event and the Lambda context, and answers what it answers', async () => {
    // Prepare
    const logger = newLogger();
    const lines = capturedLogLines();
    const seen: { event?: HttpEvent; context?: Context } = {};
    const handler = httpHandler(async (event, ctx) => {
      Object.assign(seen, { event, context: ctx });
      logger.info('handling');
      return { statusCode: 200, body: '{"ok":true}' };
    }, logger);
    const event = httpEvent({ headers: { 'x-correlation-id': 'trace-1' } });

    // Act
    const response = await handler(event, context);

    // Assess
    expect(response).toEqual({ statusCode: 200, body: '{"ok":true}' });
    expect(seen.event).toBe(event);
    expect(seen.context?.awsRequestId).toBe(context.awsRequestId);
    expect(lines.find((line) => line.message === 'handling')).toMatchObject({
      correlation_id: 'trace-1',
      function_name: 'middleware-test',
      function_request_id: 'aws-req-1',
    });
  });

  it('answers an AppError in the contract’s shape, without its cause', async () => {
    // Prepare
    const logger = newLogger();
    capturedLogLines();
    const handler = httpHandler(async () => {
      throw new ConflictError('already there', undefined, {
        cause: new Error('ConditionalCheckFailed on table secret-table'),
      });
    }, logger);

    // Act
    const response = await handler(httpEvent({ requestId: 'req-9' }), context);

    // Assess
    expect(response.statusCode).toBe(409);
    expect(response.headers).toMatchObject({ 'x-request-id': 'req-9' });
    expect(JSON.parse(response.body ?? '')).toEqual({
      error: { code: 'Conflict', message: 'already there' },
      requestId: 'req-9',
    });
    expect(response.body).not.toContain('secret-table');
  });

  it('answers any other error as a bare 500 and logs it with the request and correlation ids', async () => {
    // Prepare
    const logger = newLogger();
    const lines = capturedLogLines();
    const handler = httpHandler(async () => {
      throw new Error('the database password is hunter2');
    }, logger);

    // Act
    const response = await handler(
      httpEvent({ requestId: 'req-10', headers: { 'x-correlation-id': 'trace-10' } }),
      context,
    );

    // Assess
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body ?? '')).toEqual({
      error: {
        code: 'InternalError',
        message: 'internal error; see the logs for this request id',
      },
      requestId: 'req-10',
    });
    expect(lines.find((line) => line.message === 'unhandled error')).toMatchObject({
      level: 'ERROR',
      requestId: 'req-10',
      correlation_id: 'trace-10',
    });
  });
});

describe('eventHandler', () => {
  it('gives the function the event and the Lambda context, with no correlation id of its own', async () => {
    // Prepare
    const logger = newLogger();
    const lines = capturedLogLines();
    const handler = eventHandler(async (event: { Records: unknown[] }) => {
      logger.info('batch', { records: event.Records.length });
      return { batchItemFailures: [] };
    }, logger);

    // Act
    const result = await handler({ Records: [1, 2] }, context);

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    const line = lines.find((l) => l.message === 'batch');
    expect(line).toMatchObject({ records: 2, function_name: 'middleware-test' });
    expect(line).not.toHaveProperty('correlation_id');
  });

  it('lets a failure through to Lambda (which retries or dead-letters the event)', async () => {
    const handler = eventHandler(async () => {
      throw new Error('the bus is down');
    }, newLogger());

    await expect(handler({}, context)).rejects.toThrow('the bus is down');
  });

  it('flushes the metrics an invocation adds only when asked to emit metrics', async () => {
    // Prepare
    const addOne = async () => {
      metrics.addMetric('TaskMessagesDone', MetricUnit.Count, 1);
      return 'done';
    };
    const withMetrics = eventHandler(addOne, newLogger(), { withMetrics: true });
    const without = eventHandler(addOne, newLogger());
    capturedLogLines();

    // Act and assess: published (EMF, disabled in tests) and cleared at the end of the invocation.
    await expect(withMetrics({}, context)).resolves.toBe('done');
    expect(metrics.hasStoredMetrics()).toBe(false);
    await without({}, context);
    expect(metrics.hasStoredMetrics()).toBe(true);
    metrics.clearMetrics();
  });
});
