/**
 * The HTTP edge shared by every API handler: API Gateway v2 event → request (authenticated,
 * size-checked, JSON-parsed) → route → JSON answer; errors become the contract's error shape.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type {
  APIGatewayProxyEventV2WithLambdaAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import * as z from 'zod';
import {
  AppError,
  BadJsonError,
  ConflictError,
  NotFoundError,
  PayloadTooLargeError,
  TooManyRequestsError,
  UnauthorizedError,
  ValidationError,
} from '../core/errors.js';
import type { EventContext } from '../core/events.js';
import { AGENT_ID_PATTERN, ULID_PATTERN } from '../core/ids.js';
import { jsonLimitIssues } from '../core/json-limits.js';
import { type IdempotencyStore, type PageRequest, systemClock } from '../core/ports.js';
import type { Caller } from '../core/security/authorization.js';
import {
  type AuthorizerContext,
  type Principal,
  principalFromContext,
} from '../core/security/principal.js';
import { parseInput } from '../core/validation.js';

/** The methods a route can have; the topology's routes and the contracts both use them. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export const MAX_BODY_BYTES = 256 * 1024;
const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

export type HttpEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;
export type HttpResponse = APIGatewayProxyStructuredResultV2;

export interface HttpRequest {
  routeKey: string;
  pathParameters: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
  principal: Principal;
  requestId: string;
  correlationId: string;
}

export interface HttpResult {
  statusCode: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Route = (request: HttpRequest) => Promise<HttpResult>;

export interface HttpApiOptions {
  /** Route keys answered without authentication (GET /health). */
  publicRoutes?: string[];
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request's correlation id: the caller's `x-correlation-id` (any case) when it is a safe
 * token, or else the request id. The one place it is parsed: the answer's header, the events the
 * request causes and the log lines of the invocation all carry this value.
 */
export function correlationIdOf(
  headers: Record<string, string | undefined> | undefined,
  requestId: string,
): string {
  const name = Object.keys(headers ?? {}).find((key) => key.toLowerCase() === 'x-correlation-id');
  const supplied = name ? headers?.[name] : undefined;
  return supplied && CORRELATION_ID.test(supplied) ? supplied : requestId;
}

/** Builds the plain handler function for a set of routes keyed by API Gateway route key. */
export function createHttpApi(routes: Record<string, Route>, options: HttpApiOptions = {}) {
  const publicRoutes = new Set(options.publicRoutes ?? []);
  return async (event: HttpEvent): Promise<HttpResponse> => {
    const route = routes[event.routeKey];
    const requestId = event.requestContext.requestId;
    const headers = lowerCaseHeaders(event.headers);
    const correlationId = correlationIdOf(headers, requestId);
    const principal = principalFromContext(event.requestContext.authorizer?.lambda);
    if (!publicRoutes.has(event.routeKey) && principal.kind === 'anonymous') {
      throw new UnauthorizedError(principal.reason);
    }
    if (!route) {
      throw new NotFoundError(`no route ${event.requestContext.http.method} ${event.rawPath}`);
    }
    const pathParameters = (event.pathParameters ?? {}) as Record<string, string>;
    const query = (event.queryStringParameters ?? {}) as Record<string, string>;
    checkPathIds(event.routeKey, pathParameters);
    checkQueryIds(query);
    const request: HttpRequest = {
      routeKey: event.routeKey,
      pathParameters,
      query,
      headers,
      body: parseBody(event),
      principal,
      requestId,
      correlationId,
    };
    const result = await route(request);
    return toResponse(result, requestId, correlationId);
  };
}

function lowerCaseHeaders(headers: HttpEvent['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined) out[name.toLowerCase()] = value;
  }
  return out;
}

