/** A memory: what callers send (schemas, with the limits API.md fixes) and the stored shape. */
import * as z from 'zod';

export const MEMORY_LIMITS = {
  /** UTF-8 bytes of a memory's text, and of a search query. */
  maxTextBytes: 32 * 1024,
  /** UTF-8 bytes of a memory's metadata as JSON. */
  maxMetadataBytes: 8 * 1024,
  /** 10 years. */
  maxTtlSeconds: 10 * 365 * 24 * 3600,
  maxK: 50,
  /**
   * Memories a search reads (vectors compared) at most, over all the namespaces it covers; beyond
   * it the answer says `truncated: true`. Newest memories of each namespace are read first.
   */
  maxScannedPerSearch: 20_000,
  /** Namespaces (own and shared) one search covers at most; beyond it `truncated: true`. */
  maxNamespacesPerSearch: 100,
} as const;

export type MemoryLimits = { -readonly [K in keyof typeof MEMORY_LIMITS]: number };

export const NAMESPACE_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const namespaceSchema = z
  .string()
  .regex(NAMESPACE_PATTERN, 'namespace must match ^[a-z0-9][a-z0-9-]{0,62}$');

const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

const textSchema = z
  .string()
  .refine((text) => text.trim().length > 0, { message: 'must not be blank' })
  .refine((text) => utf8Bytes(text) <= MEMORY_LIMITS.maxTextBytes, {
    message: `must be at most ${MEMORY_LIMITS.maxTextBytes} bytes (32 KiB) of UTF-8`,
  });

const metadataSchema = z
  .record(z.string(), z.unknown())
  .refine((metadata) => utf8Bytes(JSON.stringify(metadata)) <= MEMORY_LIMITS.maxMetadataBytes, {
    message: `must be at most ${MEMORY_LIMITS.maxMetadataBytes} bytes (8 KiB) as JSON`,
  });

export const writeMemorySchema = z.strictObject({
  text: textSchema,
  namespace: namespaceSchema.default('default'),
  metadata: metadataSchema.default({}),
  /** 0: kept until deleted. */
  ttlSeconds: z.number().int().min(0).max(MEMORY_LIMITS.maxTtlSeconds).default(0),
});

export type WriteMemoryInput = z.output<typeof writeMemorySchema>;

export const searchMemorySchema = z.strictObject({
  query: textSchema,
  k: z.number().int().min(1).max(MEMORY_LIMITS.maxK).default(5),
  /** Only namespaces of this name (own, and shared ones when `includeShared`). */
  namespace: namespaceSchema.optional(),
  includeShared: z.boolean().default(true),
  /** Cosine similarity (-1..1), or the lexical score (0..1); results below it are left out. */
  minScore: z.number().min(-1).max(1).default(0),
});

export type SearchMemoryInput = z.output<typeof searchMemorySchema>;

export const listMemoriesQuerySchema = z.strictObject({ namespace: namespaceSchema.optional() });

export interface Memory {
  id: string;
  /** The owner: the agent whose namespace holds it. */
  agentId: string;
  namespace: string;
  text: string;
  metadata: Record<string, unknown>;
  /** `admin` or `agent:<id>`: the owner, or a grantee with write access. */
  createdBy: string;
  createdAt: string;
  /** Null when kept until deleted. */
  expiresAt: string | null;
  /** The embedder whose vector space the memory's embedding is in (searches compare only those). */
  embeddingModel: string;
}

/** A memory as stored: with its embedding, quantised to int8 (none with lexical search). */
export interface StoredMemory extends Memory {
  vector?: Int8Array;
  /** The quantisation scale: the embedding is `vector[i] * scale`. */
  scale?: number;
}

export const isExpired = (memory: Pick<Memory, 'expiresAt'>, now: Date): boolean =>
  memory.expiresAt !== null && memory.expiresAt <= now.toISOString();

export interface SearchHit {
  memory: Memory;
  /** Cosine similarity of the query's and the memory's embeddings, or the lexical score. */
  score: number;
  ownerAgentId: string;
}

export interface SearchResult {
  items: SearchHit[];
  /** Memories compared (their vectors, or their terms). */
  scanned: number;
  /** True when the search stopped at its bound (see MEMORY_LIMITS) before covering everything. */
  truncated: boolean;
}
