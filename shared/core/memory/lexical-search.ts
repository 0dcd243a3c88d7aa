/**
 * Lexical search, the local default: memories ranked as search engines rank documents, with
 * Okapi BM25 over exact terms (stems; see text-analysis.ts), never hashed into buckets:
 *
 * - a term weighs by its rarity among the memories searched (IDF), so "dynamodb" found in one
 *   note of twenty counts far more than "use" found in ten;
 * - repeats of a term in one memory count less and less (saturation, k1), and a match in a
 *   short memory counts more than the same match in a long one (length normalisation, b);
 * - stop words are left out of queries;
 * - a query word that no memory has ("databse", "retro") matches the memories' words within a
 *   small edit distance, or that it begins (or that begin it), at a lower weight.
 *
 * A namespace's memories become a LexicalIndex (an inverted index, cached like vectors, by the
 * namespace's version). A search over several namespaces counts rarity over all of them.
 * Scores are 0..1: tanh of the matched share of the query's weight, so about 0.76 when a memory
 * has each query word once at average length, and 0 when it has none.
 */
import { distance } from 'fastest-levenshtein';
import { queryTerms, termOf, tokenise } from './text-analysis.js';
import type { TopK } from './vector-search.js';

/** The `embeddingModel` of memories written with lexical search (they have no vector). */
export const LEXICAL_MODEL_ID = 'local:lexical-v1';

/** Lexical search in place of an embedder (`AGENT_CORE_EMBEDDINGS` `{"provider": "local"}`). */
export interface LexicalSearch {
  readonly kind: 'lexical';
  readonly id: string;
}

export const lexicalSearch: LexicalSearch = { kind: 'lexical', id: LEXICAL_MODEL_ID };

/** Okapi BM25's usual parameters (as Lucene and Elasticsearch default them). */
const K1 = 1.2;
const B = 0.75;

/** Weights of a query word's stand-ins when no memory has the word itself. */
const NEAR_WEIGHT = { edit1: 0.6, edit2: 0.45, prefix: 0.5 } as const;
/** Words shorter than this are matched exactly only: "cat" is one edit from too much. */
const MIN_FUZZY_LENGTH = 4;
const MIN_TWO_EDITS_LENGTH = 8;

/** A memory to index, with its expiry (epoch ms; 0 when never). */
export interface LexicalDocument {
  id: string;
  text: string;
  expiresAtMs: number;
}

interface Postings {
  /** Document numbers, ascending. */
  docs: Uint32Array;
  /** How often the term occurs in each of those documents. */
  counts: Uint16Array;
}

/** A namespace's memories (newest first) as an inverted index from term to documents. */
export class LexicalIndex {
  /** The vocabulary by word length, built on the first fuzzy lookup. */
  private byLength: Map<number, string[]> | undefined;

  private constructor(
    readonly ids: string[],
    readonly expiresAtMs: Float64Array,
    /** Words per document (stop words included), for length normalisation. */
    readonly lengths: Uint32Array,
    private readonly postings: Map<string, Postings>,
    /** False when reading stopped at a bound before the end of the namespace. */
    readonly complete: boolean,
    /** Roughly what it holds in memory, for the cache's budget. */
    readonly bytes: number,
  ) {}