function parseBody(event: HttpEvent): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const raw = event.isBase64Encoded
    ? Buffer.from(event.body, 'base64')
    : Buffer.from(event.body, 'utf8');
  if (raw.byteLength > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(
      `request body is ${raw.byteLength} bytes; the limit is ${MAX_BODY_BYTES} bytes (256 KiB)`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new BadJsonError(`request body is not valid JSON: ${(error as Error).message}`);
  }
  // Before anything recursive (zod, the idempotency hash, marshalling) touches it.
  const issues = jsonLimitIssues(body);
  if (issues.length > 0) {
    throw new ValidationError(
      `request body breaks the JSON limits: ${issues.map((i) => i.path || '(body)').join(', ')}`,
      issues,
    );
  }
  return body;
}

/**
 * What an id in a path must look like, by the collection the path names before it: an id that
 * cannot be valid is a 404 before anything is looked up (API.md), whatever its length.
 */
const PATH_IDS: Record<string, { pattern: RegExp; what: string }> = {
  agents: { pattern: AGENT_ID_PATTERN, what: 'agent' },
  tasks: { pattern: ULID_PATTERN, what: 'task' },
  workflows: { pattern: ULID_PATTERN, what: 'workflow' },
  memories: { pattern: ULID_PATTERN, what: 'memory' },
  grants: { pattern: ULID_PATTERN, what: 'grant' },
  inbox: { pattern: ULID_PATTERN, what: 'message' },
  keys: { pattern: ULID_PATTERN, what: 'key' },
  budgets: { pattern: AGENT_ID_PATTERN, what: 'budget' },
  schedules: { pattern: AGENT_ID_PATTERN, what: 'schedule' },
  blueprints: { pattern: AGENT_ID_PATTERN, what: 'blueprint' },
};
/** Ids of collections without a rule of their own: short, and nothing a key could choke on. */
const ANY_ID = { pattern: /^[A-Za-z0-9._:-]{1,128}$/, what: 'item' };

function checkPathIds(routeKey: string, parameters: Record<string, string>): void {
  const segments = (routeKey.split(' ')[1] ?? '').split('/');
  segments.forEach((segment, index) => {
    const name = /^\{(\w+)\}$/.exec(segment)?.[1];
    if (!name) return;
    const rule = PATH_IDS[segments[index - 1] ?? ''] ?? ANY_ID;
    if (!rule.pattern.test(parameters[name] ?? '')) {
      throw new NotFoundError(
        `no such ${rule.what}: the id in the path cannot be a ${rule.what} id`,
      );
    }
  });
}

/** Query parameters that name an agent (`?agentId=`), checked like a path's agent id. */
function checkQueryIds(query: Record<string, string>): void {
  if (query.agentId !== undefined && !AGENT_ID_PATTERN.test(query.agentId)) {
    throw new ValidationError('invalid agentId', [
      { path: 'agentId', message: 'an agent id: ^[a-z0-9][a-z0-9-]{1,62}$' },
    ]);
  }
}

function toResponse(result: HttpResult, requestId: string, correlationId: string): HttpResponse {
  return {
    statusCode: result.statusCode,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': requestId,
      'x-correlation-id': correlationId,
      ...result.headers,
    },
    body: result.body === undefined ? '' : JSON.stringify(result.body),
  };
}

export const ok = (body: unknown, statusCode = 200): HttpResult => ({ statusCode, body });

/** The caller as events name it: the principal and the key it used. */
export const actorOf = (request: HttpRequest) => ({
  principal: request.principal.id,
  ...('keyId' in request.principal && request.principal.keyId
    ? { keyId: request.principal.keyId }
    : {}),
});

/** The context of the events a request causes: its correlation id and its caller (audited). */
export const eventContextOf = (request: HttpRequest): EventContext => ({
  correlationId: request.correlationId,
  clock: systemClock,
  actor: actorOf(request),
});

/** Who asks what, for authorization decisions and their audit. */
export const callerOf = (request: HttpRequest): Caller => ({
  principal: request.principal,
  action: request.routeKey,
  correlationId: request.correlationId,
});

const LIMIT_MESSAGE = 'must be an integer from 1 to 100';

