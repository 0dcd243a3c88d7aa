import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { ConflictError, TooManyRequestsError, ValidationError } from '../../shared/core/errors.js';
import {
  type AuthorizerContext,
  principalFromContext,
} from '../../shared/core/security/principal.js';
import {
  canonicalJson,
  createHttpApi,
  type HttpEvent,
  type HttpRequest,
  type HttpResponse,
  httpErrorHandler,
  idempotent,
  MAX_BODY_BYTES,
  ok,
  pageRequest,
  type Route,
} from '../../shared/runtime/http-api.js';
import { InMemoryIdempotencyStore } from '../helpers/in-memory.js';
import {
  type HttpEventOptions,
  httpEvent,
  lambdaContext as lambdaContextOf,
} from '../helpers/lambda-events.js';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const lambdaContext = lambdaContextOf('test-api');

/** A real middy handler over the routes, with the error handler and a silent logger. */
function api(routes: Record<string, Route>, publicRoutes: string[] = []) {
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const logError = vi.spyOn(logger, 'error');
  const handler = middy<HttpEvent, HttpResponse, Error, Context>(
    createHttpApi(routes, { publicRoutes }),
  ).use(httpErrorHandler({ logger }));
  const call = async (options: HttpEventOptions = {}) => {
    const response = await handler(httpEvent(options), lambdaContext);
    const text = response.body ?? '';
    return { ...response, json: text ? JSON.parse(text) : undefined, text };
  };
  return { call, logError };
}

/** A route that answers what it was given. */
const mirror: Route = async (request) =>
  ok({
    body: request.body ?? null,
    principal: request.principal,
    query: request.query,
    path: request.pathParameters,
    correlationId: request.correlationId,
    requestId: request.requestId,
  });

// ---------------------------------------------------------------------------------------------
// createHttpApi + httpErrorHandler
// ---------------------------------------------------------------------------------------------

