/**
 * The cost meter's own arithmetic: index write units by projection, Lambda GB-s and X-Ray
 * sampling, attribution to the invoking function, exclusion, and pricing a snapshot.
 */
import { describe, expect, it } from 'vitest';
import { bill, perMillion } from '../../bench/cost/bill.js';
import { PRICES } from '../../bench/cost/prices.js';
import { CostMeter } from '../../local/cost-meter.js';
import { indexWriteUnits } from '../../local/dynalite-capacity.js';

/** dynalite's size rule, enough for these items: attribute names plus string values. */
const db = {
  itemSize: (item: Record<string, Record<string, unknown>>) =>
    Object.entries(item).reduce((n, [name, value]) => n + name.length + String(value.S).length, 0),
};
const s = (value: string) => ({ S: value });

const table = (projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE', nonKey?: string[]) => ({
  TableName: 't',
  KeySchema: [{ AttributeName: 'pk' }, { AttributeName: 'sk' }],
  GlobalSecondaryIndexes: [
    {
      IndexName: 'gsi1',
      KeySchema: [{ AttributeName: 'g1pk' }, { AttributeName: 'g1sk' }],
      Projection: { ProjectionType: projection, ...(nonKey ? { NonKeyAttributes: nonKey } : {}) },
    },
  ],
});

const base = { pk: s('TASK#1'), sk: s('TASK'), g1pk: s('TASKS'), g1sk: s('1') };

describe('indexWriteUnits', () => {
  it('charges a new item its projection, rounded up to a KB', () => {
    const item = { ...base, data: s('x'.repeat(3000)) };
    expect(indexWriteUnits(db, table('ALL'), undefined, item)).toEqual({ gsi1: 3 });
    expect(indexWriteUnits(db, table('KEYS_ONLY'), undefined, item)).toEqual({ gsi1: 1 });
  });

  it('charges nothing when an update leaves the projection as it was', () => {
    const before = { ...base, status: s('queued'), data: s('a') };
    const after = { ...base, status: s('running'), data: s('b') };
    expect(indexWriteUnits(db, table('KEYS_ONLY'), before, after)).toEqual({});
    expect(indexWriteUnits(db, table('INCLUDE', ['status']), before, after)).toEqual({
      gsi1: 1,
    });
    expect(indexWriteUnits(db, table('ALL'), before, after)).toEqual({ gsi1: 1 });
  });

  it('charges a move to another index key as a delete and a put', () => {
    const before = { ...base, data: s('a') };
    const after = { ...base, g1sk: s('2'), data: s('a') };
    expect(indexWriteUnits(db, table('KEYS_ONLY'), before, after)).toEqual({ gsi1: 2 });
  });

  it('charges an item leaving the index (a key removed, or the item deleted) one delete', () => {
    const { g1sk: _dropped, ...unindexed } = base;
    expect(indexWriteUnits(db, table('ALL'), base, unindexed)).toEqual({ gsi1: 1 });
    expect(indexWriteUnits(db, table('ALL'), base, null)).toEqual({ gsi1: 1 });
  });

  it('charges nothing for an item that is in no index before or after', () => {
    const { g1pk: _dropped, ...unindexed } = base;
    expect(indexWriteUnits(db, table('ALL'), undefined, unindexed)).toEqual({});
  });
});

describe('CostMeter', () => {
  const functions = new Map([
    ['worker', { memoryMb: 1024, activeTracing: true }],
    ['api', { memoryMb: 512, activeTracing: false }],
  ]);

  it('counts nothing before the first reset, and everything after', () => {
    const meter = new CostMeter(functions);
    meter.add('worker', 'sqs', 'SendMessage', { 'sqs.request': 1 });
    expect(meter.snapshot().rows).toEqual([]);
    meter.reset();
    meter.add('worker', 'sqs', 'SendMessage', { 'sqs.request': 1 });
    meter.add('worker', 'sqs', 'SendMessage', { 'sqs.request': 2 });
    expect(meter.snapshot().rows).toEqual([
      {
        fn: 'worker',
        service: 'sqs',
        operation: 'SendMessage',
        calls: 2,
        units: { 'sqs.request': 3 },
      },
    ]);
    expect(meter.snapshot().activity).toBe(3);
  });

  it('attributes work to the invocation it runs in, and leaves excluded work out', async () => {
    const meter = new CostMeter(functions);
    meter.reset();
    await meter.run('api', async () => {
      await Promise.resolve();
      expect(meter.current()).toBe('api');
    });
    expect(meter.current()).toBe('runtime');
    await meter.exclude(async () => {
      meter.add('api', 'dynamodb', 'GetItem', { 'dynamodb.read': 1 });
    });
    expect(meter.snapshot().rows).toEqual([]);
  });

  it('bills an invocation its duration at the function memory, rounded up to a millisecond', () => {
    const meter = new CostMeter(functions);
    meter.reset();
    meter.invocation('api', 99.2, 0);
    const lambda = meter.snapshot().rows.find((r) => r.service === 'lambda');
    expect(lambda?.units['lambda.request']).toBe(1);
    expect(lambda?.units['lambda.gbSecond']).toBeCloseTo(0.1 * 0.5, 10);
    // No active tracing for api: no trace sampled.
    expect(meter.snapshot().rows.some((r) => r.service === 'xray')).toBe(false);
  });

  it("samples traces as Lambda does: each second's first invocation, then one in twenty", () => {
    const meter = new CostMeter(functions);
    meter.reset();
    for (let i = 0; i < 41; i++) meter.invocation('worker', 1, 5_000);
    meter.invocation('worker', 1, 6_000);
    const xray = meter.snapshot().rows.find((r) => r.service === 'xray');
    expect(xray?.units['xray.trace']).toBe(1 + 2 + 1);
  });

  it('prices a snapshot by dimension and per million', () => {
    const meter = new CostMeter(functions);
    meter.reset();
    meter.add('api', 'dynamodb', 'PutItem', { 'dynamodb.write': 4, 'dynamodb.indexWrite': 3 });
    meter.add('api', 'eventbridge', 'PutEvents', { 'eventbridge.event': 2 });
    const priced = bill(meter.snapshot());
    const expected = 4 * PRICES['dynamodb.write'].usd + 2 * PRICES['eventbridge.event'].usd;
    expect(priced.usd).toBeCloseTo(expected, 15);
    expect(priced.byService.get('dynamodb')).toBeCloseTo(4 * PRICES['dynamodb.write'].usd, 15);
    // Informational dimensions are never priced.
    expect(perMillion(priced.usd, 2)).toBeCloseTo((expected / 2) * 1e6, 9);
  });
});
