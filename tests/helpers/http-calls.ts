/**
 * Calls an HTTP API handler's plain function as the deployed API would: an API Gateway v2 event
 * labelled by the authorizer, through a real middy handler with the one error mapping (its
 * logger silent), answered with the parsed JSON body beside the response.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { newId } from '../../shared/core/ids.js';
import {
  type HttpEvent,
  type HttpResponse,
  httpErrorHandler,
} from '../../shared/runtime/http-api.js';
import { httpEvent, lambdaContext } from './lambda-events.js';

export interface HttpCallOptions {
  /** What the authorizer labelled the request with: `admin` (default), `agent:<id>`, '' (no key). */
  principal?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is (a body that is not JSON); instead of `body`. */
  rawBody?: string;
  query?: Record<string, string>;
  path?: Record<string, string>;
}

const silent = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

export async function callHttp(
  fn: (event: HttpEvent) => Promise<HttpResponse>,
  routeKey: string,
  options: HttpCallOptions = {},
) {
  const principal = options.principal ?? 'admin';
  const handler = middy<HttpEvent, HttpResponse, Error, Context>(fn).use(
    httpErrorHandler({ logger: silent }),
  );
  const event = httpEvent({
    routeKey,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    ...(options.rawBody !== undefined ? { body: options.rawBody } : {}),
    ...(options.query ? { query: options.query } : {}),
    ...(options.path ? { pathParameters: options.path } : {}),
    authorizer: principal ? { principal } : { reason: 'missing API key' },
    requestId: `req-${newId()}`,
  });
  const response = await handler(event, lambdaContext());
  return { ...response, json: response.body ? JSON.parse(response.body) : undefined };
}
