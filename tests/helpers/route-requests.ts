/**
 * fast-check arbitraries of HTTP requests for a route, derived from the route's own contract
 * (shared/runtime/http-contract.ts): valid requests from the JSON Schema of its path parameters,
 * query and body (zod's own `toJSONSchema`, as the OpenAPI document shows them), and invalid ones
 * made from valid ones: wrong types, missing fields, unknown and forbidden keys, deep nesting,
 * huge strings, bad JSON, bad `%` escapes and odd characters in path ids, odd query values,
 * missing or garbled Authorization, odd Content-Type and Idempotency-Key edge cases.
 *
 * No library fits here: zod-fast-check knows zod 3 and fast-check 3 only, and the JSON Schema
 * generators use fast-check 1 or faker (no shrinking). This module walks the schema subset the
 * contracts produce ($ref/$defs, anyOf/oneOf, const, enum, patterns, formats, bounds).
 */
import fc from 'fast-check';
import * as z from 'zod';
import { AGENT_ID_PATTERN, ULID_PATTERN } from '../../shared/core/ids.js';
import { documentedAs, type RouteContract } from '../../shared/runtime/http-contract.js';

type JsonSchema = Record<string, any>;

/** A request as it goes on the wire: the path and query already encoded (or deliberately not). */
export interface FuzzRequest {
  method: string;
  path: string;
  /** Without the `?`; empty for none. */
  query: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** How the request was made: `valid`, or the mutation that should make it invalid. */
  kind: string;
}

/** Which key a request carries; the runner turns these into header values. */
export type KeyChoice = 'admin' | 'agent';

/** Ids that exist, by the collection segment that comes before `{param}` in a path. */
export type IdPools = Record<string, string[]>;

/** Values that exist, for body and query fields of these names (`agentId`, `from`, …). */
export type FieldPools = Record<string, string[]>;

export interface RequestContext {
  keys: Record<KeyChoice, string>;
  ids: IdPools;
  fields: FieldPools;
}

/** The JSON Schema (draft 2020-12) of what a contract's schema accepts as input. */
export function inputJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      const shown = documentedAs.get(zodSchema as unknown as z.ZodType);
      if (!shown) return;
      for (const key of Object.keys(jsonSchema)) delete (jsonSchema as JsonSchema)[key];
      const { $schema: _, ...rendered } = z.toJSONSchema(shown, { io: 'input' }) as JsonSchema;
      Object.assign(jsonSchema, rendered);
    },
  }) as JsonSchema;
}

const MAX_DEPTH = 6;
const anyJson = fc.jsonValue({ maxDepth: 2 });

