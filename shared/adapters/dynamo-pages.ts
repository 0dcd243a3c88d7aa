/**
 * Paging over DynamoDB queries with opaque cursors. A cursor is the query's LastEvaluatedKey,
 * base64url-encoded; a cursor that does not decode to a key of the same collection is a 400.
 */
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../core/errors.js';
import type { Page } from '../core/ports.js';

type Key = Record<string, string>;

export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;
}

const badCursor = () =>
  new ValidationError('invalid cursor', [
    { path: 'cursor', message: 'not a cursor returned by this listing' },
  ]);

/** Decodes a cursor and checks it belongs to the collection queried (same key names and partition). */
export function decodeCursor(
  cursor: string | undefined,
  expected: { keyNames: string[]; partition: [string, string] },
): Key | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw badCursor();
  const entries = Object.entries(key);
  const names = entries.map(([name]) => name).sort();
  if (
    names.length !== expected.keyNames.length ||
    !expected.keyNames.every((name) => names.includes(name)) ||
    entries.some(([, value]) => typeof value !== 'string' || value.length > 1024) ||
    (key as Key)[expected.partition[0]] !== expected.partition[1]
  ) {
    throw badCursor();
  }
  return key as Key;
}

/**
 * Runs a query until `limit` items pass its filter or the collection ends, reading at most
 * `maxPages` pages so that a sparse filter cannot make one request unbounded; the cursor then
 * lets the caller go on.
 */
export async function queryPage<T>(
  client: DynamoDBDocumentClient,
  input: QueryCommandInput & { IndexName?: string },
  options: {
    limit: number;
    cursor: string | undefined;
    keyNames: string[];
    partition: [string, string];
    map: (item: Record<string, unknown>) => T;
    maxPages?: number;
  },
): Promise<Page<T>> {
  const items: T[] = [];
  let startKey: Record<string, unknown> | undefined = decodeCursor(options.cursor, options);
  const maxPages = options.maxPages ?? 10;
  for (let page = 0; page < maxPages; page++) {
    const result = await client.send(
      new QueryCommand({
        ...input,
        Limit: options.limit - items.length,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of result.Items ?? []) items.push(options.map(item));
    startKey = result.LastEvaluatedKey;
    if (!startKey || items.length >= options.limit) break;
  }
  return { items, nextCursor: encodeCursor(startKey) };
}

/**
 * The items of a query across its pages, until the query ends or `limit` items have passed its
 * filter (each page asks for no more than are still wanted).
 */
export async function queryAll(
  client: DynamoDBDocumentClient,
  input: QueryCommandInput,
  limit = Number.POSITIVE_INFINITY,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const wanted = limit - items.length;
    const result = await client.send(
      new QueryCommand({
        ...input,
        ...(Number.isFinite(wanted) ? { Limit: wanted } : {}),
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(result.Items ?? []));
    startKey = result.LastEvaluatedKey;
  } while (startKey && items.length < limit);
  return items;
}

/** Counts the items of a query across all its pages. */
export async function countAll(
  client: DynamoDBDocumentClient,
  input: QueryCommandInput,
): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await client.send(
      new QueryCommand({ ...input, Select: 'COUNT', ExclusiveStartKey: startKey }),
    );
    count += result.Count ?? 0;
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return count;
}

export const isConditionFailure = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';
