/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the route contracts the handlers
 * parse their input with (shared/runtime/http-contract.ts) by zod-openapi. Nothing in it is
 * written by hand beside them but what API.md fixes for every route: the error shape, bearer
 * auth, pagination, `Idempotency-Key`, 413 and 429.
 */
import * as z from 'zod';
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
} from 'zod-openapi';
import { pageQuerySchema } from './http-api.js';
import { documentedAs, errorsOf, type RouteContract, routeKeyOf } from './http-contract.js';

export const errorSchema = z
  .object({
    error: z.object({
      code: z
        .string()
        .meta({ description: 'ValidationError, BadJson, Unauthorized, Forbidden, NotFound, …' }),
      message: z.string().meta({ description: 'A human sentence.' }),
      details: z
        .array(
          z.object({
            path: z.string().meta({ description: 'Dotted path of the field; empty: the body.' }),
            message: z.string(),
          }),
        )
        .optional()
        .meta({ description: 'For ValidationError: one entry per bad field.' }),
    }),
    requestId: z.string(),
  })
  .meta({ id: 'Error', description: 'Every error answer (API.md): never a stack trace.' });

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'ValidationError (details name each bad field) or BadJson.',
  401: 'Unauthorized: no key, or a key that is not valid.',
  403: 'Forbidden: the key may not do this (agent keys act as their agent only).',
  404: 'NotFound.',
  409: 'Conflict.',
  413: 'PayloadTooLarge: the body is over 256 KiB.',
  429: 'TooManyRequests: wait the seconds Retry-After says.',
  500: 'InternalError: logged with the request id; nothing half-written.',
};

const retryAfter = z
  .string()
  .meta({ description: 'Seconds to wait before trying again.', example: '2' });

const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/)
  .optional()
  .meta({
    description:
      'The same key with the same body within 24 h answers the first response again ' +
      '(with `idempotent-replayed: true`); with another body, 409.',
  });

function errorResponse(status: number): ZodOpenApiResponseObject {
  return {
    description: ERROR_DESCRIPTIONS[status] ?? 'Error.',
    ...(status === 429 ? { headers: z.object({ 'retry-after': retryAfter }) } : {}),
    content: { 'application/json': { schema: errorSchema } },
  };
}

function operationOf(contract: RouteContract): ZodOpenApiOperationObject {
  const query = contract.paginated
    ? z.object({ ...(contract.query?.shape ?? {}), ...pageQuerySchema.shape })
    : contract.query;
  const responses: Record<string, ZodOpenApiResponseObject> = {};
  for (const [status, response] of Object.entries(contract.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.schema ? { content: { 'application/json': { schema: response.schema } } } : {}),
    };
  }
  for (const status of errorsOf(contract)) responses[String(status)] = errorResponse(status);
  const description = [
    contract.description,
    contract.access === 'admin' ? 'Admin key only.' : undefined,
  ]
    .filter(Boolean)
    .join('\n\n');
  return {
    operationId: contract.operationId,
    summary: contract.summary,
    ...(description ? { description } : {}),
    tags: [contract.tag],
    ...(contract.access === 'public' ? { security: [] } : {}),
    requestParams: {
      ...(contract.params ? { path: contract.params } : {}),
      ...(query ? { query } : {}),
      ...(contract.idempotent ? { header: z.object({ 'idempotency-key': idempotencyKey }) } : {}),
    },
    ...(contract.body
      ? {
          requestBody: {
            required: !contract.bodyOptional,
            content: {
              'application/json': {
                schema: contract.body,
                ...(contract.example !== undefined ? { example: contract.example } : {}),
              },
            },
          },
        }
      : {}),
    responses,
  };
}

export interface DocumentInfo {
  version: string;
}

/** Builds the document; throws if two contracts claim one route or one operation id. */
export function openApiDocument(contracts: RouteContract[], info: DocumentInfo) {
  const paths: ZodOpenApiPathsObject = {};
  const seen = new Set<string>();
  for (const contract of contracts) {
    for (const key of [routeKeyOf(contract), contract.operationId]) {
      if (seen.has(key)) throw new Error(`${key} is in two route contracts`);
      seen.add(key);
    }
    paths[contract.path] = {
      ...paths[contract.path],
      [contract.method.toLowerCase()]: operationOf(contract),
    };
  }
  return createDocument(
    {
      openapi: '3.1.0',
      info: {
        title: 'agent-core',
        version: info.version,
        description:
          'A serverless operating system for LLM agents: agents, tasks, workflows, memory, ' +
          'messages, events and insights. JSON in and out. Lists take `?limit=` (1..100, default ' +
          '25) and `?cursor=` and answer `{"items", "nextCursor"}`. Request bodies over 256 KiB ' +
          'get 413. The live feed is a WebSocket (`/ws?token=<key>` locally).',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      // Relative to where the document is served: the API's own origin, local or deployed.
      servers: [{ url: '/' }],
      security: [{ bearerAuth: [] }],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API key: the admin key, or an agent key (`POST /v1/keys`) that acts as one agent.',
          },
        },
      },
      tags: [...new Set(contracts.map((c) => c.tag))].map((name) => ({ name })),
      paths,
    },
    {
      override: ({ zodSchema, jsonSchema, io }) => {
        const shown = documentedAs.get(zodSchema as unknown as z.ZodType);
        if (!shown) return;
        for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
        const { $schema: _, ...rendered } = z.toJSONSchema(shown, { io }) as Record<
          string,
          unknown
        >;
        Object.assign(jsonSchema, rendered);
      },
    },
  );
}
