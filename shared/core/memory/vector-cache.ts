/**
 * A per-process cache of namespaces' vector blocks (or, with lexical search, their inverted
 * indexes), so that a warm search reads one version number per namespace instead of every
 * vector. Each namespace has a version counter in the
 * store that every write and delete increments after changing the namespace; a block is used
 * only under the version read before it was loaded, so a change is never missed (at worst a
 * block is reloaded once more than needed). Expiry is checked at search time from the block.
 *
 * Least recently used blocks are dropped beyond a budget of bytes (64 MiB by default: about
 * 190 000 vectors of 256 dimensions, or 60 000 of 1024).
 */
import { LexicalIndex } from './lexical-search.js';
import type { VectorBlock } from './vector-search.js';

/** What a search reads of a namespace: its vectors, or its memories as an index of terms. */
export type SearchBlock = VectorBlock | LexicalIndex;

export interface CachedBlock {
  version: number;
  block: SearchBlock;
}

/** Bytes a vector costs besides its int8 values: norm, expiry, and its id string. */
const PER_VECTOR_OVERHEAD = 4 + 8 + 64;

export class VectorCache {
  private readonly entries = new Map<string, CachedBlock>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes = 64 * 1024 * 1024) {}

  /** What a block costs in the budget, roughly its memory footprint. */
  static bytesOf(block: SearchBlock): number {
    if (block instanceof LexicalIndex) return block.bytes;
    return block.ids.length * (block.dimensions + PER_VECTOR_OVERHEAD);
  }

  static key(owner: string, namespace: string, embedderId: string): string {
    return `${owner}/${namespace}/${embedderId}`;
  }

  /**
   * The cached block at exactly this version, if it holds what a search reading up to
   * `needed` vectors wants (the whole namespace, or at least `needed` newest vectors).
   */
  get(key: string, version: number, needed: number): SearchBlock | undefined {
    const entry = this.entries.get(key);
    if (
      !entry ||
      entry.version !== version ||
      (!entry.block.complete && entry.block.ids.length < needed)
    ) {
      this.misses++;
      return undefined;
    }
    // Map order is insertion order: re-inserting marks it most recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    return entry.block;
  }

  set(key: string, version: number, block: SearchBlock): void {
    this.delete(key);
    const cost = VectorCache.bytesOf(block);
    if (cost > this.maxBytes) return;
    this.entries.set(key, { version, block });
    this.bytes += cost;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= VectorCache.bytesOf(entry.block);
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= VectorCache.bytesOf(entry.block);
  }

  get size(): { namespaces: number; bytes: number } {
    return { namespaces: this.entries.size, bytes: this.bytes };
  }
}
