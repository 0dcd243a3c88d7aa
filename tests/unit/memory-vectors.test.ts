/** Quantisation, cosine similarity, top-k, vector blocks and the per-process vector cache. */
import { describe, expect, it } from 'vitest';
import { LocalHashEmbedder } from '../../shared/adapters/embeddings/local-hash-embedder.js';
import { normaliseInPlace } from '../../shared/core/memory/embedder.js';
import { dequantise, fromBytes, quantise, toBytes } from '../../shared/core/memory/quantise.js';
import { VectorCache } from '../../shared/core/memory/vector-cache.js';
import {
  cosine,
  scoreBlock,
  TopK,
  type VectorBlock,
  VectorBlockBuilder,
} from '../../shared/core/memory/vector-search.js';

/** Deterministic pseudo-random unit vectors. */
function randomUnit(dimensions: number, seed: number): Float32Array {
  let state = seed;
  const next = () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  return normaliseInPlace(Float32Array.from({ length: dimensions }, next));
}

function blockOf(vectors: Float32Array[], expires: number[] = []): VectorBlock {
  const builder = new VectorBlockBuilder(vectors[0]?.length ?? 4, 2);
  vectors.forEach((vector, i) => {
    builder.add(`id-${String(i).padStart(4, '0')}`, quantise(vector).values, expires[i] ?? 0);
  });
  return builder.build(true);
}

describe('quantise', () => {
  it('round-trips a unit vector within half a step per dimension', () => {
    // Prepare
    const vector = randomUnit(256, 7);

    // Act
    const q = quantise(vector);
    const back = dequantise(q);

    // Assess
    expect(q.values).toBeInstanceOf(Int8Array);
    expect(Math.max(...Array.from(q.values).map(Math.abs))).toBe(127);
    for (let i = 0; i < vector.length; i++) {
      expect(Math.abs((back[i] as number) - (vector[i] as number))).toBeLessThanOrEqual(
        q.scale / 2 + 1e-7,
      );
    }
    expect(cosine(vector, back)).toBeGreaterThan(0.999);
  });

  it('keeps a zero vector zero, with scale 0', () => {
    // Act
    const q = quantise(new Float32Array(8));

    // Assess
    expect(q.scale).toBe(0);
    expect(Array.from(dequantise(q))).toEqual(new Array(8).fill(0));
  });

  it('refuses non-finite values', () => {
    // Assess
    expect(() => quantise([0.5, Number.NaN])).toThrow(/NaN/);
    expect(() => quantise([Number.POSITIVE_INFINITY])).toThrow(/Infinity/);
  });

  it('stores as bytes and reads back the same int8 values', () => {
    // Prepare
    const { values } = quantise([-1, -0.5, 0, 0.5, 1]);

    // Act
    const bytes = toBytes(values);
    const copy = fromBytes(Uint8Array.from(bytes));

    // Assess
    expect(bytes.byteLength).toBe(5);
    expect(Array.from(copy)).toEqual([-127, -64, 0, 64, 127]);
  });

  it('keeps the ranking of real embeddings', () => {
    // Prepare
    const embedder = new LocalHashEmbedder();
    const query = embedder.embedText('rotate the database credentials every month');
    const texts = [
      'database credentials rotation schedule',
      'monthly rotation of secrets',
      'the cafeteria menu for friday',
      'rotate credentials',
    ];
    const exact = texts.map((t) => cosine(query, embedder.embedText(t)));

    // Act
    const quantised = texts.map((t) => cosine(query, dequantise(quantise(embedder.embedText(t)))));

    // Assess
    const order = (scores: number[]) => scores.map((s, i) => [s, i]).sort((a, b) => b[0]! - a[0]!);
    expect(order(quantised).map(([, i]) => i)).toEqual(order(exact).map(([, i]) => i));
    quantised.forEach((score, i) => {
      expect(score).toBeCloseTo(exact[i] as number, 2);
    });
  });
});

