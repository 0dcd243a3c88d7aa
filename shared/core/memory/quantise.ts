/**
 * Embeddings are stored as int8 with one float scale per vector: 1 byte a dimension instead of 4
 * (or ~20 as a DynamoDB number list), which keeps a namespace's vectors compact to read.
 * Symmetric quantisation: `scale = max|x| / 127`, `q = round(x / scale)`; the error per
 * dimension is at most `scale / 2`. Cosine similarity is computed on the int8 values directly
 * (the scale cancels out of it).
 */

export interface QuantisedVector {
  values: Int8Array;
  scale: number;
}

export function quantise(vector: Float32Array | readonly number[]): QuantisedVector {
  let maxAbs = 0;
  for (let i = 0; i < vector.length; i++) {
    const x = Math.abs(vector[i] as number);
    if (!Number.isFinite(x)) throw new Error(`cannot quantise a vector with ${vector[i]} in it`);
    if (x > maxAbs) maxAbs = x;
  }
  const values = new Int8Array(vector.length);
  if (maxAbs === 0) return { values, scale: 0 };
  const scale = maxAbs / 127;
  for (let i = 0; i < vector.length; i++) {
    // Rounded half away from zero, so that x and -x quantise to opposite values.
    const x = (vector[i] as number) / scale;
    values[i] = Math.min(127, Math.round(Math.abs(x))) * Math.sign(x);
  }
  return { values, scale };
}

export function dequantise({ values, scale }: QuantisedVector): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = (values[i] as number) * scale;
  return out;
}

/** The bytes stored for a quantised vector (a DynamoDB binary attribute). */
export const toBytes = (values: Int8Array): Uint8Array =>
  new Uint8Array(values.buffer, values.byteOffset, values.byteLength);

export const fromBytes = (bytes: Uint8Array): Int8Array =>
  new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
