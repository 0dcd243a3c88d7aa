/**
 * The one interface every embedder implements (local hashing, Bedrock Titan, OpenAI-compatible
 * servers). Failures are `ModelCallError`s, like model calls: the reason says whether to retry.
 */

export interface Embedder {
  /**
   * Names the vector space, e.g. `local:hash-v1:256` or `bedrock:amazon.titan-embed-text-v2:0:1024`.
   * Vectors of different ids are never compared; changing the embedder leaves earlier memories
   * out of searches until they are written again.
   */
  readonly id: string;
  readonly dimensions: number;
  /** One L2-normalised vector of `dimensions` numbers per text, in order. */
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** Scales a vector to length 1 in place (a zero vector stays zero) and returns it. */
export function normaliseInPlace(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i] as number;
    sum += x * x;
  }
  if (sum > 0) {
    const inverse = 1 / Math.sqrt(sum);
    for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) * inverse;
  }
  return vector;
}