describe('createHttpApi behind httpErrorHandler', () => {
  it('answers a route with JSON, its status and the request and correlation ids', async () => {
    // Prepare
    const { call } = api({ 'POST /v1/things': async () => ok({ made: true }, 201) });

    // Act
    const response = await call({ body: '{"a":1}', requestId: 'req-9' });

    // Assess
    expect(response.statusCode).toBe(201);
    expect(response.json).toEqual({ made: true });
    expect(response.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': 'req-9',
      'x-correlation-id': 'req-9',
    });
  });

  it('hands the route the parsed body, principal, query and path parameters', async () => {
    // Prepare
    const { call } = api({ 'POST /v1/things': mirror });

    // Act
    const response = await call({
      body: '{"n":[1,2]}',
      query: { limit: '5' },
      pathParameters: { id: 'x1' },
      authorizer: { principal: 'agent:scanner' },
    });

    // Assess
    expect(response.json).toMatchObject({
      body: { n: [1, 2] },
      principal: { kind: 'agent', id: 'agent:scanner', agentId: 'scanner' },
      query: { limit: '5' },
      path: { id: 'x1' },
    });
  });

  it('decodes a base64 body', async () => {
    // Prepare
    const { call } = api({ 'POST /v1/things': mirror });

    // Act
    const response = await call({
      body: Buffer.from('{"é":"ü"}').toString('base64'),
      isBase64Encoded: true,
    });

    // Assess
    expect(response.json.body).toEqual({ é: 'ü' });
  });

  it('gives the route no body when there is none', async () => {
    // Prepare
    let seen: HttpRequest | undefined;
    const { call } = api({
      'POST /v1/things': async (request) => {
        seen = request;
        return ok({});
      },
    });

    // Act
    await call({ body: '' });

    // Assess
    expect(seen?.body).toBeUndefined();
  });

  it.each([
    ['a valid one', 'trace-abc.1:2', 'trace-abc.1:2'],
    ['one with spaces', 'not valid', 'req-1'],
    ['one too long', 'x'.repeat(129), 'req-1'],
  ])('takes a supplied correlation id only if it is %s', async (_label, supplied, expected) => {
    // Prepare
    const { call } = api({ 'POST /v1/things': mirror });

    // Act
    const response = await call({ headers: { 'X-Correlation-Id': supplied } });

    // Assess
    expect(response.json.correlationId).toBe(expected);
    expect(response.headers?.['x-correlation-id']).toBe(expected);
  });

  it.each([
    ['no authorizer context', undefined, 'missing API key'],
    [
      'an empty principal with a reason',
      { principal: '', reason: 'invalid API key' },
      'invalid API key',
    ],
  ])('answers 401 in the contract shape for %s', async (_label, authorizer, message) => {
    // Prepare
    const route = vi.fn(mirror);
    const { call } = api({ 'POST /v1/things': route });

    // Act
    const response = await call({ authorizer, requestId: 'req-401', body: '{"a":1}' });

    // Assess
    expect(response.statusCode).toBe(401);
    expect(response.json).toEqual({
      error: { code: 'Unauthorized', message },
      requestId: 'req-401',
    });
    expect(response.headers?.['x-request-id']).toBe('req-401');
    expect(route).not.toHaveBeenCalled();
  });

  it('answers a public route without authentication', async () => {
    // Prepare
    const { call } = api({ 'GET /health': async () => ok({ status: 'ok' }) }, ['GET /health']);

    // Act
    const response = await call({ routeKey: 'GET /health', authorizer: undefined });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({ status: 'ok' });
  });

  it('answers 404 NotFound for a route key it does not serve', async () => {
    // Prepare
    const { call } = api({ 'POST /v1/things': mirror });

    // Act
    const response = await call({ routeKey: 'DELETE /v1/things', requestId: 'req-404' });

    // Assess
    expect(response.statusCode).toBe(404);
    expect(response.json).toEqual({
      error: { code: 'NotFound', message: 'no route DELETE /v1/things' },
      requestId: 'req-404',
    });
  });

  it.each([
    ['one byte over 256 KiB', MAX_BODY_BYTES + 1, 413],
    ['exactly 256 KiB', MAX_BODY_BYTES, 200],
  ])('checks the body size: %s', async (_label, size, status) => {
    // Prepare: a JSON string of exactly `size` bytes.
    const body = `"${'x'.repeat(size - 2)}"`;
    const { call } = api({ 'POST /v1/things': async () => ok({}) });

    // Act
    const response = await call({ body });

    // Assess
    expect(response.statusCode).toBe(status);
    if (status === 413) expect(response.json.error.code).toBe('PayloadTooLarge');
  });

  it('counts the size in bytes, not characters', async () => {
    // Prepare: 2-byte characters, fewer than 256 Ki of them but more than 256 KiB.
    const body = `"${'é'.repeat(MAX_BODY_BYTES / 2)}"`;
    const { call } = api({ 'POST /v1/things': async () => ok({}) });

    // Act
    const response = await call({ body });

    // Assess
    expect(body.length).toBeLessThan(MAX_BODY_BYTES);
    expect(response.statusCode).toBe(413);
  });

  it.each([
    ['truncated JSON', '{"a":'],
    ['not JSON at all', 'hello'],
    ['single quotes', "{'a':1}"],
  ])('answers 400 BadJson for %s', async (_label, body) => {
    // Prepare
    const route = vi.fn(mirror);
    const { call } = api({ 'POST /v1/things': route });

    // Act
    const response = await call({ body });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json.error.code).toBe('BadJson');
    expect(response.json.error.message).toMatch(/^request body is not valid JSON/);
    expect(route).not.toHaveBeenCalled();
  });

  it('answers 400 ValidationError with the field paths in details', async () => {
    // Prepare
    const { call } = api({
      'POST /v1/things': async () => {
        throw new ValidationError('invalid thing: limits.maxSteps', [
          { path: 'limits.maxSteps', message: 'too big' },
        ]);
      },
    });

    // Act
    const response = await call({ requestId: 'req-400' });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json).toEqual({
      error: {
        code: 'ValidationError',
        message: 'invalid thing: limits.maxSteps',
        details: [{ path: 'limits.maxSteps', message: 'too big' }],
      },
      requestId: 'req-400',
    });
  });

  it('answers 409 for a ConflictError without a details key', async () => {
    // Prepare
    const { call } = api({
      'POST /v1/things': async () => {
        throw new ConflictError('already there');
      },
    });

    // Act
    const response = await call();

    // Assess
    expect(response.statusCode).toBe(409);
    expect(response.json.error).toEqual({ code: 'Conflict', message: 'already there' });
  });

  it('answers 429 with a Retry-After header', async () => {
    // Prepare
    const { call } = api({
      'POST /v1/things': async () => {
        throw new TooManyRequestsError('slow down', 30);
      },
    });

    // Act
    const response = await call();

    // Assess
    expect(response.statusCode).toBe(429);
    expect(response.headers?.['retry-after']).toBe('30');
    expect(response.json.error.code).toBe('TooManyRequests');
  });

  it('answers 500 InternalError for an unexpected error, logging it but leaking nothing', async () => {
    // Prepare
    const secret = new Error('password=hunter2 at db.internal:5432');
    const { call, logError } = api({
      'POST /v1/things': async () => {
        throw secret;
      },
    });

    // Act
    const response = await call({ requestId: 'req-500' });

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.json).toEqual({
      error: {
        code: 'InternalError',
        message: 'internal error; see the logs for this request id',
      },
      requestId: 'req-500',
    });
    expect(response.text).not.toContain('hunter2');
    expect(response.text).not.toContain('stack');
    expect(logError).toHaveBeenCalledWith('unhandled error', {
      requestId: 'req-500',
      routeKey: 'POST /v1/things',
      error: secret,
    });
  });

  it('does not log expected errors as unhandled', async () => {
    // Prepare
    const { call, logError } = api({
      'POST /v1/things': async () => {
        throw new ConflictError('taken');
      },
    });

    // Act
    await call();

    // Assess
    expect(logError).not.toHaveBeenCalled();
  });
});

