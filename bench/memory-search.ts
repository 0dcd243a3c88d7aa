/**
 * Memory search latency against dynalite on disk (as the local runtime runs it), in-process:
 * one namespace of 1 000 and one of 10 000 memories (inserted with batch writes), then searches
 * through the same use case the API calls, with and without the per-process cache, by lexical
 * search (the default) and, as the baseline measured in the same run on the same memories, by
 * the hashing embedder it replaced (256 dimensions, cosine). Targets: p99 under 250 ms at 10 000
 * memories, cached far less.
 *
 *   npx tsx bench/memory-search.ts        (BENCH_MEMORY_SEARCHES: searches per case, default 100)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
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
import { lexicalSearch } from '../shared/core/memory/lexical-search.js';
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

export interface SearchPath {
  /** Every search reads the namespace (its texts, or its vectors). */
  uncached: SearchLatency;
  /** Warm process: one version read per namespace, the index (or vectors) from memory. */
  cached: SearchLatency;
  /** Memories compared per search. */
  scanned: number;
  truncated: boolean;
}

export interface MemorySearchCase {
  memories: number;
  insertSeconds: number;
  lexical: SearchPath;
  /** The baseline: the hashing embedder's vectors, cosine. */
  hashed: SearchPath;
}

export interface MemorySearchFigures {
  searches: number;
  machine: string;
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
  const machine = machineName();
  try {
    const table = 'agent-core-bench-memory';
    await provisionTable(raw, table, topology);
    const agents = new DynamoAgentStore(dynamo, table);
    const memories = new DynamoMemoryStore(dynamo, table);
    const base: Omit<MemoryDeps, 'embedder'> = {
      agents,
      memories,
      grants: new DynamoGrantStore(dynamo, table),
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

      const run = async (deps: MemoryDeps, withCache: VectorCache | undefined) => {
        // The same questions for each path: the same seed.
        const query = corpus(size + 1);
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
      const path = async (deps: MemoryDeps): Promise<SearchPath> => {
        const uncached = await run(deps, undefined);
        const cached = await run(deps, new VectorCache());
        return {
          uncached: uncached.latency,
          cached: cached.latency,
          scanned: cached.scanned,
          truncated: cached.truncated,
        };
      };
      // Alternated per size, so that neither always runs on a warmer (or busier) machine.
      const hashed = await path({ ...base, embedder });
      const lexical = await path({ ...base, embedder: lexicalSearch });
      cases.push({ memories: size, insertSeconds, lexical, hashed });
    }
    return { searches, machine, cases };
  } finally {
    dynamo.destroy();
    await emulators.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** What the figures were measured on: they mean little without it. */
function machineName(): string {
  const cpu = cpus();
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  return `${cpu[0]?.model.trim() ?? 'unknown CPU'} × ${cpu.length}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${load} at start`;
}

const ratio = (value: number, baseline: number) =>
  baseline > 0 ? `${(value / baseline).toFixed(2)}×` : 'n/a';

export function printMemorySearch(figures: MemorySearchFigures): void {
  console.log(
    `${figures.searches} searches per case, k=5, dynalite on disk; machine: ${figures.machine}`,
  );
  console.log('memories  path                    uncached p50/p99 ms  cached p50/p99 ms  scanned');
  const row = (memories: number, name: string, p: SearchPath) =>
    console.log(
      `${String(memories).padStart(8)}  ${name.padEnd(22)}  ${`${p.uncached.p50} / ${p.uncached.p99}`.padStart(19)}  ${`${p.cached.p50} / ${p.cached.p99}`.padStart(17)}  ${p.scanned}${p.truncated ? ' (truncated)' : ''}`,
    );
  for (const c of figures.cases) {
    row(c.memories, 'lexical (default)', c.lexical);
    row(c.memories, 'hashing embedder (base)', c.hashed);
    console.log(
      `${' '.repeat(8)}  lexical ÷ baseline: uncached p50 ${ratio(c.lexical.uncached.p50, c.hashed.uncached.p50)}, p99 ${ratio(c.lexical.uncached.p99, c.hashed.uncached.p99)}; cached p50 ${ratio(c.lexical.cached.p50, c.hashed.cached.p50)}, p99 ${ratio(c.lexical.cached.p99, c.hashed.cached.p99)}   (insert ${c.insertSeconds} s)`,
    );
  }
  const largest = figures.cases.at(-1);
  if (largest) {
    const { cached, uncached } = largest.lexical;
    console.log(
      `lexical p99 at ${largest.memories}: uncached ${uncached.p99} ms (target < 250 ms${uncached.p99 < 250 ? '' : ': MISSED'}), cached ${cached.p99} ms`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printMemorySearch(await benchMemorySearch());
}
