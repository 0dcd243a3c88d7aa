/**
 * The middleware every handler wears, in one place: Powertools Logger (Lambda context and the
 * request's correlation id on every line), Tracer (a segment per invocation; SDK clients are
 * captured in their modules), Metrics where a handler emits any (EMF), and for HTTP handlers
 * the one error mapping. Handler files stay thin: `handler = httpHandler(api, logger)`.
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { tracer } from '../adapters/clients/tracer.js';
import {
  correlationIdOf,
  type HttpEvent,
  type HttpResponse,
  httpErrorHandler,
} from './http-api.js';

/** Custom metrics, namespace `AgentCore` unless POWERTOOLS_METRICS_NAMESPACE says otherwise. */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'AgentCore',
});

/** Puts the request's correlation id (the caller's `x-correlation-id`, or the request id) on every log line. */
export function correlationIds(opts: {
  logger: Logger;
}): MiddlewareObj<HttpEvent, HttpResponse, Error, Context> {
  const clear = async () => {
    opts.logger.removeKeys(['correlation_id']);
  };
  return {
    before: async (request) => {
      const requestId = request.event.requestContext?.requestId ?? '';
      const id = correlationIdOf(request.event.headers, requestId);
      if (id) opts.logger.appendKeys({ correlation_id: id });
    },
    after: clear,
    onError: clear,
  };
}

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

/** An API Gateway HTTP API handler. */
export function httpHandler(fn: Handler<HttpEvent, HttpResponse>, logger: Logger) {
  return middy(fn)
    .use(injectLambdaContext(logger))
    .use(captureLambdaHandler(tracer))
    .use(correlationIds({ logger }))
    .use(httpErrorHandler({ logger }));
}

/** A queue-, authorizer- or WebSocket-triggered handler; `withMetrics` for those that emit any. */
export function eventHandler<E, R>(
  fn: Handler<E, R>,
  logger: Logger,
  options: { withMetrics?: boolean } = {},
) {
  const handler = middy(fn).use(injectLambdaContext(logger)).use(captureLambdaHandler(tracer));
  return options.withMetrics
    ? handler.use(logMetrics(metrics, { captureColdStartMetric: true }))
    : handler;
}
