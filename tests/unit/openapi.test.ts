/**
 * The OpenAPI document: valid OpenAPI 3.1 by a well-kept validator, one operation for every HTTP
 * route of the topology and none besides, what API.md fixes for every route (errors, bearer auth,
 * pagination, Idempotency-Key, 413, 429), and route contracts that parse what they document.
 */
import { validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { apiDocument } from '../../functions/kernel/openapi-api.js';
import { allRoutes } from '../../functions/kernel/openapi-contract.js';
import { topology } from '../../infra/topology.js';
import { ForbiddenError, ValidationError } from '../../shared/core/errors.js';
import type { HttpRequest } from '../../shared/runtime/http-api.js';
import { defineRoutes, implement } from '../../shared/runtime/http-contract.js';
import { InMemoryIdempotencyStore } from '../helpers/in-memory.js';
import { type OpenApiDocument, operationsOf, ResponseValidator } from '../helpers/openapi.js';

const document = apiDocument() as unknown as OpenApiDocument;
const operations = operationsOf(document);
const topologyRoutes = topology.functions.flatMap((fn) =>
  fn.triggers.flatMap((t) => (t.kind === 'http' ? t.routes : [])),
);

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(document) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it('has exactly the HTTP routes of the topology', () => {
    const documented = operations.map((o) => `${o.method} ${o.path}`).sort();
    const wired = topologyRoutes.map((r) => `${r.method} ${r.path}`).sort();
    expect(documented).toEqual(wired);
  });

  it('asks for the bearer key on every route the topology authenticates, and on no other', () => {
    expect(document).toMatchObject({
      security: [{ bearerAuth: [] }],
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    });
    for (const route of topologyRoutes) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()] as
        | { security?: unknown[]; responses: Record<string, unknown> }
        | undefined;
      const key = `${route.method} ${route.path}`;
      if (route.auth === false) {
        expect(operation?.security, key).toEqual([]);
        expect(operation?.responses['401'], key).toBeUndefined();
      } else {
        expect(operation?.security, key).toBeUndefined();
        expect(operation?.responses['401'], key).toBeDefined();
      }
    }
  });

  it('gives every operation a unique id, a summary, a tag and the error shape for 500', () => {
    const ids = operations.map((o) => o.operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { operation } of operations) {
      const op = operation as unknown as { summary: string; tags: string[] };
      expect(op.summary, operation.operationId).toBeTruthy();
      expect(op.tags, operation.operationId).toHaveLength(1);
      expect(operation.responses['500'], operation.operationId).toMatchObject({
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      });
    }
  });

  it('documents 413 where there is a body, 429 with Retry-After, and Idempotency-Key', () => {
    const submit = document.paths['/v1/tasks']?.post as unknown as {
      parameters: { in: string; name: string }[];
      responses: Record<string, { headers?: Record<string, unknown> }>;
      requestBody: { content: Record<string, { example?: unknown }> };
    };
    expect(submit.parameters).toContainEqual(
      expect.objectContaining({ in: 'header', name: 'idempotency-key' }),
    );
    expect(Object.keys(submit.responses)).toEqual(
      expect.arrayContaining(['202', '400', '401', '403', '404', '409', '413', '500']),
    );
    expect(submit.requestBody.content['application/json']?.example).toMatchObject({
      agentId: expect.any(String),
    });
    const send = document.paths['/v1/messages']?.post as unknown as {
      responses: Record<string, { headers?: Record<string, unknown> }>;
    };
    expect(send.responses['429']?.headers?.['retry-after']).toBeDefined();
    // Every operation with a body documents 413; none without one does.
    for (const { operation } of operations) {
      const hasBody = 'requestBody' in (operation as object);
      expect('413' in operation.responses, operation.operationId).toBe(hasBody);
    }
  });

  it('documents pagination on every list', () => {
    const list = document.paths['/v1/agents']?.get as unknown as {
      parameters: { in: string; name: string; schema: Record<string, unknown> }[];
    };
    expect(list.parameters.find((p) => p.name === 'limit')?.schema).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 100,
      default: 25,
    });
    expect(list.parameters.map((p) => p.name)).toContain('cursor');
    expect(document.components.schemas.Agent).toBeDefined();
  });

  it('shows an agent model as a route or a provider spec, not as any value', () => {
    const registration = document.components.schemas.AgentRegistration as {
      properties: { model: { anyOf?: unknown[] } };
    };
    expect(registration.properties.model.anyOf).toHaveLength(2);
  });

  it('validates answers by the document (and refuses what it does not say)', () => {
    const validator = new ResponseValidator(document);
    const health = { status: 'ok', version: '1', runtime: 'local' };
    expect(validator.problems('getHealth', 200, health)).toEqual([]);
    expect(validator.problems('getHealth', 200, { ...health, runtime: 'mars' })).not.toEqual([]);
    expect(validator.problems('getHealth', 200, { ...health, extra: 1 })).not.toEqual([]);
    expect(validator.problems('getHealth', 404, health)).toEqual([
      'getHealth does not document status 404',
    ]);
    const error = { error: { code: 'NotFound', message: 'no' }, requestId: 'r' };
    expect(validator.problems('getAgent', 404, error)).toEqual([]);
  });

  it('lists every route contract once', () => {
    expect(allRoutes).toHaveLength(topologyRoutes.length);
  });
});