/** Valid values of a JSON Schema; `fields` biases named string fields towards ids that exist. */
export function valuesOf(root: JsonSchema, fields: FieldPools = {}): fc.Arbitrary<unknown> {
  const walk = (schema: JsonSchema | boolean | undefined, depth: number): fc.Arbitrary<unknown> => {
    if (schema === undefined || schema === true) return anyJson;
    if (schema === false) return fc.constant(null);
    if (schema.$ref) {
      const name = String(schema.$ref).replace('#/$defs/', '');
      return walk(root.$defs?.[name], depth + 1);
    }
    if ('const' in schema) return fc.constant(schema.const);
    if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
    const options = schema.anyOf ?? schema.oneOf;
    if (options) return fc.oneof(...(options as JsonSchema[]).map((s) => walk(s, depth + 1)));
    if (schema.allOf?.[0]) return walk(schema.allOf[0], depth + 1);
    const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    switch (type) {
      case 'string':
        return stringOf(schema);
      case 'integer':
        return fc.integer({
          min: Math.ceil(schema.minimum ?? schema.exclusiveMinimum ?? -1e6),
          max: Math.floor(schema.maximum ?? schema.exclusiveMaximum ?? 1e6),
        });
      case 'number':
        return fc.double({
          min: schema.minimum ?? schema.exclusiveMinimum ?? -1e6,
          max: schema.maximum ?? schema.exclusiveMaximum ?? 1e6,
          noNaN: true,
          noDefaultInfinity: true,
        });
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'array': {
        const minLength = schema.minItems ?? 0;
        const items = depth > MAX_DEPTH ? fc.constant(null) : walk(schema.items, depth + 1);
        return fc.array(items, {
          minLength,
          maxLength: Math.min(schema.maxItems ?? minLength + 3, minLength + 3),
        });
      }
      case 'object':
        return objectOf(schema, depth);
      default:
        return anyJson;
    }
  };

  const objectOf = (schema: JsonSchema, depth: number): fc.Arbitrary<unknown> => {
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set<string>(schema.required ?? []);
    const shape: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [name, property] of Object.entries(properties)) {
      if (depth > MAX_DEPTH && !required.has(name)) continue;
      const pool = fields[name];
      const own = walk(property, depth + 1);
      shape[name] = pool?.length ? fc.oneof(fc.constantFrom(...pool), own) : own;
    }
    const record = fc.record(shape, { requiredKeys: [...required].filter((k) => k in shape) });
    if (Object.keys(properties).length > 0 || !schema.additionalProperties) return record;
    const keys = schema.propertyNames?.pattern
      ? fc.stringMatching(new RegExp(schema.propertyNames.pattern))
      : fc.string({ minLength: 1, maxLength: 12 });
    return fc.dictionary(keys, walk(schema.additionalProperties, depth + 1), { maxKeys: 3 });
  };

  return walk(root, 0);
}

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? minLength + 40;
  const fits = (s: string) => s.length >= minLength && s.length <= maxLength;
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter(fits);
  switch (schema.format) {
    case 'uri':
      return fc.webUrl();
    case 'date-time':
      return fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'email':
      return fc.emailAddress();
    case 'uuid':
      return fc.uuid();
  }
  return fc.string({ minLength, maxLength: Math.min(maxLength, minLength + 40) });
}

// Invalid values, made from valid ones.

type Path = (string | number)[];

/** Every place in a JSON value, the value itself (`[]`) first. */
function placesOf(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) placesOf(item, [...path, i], out);
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) placesOf(item, [...path, key], out);
  }
  return out;
}

function replaceAt(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...Path];
  if (Array.isArray(value)) {
    const copy = [...value];
    copy[head as number] = replaceAt(copy[head as number], rest, replacement);
    return copy;
  }
  const copy = { ...(value as Record<string, unknown>) };
  copy[head as string] = replaceAt(copy[head as string], rest, replacement);
  return copy;
}

function getAt(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, key) => (v as Record<string, unknown>)?.[key as string], value);
}

const objectPlaces = (value: unknown) =>
  placesOf(value).filter((p) => {
    const v = getAt(value, p);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  });

/** A value of another JSON type than `value`'s. */
const otherTypeThan = (value: unknown): fc.Arbitrary<unknown> =>
  fc
    .constantFrom<unknown>(
      'text',
      '',
      -1,
      0.5,
      2 ** 63,
      true,
      null,
      [],
      [1, 'x'],
      {},
      { nested: { x: 1 } },
    )
    .filter((v) => typeof v !== typeof value || Array.isArray(v) !== Array.isArray(value));

const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** JSON text with `depth` levels of nesting: arrays, objects or both. */
const deepJson = (depth: number, style: number): string => {
  if (style === 0) return `${'['.repeat(depth)}${']'.repeat(depth)}`;
  if (style === 1) return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  return `${'[{"a":'.repeat(depth)}1${'}]'.repeat(depth)}`;
};

/** A mutation of a valid body, as JSON text (some are not JSON at all). */
type BodyMutation = { kind: string; text: (valid: unknown) => string | Buffer };

