/**
 * What dynalite leaves out of ConsumedCapacity, computed where it knows the answer (only while the
 * cost meter runs; see local/cost-meter.ts): dynalite reports a write's table units, but not its
 * secondary indexes' nor what a failed conditional write consumed.
 *
 * - An index write: for each global secondary index, the old and the new item as the index
 *   projects them (ALL, KEYS_ONLY or INCLUDE): the item enters the index (one write of its
 *   projection), leaves it (one delete), moves to another index key (both), or stays with a
 *   changed projection (one write of the larger); an unchanged projection costs nothing. Each is
 *   rounded up to 1 KB, as DynamoDB bills it.
 * - A failed conditional write: the existing item's size in 1 KB units, at least one.
 *
 * dynalite's write actions call `addConsumedCapacity` and then, in the same synchronous step,
 * `updateIndexes` with the table's description: the second completes the figure the first made.
 * Batch writes sum their items' `CapacityUnits`, which then include the indexes.
 */
import { createRequire } from 'node:module';

type AttributeValue = Record<string, unknown>;
type Item = Record<string, AttributeValue>;

interface IndexDescription {
  IndexName: string;
  KeySchema: { AttributeName: string }[];
  Projection: { ProjectionType?: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; NonKeyAttributes?: string[] };
}

interface TableDescription {
  TableName: string;
  KeySchema: { AttributeName: string }[];
  GlobalSecondaryIndexes?: IndexDescription[];
}

interface Capacity {
  CapacityUnits: number;
  TableName: string;
  Table?: { CapacityUnits: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits: number }>;
}

interface DynaliteDb {
  itemSize(item: Item): number;
  addConsumedCapacity(
    data: Record<string, unknown>,
    isRead: boolean,
    newItem?: Item,
    oldItem?: Item,
  ): Capacity | undefined;
  updateIndexes(
    store: unknown,
    table: TableDescription,
    existingItem: Item | undefined,
    item: Item | null | undefined,
    cb: (error?: unknown) => void,
  ): void;
  checkConditional(data: Record<string, unknown>, existingItem: Item | undefined): unknown;
}

const writeUnits = (db: DynaliteDb, item: Item) => Math.max(1, Math.ceil(db.itemSize(item) / 1024));

function project(index: IndexDescription, table: TableDescription, item: Item): Item {
  if ((index.Projection.ProjectionType ?? 'ALL') === 'ALL') return item;
  const names = new Set([
    ...table.KeySchema.map((k) => k.AttributeName),
    ...index.KeySchema.map((k) => k.AttributeName),
    ...(index.Projection.NonKeyAttributes ?? []),
  ]);
  return Object.fromEntries(Object.entries(item).filter(([name]) => names.has(name)));
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Write units each global secondary index consumes when `oldItem` becomes `newItem`. */
export function indexWriteUnits(
  db: Pick<DynaliteDb, 'itemSize'>,
  table: TableDescription,
  oldItem: Item | undefined | null,
  newItem: Item | undefined | null,
): Record<string, number> {
  const units: Record<string, number> = {};
  const size = (item: Item) => writeUnits(db as DynaliteDb, item);
  for (const index of table.GlobalSecondaryIndexes ?? []) {
    const keys = index.KeySchema.map((k) => k.AttributeName);
    const inIndex = (item: Item | undefined | null): item is Item =>
      Boolean(item) && keys.every((key) => (item as Item)[key] !== undefined);
    const before = inIndex(oldItem) ? project(index, table, oldItem) : undefined;
    const after = inIndex(newItem) ? project(index, table, newItem) : undefined;
    let consumed = 0;
    if (before && after) {
      const moved = keys.some((key) => !sameValue(before[key], after[key]));
      if (moved) consumed = size(before) + size(after);
      else if (!sameValue(before, after)) consumed = Math.max(size(before), size(after));
    } else if (after) consumed = size(after);
    else if (before) consumed = size(before);
    if (consumed) units[index.IndexName] = consumed;
  }
  return units;
}

/** Makes this process's dynalite report index writes and failed conditional writes. */
export function reportIndexCapacity(): void {
  const require = createRequire(import.meta.url);
  const db = require('dynalite/db/index.js') as DynaliteDb;
  const { addConsumedCapacity, updateIndexes, checkConditional } = db;
  // The figure the write action just made; its updateIndexes call follows synchronously.
  let pending: Capacity | undefined;
  db.addConsumedCapacity = (data, isRead, newItem, oldItem) => {
    const capacity = addConsumedCapacity(data, isRead, newItem, oldItem);
    pending = !isRead && data.ReturnConsumedCapacity === 'INDEXES' ? capacity : undefined;
    return capacity;
  };
  db.updateIndexes = (store, table, existingItem, item, cb) => {
    const capacity = pending;
    pending = undefined;
    if (capacity) {
      const units = indexWriteUnits(db, table, existingItem, item);
      const total = Object.values(units).reduce((sum, n) => sum + n, 0);
      if (total) {
        capacity.GlobalSecondaryIndexes = Object.fromEntries(
          Object.entries(units).map(([name, n]) => [name, { CapacityUnits: n }]),
        );
        capacity.CapacityUnits += total;
      }
    }
    updateIndexes(store, table, existingItem, item, cb);
  };
  db.checkConditional = (data, existingItem) => {
    const error = checkConditional(data, existingItem) as { body?: Record<string, unknown> } | null;
    if (error?.body && data.ReturnConsumedCapacity === 'INDEXES') {
      const units = existingItem ? writeUnits(db, existingItem) : 1;
      error.body.ConsumedCapacity = {
        CapacityUnits: units,
        TableName: data.TableName,
        Table: { CapacityUnits: units },
      };
    }
    return error;
  };
}
