/**
 * Memory search latency against dynalite on disk (as the local runtime runs it), in-process:
 * one namespace of 1 000 and one of 10 000 memories (local embedder, 256 dimensions, inserted
 * with batch writes), then searches through the same use case the API calls, with and without
 * the per-process vector cache. Target (issue 4): p99 under 250 ms at 10 000 memories.
 *
 *   npx tsx bench/memory-search.ts        (BENCH_MEMORY_SEARCHES: searches per case, default 100)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { topology } from '../infra/topology.js';
import { startEmulators } from '../local/emulators.js';
import { provisionTable } from '../local/provision.js';
import { newResourceCredentials } from '../local/signed-requests.js';
import { DynamoAgentStore } from '../shared/adapters/dynamo-agent-store.js';
import { DynamoGrantStore } from '../shared/adapters/dynamo-grant-store.js';
import { DynamoMemoryStore } from '../shared/adapters/dynamo-memory-store.js';
import { LocalHashEmbedder } from '../shared/adapters/embeddings/local-hash-embedder.js';
import { registerAgentSchema } from '../shared/core/agents/agent.js';
import { newId } from '../shared/core/ids.js';
import type { StoredMemory } from '../shared/core/memory/memory.js';
import { type MemoryDeps, searchMemories } from '../shared/core/memory/memory-service.js';
import { quantise } from '../shared/core/memory/quantise.js';
import { VectorCache } from '../shared/core/memory/vector-cache.js';
import { systemClock } from '../shared/core/ports.js';
import { percentile } from './stats.js';

export interface SearchLatency {
  p50: number;
  p99: number;
  mean: number;
}

export interface MemorySearchCase {
  memories: number;
  insertSeconds: number;
  /** Every search reads the namespace's vectors. */
  uncached: SearchLatency;
  /** Warm process: one version read per namespace, vectors from memory. */
  cached: SearchLatency;
  /** Memories compared per search. */
  scanned: number;
  truncated: boolean;
}

export interface MemorySearchFigures {
  searches: number;
  dimensions: number;
  cases: MemorySearchCase[];
}

/** A small deterministic PRNG (mulberry32), so that runs compare. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'do', 'fe', 'gu'];

/** Texts of 8 to 30 words from a vocabulary of 3 000 made-up words, Zipf-like frequencies. */
function corpus(seed: number) {
  const next = random(seed);
  const vocabulary = Array.from({ length: 3000 }, (_, i) => {
    let word = '';
    let n = i + 7;
    do {
      word += SYLLABLES[n % SYLLABLES.length];
      n = Math.floor(n / SYLLABLES.length);
    } while (n > 0);
    return word;
  });
  const word = () => vocabulary[Math.floor(vocabulary.length * next() ** 2)] as string;
  return () => Array.from({ length: 8 + Math.floor(next() * 23) }, word).join(' ');
}

const timed = async (work: () => Promise<unknown>): Promise<number> => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};

const latency = (samples: number[]): SearchLatency => ({
  p50: round(percentile(samples, 50)),
  p99: round(percentile(samples, 99)),
  mean: round(samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length)),
});
const round = (ms: number) => Math.round(ms * 10) / 10;

export async function benchMemorySearch(
  sizes: number[] = [1000, 10_000],
  searches = Number(process.env.BENCH_MEMORY_SEARCHES ?? 100),
): Promise<MemorySearchFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'agent-core-bench-memory-'));
  const credentials = newResourceCredentials();
  const emulators = await startEmulators({ credentials, dataDir });
  const raw = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: emulators.dynamoEndpoint,
    credentials,
  });
  const dynamo = DynamoDBDocumentClient.from(raw, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const embedder = new LocalHashEmbedder(256);
  try {
    const table = 'agent-core-bench-memory';
    await provisionTable(raw, table, topology);
    const agents = new DynamoAgentStore(dynamo, table);
    const memories = new DynamoMemoryStore(dynamo, table);
    const deps: MemoryDeps = {
      agents,
      memories,
      grants: new DynamoGrantStore(dynamo, table),
      embedder,
      events: { publish: async () => undefined },
      clock: systemClock,
    };
    const caller = {
      principal: { kind: 'admin' as const, id: 'admin' as const },
      action: 'bench',
      correlationId: 'bench',
    };
    const cases: MemorySearchCase[] = [];
    for (const size of sizes) {
      const agentId = `bench-${size}`;
      const parsed = registerAgentSchema.parse({ id: agentId, model: { provider: 'echo' } });
      const now = new Date().toISOString();
      await agents.create({
        ...parsed,
        name: agentId,
        status: 'active',
        createdAt: now,
        updatedAt: now,
      });

      const text = corpus(size);
      const insertStarted = performance.now();
      const chunk: StoredMemory[] = [];
      const flush = async () => {
        await memories.put(chunk.splice(0));
      };
      for (let i = 0; i < size; i++) {
        const body = text();
        const { values, scale } = quantise(embedder.embedText(body));
        chunk.push({
          id: newId(),
          agentId,
          namespace: 'default',
          text: body,
          metadata: { i },
          createdBy: 'admin',
          createdAt: now,
          expiresAt: null,
          embeddingModel: embedder.id,
          vector: values,
          scale,
        });
        if (chunk.length === 500) await flush();
      }
      await flush();
      const insertSeconds = round((performance.now() - insertStarted) / 1000);

      const query = corpus(size + 1);
      const run = async (withCache: VectorCache | undefined) => {
        const samples: number[] = [];
        let last = { scanned: 0, truncated: false };
        // One untimed search warms connections (and the cache, when there is one).
        await searchMemories({ ...deps, cache: withCache }, caller, agentId, { query: query() });
        for (let i = 0; i < searches; i++) {
          const body = { query: query(), k: 5 };
          samples.push(
            await timed(async () => {
              const result = await searchMemories(
                { ...deps, cache: withCache },
                caller,
                agentId,
                body,
              );
              last = { scanned: result.scanned, truncated: result.truncated };
            }),
          );
        }
        return { latency: latency(samples), ...last };
      };
      const uncached = await run(undefined);
      const cached = await run(new VectorCache());
      cases.push({
        memories: size,
        insertSeconds,
        uncached: uncached.latency,
        cached: cached.latency,
        scanned: cached.scanned,
        truncated: cached.truncated,
      });
    }
    return { searches, dimensions: embedder.dimensions, cases };
  } finally {
    dynamo.destroy();
    await emulators.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function printMemorySearch(figures: MemorySearchFigures): void {
  console.log(
    `${figures.searches} searches per case, k=5, local embedder (${figures.dimensions} dims), dynalite on disk`,
  );
  console.log('memories  insert s  uncached p50/p99 ms  cached p50/p99 ms  scanned');
  for (const c of figures.cases) {
    console.log(
      `${String(c.memories).padStart(8)}  ${String(c.insertSeconds).padStart(8)}  ${`${c.uncached.p50} / ${c.uncached.p99}`.padStart(19)}  ${`${c.cached.p50} / ${c.cached.p99}`.padStart(17)}  ${c.scanned}${c.truncated ? ' (truncated)' : ''}`,
    );
  }
  const largest = figures.cases.at(-1);
  if (largest) {
    const p99 = Math.min(largest.cached.p99, largest.uncached.p99);
    console.log(
      `p99 at ${largest.memories}: ${p99} ms   (target < 250 ms${p99 < 250 ? '' : ': MISSED'})`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printMemorySearch(await benchMemorySearch());
}