const bodyMutations: fc.Arbitrary<BodyMutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.context()).map(([n]) => ({
    kind: 'missing field',
    text: (valid: unknown) => {
      const places = objectPlaces(valid).filter(
        (p) => Object.keys(getAt(valid, p) as object).length,
      );
      const place = places[n % Math.max(1, places.length)];
      if (!place) return JSON.stringify({});
      const object = { ...(getAt(valid, place) as Record<string, unknown>) };
      const keys = Object.keys(object);
      delete object[keys[n % keys.length] as string];
      return JSON.stringify(replaceAt(valid, place, object));
    },
  })),
  fc.tuple(fc.nat(), otherTypeThan('')).map(([n, other]) => ({
    kind: 'wrong type',
    text: (valid: unknown) => {
      const places = placesOf(valid);
      const place = places[n % places.length] as Path;
      const current = getAt(valid, place);
      const replacement = typeof other === typeof current ? 12345 : other;
      return JSON.stringify(replaceAt(valid, place, replacement));
    },
  })),
  fc
    .tuple(
      fc.nat(),
      fc.oneof(
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.constantFrom('id', 'status', 'admin', 'toString'),
      ),
      anyJson,
    )
    .map(([n, key, extra]) => ({
      kind: 'unknown key',
      text: (valid: unknown) => {
        const places = objectPlaces(valid);
        const place = places[n % Math.max(1, places.length)];
        if (!place) return JSON.stringify({ [key]: extra, value: valid });
        const object = { ...(getAt(valid, place) as Record<string, unknown>), [key]: extra };
        return JSON.stringify(replaceAt(valid, place, object));
      },
    })),
  fc.tuple(fc.nat(), fc.constantFrom(...FORBIDDEN_KEYS)).map(([n, key]) => ({
    kind: `forbidden key ${key}`,
    // As text: an object literal cannot hold an own `__proto__` key to stringify.
    text: (valid: unknown) => {
      const places = placesOf(valid);
      const place = places[n % places.length] as Path;
      const text = JSON.stringify(replaceAt(valid, place, '\u0000fuzz-marker\u0000'));
      return text.replace(
        JSON.stringify('\u0000fuzz-marker\u0000'),
        `{"${key}":{"polluted":true}}`,
      );
    },
  })),
  fc.tuple(fc.nat(), fc.integer({ min: 65, max: 5_000 }), fc.nat(2)).map(([n, depth, style]) => ({
    kind: `nested ${depth} levels`,
    text: (valid: unknown) => {
      const places = placesOf(valid);
      const place = places[n % places.length] as Path;
      const text = JSON.stringify(replaceAt(valid, place, '\u0000fuzz-deep\u0000'));
      return text.replace(JSON.stringify('\u0000fuzz-deep\u0000'), deepJson(depth, style));
    },
  })),
  fc
    .tuple(
      fc.nat(),
      fc.constantFrom(70_000, 200_000, 300_000),
      fc.constantFrom('x', 'é', '\u{1F600}', '\\'),
    )
    .map(([n, length, char]) => ({
      kind: `string of ${length}`,
      text: (valid: unknown) => {
        const places = placesOf(valid);
        const place = places[n % places.length] as Path;
        return JSON.stringify(replaceAt(valid, place, char.repeat(length)));
      },
    })),
  fc
    .constantFrom<[string, string | Buffer]>(
      ['empty body', ''],
      ['truncated', '{"a": [1, 2'],
      ['trailing comma', '{"a": 1,}'],
      ['single quotes', "{'a': 1}"],
      ['NaN', '{"a": NaN}'],
      ['two documents', '{} {}'],
      ['BOM', '\uFEFF{}'],
      ['not UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
      ['lone surrogate', '{"a": "\\ud800"}'],
      ['huge number', '{"a": 1e999999}'],
      ['null', 'null'],
      ['array', '[]'],
      ['string', '"text"'],
      ['number', '42'],
      ['form', 'a=1&b=2'],
    )
    .map(([kind, text]) => ({ kind: `bad JSON: ${kind}`, text: () => text })),
);

