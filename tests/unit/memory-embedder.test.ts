/** The local hashing embedder: deterministic, normalised, lexical; and what it cannot find. */
import { describe, expect, it } from 'vitest';
import { LocalHashEmbedder } from '../../shared/adapters/embeddings/local-hash-embedder.js';
import { tokenise } from '../../shared/core/memory/text-analysis.js';
import { cosine } from '../../shared/core/memory/vector-search.js';

const embedder = new LocalHashEmbedder();
const similarity = (a: string, b: string) => cosine(embedder.embedText(a), embedder.embedText(b));
const norm = (v: Float32Array) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));

describe('LocalHashEmbedder', () => {
  it('has 256 dimensions by default and names its vector space by them', () => {
    // Assess
    expect(embedder.dimensions).toBe(256);
    expect(embedder.id).toBe('local:hash-v1:256');
    expect(new LocalHashEmbedder(64).id).toBe('local:hash-v1:64');
  });

  it('is deterministic: the same text gives the same vector, across instances', async () => {
    // Prepare
    const text = 'Deployments to eu-west-1 need the staging approval first.';

    // Act
    const [a] = await embedder.embed([text]);
    const b = new LocalHashEmbedder().embedText(text);

    // Assess
    expect(Array.from(a as Float32Array)).toEqual(Array.from(b));
    // A fixed fingerprint: a change of the hashing (which would leave stored vectors in
    // another space under the same id) shows here.
    const fingerprint = Array.from(b).reduce((sum, x, i) => sum + x * (i + 1), 0);
    expect(fingerprint).toBeCloseTo(80.848, 2);
    expect(b[1]).toBeCloseTo(-0.23685, 4);
  });

  it('returns unit-length vectors of its dimensions, one per text, in order', async () => {
    // Act
    const vectors = await new LocalHashEmbedder(128).embed([
      'alpha beta',
      'gamma',
      'x'.repeat(5000),
    ]);

    // Assess
    expect(vectors).toHaveLength(3);
    for (const vector of vectors) {
      expect(vector).toHaveLength(128);
      expect(norm(vector)).toBeCloseTo(1, 5);
    }
    expect(cosine(vectors[0] as Float32Array, vectors[1] as Float32Array)).toBeLessThan(0.5);
  });

  it('scores similar texts higher than unrelated ones', () => {
    // Prepare
    const query = 'the deployment failed because the IAM role lacks permission';
    const similar = 'deployment failed: IAM role permission missing';
    const related = 'the IAM role for the deployment';
    const unrelated = 'my cat likes to sleep on the sofa in the afternoon';

    // Act
    const scores = {
      similar: similarity(query, similar),
      related: similarity(query, related),
      unrelated: similarity(query, unrelated),
    };

    // Assess
    expect(scores.similar).toBeGreaterThan(0.5);
    expect(scores.related).toBeGreaterThan(scores.unrelated + 0.2);
    expect(scores.similar).toBeGreaterThan(scores.unrelated + 0.3);
    expect(Math.abs(scores.unrelated)).toBeLessThan(0.25);
  });

  it('ignores case, punctuation and accents', () => {
    // Assess
    expect(similarity('The Quick, Brown FOX!', 'the quick brown fox')).toBeCloseTo(1, 5);
    expect(similarity('Café résumé', 'cafe resume')).toBeCloseTo(1, 5);
  });

  it('matches shared stems and small spelling differences through character 3-grams', () => {
    // Assess: no word in common, yet overlap
    expect(similarity('invoices', 'invoice')).toBeGreaterThan(0.3);
    expect(similarity('colour', 'color')).toBeGreaterThan(0.15);
    expect(
      similarity('migrating the postgres database', 'database migration postgres'),
    ).toBeGreaterThan(0.5);
  });

  it('weighs word order only a little (pairs of words)', () => {
    // Prepare
    const same = similarity('dog bites man', 'dog bites man');
    const swapped = similarity('dog bites man', 'man bites dog');

    // Assess
    expect(swapped).toBeLessThan(same);
    expect(swapped).toBeGreaterThan(0.7);
  });

  it('weighs stop words less than content words', () => {
    // Prepare: one shared content word versus one shared stop word
    const content = similarity('kubernetes cluster alpha', 'kubernetes bravo charlie');
    const stop = similarity('the cluster alpha', 'the bravo charlie');

    // Assess
    expect(content).toBeGreaterThan(stop + 0.15);
  });

  describe('documented limits: lexical overlap, not meaning', () => {
    it('does not match synonyms', () => {
      // Assess
      expect(Math.abs(similarity('car', 'automobile'))).toBeLessThan(0.2);
      expect(Math.abs(similarity('physician', 'doctor'))).toBeLessThan(0.2);
    });

    it('does not match translations', () => {
      // Assess
      expect(similarity('the meeting is on Monday', 'la réunion est lundi')).toBeLessThan(0.2);
    });

    it('gives a zero vector (score 0 with everything) to text without letters or digits', () => {
      // Act
      const vector = embedder.embedText('!!! ??? ...');

      // Assess
      expect(norm(vector)).toBe(0);
      expect(cosine(vector, embedder.embedText('anything'))).toBe(0);
    });
  });

  it('refuses dimensions it does not support', () => {
    // Assess
    expect(() => new LocalHashEmbedder(8)).toThrow(/16 to 4096/);
    expect(() => new LocalHashEmbedder(100.5)).toThrow(/integer/);
  });
});

describe('tokenise', () => {
  it('splits on anything but letters and digits, lower-cased, accents removed, any script', () => {
    // Assess
    expect(tokenise("Hello, World! It's 2025 — naïve Straße 東京")).toEqual([
      'hello',
      'world',
      'it',
      's',
      '2025',
      'naive',
      'straße',
      '東京',
    ]);
    expect(tokenise('   ')).toEqual([]);
  });
});