describe('route contracts', () => {
  const routes = defineRoutes({
    thing: {
      method: 'POST',
      path: '/v1/things/{id}',
      operationId: 'makeThing',
      summary: 'x',
      tag: 't',
      access: 'key',
      params: z.object({ id: z.string().regex(/^[a-z]+$/) }),
      query: z.object({ mode: z.enum(['a', 'b']).optional() }),
      paginated: true,
      body: z.strictObject({ n: z.number().int().default(1) }),
      bodyName: 'thing',
      responses: { 200: { description: 'ok' } },
    },
    optional: {
      method: 'POST',
      path: '/v1/optional',
      operationId: 'optional',
      summary: 'x',
      tag: 't',
      access: 'key',
      body: z.strictObject({ n: z.number().default(7) }),
      bodyOptional: true,
      idempotent: true,
      responses: { 200: { description: 'ok' } },
    },
  });
  const idempotency = new InMemoryIdempotencyStore();
  const seen: unknown[] = [];
  const api = implement(
    routes,
    {
      thing: async (input) => {
        seen.push(input);
        return { statusCode: 200, body: input.body };
      },
      optional: async (input) => ({ statusCode: 200, body: { ...input.body, at: seen.length } }),
    },
    { idempotency: () => idempotency },
  );
  const request = (over: Partial<HttpRequest>): HttpRequest => ({
    routeKey: 'POST /v1/things/{id}',
    pathParameters: { id: 'abc' },
    query: {},
    headers: {},
    body: {},
    principal: { kind: 'admin', id: 'admin' },
    requestId: 'r',
    correlationId: 'c',
    ...over,
  });
  const thing = api['POST /v1/things/{id}'] as (r: HttpRequest) => Promise<unknown>;
  const optional = api['POST /v1/optional'] as (r: HttpRequest) => Promise<unknown>;

  it('hands the handler its parsed input, with defaults', async () => {
    await thing(request({ query: { mode: 'b', limit: '5', cursor: 'c1' }, body: {} }));
    expect(seen.at(-1)).toEqual({
      params: { id: 'abc' },
      query: { mode: 'b' },
      page: { limit: 5, cursor: 'c1' },
      body: { n: 1 },
    });
    await thing(request({}));
    expect(seen.at(-1)).toMatchObject({ page: { limit: 25 } });
  });

  it.each([
    ['a bad path parameter', { pathParameters: { id: 'A1' } }, 'id'],
    ['a bad query value', { query: { mode: 'c' } }, 'mode'],
    ['a bad limit', { query: { limit: '0' } }, 'limit'],
    ['a limit that is not a number', { query: { limit: '1e2' } }, 'limit'],
    ['a bad body field', { body: { n: 1.5 } }, 'n'],
    ['an unknown body field', { body: { m: 1 } }, 'm'],
    ['a missing body', { body: undefined }, ''],
  ])('refuses %s with a ValidationError naming it, before the handler', async (_, over, path) => {
    const before = seen.length;
    const error = await thing(request(over)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details?.map((d) => d.path)).toEqual([path]);
    expect(seen).toHaveLength(before);
  });

  it('reads a missing optional body as {}, and answers an idempotent route once per key', async () => {
    const first = await optional(
      request({
        body: undefined,
        headers: { 'idempotency-key': 'k1' },
        routeKey: 'POST /v1/optional',
      }),
    );
    expect(first).toMatchObject({ statusCode: 200, body: { n: 7 } });
    seen.push('another');
    const again = await optional(
      request({
        body: undefined,
        headers: { 'idempotency-key': 'k1' },
        routeKey: 'POST /v1/optional',
      }),
    );
    expect(again).toMatchObject({ body: (first as { body: unknown }).body });
  });

  it('checks the admin of an admin route before its input, and refuses to build without a check', async () => {
    const adminOnly = defineRoutes({
      change: { ...routes.thing, access: 'admin', operationId: 'change' },
    });
    const checked: string[] = [];
    const built = implement(
      adminOnly,
      { change: async () => ({ statusCode: 200 }) },
      {
        admin: async (_request, route) => {
          checked.push(route);
          throw new ForbiddenError('forbidden: admin only');
        },
      },
    );
    const change = built['POST /v1/things/{id}'] as (r: HttpRequest) => Promise<unknown>;
    // The body is bad too: the refusal comes first, whatever was sent.
    await expect(change(request({ body: { n: 'x' } }))).rejects.toBeInstanceOf(ForbiddenError);
    expect(checked).toEqual(['change']);
    expect(() => implement(adminOnly, { change: async () => ({ statusCode: 200 }) })).toThrow(
      /admin/,
    );
  });

  it('refuses to build an idempotent route without a store', () => {
    expect(() =>
      implement({ optional: routes.optional }, { optional: async () => ({ statusCode: 200 }) }),
    ).toThrow(/idempotent/);
  });
});