/** Path ids that cannot be valid, or that test the decoder: none may cause a 5xx. */
const ODD_IDS = [
  '%zz',
  '%E0%A4%A',
  '%',
  '%C0%AF',
  'a%00b',
  '%2F',
  '%2e%2e',
  '..',
  '.',
  '%20',
  '__proto__',
  'constructor',
  'a'.repeat(3_000),
  '0'.repeat(26),
  'UPPER-CASE',
  '%C3%A9t%C3%A9',
  '%F0%9F%98%80',
  'a;b',
  'a,b',
  "a'b",
  'a"b',
  '%3Cscript%3E',
  '$%7Bjndi%7D',
  '-1',
  'null',
];

const pathIdOf = (pool: string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: pool.length ? fc.constantFrom(...pool) : fc.constant('missing') },
    { weight: 2, arbitrary: fc.stringMatching(ULID_PATTERN) },
    { weight: 2, arbitrary: fc.stringMatching(AGENT_ID_PATTERN) },
    { weight: 3, arbitrary: fc.constantFrom(...ODD_IDS) },
    {
      weight: 1,
      arbitrary: fc
        .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
        .map((s) => encodeURIComponent(s)),
    },
  );

/** Odd text for a query value (already encoded, or deliberately not). */
const oddQueryValue = fc.constantFrom(
  '',
  '%zz',
  '%',
  '-1',
  '0',
  '1e3',
  '101',
  '1.5',
  '%20',
  'null',
  'undefined',
  '[]',
  '%7B%7D',
  '%00',
  'x'.repeat(5_000),
  '%C3%A9',
  'a%2Cb',
  'task.*',
  '*',
  'tag%3Ax',
  '__proto__',
);

const encode = (value: unknown): string =>
  encodeURIComponent(typeof value === 'string' ? value : JSON.stringify(value));

function queryOf(contract: RouteContract, fields: FieldPools): fc.Arbitrary<[string, string][]> {
  const schema = contract.query ? inputJsonSchema(contract.query) : { properties: {} };
  const properties = Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>);
  if (contract.paginated) {
    properties.push(['limit', { type: 'integer', minimum: 1, maximum: 100 }]);
    properties.push(['cursor', { type: 'string', minLength: 1, maxLength: 60 }]);
  }
  const forgedCursor = fc
    .jsonValue({ maxDepth: 2 })
    .map((v) => Buffer.from(JSON.stringify(v)).toString('base64url'));
  const params = properties.map(([name, property]) =>
    fc
      .option(
        fc.oneof(
          { weight: 3, arbitrary: valuesOf(property, fields).map(encode) },
          { weight: 1, arbitrary: oddQueryValue },
          { weight: name === 'cursor' ? 2 : 0, arbitrary: forgedCursor },
        ),
        { freq: 2 },
      )
      .map((value) => (value === null ? [] : [[name, value] as [string, string]])),
  );
  const extra = fc.option(
    fc.tuple(
      fc.constantFrom('unknown', 'limit', 'agentId', '__proto__', 'a[b]', '%zz'),
      oddQueryValue,
    ),
    { freq: 4 },
  );
  return fc
    .tuple(fc.tuple(...params), extra)
    .map(([picked, more]) => [...picked.flat(), ...(more ? [more] : [])]);
}

const authorizationOf = (keys: Record<KeyChoice, string>) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant(`Bearer ${keys.admin}`) },
    { weight: 4, arbitrary: fc.constant(`Bearer ${keys.agent}`) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '',
        'Bearer',
        'Bearer ',
        `bearer ${keys.admin}`,
        `Bearer  ${keys.admin}`,
        `Bearer ${keys.admin} `,
        `Bearer ${keys.admin}x`,
        `Bearer ${keys.agent.slice(0, -1)}`,
        `Basic ${Buffer.from(`admin:${keys.admin}`).toString('base64')}`,
        keys.admin,
        `Bearer ${'k'.repeat(8_000)}`,
        'Bearer ac_\u00e9\u00e8',
        'Bearer null',
        'Bearer %00',
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .string({ maxLength: 40 })
        .map((s) => `Bearer ${s.replace(/[^\x20-\x7e]/g, '')}`),
    },
  );