/**
 * `?limit=` (1..100, default 25) and `?cursor=`, as API.md fixes them; documented (OpenAPI) as
 * the integer it is, though it arrives as query text.
 */
export const pageQuerySchema = z.object({
  limit: z
    .string()
    .regex(/^\d+$/, LIMIT_MESSAGE)
    .transform(Number)
    .pipe(z.number().int().min(1, LIMIT_MESSAGE).max(100, LIMIT_MESSAGE))
    .optional()
    .meta({
      description: 'Items per page, 1..100.',
      override: { type: 'integer', minimum: 1, maximum: 100, default: 25, pattern: undefined },
    }),
  cursor: z
    .string()
    .min(1, 'malformed cursor')
    .max(2048, 'malformed cursor')
    .optional()
    .meta({ description: 'The `nextCursor` of the previous page.' }),
});

/** `?limit=` and `?cursor=` as a page request. */
export function pageRequest(query: Record<string, string>): PageRequest {
  const { limit, cursor } = parseInput(
    pageQuerySchema,
    { limit: query.limit, cursor: query.cursor },
    'query',
  );
  return { limit: limit ?? 25, cursor };
}

/**
 * `Idempotency-Key` (API.md): the same key with the same body within 24 h answers the first
 * response again; with another body, 409. Keys are scoped to the caller.
 */
export function idempotent(route: Route, store: () => IdempotencyStore): Route {
  return async (request) => {
    const idempotencyKey = request.headers['idempotency-key'];
    if (idempotencyKey === undefined) return route(request);
    if (!/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
      throw new ValidationError('invalid Idempotency-Key', [
        { path: 'headers.idempotency-key', message: '1-255 visible ASCII characters' },
      ]);
    }
    const scopedKey = `${request.principal.id}#${request.routeKey}#${idempotencyKey}`;
    const requestHash = createHash('sha256').update(canonicalJson(request.body)).digest('hex');
    const existing = await store().claim(scopedKey, requestHash, IDEMPOTENCY_TTL_SECONDS);
    if (existing) {
      if (existing.requestHash !== requestHash) {
        throw new ConflictError('this Idempotency-Key was used with a different request body');
      }
      if (existing.status === 'in-progress' || !existing.response) {
        throw new ConflictError('a request with this Idempotency-Key is still in progress');
      }
      return {
        statusCode: existing.response.statusCode,
        body: existing.response.body,
        headers: { 'idempotent-replayed': 'true' },
      };
    }
    let result: HttpResult;
    try {
      result = await route(request);
    } catch (error) {
      await store().release(scopedKey);
      throw error;
    }
    await store().complete(scopedKey, { statusCode: result.statusCode, body: result.body });
    return result;
  };
}

/** JSON with object keys sorted, so that equal bodies hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * middy middleware: the one place errors become HTTP answers. AppErrors show their code, message
 * and field details; anything else is logged with the request id and answered as a bare 500.
 */
export function httpErrorHandler(opts: {
  logger: Logger;
}): MiddlewareObj<HttpEvent, HttpResponse, Error, Context> {
  return {
    onError: async (request) => {
      const error = request.error;
      const requestId = request.event.requestContext?.requestId ?? request.context.awsRequestId;
      if (error instanceof AppError) {
        request.response = {
          statusCode: error.status,
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'x-request-id': requestId,
            ...(error instanceof TooManyRequestsError
              ? { 'retry-after': String(error.retryAfterSeconds) }
              : {}),
          },
          body: JSON.stringify({
            error: {
              code: error.code,
              message: error.message,
              ...(error.details ? { details: error.details } : {}),
            },
            requestId,
          }),
        };
        return;
      }
      opts.logger.error('unhandled error', {
        requestId,
        routeKey: request.event.routeKey,
        error: error as Error,
      });
      request.response = {
        statusCode: 500,
        headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId },
        body: JSON.stringify({
          error: {
            code: 'InternalError',
            message: 'internal error; see the logs for this request id',
          },
          requestId,
        }),
      };
    },
  };
}
