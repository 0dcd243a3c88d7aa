/**
 * The default embedder: deterministic, local, no keys, no network. It hashes a text's features
 * into a fixed number of dimensions ("feature hashing") with a sign per feature, so that
 * collisions cancel out on average, then scales the vector to length 1:
 *
 * - words (lower-cased, accents removed; a short list of English stop words weighs less),
 * - pairs of adjacent words (some word order),
 * - character 3-grams of each word, with its boundaries (`<cat>` → `<ca`, `cat`, `at>`): shared
 *   stems, plurals and small typos still overlap.
 *
 * Repeated features count sub-linearly (1 + ln n). Similar texts share features and score
 * high; it finds lexical overlap, not meaning: synonyms, paraphrases with other words and
 * translations do not match (see the tests for its documented limits). Use Bedrock Titan or an
 * OpenAI-compatible embeddings server for semantic search.
 */
import { type Embedder, normaliseInPlace } from '../../core/memory/embedder.js';
import { tokenise } from '../../core/memory/text-analysis.js';

const WORD_WEIGHT = 1;
const STOP_WORD_WEIGHT = 0.2;
const BIGRAM_WEIGHT = 0.7;
/** Total weight of one word's character 3-grams (spread over them, as an L2 norm). */
const TRIGRAMS_WEIGHT = 0.8;

const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by do does for from had has have he her his i if in into is ' +
    'it its me my no not of on or our she so than that the their them then there these they ' +
    'this to was we were what when where which who will with you your'
  ).split(' '),
);

const MIN_DIMENSIONS = 16;
const MAX_DIMENSIONS = 4096;

export class LocalHashEmbedder implements Embedder {
  readonly id: string;

  constructor(readonly dimensions = 256) {
    if (
      !Number.isInteger(dimensions) ||
      dimensions < MIN_DIMENSIONS ||
      dimensions > MAX_DIMENSIONS
    ) {
      throw new Error(
        `local embedder dimensions must be an integer from ${MIN_DIMENSIONS} to ${MAX_DIMENSIONS}, got ${dimensions}`,
      );
    }
    this.id = `local:hash-v1:${dimensions}`;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((text) => this.embedText(text));
  }

  embedText(text: string): Float32Array {
    // feature → [summed weight, occurrences]
    const features = new Map<string, [number, number]>();
    const add = (feature: string, weight: number) => {
      const entry = features.get(feature);
      if (entry) {
        entry[0] += weight;
        entry[1]++;
      } else features.set(feature, [weight, 1]);
    };
    const words = tokenise(text);
    for (let i = 0; i < words.length; i++) {
      const word = words[i] as string;
      add(`w:${word}`, STOP_WORDS.has(word) ? STOP_WORD_WEIGHT : WORD_WEIGHT);
      if (i > 0) add(`b:${words[i - 1]} ${word}`, BIGRAM_WEIGHT);
      const bounded = `<${word}>`;
      const trigrams = bounded.length - 2;
      const weight = TRIGRAMS_WEIGHT / Math.sqrt(trigrams);
      for (let j = 0; j < trigrams; j++) add(`c:${bounded.slice(j, j + 3)}`, weight);
    }
    const vector = new Float32Array(this.dimensions);
    for (const [feature, [sum, count]] of features) {
      // Sub-linear: n occurrences of weight w count w·(1 + ln n), not n·w.
      const value = (sum / count) * (1 + Math.log(count));
      const hash = mix(fnv1a(feature));
      const index = hash % this.dimensions;
      vector[index] = (vector[index] as number) + (hash & 0x8000_0000 ? -value : value);
    }
    return normaliseInPlace(vector);
  }
}

/** 32-bit FNV-1a over UTF-16 code units. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** MurmurHash3's finaliser: spreads FNV's weak low and high bits (bucket and sign). */
function mix(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
