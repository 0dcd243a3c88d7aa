/**
 * Brute-force cosine top-k over int8 vectors. A namespace's vectors are read into one compact
 * block (typed arrays, no object per memory), and scored against a float query vector; a bounded
 * min-heap keeps the best candidates. At 256 dimensions this is a few milliseconds per 10 000
 * memories, far below the cost of reading them.
 */

/** The vectors of one namespace (for one embedder), newest memory first. */
export interface VectorBlock {
  dimensions: number;
  ids: string[];
  /** `ids.length * dimensions` int8 values, vector after vector. */
  values: Int8Array;
  /** 1 / |v| of each int8 vector (0 for a zero vector). */
  inverseNorms: Float32Array;
  /** When each memory expires, epoch ms (rounded up to the second); 0 when never. */
  expiresAtMs: Float64Array;
  /** False when reading stopped at a bound before the end of the namespace. */
  complete: boolean;
}

/** Builds a VectorBlock one vector at a time, growing its arrays as needed. */
export class VectorBlockBuilder {
  private ids: string[] = [];
  private values: Int8Array;
  private inverseNorms: Float32Array;
  private expires: Float64Array;

  constructor(
    readonly dimensions: number,
    initialCapacity = 256,
  ) {
    this.values = new Int8Array(initialCapacity * dimensions);
    this.inverseNorms = new Float32Array(initialCapacity);
    this.expires = new Float64Array(initialCapacity);
  }

  get size(): number {
    return this.ids.length;
  }

  /** Adds a vector; one of another length (another configuration) is skipped: returns false. */
  add(id: string, vector: Int8Array, expiresAtMs = 0): boolean {
    if (vector.length !== this.dimensions) return false;
    const index = this.ids.length;
    if (index === this.inverseNorms.length) this.grow();
    this.values.set(vector, index * this.dimensions);
    let sum = 0;
    for (let i = 0; i < vector.length; i++) {
      const x = vector[i] as number;
      sum += x * x;
    }
    this.inverseNorms[index] = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    this.expires[index] = expiresAtMs;
    this.ids.push(id);
    return true;
  }

  build(complete: boolean): VectorBlock {
    const n = this.ids.length;
    return {
      dimensions: this.dimensions,
      ids: this.ids,
      values: this.values.slice(0, n * this.dimensions),
      inverseNorms: this.inverseNorms.slice(0, n),
      expiresAtMs: this.expires.slice(0, n),
      complete,
    };
  }

  private grow(): void {
    const capacity = this.inverseNorms.length * 2;
    const values = new Int8Array(capacity * this.dimensions);
    values.set(this.values);
    const norms = new Float32Array(capacity);
    norms.set(this.inverseNorms);
    const expires = new Float64Array(capacity);
    expires.set(this.expires);
    this.values = values;
    this.inverseNorms = norms;
    this.expires = expires;
  }
}

/** Cosine similarity of two float vectors (0 when either is zero). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`vectors of ${a.length} and ${b.length} dimensions`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

export interface Candidate<T> {
  score: number;
  /** Ties are broken by key, greater first (memory ids are ULIDs: newer first). */
  key: string;
  value: T;
}

const better = <T>(a: Candidate<T>, b: Candidate<T>): boolean =>
  a.score > b.score || (a.score === b.score && a.key > b.key);

/** The best `capacity` candidates seen, by score: a min-heap whose root is the worst kept. */
export class TopK<T> {
  private readonly heap: Candidate<T>[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('capacity must be >= 1');
  }

  /** The score a candidate must beat to be kept (-Infinity while there is room). */
  get threshold(): number {
    return this.heap.length < this.capacity ? Number.NEGATIVE_INFINITY : (this.heap[0]?.score ?? 0);
  }

  offer(candidate: Candidate<T>): void {
    const heap = this.heap;
    if (heap.length < this.capacity) {
      heap.push(candidate);
      this.up(heap.length - 1);
    } else if (better(candidate, heap[0] as Candidate<T>)) {
      heap[0] = candidate;
      this.down(0);
    }
  }

  /** Best first. */
  sorted(): Candidate<T>[] {
    return [...this.heap].sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  }

  private up(index: number): void {
    const heap = this.heap;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!better(heap[parent] as Candidate<T>, heap[i] as Candidate<T>)) break;
      [heap[parent], heap[i]] = [heap[i] as Candidate<T>, heap[parent] as Candidate<T>];
      i = parent;
    }
  }

  private down(index: number): void {
    const heap = this.heap;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (left < heap.length && better(heap[worst] as Candidate<T>, heap[left] as Candidate<T>)) {
        worst = left;
      }
      if (right < heap.length && better(heap[worst] as Candidate<T>, heap[right] as Candidate<T>)) {
        worst = right;
      }
      if (worst === i) return;
      [heap[worst], heap[i]] = [heap[i] as Candidate<T>, heap[worst] as Candidate<T>];
      i = worst;
    }
  }
}

/**
 * Scores the first `count` vectors of a block against a query (unit length), offering those
 * at or above `minScore` and not expired at `nowMs` to `top`. Returns how many were compared.
 */
export function scoreBlock<T>(
  query: Float32Array,
  block: VectorBlock,
  options: {
    count: number;
    nowMs: number;
    minScore: number;
    top: TopK<T>;
    value: (index: number) => T;
  },
): number {
  const { dimensions, values, inverseNorms, expiresAtMs, ids } = block;
  if (query.length !== dimensions) return 0;
  const count = Math.min(options.count, ids.length);
  for (let i = 0; i < count; i++) {
    const expires = expiresAtMs[i] as number;
    if (expires !== 0 && expires <= options.nowMs) continue;
    const offset = i * dimensions;
    let dot = 0;
    for (let d = 0; d < dimensions; d++)
      dot += (query[d] as number) * (values[offset + d] as number);
    const score = dot * (inverseNorms[i] as number);
    if (score < options.minScore || score < options.top.threshold) continue;
    options.top.offer({ score, key: ids[i] as string, value: options.value(i) });
  }
  return count;
}
