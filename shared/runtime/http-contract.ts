/**
 * The contract of each HTTP route, written once beside its handler (`functions/<layer>/
 * *-contract.ts`): method and path, the zod schemas of its path parameters, query and body, its
 * answers by status with their schemas, who may call it, a summary and an example. Handlers get
 * their input parsed by these schemas (`implement`), and the OpenAPI document
 * (shared/runtime/openapi.ts) is generated from the same objects, so the document says what is
 * validated and nothing else.
 */
import * as z from 'zod';
import type { IdempotencyStore, PageRequest } from '../core/ports.js';
import { parseInput } from '../core/validation.js';
import {
  type HttpMethod,
  type HttpRequest,
  type HttpResult,
  idempotent,
  pageRequest,
  type Route,
} from './http-api.js';

/**
 * Who may call a route: anyone (`public`), the admin key only (`admin`), or any valid key, the
 * handler deciding what an `agent:<id>` key may see (`key`).
 */
export type Access = 'public' | 'admin' | 'key';

export interface ResponseContract {
  description: string;
  /** The JSON body; none for an empty answer. */
  schema?: z.ZodType;
}

/** Error statuses a route may answer besides those every route of its kind may (see errorsOf). */
export type ErrorStatus = 403 | 404 | 409 | 429;

export interface RouteContract {
  method: HttpMethod;
  /** API Gateway path template, as in the topology: `/v1/agents/{id}`. */
  path: string;
  /** Unique, camelCase: the typed client's and the CLI's name for the operation. */
  operationId: string;
  summary: string;
  description?: string;
  /** The group in the document: `agents`, `tasks`, … */
  tag: string;
  access: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** `?limit=` and `?cursor=`, parsed into `page`. */
  paginated?: boolean;
  body?: z.ZodType;
  /** Names the body in a validation error's message: `invalid <bodyName>: <fields>`. */
  bodyName?: string;
  /** A request without a body is read as `{}`. */
  bodyOptional?: boolean;
  /**
   * Rewrites a body the product takes in a second, shorter form into the form `body` describes,
   * before it is parsed (an agent registration naming a blueprint); it may throw a 400 itself.
   */
  bodyShorthand?: (body: unknown) => unknown;
  /** Takes `Idempotency-Key` (API.md): the first answer is repeated for the same key and body. */
  idempotent?: boolean;
  /** Success answers by status. */
  responses: Partial<Record<200 | 201 | 202, ResponseContract>>;
  errors?: readonly ErrorStatus[];
  /** A request body that works, shown in the document. */
  example?: unknown;
}

/** The input a handler receives: path parameters, query and body, parsed by the contract. */
export interface ParsedInput<C extends RouteContract> {
  params: C['params'] extends z.ZodObject ? z.output<C['params']> : Record<string, never>;
  query: C['query'] extends z.ZodObject ? z.output<C['query']> : Record<string, never>;
  page: PageRequest;
  body: C['body'] extends z.ZodType ? z.output<C['body']> : undefined;
}

export type ContractHandler<C extends RouteContract> = (
  input: ParsedInput<C>,
  request: HttpRequest,
) => Promise<HttpResult>;

/** Keeps a contract's literal types (its schemas) for `implement`. */
export const defineRoutes = <const T extends Record<string, RouteContract>>(routes: T): T => routes;

export const routeKeyOf = (contract: Pick<RouteContract, 'method' | 'path'>): string =>
  `${contract.method} ${contract.path}`;

export interface ImplementOptions<T> {
  /**
   * Refuses anyone but the admin (a ForbiddenError, audited), for the routes whose contract says
   * `access: 'admin'`: run before their input is parsed, so that a refusal does not depend on
   * what was sent and is always on the audit trail.
   */
  admin?: (request: HttpRequest, route: keyof T & string) => Promise<void>;
  /** The store behind `Idempotency-Key`; needed when any contract is `idempotent`. */
  idempotency?: () => IdempotencyStore;
}

/**
 * The routes of a handler, keyed by API Gateway route key: each checks the admin where its
 * contract says so, parses its path parameters, query and body with its contract's schemas (a
 * 400 naming every bad field before the handler runs), and idempotent contracts go through the
 * `Idempotency-Key` store.
 */
export function implement<const T extends Record<string, RouteContract>>(
  contracts: T,
  handlers: { [K in keyof T]: ContractHandler<T[K]> },
  options: ImplementOptions<T> = {},
): Record<string, Route> {
  const routes: Record<string, Route> = {};
  for (const [name, contract] of Object.entries(contracts)) {
    const handler = handlers[name] as ContractHandler<RouteContract>;
    const { admin, idempotency } = options;
    if (contract.access === 'admin' && !admin) {
      throw new Error(`${contract.operationId} is for the admin but no admin check was given`);
    }
    if (contract.idempotent && !idempotency) {
      throw new Error(`${contract.operationId} is idempotent but no idempotency store was given`);
    }
    let route: Route = async (request) => handler(parseRequest(contract, request), request);
    if (contract.idempotent && idempotency) route = idempotent(route, idempotency);
    if (contract.access === 'admin' && admin) {
      const inner = route;
      route = async (request) => {
        await admin(request, name);
        return inner(request);
      };
    }
    routes[routeKeyOf(contract)] = route;
  }
  return routes;
}