describe('createHttpApi: ids in paths and queries', () => {
  const routes = {
    'GET /v1/agents/{id}/memories': mirror,
    'DELETE /v1/agents/{id}/memories/{memoryId}': mirror,
    'POST /v1/agents/{id}/inbox/{messageId}/ack': mirror,
    'GET /v1/tasks/{id}': mirror,
    'GET /v1/workflows/{id}': mirror,
    'DELETE /v1/keys/{id}': mirror,
    'GET /v1/insights/agents/{id}': mirror,
    'GET /v1/tools': mirror,
    'GET /v1/blueprints/{id}': mirror,
  };
  const ulid = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

  it.each([
    ['an agent id of 3,000 characters', 'GET /v1/agents/{id}/memories', { id: 'a'.repeat(3_000) }],
    ['an agent id with capitals', 'GET /v1/agents/{id}/memories', { id: 'Alice' }],
    ['an agent id of one character', 'GET /v1/insights/agents/{id}', { id: 'a' }],
    [
      'a memory id that is no ULID',
      'DELETE /v1/agents/{id}/memories/{memoryId}',
      { id: 'alice', memoryId: 'x'.repeat(3_000) },
    ],
    [
      'a message id that is no ULID',
      'POST /v1/agents/{id}/inbox/{messageId}/ack',
      { id: 'alice', messageId: 'm1' },
    ],
    ['a task id that is no ULID', 'GET /v1/tasks/{id}', { id: `${ulid}x` }],
    ['a workflow id that is no ULID', 'GET /v1/workflows/{id}', { id: 'not-a-workflow' }],
    ['a key id that is no ULID', 'DELETE /v1/keys/{id}', { id: '../../etc' }],
    ['a blueprint id with a dot', 'GET /v1/blueprints/{id}', { id: 'code.reviewer' }],
  ])('answers 404 for %s before the route runs', async (_what, routeKey, pathParameters) => {
    // Prepare
    const route = vi.fn(mirror);
    const { call, logError } = api({ ...routes, [routeKey]: route });

    // Act
    const response = await call({ routeKey, pathParameters });

    // Assess
    expect(response.statusCode).toBe(404);
    expect(response.json.error.code).toBe('NotFound');
    expect(response.text.length).toBeLessThan(500);
    expect(route).not.toHaveBeenCalled();
    expect(logError).not.toHaveBeenCalled();
  });

  it('hands valid ids to the route', async () => {
    // Prepare
    const { call } = api(routes);

    // Act
    const response = await call({
      routeKey: 'DELETE /v1/agents/{id}/memories/{memoryId}',
      pathParameters: { id: 'alice-2', memoryId: ulid },
    });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.json.path).toEqual({ id: 'alice-2', memoryId: ulid });
  });

  it('answers 400 naming agentId for a query agentId that cannot be an agent id', async () => {
    // Prepare
    const { call } = api(routes);

    // Act
    const response = await call({
      routeKey: 'GET /v1/tools',
      query: { agentId: 'x'.repeat(3_000) },
    });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json.error.details).toEqual([{ path: 'agentId', message: expect.any(String) }]);
  });
});

