/**
 * Use cases of the memory layer: write, list, delete and search memories, and share namespaces
 * by grants. The HTTP API and the agents' memory tools both go through these, so the access
 * rules are the same for both: the admin may do everything; an agent acts on its own memories,
 * reads (and, with `write`, adds to) another agent's namespace only through a grant, and only an
 * owner grants on its namespaces. A refusal is a 403 and a `security.denied` event.
 */
import { memoryGranted, memoryRevoked, memoryWritten } from '../../../events/memory-events.js';
import { type Agent, refuseIfRetired } from '../agents/agent.js';
import { AppError, NotFoundError, TooManyRequestsError, ValidationError } from '../errors.js';
import { createEvent } from '../events.js';
import { newId, ULID_PATTERN } from '../ids.js';
import { ModelCallError } from '../models/model-error.js';
import type { AgentStore, Clock, EventPublisher, Page, PageRequest } from '../ports.js';
import { Authorization, actorOfCaller, actsAs, type Caller } from '../security/authorization.js';
import { parseInput } from '../validation.js';
import { type Embedder, normaliseInPlace } from './embedder.js';
import {
  covers,
  createGrantSchema,
  type Grant,
  type GrantAccess,
  granteesOf,
  isTagGrantee,
} from './grant.js';
import { LexicalIndex, type LexicalSearch, scoreLexically } from './lexical-search.js';
import {
  isExpired,
  listMemoriesQuerySchema,
  MEMORY_LIMITS,
  type Memory,
  type MemoryLimits,
  type SearchHit,
  type SearchResult,
  searchMemorySchema,
  writeMemorySchema,
} from './memory.js';
import type { GrantStore, MemoryStore, NamespaceState } from './ports.js';
import { quantise } from './quantise.js';
import { VectorCache } from './vector-cache.js';
import { type Candidate, scoreBlock, TopK, type VectorBlock } from './vector-search.js';

export interface MemoryDeps {
  agents: Pick<AgentStore, 'get'>;
  memories: MemoryStore;
  grants: GrantStore;
  /** How texts are made searchable: embedded (cosine similarity), or indexed by their words. */
  embedder: Embedder | LexicalSearch;
  events: EventPublisher;
  clock: Clock;
  /** Namespaces' vectors kept between searches in this process; none: every search reads them. */
  cache?: VectorCache | undefined;
  /** Overrides of MEMORY_LIMITS (tests use small bounds). */
  limits?: Partial<MemoryLimits> | undefined;
}

/** The embedding model did not answer (throttled, down, timed out): try again later. */
export class EmbeddingUnavailableError extends AppError {
  readonly status = 503;
  readonly code = 'ServiceUnavailable';
}

const limitsOf = (deps: MemoryDeps): MemoryLimits => ({ ...MEMORY_LIMITS, ...deps.limits });
const authorization = (deps: MemoryDeps) => new Authorization(deps.events, deps.clock);
const eventContext = (deps: MemoryDeps, caller: Caller) => ({
  correlationId: caller.correlationId,
  clock: deps.clock,
  actor: actorOfCaller(caller),
});

/**
 * The owner's record, looked up only once the caller is allowed at it: an agent key gets the
 * same 403 for an agent that does not exist as for one that is not its own, so that it cannot
 * learn which agents exist.
 */
async function requireAgentRecord(deps: MemoryDeps, id: string): Promise<Agent> {
  const agent = await deps.agents.get(id);
  if (!agent) throw new NotFoundError(`agent '${id}' not found`);
  return agent;
}

/**
 * Lets the caller at `owner`'s namespace: the owner and the admin always; another agent when a
 * grant to it (by id or one of its tags) covers `needed`. Otherwise denies (403, event).
 */
async function requireNamespaceAccess(
  deps: MemoryDeps,
  caller: Caller,
  owner: string,
  namespace: string | undefined,
  needed: GrantAccess,
): Promise<void> {
  const { principal } = caller;
  if (actsAs(principal, owner)) return;
  const authz = authorization(deps);
  if (principal.kind !== 'agent') {
    return authz.deny(caller, `memory:${owner}`, 'this key acts as no agent');
  }
  if (namespace === undefined) {
    return authz.deny(
      caller,
      `memory:${owner}`,
      `agent '${principal.agentId}' may only use namespaces of agent '${owner}' shared with it; name one (namespace)`,
    );
  }
  const [grantee, grants] = await Promise.all([
    deps.agents.get(principal.agentId),
    deps.grants.forNamespace(owner, namespace),
  ]);
  const names = new Set(granteesOf(grantee ?? { id: principal.agentId, tags: [] }));
  if (grants.some((grant) => names.has(grant.grantee) && covers(grant.access, needed))) {
    if (needed === 'write' && grantee) refuseIfRetired(grantee, 'its keys write nothing');
    return;
  }
  await authz.deny(
    caller,
    `memory:${owner}/${namespace}`,
    `namespace '${namespace}' of agent '${owner}' is not shared with agent '${principal.agentId}' for ${needed}`,
  );
}