describe('cosine', () => {
  it('is 1 for the same direction, -1 for the opposite, 0 for orthogonal or zero vectors', () => {
    // Assess
    expect(cosine([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 10);
    expect(cosine([1, 2, 3], [-1, -2, -3])).toBeCloseTo(-1, 10);
    expect(cosine([1, 0], [0, 1])).toBe(0);
    expect(cosine([0, 0], [1, 1])).toBe(0);
  });

  it('refuses vectors of different lengths', () => {
    // Assess
    expect(() => cosine([1, 2], [1, 2, 3])).toThrow(/2 and 3/);
  });
});

describe('TopK', () => {
  it('keeps the k best by score, best first, ties broken by key (greater first)', () => {
    // Prepare
    const top = new TopK<string>(3);
    const scores = [0.1, 0.9, 0.5, 0.7, 0.3, 0.7, -0.2];

    // Act
    scores.forEach((score, i) => {
      top.offer({ score, key: `k${i}`, value: `v${i}` });
    });

    // Assess
    expect(top.sorted().map((c) => [c.key, c.score])).toEqual([
      ['k1', 0.9],
      ['k5', 0.7],
      ['k3', 0.7],
    ]);
    expect(top.threshold).toBe(0.7);
  });

  it('agrees with a full sort on many random scores', () => {
    // Prepare
    const top = new TopK<number>(10);
    const all: { score: number; key: string }[] = [];
    for (let i = 0; i < 2000; i++) {
      const score = Math.sin(i * 12.9898) * 43_758.5453;
      const candidate = { score: score - Math.floor(score), key: String(i).padStart(5, '0') };
      all.push(candidate);
      top.offer({ ...candidate, value: i });
    }

    // Act
    const expected = all
      .sort((a, b) => b.score - a.score || (a.key < b.key ? 1 : -1))
      .slice(0, 10)
      .map((c) => c.key);

    // Assess
    expect(top.sorted().map((c) => c.key)).toEqual(expected);
  });

  it('has no threshold while it has room, and refuses a capacity below 1', () => {
    // Assess
    expect(new TopK(2).threshold).toBe(Number.NEGATIVE_INFINITY);
    expect(() => new TopK(0)).toThrow(/capacity/);
  });
});

describe('VectorBlockBuilder and scoreBlock', () => {
  it('scores cosine similarity from int8 vectors, best first', () => {
    // Prepare
    const vectors = Array.from({ length: 50 }, (_, i) => randomUnit(64, i + 1));
    const block = blockOf(vectors);
    const query = vectors[17] as Float32Array;
    const top = new TopK<number>(3);

    // Act
    const compared = scoreBlock(query, block, {
      count: 1000,
      nowMs: 0,
      minScore: -1,
      top,
      value: (i) => i,
    });

    // Assess
    expect(compared).toBe(50);
    const best = top.sorted();
    expect(best[0]?.value).toBe(17);
    expect(best[0]?.score).toBeGreaterThan(0.999);
    const exact = vectors.map((v) => cosine(query, v));
    best.forEach((candidate) => {
      expect(candidate.score).toBeCloseTo(exact[candidate.value] as number, 2);
    });
  });

  it('compares only the first `count` vectors (the bound) and says how many it compared', () => {
    // Prepare
    const vectors = Array.from({ length: 30 }, (_, i) => randomUnit(16, i + 100));
    const top = new TopK<number>(30);

    // Act
    const compared = scoreBlock(vectors[29] as Float32Array, blockOf(vectors), {
      count: 10,
      nowMs: 0,
      minScore: -1,
      top,
      value: (i) => i,
    });

    // Assess
    expect(compared).toBe(10);
    expect(top.sorted().every((c) => c.value < 10)).toBe(true);
  });

  it('leaves out vectors below minScore and vectors expired at the given time', () => {
    // Prepare
    const a = normaliseInPlace(Float32Array.from([1, 0, 0, 0]));
    const b = normaliseInPlace(Float32Array.from([1, 1, 0, 0]));
    const c = normaliseInPlace(Float32Array.from([0, 1, 0, 0]));
    const block = blockOf([a, b, c, a], [0, 0, 0, 5_000]);
    const run = (minScore: number, nowMs: number) => {
      const top = new TopK<number>(10);
      scoreBlock(a, block, { count: 10, nowMs, minScore, top, value: (i) => i });
      return top.sorted().map((x) => x.value);
    };

    // Assess
    expect(run(0.5, 4_999)).toEqual([3, 0, 1]);
    expect(run(0.5, 5_000)).toEqual([0, 1]);
    expect(run(0.9, 0)).toEqual([3, 0]);
    expect(run(-1, 10_000)).toEqual([0, 1, 2]);
  });

  it('skips vectors of another length and a query of another length', () => {
    // Prepare
    const builder = new VectorBlockBuilder(4);

    // Act
    const added = [
      builder.add('a', Int8Array.from([1, 2, 3, 4])),
      builder.add('b', Int8Array.from([1, 2, 3])),
    ];
    const block = builder.build(true);
    const top = new TopK<number>(1);

    // Assess
    expect(added).toEqual([true, false]);
    expect(block.ids).toEqual(['a']);
    expect(
      scoreBlock(new Float32Array(3), block, {
        count: 10,
        nowMs: 0,
        minScore: -1,
        top,
        value: (i) => i,
      }),
    ).toBe(0);
  });

  it('grows past its initial capacity without losing vectors', () => {
    // Prepare
    const builder = new VectorBlockBuilder(3, 1);

    // Act
    for (let i = 0; i < 100; i++) builder.add(`v${i}`, Int8Array.from([i, -i, 1]), i);
    const block = builder.build(false);

    // Assess
    expect(block.ids).toHaveLength(100);
    expect(Array.from(block.values.slice(99 * 3))).toEqual([99, -99, 1]);
    expect(block.expiresAtMs[42]).toBe(42);
    expect(block.inverseNorms[0]).toBe(1);
    expect(block.complete).toBe(false);
  });
});

describe('VectorCache', () => {
  const block = (n: number, complete = true): VectorBlock => {
    const builder = new VectorBlockBuilder(2);
    for (let i = 0; i < n; i++) builder.add(`id${i}`, Int8Array.from([1, i % 127]));
    return builder.build(complete);
  };

  it('answers only at the version it was filled at', () => {
    // Prepare
    const cache = new VectorCache();
    const key = VectorCache.key('owner', 'default', 'local:hash-v1:256');
    cache.set(key, 3, block(5));

    // Assess
    expect(cache.get(key, 3, 100)?.ids).toHaveLength(5);
    expect(cache.get(key, 4, 100)).toBeUndefined();
    expect(cache.get(VectorCache.key('owner', 'other', 'local:hash-v1:256'), 3, 1)).toBeUndefined();
    expect([cache.hits, cache.misses]).toEqual([1, 2]);
  });

  it('answers with an incomplete block only when the search needs no more than it holds', () => {
    // Prepare
    const cache = new VectorCache();
    cache.set('k', 1, block(10, false));

    // Assess
    expect(cache.get('k', 1, 10)).toBeDefined();
    expect(cache.get('k', 1, 11)).toBeUndefined();
  });

  it('drops the least recently used blocks beyond its budget of bytes', () => {
    // Prepare: room for 25 vectors of 2 dimensions
    const perVector = VectorCache.bytesOf(block(1));
    const cache = new VectorCache(25 * perVector);
    cache.set('a', 1, block(10));
    cache.set('b', 1, block(10));
    cache.get('a', 1, 10);

    // Act
    cache.set('c', 1, block(10));

    // Assess
    expect(cache.get('b', 1, 10)).toBeUndefined();
    expect(cache.get('a', 1, 10)).toBeDefined();
    expect(cache.get('c', 1, 10)).toBeDefined();
    expect(cache.size).toEqual({ namespaces: 2, bytes: 20 * perVector });
  });

  it('does not keep a block larger than its whole budget, and replaces a key', () => {
    // Prepare
    const perVector = VectorCache.bytesOf(block(1));
    const cache = new VectorCache(5 * perVector);
    cache.set('a', 1, block(3));

    // Act
    cache.set('a', 2, block(4));
    cache.set('big', 1, block(6));

    // Assess
    expect(cache.get('a', 1, 1)).toBeUndefined();
    expect(cache.get('a', 2, 1)?.ids).toHaveLength(4);
    expect(cache.get('big', 1, 1)).toBeUndefined();
    expect(cache.size).toEqual({ namespaces: 1, bytes: 4 * perVector });
  });
});