describe('createHttpApi: free-form JSON', () => {
  const nested = (levels: number, leaf = '1') =>
    `${'['.repeat(levels)}${leaf}${']'.repeat(levels)}`;

  it.each([
    ['10,000 levels in a task input', `{"input":${nested(10_000)}}`, 'input.0.0.0'],
    [
      '10,000 levels in metadata',
      `{"input":1,"metadata":{"a":${nested(10_000)}}}`,
      'metadata.a.0.0',
    ],
    [
      '10,000 levels of objects in a message body',
      `{"body":${'{"k":'.repeat(10_000)}1${'}'.repeat(10_000)}}`,
      'body.k.k.k',
    ],
    ['65 levels in an input', `{"input":${nested(65)}}`, 'input.0.0'],
  ])('answers 400 ValidationError for %s, naming the path', async (_what, body, pathStart) => {
    // Prepare
    const route = vi.fn(mirror);
    const { call, logError } = api({ 'POST /v1/things': route });

    // Act
    const response = await call({ body });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json.error.code).toBe('ValidationError');
    const [detail] = response.json.error.details;
    expect(detail.path.startsWith(pathStart)).toBe(true);
    expect(detail.path.split('.').length).toBeLessThanOrEqual(66);
    expect(detail.message).toMatch(/64 levels/);
    expect(route).not.toHaveBeenCalled();
    expect(logError).not.toHaveBeenCalled();
  });

  it('takes 64 levels below a field', async () => {
    // Prepare
    const { call } = api({ 'POST /v1/things': mirror });

    // Act
    const response = await call({ body: `{"input":${nested(64)}}` });

    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('refuses the deepest body that fits in 256 KiB without overflowing a stack', async () => {
    // Prepare: 131,072 levels of arrays, exactly MAX_BODY_BYTES.
    const levels = MAX_BODY_BYTES / 2;
    const { call, logError } = api({ 'POST /v1/things': mirror });

    // Act
    const response = await call({ body: `${'['.repeat(levels)}${']'.repeat(levels)}` });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json.error.details[0].path.startsWith('0.0.0')).toBe(true);
    expect(logError).not.toHaveBeenCalled();
  });

  it('refuses 10,000 levels with an Idempotency-Key before hashing the body', async () => {
    // Prepare: the idempotency wrapper hashes a canonical JSON of the body, recursively.
    const store = new InMemoryIdempotencyStore();
    const { call } = api({ 'POST /v1/things': idempotent(mirror, () => store) });

    // Act
    const response = await call({
      body: `{"input":${nested(10_000)}}`,
      headers: { 'idempotency-key': 'k-1' },
    });

    // Assess
    expect(response.statusCode).toBe(400);
  });

  it.each([
    [
      '__proto__',
      '{"model":{"turns":[{"toolCalls":[{"name":"x","input":{"__proto__":{"admin":true}}}]}]}}',
      'model.turns.0.toolCalls.0.input.__proto__',
    ],
    ['constructor', '{"metadata":{"constructor":{"prototype":1}}}', 'metadata.constructor'],
    ['prototype', '{"input":[{"a":{"prototype":null}}]}', 'input.0.a.prototype'],
    ['__proto__ at the top', '{"__proto__":{}}', '__proto__'],
  ])('answers 400 ValidationError for the key %s, naming its path', async (_key, body, path) => {
    // Prepare
    const route = vi.fn(mirror);
    const { call } = api({ 'POST /v1/things': route });

    // Act
    const response = await call({ body });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json.error.details).toContainEqual({ path, message: expect.any(String) });
    expect(route).not.toHaveBeenCalled();
  });

  it('takes those words as values and as parts of longer keys', async () => {
    // Prepare
    const { call } = api({ 'POST /v1/things': mirror });

    // Act
    const response = await call({
      body: '{"input":{"text":"__proto__","constructorName":"x","list":["prototype"]}}',
    });

    // Assess
    expect(response.statusCode).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------
// pageRequest
// ---------------------------------------------------------------------------------------------

describe('pageRequest', () => {
  it.each([
    [{}, { limit: 25, cursor: undefined }],
    [{ limit: '1' }, { limit: 1, cursor: undefined }],
    [{ limit: '100' }, { limit: 100, cursor: undefined }],
    [{ limit: '007' }, { limit: 7, cursor: undefined }],
    [{ cursor: 'abc' }, { limit: 25, cursor: 'abc' }],
    [
      { limit: '10', cursor: 'c'.repeat(2048) },
      { limit: 10, cursor: 'c'.repeat(2048) },
    ],
  ])('reads %j', (query, expected) => {
    // Act
    const page = pageRequest(query);

    // Assess
    expect(page).toEqual(expected);
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '101' }, 'limit'],
    [{ limit: '-1' }, 'limit'],
    [{ limit: '2.5' }, 'limit'],
    [{ limit: '1e2' }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ limit: '' }, 'limit'],
    [{ cursor: '' }, 'cursor'],
    [{ cursor: 'c'.repeat(2049) }, 'cursor'],
  ])('refuses %j, naming %s', (query, path) => {
    // Act
    const act = () => pageRequest(query);

    // Assess
    expect(act).toThrow(ValidationError);
    try {
      act();
    } catch (error) {
      expect((error as ValidationError).details?.map((d) => d.path)).toEqual([path]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// idempotent
// ---------------------------------------------------------------------------------------------

describe('idempotent', () => {
  let calls = 0;

  function idempotentApi(
    route: Route = async (request) => ok({ n: ++calls, body: request.body }, 202),
  ) {
    const store = new InMemoryIdempotencyStore();
    const wrapped = vi.fn(route);
    const { call } = api({ 'POST /v1/tasks': idempotent(wrapped, () => store) });
    const post = (body: string, key: string | null = 'key-1', principal = 'admin') =>
      call({
        routeKey: 'POST /v1/tasks',
        body,
        headers: key === null ? {} : { 'Idempotency-Key': key },
        authorizer: { principal },
      });
    return { post, store, route: wrapped };
  }

  it('replays the first response for the same key and body, with idempotent-replayed', async () => {
    // Prepare
    const { post, route } = idempotentApi();

    // Act
    const first = await post('{"agentId":"a","input":"x"}');
    const second = await post('{"agentId":"a","input":"x"}');

    // Assess
    expect(route).toHaveBeenCalledTimes(1);
    expect(second.statusCode).toBe(first.statusCode);
    expect(second.statusCode).toBe(202);
    expect(second.json).toEqual(first.json);
    expect(second.headers?.['idempotent-replayed']).toBe('true');
    expect(first.headers?.['idempotent-replayed']).toBeUndefined();
  });

  it('treats bodies that differ only in key order as the same request', async () => {
    // Prepare
    const { post, route } = idempotentApi();

    // Act
    await post('{"agentId":"a","input":{"x":1,"y":[{"p":1,"q":2}]}}');
    const second = await post('{"input":{"y":[{"q":2,"p":1}],"x":1},"agentId":"a"}');

    // Assess
    expect(second.statusCode).toBe(202);
    expect(second.headers?.['idempotent-replayed']).toBe('true');
    expect(route).toHaveBeenCalledTimes(1);
  });

  it('answers 409 for the same key with another body', async () => {
    // Prepare
    const { post, route } = idempotentApi();

    // Act
    await post('{"agentId":"a","input":"x"}');
    const second = await post('{"agentId":"a","input":"y"}');

    // Assess
    expect(second.statusCode).toBe(409);
    expect(second.json.error).toEqual({
      code: 'Conflict',
      message: 'this Idempotency-Key was used with a different request body',
    });
    expect(route).toHaveBeenCalledTimes(1);
  });

  it('answers 409 while the first request with the key is still running', async () => {
    // Prepare: the first request waits until released.
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { post } = idempotentApi(async () => {
      await gate;
      return ok({}, 202);
    });

    // Act
    const first = post('{"a":1}');
    const second = await post('{"a":1}');
    release();
    await first;

    // Assess
    expect(second.statusCode).toBe(409);
    expect(second.json.error.message).toContain('still in progress');
  });

  it('releases the key when the request fails, so a retry runs again', async () => {
    // Prepare
    let attempt = 0;
    const { post, store } = idempotentApi(async () => {
      attempt += 1;
      if (attempt === 1) throw new Error('transient');
      return ok({ attempt }, 202);
    });

    // Act
    const failed = await post('{"a":1}');
    const retried = await post('{"a":1}');

    // Assess
    expect(failed.statusCode).toBe(500);
    expect(store.released).toEqual(['admin#POST /v1/tasks#key-1']);
    expect(retried.statusCode).toBe(202);
    expect(retried.json).toEqual({ attempt: 2 });
    expect(retried.headers?.['idempotent-replayed']).toBeUndefined();
  });

  it('scopes keys to the caller', async () => {
    // Prepare
    const { post, route } = idempotentApi();

    // Act
    await post('{"a":1}', 'shared-key', 'admin');
    const other = await post('{"a":2}', 'shared-key', 'agent:scanner');

    // Assess
    expect(other.statusCode).toBe(202);
    expect(route).toHaveBeenCalledTimes(2);
  });

  it('runs the route every time without a key', async () => {
    // Prepare
    const { post, route, store } = idempotentApi();

    // Act
    await post('{"a":1}', null);
    await post('{"a":1}', null);

    // Assess
    expect(route).toHaveBeenCalledTimes(2);
    expect(store.records.size).toBe(0);
  });

  it.each([
    ['empty', ''],
    ['with a space', 'a b'],
    ['non-ASCII', 'clé'],
    ['longer than 255', 'k'.repeat(256)],
  ])('refuses a key that is %s', async (_label, key) => {
    // Prepare
    const { post, route } = idempotentApi();

    // Act
    const response = await post('{"a":1}', key);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json.error.details).toEqual([
      { path: 'headers.idempotency-key', message: '1-255 visible ASCII characters' },
    ]);
    expect(route).not.toHaveBeenCalled();
  });
});

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
    [{ z: { d: [3, { y: 1, x: 2 }], c: null } }, '{"z":{"c":null,"d":[3,{"x":2,"y":1}]}}'],
    [[2, 1], '[2,1]'],
    ['text', '"text"'],
    [undefined, 'null'],
    [null, 'null'],
  ])('writes %j as %s', (value, expected) => {
    // Act
    const text = canonicalJson(value);

    // Assess
    expect(text).toBe(expected);
  });

  it('keeps array order significant', () => {
    // Assess
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
});

// ---------------------------------------------------------------------------------------------
// principalFromContext
// ---------------------------------------------------------------------------------------------

describe('principalFromContext', () => {
  it.each([
    [
      { principal: 'admin', keyId: 'admin' },
      { kind: 'admin', id: 'admin', keyId: 'admin' },
    ],
    [{ principal: 'agent:scanner' }, { kind: 'agent', id: 'agent:scanner', agentId: 'scanner' }],
    [
      { principal: 'agent:scanner', keyId: '01KEY' },
      { kind: 'agent', id: 'agent:scanner', agentId: 'scanner', keyId: '01KEY' },
    ],
    [
      { principal: '', reason: 'invalid API key' },
      { kind: 'anonymous', id: 'anonymous', reason: 'invalid API key' },
    ],
    [{}, { kind: 'anonymous', id: 'anonymous', reason: 'missing API key' }],
    [undefined, { kind: 'anonymous', id: 'anonymous', reason: 'missing API key' }],
    [{ principal: 'root' }, { kind: 'anonymous', id: 'anonymous', reason: 'missing API key' }],
    [{ principal: 'Admin' }, { kind: 'anonymous', id: 'anonymous', reason: 'missing API key' }],
  ])('reads %j', (context, expected) => {
    // Act
    const principal = principalFromContext(context as AuthorizerContext | undefined);

    // Assess
    expect(principal).toEqual(expected);
  });
});
