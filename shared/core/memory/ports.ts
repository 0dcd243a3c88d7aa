/**
 * The memory layer's ports: where memories, their vectors and grants are kept. The DynamoDB
 * adapters implement them (shared/adapters/dynamo-memory-store.ts, dynamo-grant-store.ts).
 */
import type { Page, PageRequest } from '../ports.js';
import type { Grant } from './grant.js';
import type { LexicalDocument } from './lexical-search.js';
import type { Memory, StoredMemory } from './memory.js';
import type { VectorBlock } from './vector-search.js';

export interface NamespaceRef {
  owner: string;
  namespace: string;
}

export interface NamespaceState extends NamespaceRef {
  /** Incremented after every change to the namespace's memories. */
  version: number;
}

export interface MemoryRef extends NamespaceRef {
  id: string;
}

export interface MemoryStore {
  /**
   * Writes memories (text and vector), then increments their namespaces' versions. Throws when
   * a write fails, after removing what it had written.
   */
  put(memories: StoredMemory[]): Promise<void>;
  /** The owner's memory with this id, in whichever namespace, expired or not. */
  find(owner: string, memoryId: string): Promise<Memory | undefined>;
  /** Deletes a memory and its vector; false when it was already gone. */
  delete(memory: Pick<Memory, 'agentId' | 'namespace' | 'id' | 'embeddingModel'>): Promise<boolean>;
  /** Memories not expired at `now`, newest first, grouped by namespace when none is given. */
  list(
    owner: string,
    request: PageRequest & { namespace?: string | undefined; now: Date },
  ): Promise<Page<Memory>>;
  /** The owner's namespaces (those that ever held a memory), with their versions. */
  namespaces(owner: string): Promise<NamespaceState[]>;
  /** Versions of these namespaces; one that never held a memory is left out. */
  versions(refs: NamespaceRef[]): Promise<NamespaceState[]>;
  /**
   * Up to `max` vectors of a namespace made by one embedder, newest first; `complete` says
   * whether that was all of them. Expired ones are included (the block says when they expire).
   */
  readVectors(
    ref: NamespaceRef,
    embedderId: string,
    dimensions: number,
    max: number,
  ): Promise<VectorBlock>;
  /**
   * Up to `max` memories of a namespace as texts to index (whatever embedder wrote them), newest
   * first; `complete` says whether that was all of them. Expired ones are included.
   */
  readTexts(
    ref: NamespaceRef,
    max: number,
  ): Promise<{ documents: LexicalDocument[]; complete: boolean }>;
  /** The memories that still exist among these, by id. */
  getMany(refs: MemoryRef[]): Promise<Map<string, Memory>>;
}

export interface GrantStore {
  /**
   * Creates the grant of a namespace to a grantee, or, when one exists for that pair, keeps it
   * (same access: `unchanged`) or changes its access (`updated`), keeping its id.
   */
  upsert(grant: Grant): Promise<{ grant: Grant; outcome: 'created' | 'updated' | 'unchanged' }>;
  list(owner: string, request: PageRequest): Promise<Page<Grant>>;
  /** The grants on one namespace, as they are now. */
  forNamespace(owner: string, namespace: string): Promise<Grant[]>;
  /** Grants to any of these grantees, from every owner, that exist now. */
  forGrantees(grantees: string[]): Promise<Grant[]>;
  /** Deletes the owner's grant with this id and returns it; undefined when there is none. */
  revoke(owner: string, grantId: string): Promise<Grant | undefined>;
}