const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/xml',
  ';;;',
  '',
);

const idempotencyKeys = fc.oneof(
  fc.stringMatching(/^[\x21-\x7e]{1,64}$/),
  fc.constantFrom(
    'fuzz-reused-key',
    '',
    ' ',
    'k'.repeat(255),
    'k'.repeat(256),
    'key with spaces',
    'caf\u00e9',
    'a\tb',
  ),
);

const correlationIds = fc.constantFrom('fuzz-1', '', 'x'.repeat(200), 'a b', '../../etc', '\u00e9');

/**
 * Requests for one route: about a third valid (by its schemas, with the ids that exist), the
 * rest with one or more things wrong. `kind` says which.
 */
export function requestsFor(
  contract: RouteContract,
  context: RequestContext,
): fc.Arbitrary<FuzzRequest> {
  const segments = contract.path.split('/');
  const pathArb = fc
    .tuple(
      ...segments.map((segment, i) => {
        const param = /^\{(\w+)\}$/.exec(segment)?.[1];
        if (!param) return fc.constant({ text: segment, odd: false });
        const collection = segments[i - 1] ?? '';
        const pool = context.ids[collection] ?? [];
        return pathIdOf(pool).map((text) => ({
          text,
          odd: !pool.includes(text),
        }));
      }),
    )
    .map((parts) => ({
      path: parts.map((p) => p.text).join('/'),
      odd: parts.some((p) => p.odd),
    }));

  const bodySchema = contract.body ? inputJsonSchema(contract.body) : undefined;
  const validBody = bodySchema ? valuesOf(bodySchema, context.fields) : fc.constant(undefined);
  const bodyArb: fc.Arbitrary<{ body?: Buffer; kind: string }> = fc
    .tuple(
      validBody,
      fc.oneof(
        { weight: bodySchema ? 3 : 6, arbitrary: fc.constant(undefined) },
        { weight: bodySchema ? 5 : 1, arbitrary: bodyMutations },
      ),
      fc.boolean(),
    )
    .map(([valid, mutation, omit]) => {
      if (mutation) {
        const text = mutation.text(valid ?? {});
        return { body: Buffer.isBuffer(text) ? text : Buffer.from(text), kind: mutation.kind };
      }
      if (valid === undefined) {
        return omit || !contract.body ? { kind: 'valid' } : { kind: 'no body' };
      }
      return { body: Buffer.from(JSON.stringify(valid)), kind: 'valid' };
    });

  return fc
    .record({
      path: pathArb,
      query: queryOf(contract, context.fields),
      body: bodyArb,
      authorization: fc.option(authorizationOf(context.keys), { freq: 12, nil: undefined }),
      contentType: fc.option(contentTypes, { freq: 3, nil: undefined }),
      idempotencyKey: fc.option(idempotencyKeys, {
        freq: contract.idempotent ? 2 : 8,
        nil: undefined,
      }),
      correlationId: fc.option(correlationIds, { freq: 6, nil: undefined }),
    })
    .map(({ path, query, body, authorization, contentType, idempotencyKey, correlationId }) => {
      const headers: Record<string, string> = {};
      if (authorization !== undefined) headers.authorization = authorization;
      if (body.body !== undefined) headers['content-type'] = contentType ?? 'application/json';
      else if (contentType) headers['content-type'] = contentType;
      if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
      if (correlationId !== undefined) headers['x-correlation-id'] = correlationId;
      const kinds = [
        body.kind !== 'valid' ? body.kind : undefined,
        path.odd ? 'odd path id' : undefined,
      ];
      return {
        method: contract.method,
        path: path.path,
        query: query.map(([k, v]) => `${k}=${v}`).join('&'),
        headers,
        ...(body.body !== undefined ? { body: body.body } : {}),
        kind: kinds.filter(Boolean).join(', ') || 'valid',
      };
    });
}