  static build(documents: LexicalDocument[], complete: boolean): LexicalIndex {
    const ids: string[] = [];
    const expiresAtMs = new Float64Array(documents.length);
    const lengths = new Uint32Array(documents.length);
    // Terms get numbers as they come; a term's postings grow as plain arrays, then are packed.
    const termIds = new Map<string, number>();
    // A word's term number, so that a word seen before costs one lookup (no stemming).
    const wordIds = new Map<string, number>();
    const docsOf: number[][] = [];
    const countsOf: number[][] = [];
    let bytes = 0;
    documents.forEach((document, doc) => {
      ids.push(document.id);
      expiresAtMs[doc] = document.expiresAtMs;
      const words = tokenise(document.text);
      lengths[doc] = words.length;
      for (const word of words) {
        let id = wordIds.get(word);
        if (id === undefined) {
          const term = termOf(word);
          id = termIds.get(term);
          if (id === undefined) {
            id = docsOf.length;
            termIds.set(term, id);
            docsOf.push([]);
            countsOf.push([]);
            bytes += 2 * term.length + 64;
          }
          wordIds.set(word, id);
        }
        const docs = docsOf[id] as number[];
        const counts = countsOf[id] as number[];
        // Documents come in order: this one is the last of the list if the term was seen in it.
        if (docs[docs.length - 1] === doc) {
          counts[counts.length - 1] = Math.min((counts[counts.length - 1] as number) + 1, 0xffff);
        } else {
          docs.push(doc);
          counts.push(1);
          bytes += 6;
        }
      }
      bytes += 2 * document.id.length + 48;
    });
    const postings = new Map<string, Postings>();
    for (const [term, id] of termIds) {
      postings.set(term, {
        docs: Uint32Array.from(docsOf[id] as number[]),
        counts: Uint16Array.from(countsOf[id] as number[]),
      });
    }
    return new LexicalIndex(ids, expiresAtMs, lengths, postings, complete, bytes);
  }

  get size(): number {
    return this.ids.length;
  }

  has(term: string): boolean {
    return this.postings.has(term);
  }

  /** The documents that hold the term (ascending), and how often each does. */
  postingsOf(term: string): Postings | undefined {
    return this.postings.get(term);
  }

  /** Documents among the first `count` that hold the term. */
  documentFrequency(term: string, count: number): number {
    const docs = this.postings.get(term)?.docs;
    if (!docs) return 0;
    if (count >= this.ids.length) return docs.length;
    // docs ascend: the number of them below `count`.
    let low = 0;
    let high = docs.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((docs[mid] as number) < count) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /**
   * Words of this index near a query word it lacks, with their weights: one edit away (two for
   * long words), or beginning with it, or that it begins with ("retro" / "retrospect").
   */
  nearTerms(word: string): Map<string, number> {
    const near = new Map<string, number>();
    if (word.length < MIN_FUZZY_LENGTH) return near;
    this.byLength ??= groupByLength(this.postings.keys());
    const maxEdits = word.length >= MIN_TWO_EDITS_LENGTH ? 2 : 1;
    for (const [length, terms] of this.byLength) {
      const edits = Math.abs(length - word.length) <= maxEdits;
      const prefix = length >= MIN_FUZZY_LENGTH;
      if (!edits && !prefix) continue;
      for (const term of terms) {
        const weight =
          (edits ? editWeight(word, term, maxEdits) : 0) ||
          (prefix && (term.startsWith(word) || word.startsWith(term)) ? NEAR_WEIGHT.prefix : 0);
        if (weight > 0) near.set(term, weight);
      }
    }
    return near;
  }
}

/** The weight of a term one edit from a word (two, when both are long); 0 when further. */
function editWeight(word: string, term: string, maxEdits: number): number {
  const d = distance(word, term);
  if (d === 1) return NEAR_WEIGHT.edit1;
  return d === 2 && maxEdits === 2 && term.length >= MIN_TWO_EDITS_LENGTH ? NEAR_WEIGHT.edit2 : 0;
}

function groupByLength(terms: Iterable<string>): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const term of terms) {
    const group = groups.get(term.length);
    if (group) group.push(term);
    else groups.set(term.length, [term]);
  }
  return groups;
}

/** One index a search covers: its first `count` documents are searched. */
export interface LexicalSource<T> {
  index: LexicalIndex;
  count: number;
  value: T;
}

/** A term a query word stands for (itself, or a word near it), with its weights. */
interface WeightedTerm {
  term: string;
  weight: number;
  idf: number;
}

/** The documents a search compares, over every source: how many, and their average length. */
class SearchedCorpus<T> {
  readonly sources: LexicalSource<T>[];
  readonly documents: number;
  readonly averageLength: number;

