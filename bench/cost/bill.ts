/**
 * Prices a meter snapshot (local/cost-meter.ts) with bench/cost/prices.ts: per row, per service,
 * in total, and per task or per workflow step.
 */
import type {
  Dimension,
  MeterRow,
  MeterSnapshot,
  PricedDimension,
} from '../../local/cost-meter.js';
import { PRICES } from './prices.js';

export interface PricedRow extends MeterRow {
  usd: number;
}

export interface Bill {
  rows: PricedRow[];
  byService: Map<string, number>;
  usd: number;
}

/** The service a row is billed under (a Lambda's log bytes are CloudWatch's, and so on). */
export function billedService(row: MeterRow): string {
  if (row.service === 'logs') return 'cloudwatch-logs';
  return row.service;
}

export function priceRow(row: MeterRow): number {
  let usd = 0;
  for (const [dimension, value] of Object.entries(row.units) as [Dimension, number][]) {
    const price = PRICES[dimension as PricedDimension];
    if (price) usd += value * price.usd;
  }
  return usd;
}

export function bill(snapshot: MeterSnapshot): Bill {
  const rows = snapshot.rows.map((row) => ({ ...row, usd: priceRow(row) }));
  const byService = new Map<string, number>();
  for (const row of rows) {
    const service = billedService(row);
    byService.set(service, (byService.get(service) ?? 0) + row.usd);
  }
  return { rows, byService, usd: rows.reduce((sum, row) => sum + row.usd, 0) };
}

/** USD per million of `per` (tasks or steps) for a bill covering `count` of them. */
export const perMillion = (usd: number, count: number): number =>
  count > 0 ? (usd / count) * 1_000_000 : 0;