const isLexical = (embedder: MemoryDeps['embedder']): embedder is LexicalSearch =>
  'kind' in embedder && embedder.kind === 'lexical';

/** Embeds texts, turning the embedder's failures into answers a caller can act on. */
async function embed(embedder: Embedder, texts: string[]): Promise<Float32Array[]> {
  let vectors: Float32Array[];
  try {
    vectors = await embedder.embed(texts);
  } catch (error) {
    if (error instanceof ModelCallError) {
      if (error.reason === 'throttled') {
        throw new TooManyRequestsError('the embedding model is throttling requests', 2);
      }
      if (error.retryable) {
        throw new EmbeddingUnavailableError(`the embedding model did not answer (${error.reason})`);
      }
    }
    throw error;
  }
  if (vectors.length !== texts.length) {
    throw new Error(`embedder ${embedder.id} returned ${vectors.length} of ${texts.length}`);
  }
  return vectors;
}

export async function writeMemory(
  deps: MemoryDeps,
  caller: Caller,
  owner: string,
  body: unknown,
): Promise<Memory> {
  const input = parseInput(writeMemorySchema, body, 'memory');
  await requireNamespaceAccess(deps, caller, owner, input.namespace, 'write');
  refuseIfRetired(await requireAgentRecord(deps, owner), 'its memories take nothing new');
  // Lexical search indexes the text itself when it searches: there is nothing to compute here.
  let embedding: { vector: Int8Array; scale: number } | undefined;
  if (!isLexical(deps.embedder)) {
    const [vector] = await embed(deps.embedder, [input.text]);
    const { values, scale } = quantise(vector as Float32Array);
    embedding = { vector: values, scale };
  }
  const now = deps.clock.now();
  const memory: Memory = {
    id: newId(),
    agentId: owner,
    namespace: input.namespace,
    text: input.text,
    metadata: input.metadata,
    createdBy: caller.principal.id,
    createdAt: now.toISOString(),
    expiresAt:
      input.ttlSeconds > 0 ? new Date(now.getTime() + input.ttlSeconds * 1000).toISOString() : null,
    embeddingModel: deps.embedder.id,
  };
  await deps.memories.put([{ ...memory, ...embedding }]);
  await deps.events.publish([
    createEvent(
      memoryWritten,
      {
        agentId: owner,
        namespace: memory.namespace,
        memoryId: memory.id,
        by: caller.principal.id,
        bytes: Buffer.byteLength(memory.text),
        expiresAt: memory.expiresAt,
      },
      eventContext(deps, caller),
    ),
  ]);
  return memory;
}

export async function listMemories(
  deps: MemoryDeps,
  caller: Caller,
  owner: string,
  query: Record<string, string | undefined>,
  page: PageRequest,
): Promise<Page<Memory>> {
  const { namespace } = parseInput(
    listMemoriesQuerySchema,
    { namespace: query.namespace },
    'query',
  );
  await requireNamespaceAccess(deps, caller, owner, namespace, 'read');
  await requireAgentRecord(deps, owner);
  return deps.memories.list(owner, { ...page, namespace, now: deps.clock.now() });
}

/** Deletes one of the owner's memories (the owner or the admin only) and returns it. */
export async function deleteMemory(
  deps: MemoryDeps,
  caller: Caller,
  owner: string,
  memoryId: string,
): Promise<Memory> {
  await authorization(deps).requireAgent(caller, owner, `memory:${owner}`);
  const agent = await requireAgentRecord(deps, owner);
  // Its own keys only read; the admin may still clean up.
  if (caller.principal.kind === 'agent') refuseIfRetired(agent, 'its keys only read');
  const memory = ULID_PATTERN.test(memoryId)
    ? await deps.memories.find(owner, memoryId)
    : undefined;
  if (!memory || isExpired(memory, deps.clock.now()) || !(await deps.memories.delete(memory))) {
    throw new NotFoundError(`memory '${memoryId}' of agent '${owner}' not found`);
  }
  return memory;
}