function parseRequest(contract: RouteContract, request: HttpRequest): ParsedInput<RouteContract> {
  const params = contract.params ? parseInput(contract.params, request.pathParameters, 'path') : {};
  const query = contract.query ? parseInput(contract.query, request.query, 'query') : {};
  const page = contract.paginated ? pageRequest(request.query) : { limit: 25 };
  const sent = request.body === undefined && contract.bodyOptional ? {} : request.body;
  const body = contract.body
    ? parseInput(
        contract.body,
        contract.bodyShorthand ? contract.bodyShorthand(sent) : sent,
        contract.bodyName ?? 'body',
      )
    : undefined;
  return { params, query, page, body } as ParsedInput<RouteContract>;
}

/** The error statuses a route may answer: what every route of its kind may, and its own. */
export function errorsOf(contract: RouteContract): number[] {
  const statuses = new Set<number>(contract.errors ?? []);
  if (contract.params || contract.query || contract.body || contract.paginated) statuses.add(400);
  if (contract.access !== 'public') statuses.add(401);
  if (contract.access === 'admin') statuses.add(403);
  if (contract.params) statuses.add(404);
  if (contract.idempotent) statuses.add(409);
  if (contract.body) statuses.add(413);
  statuses.add(500);
  return [...statuses].sort((a, b) => a - b);
}

// Shapes many contracts share.

export const isoTime = z.iso.datetime({ offset: true }).meta({ description: 'ISO-8601 UTC' });
export const nullableTime = isoTime.nullable();
/** Free-form JSON: task input and output, metadata values, message bodies. */
export const anyJson = z.unknown().meta({ description: 'Any JSON value.' });
export const jsonObject = z.record(z.string(), z.unknown());

/** A page of a list, as every list answers: `{"items": [...], "nextCursor": "..." | null}`. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `?cursor=` for the next page; null on the last page.' }),
  });

/** A path parameter that names something: any text; what cannot exist is a 404. */
export const pathId = (description: string) => z.string().min(1).meta({ description });

/**
 * Schemas whose JSON Schema zod cannot derive (a transform that picks the closer of two shapes
 * to report its errors), each with an equivalent plain schema the document shows instead.
 */
export const documentedAs = new WeakMap<z.ZodType, z.ZodType>();
export function documentAs(schema: z.ZodType, shownAs: z.ZodType): void {
  documentedAs.set(schema, shownAs);
}

interface CollectionSpec {
  /** `/v1/budgets`: the collection; items are at `<path>/{id}`. */
  path: string;
  tag: string;
  /** `Budget`, `Schedule`: in operation ids and summaries. */
  noun: string;
  item: z.ZodType;
  create: z.ZodType;
  patch: z.ZodType;
  /** Named in validation errors: `budget`, and `budget change` for a patch. */
  bodyName: string;
  createExample: unknown;
  patchExample: unknown;
  description?: string;
}

/**
 * The five routes of a collection only the admin key may use: `POST` and `GET` on the path,
 * `GET`, `PATCH` and `DELETE` on `path/{id}`. Creating an id that exists is 409.
 */
export function adminCollectionRoutes(spec: CollectionSpec) {
  const { noun, path, tag, item } = spec;
  const lower = noun.toLowerCase();
  const params = z.object({ id: pathId(`The ${lower} id.`) });
  const common = { tag, access: 'admin' } as const;
  return defineRoutes({
    create: {
      ...common,
      method: 'POST',
      path,
      operationId: `create${noun}`,
      summary: `Create a ${lower}`,
      ...(spec.description ? { description: spec.description } : {}),
      body: spec.create,
      bodyName: spec.bodyName,
      responses: { 201: { description: 'Created.', schema: item } },
      errors: [409],
      example: spec.createExample,
    },
    list: {
      ...common,
      method: 'GET',
      path,
      operationId: `list${noun}s`,
      summary: `List ${lower}s`,
      paginated: true,
      responses: { 200: { description: `A page of ${lower}s.`, schema: pageOf(item) } },
    },
    get: {
      ...common,
      method: 'GET',
      path: `${path}/{id}`,
      operationId: `get${noun}`,
      summary: `Get a ${lower}`,
      params,
      responses: { 200: { description: `The ${lower}.`, schema: item } },
    },
    patch: {
      ...common,
      method: 'PATCH',
      path: `${path}/{id}`,
      operationId: `patch${noun}`,
      summary: `Change a ${lower}`,
      params,
      body: spec.patch,
      bodyName: `${spec.bodyName} change`,
      responses: { 200: { description: `The changed ${lower}.`, schema: item } },
      example: spec.patchExample,
    },
    delete: {
      ...common,
      method: 'DELETE',
      path: `${path}/{id}`,
      operationId: `delete${noun}`,
      summary: `Delete a ${lower}`,
      params,
      responses: { 200: { description: `The deleted ${lower}.`, schema: item } },
    },
  });
}