  constructor(sources: LexicalSource<T>[]) {
    this.sources = sources.map((s) => ({ ...s, count: Math.min(s.count, s.index.size) }));
    let documents = 0;
    let words = 0;
    for (const { index, count } of this.sources) {
      documents += count;
      for (let doc = 0; doc < count; doc++) words += index.lengths[doc] as number;
    }
    this.documents = documents;
    this.averageLength = Math.max(1, words / Math.max(1, documents));
  }

  /** BM25's inverse document frequency (Lucene's, never negative); df 0 for a word found nowhere. */
  idf(term: string | undefined): number {
    let df = 0;
    if (term !== undefined) {
      for (const { index, count } of this.sources) df += index.documentFrequency(term, count);
    }
    return Math.log(1 + (this.documents - df + 0.5) / (df + 0.5));
  }

  /** The word itself when a memory has it; else the words near it in any memory. */
  standIns(word: string): WeightedTerm[] {
    if (this.sources.some(({ index }) => index.has(word))) {
      return [{ term: word, weight: 1, idf: this.idf(word) }];
    }
    const near = new Map<string, number>();
    for (const { index } of this.sources) {
      for (const [term, weight] of index.nearTerms(word)) {
        if (weight > (near.get(term) ?? 0)) near.set(term, weight);
      }
    }
    return [...near].map(([term, weight]) => ({ term, weight, idf: this.idf(term) }));
  }
}

/**
 * Scores the query against the first `count` documents of each source, offering those scoring
 * above 0 and at least `minScore` (and not expired at `nowMs`) to `top`. Returns how many
 * documents were compared.
 */
export function scoreLexically<T>(
  query: string,
  sources: LexicalSource<T>[],
  options: { nowMs: number; minScore: number; top: TopK<T> },
): number {
  const corpus = new SearchedCorpus(sources);
  if (corpus.documents === 0) return 0;
  const wanted: WeightedTerm[][] = [];
  let queryWeight = 0;
  for (const word of queryTerms(query)) {
    const stands = corpus.standIns(word);
    // A word no memory has, even nearly, still counts in what a full match would be, at the
    // weight of a word found nowhere.
    queryWeight += stands.length
      ? Math.max(...stands.map((s) => s.weight * s.idf))
      : corpus.idf(undefined);
    if (stands.length) wanted.push(stands);
  }
  if (wanted.length === 0) return corpus.documents;
  for (const source of corpus.sources) {
    const scores = bm25Scores(source, wanted, corpus.averageLength);
    for (const [doc, sum] of scores) {
      const expires = source.index.expiresAtMs[doc] as number;
      if (expires !== 0 && expires <= options.nowMs) continue;
      const score = Math.tanh(sum / queryWeight);
      if (score <= 0 || score < options.minScore || score < options.top.threshold) continue;
      options.top.offer({ score, key: source.index.ids[doc] as string, value: source.value });
    }
  }
  return corpus.documents;
}

/** The BM25 score of every document of a source that holds a wanted word (or a stand-in). */
function bm25Scores<T>(
  { index, count }: LexicalSource<T>,
  wanted: WeightedTerm[][],
  averageLength: number,
): Map<number, number> {
  const scores = new Map<number, number>();
  for (const stands of wanted) {
    // A word counts once per document, by its best stand-in there.
    const best = new Map<number, number>();
    for (const { term, weight, idf } of stands) {
      const postings = index.postingsOf(term);
      if (!postings) continue;
      const { docs, counts } = postings;
      for (let i = 0; i < docs.length && (docs[i] as number) < count; i++) {
        const doc = docs[i] as number;
        const tf = counts[i] as number;
        const norm = 1 - B + (B * (index.lengths[doc] as number)) / averageLength;
        const value = (weight * idf * (tf * (K1 + 1))) / (tf + K1 * norm);
        if (value > (best.get(doc) ?? 0)) best.set(doc, value);
      }
    }
    for (const [doc, value] of best) scores.set(doc, (scores.get(doc) ?? 0) + value);
  }
  return scores;
}