/** A namespace a search covers, at the version read before its vectors. */
type Source = NamespaceState;

/**
 * Searches as agent `agentId`: its own namespaces and, with `includeShared`, those shared with
 * it by grant (to it or one of its tags). Cosine similarity of embeddings, or (lexical search)
 * BM25 over the memories' words, best first.
 */
export async function searchMemories(
  deps: MemoryDeps,
  caller: Caller,
  agentId: string,
  body: unknown,
): Promise<SearchResult> {
  await authorization(deps).requireAgent(caller, agentId, `memory:${agentId}`);
  const agent = await requireAgentRecord(deps, agentId);
  const input = parseInput(searchMemorySchema, body, 'search');
  const limits = limitsOf(deps);
  const { embedder } = deps;
  // Embedded before anything is read: an embedder that is down answers at once.
  const query = isLexical(embedder)
    ? undefined
    : unit((await embed(embedder, [input.query]))[0] as Float32Array);

  const { sources, truncated: tooManyNamespaces } = await searchSources(
    deps,
    agent,
    input.namespace,
    input.includeShared,
    limits.maxNamespacesPerSearch,
  );

  const top = new TopK<Source>(Math.min(2 * input.k, 2 * MEMORY_LIMITS.maxK));
  const nowMs = deps.clock.now().getTime();
  let scanned = 0;
  let truncated = tooManyNamespaces;
  // Lexical: every namespace's index first, since a word's rarity is counted over all of them.
  const indexes: { index: LexicalIndex; count: number; value: Source }[] = [];
  for (const source of sources) {
    const remaining = limits.maxScannedPerSearch - scanned;
    if (remaining <= 0) {
      truncated = true;
      break;
    }
    const block = await blockOf(deps, source, query?.length ?? 0, remaining);
    const size = block.ids.length;
    let compared = Math.min(remaining, size);
    if (block instanceof LexicalIndex)
      indexes.push({ index: block, count: compared, value: source });
    else if (query) {
      compared = scoreBlock(query, block, {
        count: remaining,
        nowMs,
        minScore: input.minScore,
        top,
        value: () => source,
      });
    }
    scanned += compared;
    if (compared < size || !block.complete) truncated = true;
  }
  if (indexes.length)
    scoreLexically(input.query, indexes, { nowMs, minScore: input.minScore, top });

  const items = await hitsOf(deps, top.sorted(), input.k);
  return { items, scanned, truncated };
}

async function searchSources(
  deps: MemoryDeps,
  agent: Agent,
  namespace: string | undefined,
  includeShared: boolean,
  maxNamespaces: number,
): Promise<{ sources: Source[]; truncated: boolean }> {
  const wanted = (ns: string) => namespace === undefined || ns === namespace;
  const [own, grants] = await Promise.all([
    deps.memories.namespaces(agent.id),
    includeShared ? deps.grants.forGrantees(granteesOf(agent)) : Promise.resolve([]),
  ]);
  const ownSources = own
    .filter((state) => wanted(state.namespace))
    .sort((a, b) => compare(a.namespace, b.namespace));

  const sharedRefs = new Map<string, { owner: string; namespace: string }>();
  for (const grant of grants) {
    if (grant.agentId === agent.id || !wanted(grant.namespace)) continue;
    sharedRefs.set(`${grant.agentId}/${grant.namespace}`, {
      owner: grant.agentId,
      namespace: grant.namespace,
    });
  }
  const sharedSources = (
    sharedRefs.size ? await deps.memories.versions([...sharedRefs.values()]) : []
  ).sort((a, b) => compare(a.owner, b.owner) || compare(a.namespace, b.namespace));

  const all = [...ownSources, ...sharedSources];
  return { sources: all.slice(0, maxNamespaces), truncated: all.length > maxNamespaces };
}

/**
 * What a search compares of a namespace, from the cache at its current version, or read (and
 * cached): its vectors, or (lexical search) an index of its memories' words.
 */
