/**
 * A latency sketch (shared/core/observability/latency-sketch.ts) as attributes of an item: one
 * number per bin (`lp<key>`, `ln<key>` for a negative key) and `lz` for zeros, each grown by
 * DynamoDB `ADD`, so concurrent writers merge their sketches in place and lose nothing.
 */
import {
  addToSketch,
  emptySketch,
  isBinKey,
  type LatencySketch,
} from '../core/observability/latency-sketch.js';

const SKETCH_ATTRIBUTE = /^l(?:p\d{1,5}|n\d{1,5}|z)$/;

export const isSketchAttribute = (name: string): boolean => SKETCH_ATTRIBUTE.test(name);

const attributeOf = (key: string): string =>
  key.startsWith('-') ? `ln${key.slice(1)}` : `lp${key}`;

/** The attribute that counts a latency of `latencyMs` (what a stored bucket shows for it). */
export function sketchAttributeOf(latencyMs: number): string {
  const sketch = emptySketch();
  addToSketch(sketch, latencyMs);
  const [key] = Object.keys(sketch.bins);
  return key === undefined ? 'lz' : attributeOf(key);
}

/**
 * The `ADD` clauses of a sketch, with their values placed in `values` under `:<tag><n>`. Empty
 * bins add nothing.
 */
export function sketchAdds(
  sketch: LatencySketch,
  values: Record<string, unknown>,
  tag = 'l',
): string[] {
  const adds: string[] = [];
  Object.entries(sketch.bins).forEach(([key, count], i) => {
    if (!count || !isBinKey(key)) return;
    values[`:${tag}${i}`] = count;
    adds.push(`${attributeOf(key)} :${tag}${i}`);
  });
  if (sketch.zeros) {
    values[`:${tag}z`] = sketch.zeros;
    adds.push(`lz :${tag}z`);
  }
  return adds;
}

/** The sketch an item's attributes hold (none: an empty one). */
export function sketchOfItem(item: Record<string, unknown>): LatencySketch {
  const sketch = emptySketch();
  for (const [name, value] of Object.entries(item)) {
    if (!isSketchAttribute(name) || typeof value !== 'number') continue;
    if (name === 'lz') sketch.zeros += value;
    else sketch.bins[name.startsWith('ln') ? `-${name.slice(2)}` : name.slice(2)] = value;
  }
  return sketch;
}