async function blockOf(
  deps: MemoryDeps,
  source: Source,
  dimensions: number,
  max: number,
): Promise<VectorBlock | LexicalIndex> {
  const { embedder } = deps;
  const key = VectorCache.key(source.owner, source.namespace, embedder.id);
  const cached = deps.cache?.get(key, source.version, max);
  if (cached) return cached;
  let block: VectorBlock | LexicalIndex;
  if (isLexical(embedder)) {
    const { documents, complete } = await deps.memories.readTexts(source, max);
    block = LexicalIndex.build(documents, complete);
  } else {
    block = await deps.memories.readVectors(source, embedder.id, dimensions, max);
  }
  deps.cache?.set(key, source.version, block);
  return block;
}

/** Reads the best candidates' memories, dropping any deleted or expired since, until k are found. */
async function hitsOf(
  deps: MemoryDeps,
  candidates: Candidate<Source>[],
  k: number,
): Promise<SearchHit[]> {
  const hits: SearchHit[] = [];
  const now = deps.clock.now();
  for (let start = 0; start < candidates.length && hits.length < k; ) {
    const batch = candidates.slice(start, start + (k - hits.length));
    start += batch.length;
    const found = await deps.memories.getMany(
      batch.map((c) => ({ owner: c.value.owner, namespace: c.value.namespace, id: c.key })),
    );
    for (const candidate of batch) {
      const memory = found.get(candidate.key);
      if (!memory || isExpired(memory, now)) continue;
      hits.push({
        memory,
        score: Math.round(candidate.score * 1e6) / 1e6,
        ownerAgentId: memory.agentId,
      });
    }
  }
  return hits;
}

export async function grantAccess(
  deps: MemoryDeps,
  caller: Caller,
  owner: string,
  body: unknown,
): Promise<{ grant: Grant; created: boolean }> {
  await authorization(deps).requireAgent(caller, owner, `memory:${owner}`);
  refuseIfRetired(await requireAgentRecord(deps, owner), 'its namespaces are shared no further');
  const input = parseInput(createGrantSchema, body, 'grant');
  if (!isTagGrantee(input.grantee)) {
    if (input.grantee === owner) {
      throw new ValidationError('an agent cannot share a namespace with itself', [
        { path: 'grantee', message: 'is the owner' },
      ]);
    }
    if (!(await deps.agents.get(input.grantee))) {
      throw new NotFoundError(`agent '${input.grantee}' not found`, [
        { path: 'grantee', message: 'no such agent' },
      ]);
    }
  }
  const now = deps.clock.now().toISOString();
  const { grant, outcome } = await deps.grants.upsert({
    id: newId(),
    agentId: owner,
    namespace: input.namespace,
    grantee: input.grantee,
    access: input.access,
    createdBy: caller.principal.id,
    createdAt: now,
    updatedAt: now,
  });
  if (outcome !== 'unchanged') {
    await deps.events.publish([
      createEvent(memoryGranted, grantEventData(grant, caller), eventContext(deps, caller)),
    ]);
  }
  return { grant, created: outcome === 'created' };
}

export async function listGrants(
  deps: MemoryDeps,
  caller: Caller,
  owner: string,
  page: PageRequest,
): Promise<Page<Grant>> {
  await authorization(deps).requireAgent(caller, owner, `memory:${owner}`);
  await requireAgentRecord(deps, owner);
  return deps.grants.list(owner, page);
}

export async function revokeGrant(
  deps: MemoryDeps,
  caller: Caller,
  owner: string,
  grantId: string,
): Promise<Grant> {
  await authorization(deps).requireAgent(caller, owner, `memory:${owner}`);
  const agent = await requireAgentRecord(deps, owner);
  // Its own keys only read; the admin may still take access back.
  if (caller.principal.kind === 'agent') refuseIfRetired(agent, 'its keys only read');
  const grant = ULID_PATTERN.test(grantId) ? await deps.grants.revoke(owner, grantId) : undefined;
  if (!grant) throw new NotFoundError(`grant '${grantId}' of agent '${owner}' not found`);
  await deps.events.publish([
    createEvent(memoryRevoked, grantEventData(grant, caller), eventContext(deps, caller)),
  ]);
  return grant;
}

const grantEventData = (grant: Grant, caller: Caller) => ({
  grantId: grant.id,
  agentId: grant.agentId,
  namespace: grant.namespace,
  grantee: grant.grantee,
  access: grant.access,
  by: caller.principal.id,
});

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A unit-length copy (embedders normalise, but scores are cosines only for a unit query). */
const unit = (vector: Float32Array): Float32Array => normaliseInPlace(Float32Array.from(vector));
