/**
 * Lexical search (the local default) through the memory use cases against dynalite: how well it
 * ranks on two sets of notes and questions worded as people ask them (tests/fixtures), against
 * the hashing embedder it replaces, measured in the same run; memories of another embedder
 * found by their text; expiry, the scan bound and the cache.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoAgentStore } from '../../shared/adapters/dynamo-agent-store.js';
import { DynamoGrantStore } from '../../shared/adapters/dynamo-grant-store.js';
import { DynamoMemoryStore } from '../../shared/adapters/dynamo-memory-store.js';
import { LocalHashEmbedder } from '../../shared/adapters/embeddings/local-hash-embedder.js';
import { lexicalSearch } from '../../shared/core/memory/lexical-search.js';
import {
  deleteMemory,
  type MemoryDeps,
  searchMemories,
  writeMemory,
} from '../../shared/core/memory/memory-service.js';
import { VectorCache } from '../../shared/core/memory/vector-cache.js';
import type { Caller } from '../../shared/core/security/authorization.js';
import { uniqueId, useLocalAws } from '../helpers/aws-local.js';
import { buildAgent, FixedClock, RecordingEventPublisher } from '../helpers/in-memory.js';

const aws = useLocalAws();
const admin: Caller = {
  principal: { kind: 'admin', id: 'admin' },
  action: 'test',
  correlationId: 'corr-lexical',
};

let clock: FixedClock;

function deps(overrides: Partial<MemoryDeps> = {}): MemoryDeps {
  return {
    agents: new DynamoAgentStore(aws().dynamo, aws().tableName),
    memories: new DynamoMemoryStore(aws().dynamo, aws().tableName),
    grants: new DynamoGrantStore(aws().dynamo, aws().tableName),
    embedder: lexicalSearch,
    events: new RecordingEventPublisher(),
    clock,
    ...overrides,
  };
}

async function anAgent(): Promise<string> {
  const id = uniqueId('lex');
  await new DynamoAgentStore(aws().dynamo, aws().tableName).create(buildAgent({ id }));
  return id;
}

const write = (agentId: string, body: Record<string, unknown>, d = deps()) =>
  writeMemory(d, admin, agentId, body);
const texts = async (agentId: string, query: string, d = deps(), k = 5) =>
  (await searchMemories(d, admin, agentId, { query, k })).items.map((hit) => hit.memory.text);

interface RankingSet {
  notes: { id: string; text: string }[];
  questions: { question: string; answer: string }[];
}

const fixture = (name: string): RankingSet =>
  JSON.parse(
    readFileSync(resolve(import.meta.dirname, '../fixtures/memory-ranking', name), 'utf8'),
  );

/** The share of questions whose answer comes first, writing the notes with each embedder. */
async function topOne(set: RankingSet, embedder: MemoryDeps['embedder']): Promise<number> {
  const agentId = await anAgent();
  const d = deps({ embedder });
  const idOf = new Map<string, string>();
  for (const note of set.notes) {
    clock.advance(1000);
    idOf.set((await write(agentId, { text: note.text }, d)).id, note.id);
  }
  let right = 0;
  for (const { question, answer } of set.questions) {
    const [best] = (await searchMemories(d, admin, agentId, { query: question, k: 1 })).items;
    if (best && idOf.get(best.memory.id) === answer) right++;
  }
  return right / set.questions.length;
}

beforeEach(() => {
  clock = new FixedClock('2030-01-01T00:00:00.000Z');
});

describe('ranking, measured on notes and questions worded as people ask them', () => {
  it.each([
    ['team-notes.json', 36],
    ['household-notes.json', 24],
  ])('puts the right note first for at least 70%% of the questions of %s', async (name, count) => {
    // Prepare
    const set = fixture(name);
    expect(set.questions).toHaveLength(count);
    expect(set.notes.length).toBeGreaterThanOrEqual(20);

    // Act: the same notes and questions, lexical search and the hashing embedder it replaces
    const lexical = await topOne(set, lexicalSearch);
    const hashed = await topOne(set, new LocalHashEmbedder());

    // Assess
    console.log(`${name}: top-1 lexical ${percent(lexical)}, hashing embedder ${percent(hashed)}`);
    expect(lexical).toBeGreaterThanOrEqual(0.7);
    expect(lexical).toBeGreaterThan(hashed);
  });
});

const percent = (share: number) => `${Math.round(share * 100)}%`;

describe('lexical search through the memory store', () => {
  it('writes no vector, names the model, and answers the issue example in order', async () => {
    // Prepare: as in a team's notes, "use" is in more of them than "database"
    const agentId = await anAgent();
    const pipeline = await write(agentId, { text: 'The deployment pipeline uses CDK and esbuild' });
    await write(agentId, { text: 'The database is DynamoDB with a single table design' });
    await write(agentId, { text: 'We use Slack for chat and Zoom for calls' });

    // Act
    const result = await searchMemories(deps(), admin, agentId, {
      query: 'which database do we use',
    });

    // Assess
    expect(pipeline.embeddingModel).toBe('local:lexical-v1');
    expect(result.items.map((hit) => hit.memory.text)).toEqual([
      'The database is DynamoDB with a single table design',
      // Then the two that share only "use", the shorter first.
      'The deployment pipeline uses CDK and esbuild',
      'We use Slack for chat and Zoom for calls',
    ]);
    expect(result.items[0]?.score).toBeGreaterThan(0.3);
    expect(result.items[0]?.score).toBeLessThan(1);
    expect(result).toMatchObject({ scanned: 3, truncated: false });
    const vectors = await aws().dynamo.send(
      new QueryCommand({
        TableName: aws().tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `MEMVEC#${agentId}#default` },
      }),
    );
    expect(vectors.Items).toEqual([]);
  });

  it('finds memories another embedder wrote by their text; an embedder never sees lexical ones', async () => {
    // Prepare
    const agentId = await anAgent();
    const hashed = deps({ embedder: new LocalHashEmbedder() });
    await write(agentId, { text: 'the VPN certificate expires in June' }, hashed);
    await write(agentId, { text: 'the VPN client is WireGuard' });

    // Act
    const lexically = await texts(agentId, 'when does the vpn certificate expire');
    const byVectors = await texts(agentId, 'when does the vpn certificate expire', hashed);

    // Assess
    expect(lexically).toEqual([
      'the VPN certificate expires in June',
      'the VPN client is WireGuard',
    ]);
    expect(byVectors).toEqual(['the VPN certificate expires in June']);
  });

  it('never returns an expired memory, cached or not', async () => {
    // Prepare
    const agentId = await anAgent();
    const cached = deps({ cache: new VectorCache() });
    await write(agentId, { text: 'temporary door code 4512', ttlSeconds: 60 }, cached);
    await write(agentId, { text: 'permanent door code policy' }, cached);

    // Act + Assess
    expect(await texts(agentId, 'door code', cached)).toContain('temporary door code 4512');
    clock.advance(60_000);
    expect(await texts(agentId, 'door code', cached)).toEqual(['permanent door code policy']);
    expect(await texts(agentId, 'door code')).toEqual(['permanent door code policy']);
  });

  it('indexes a namespace once per version: warm searches read no texts, writes and deletes show at once', async () => {
    // Prepare
    const agentId = await anAgent();
    const cache = new VectorCache();
    const cached = deps({ cache });
    await write(agentId, { text: 'the guest wifi is orbit-guest' });
    await texts(agentId, 'wifi', cached);
    const misses = cache.misses;

    // Act + Assess: warm
    expect(await texts(agentId, 'wifi', cached)).toEqual(['the guest wifi is orbit-guest']);
    expect(cache.misses).toBe(misses);

    // Act + Assess: a write and a delete by another process are seen
    const added = await write(agentId, { text: 'the staff wifi is orbit' });
    expect(await texts(agentId, 'staff wifi', cached)).toEqual([
      'the staff wifi is orbit',
      'the guest wifi is orbit-guest',
    ]);
    await deleteMemory(deps(), admin, agentId, added.id);
    expect(await texts(agentId, 'staff wifi', cached)).toEqual(['the guest wifi is orbit-guest']);
  });

  it('compares at most maxScannedPerSearch memories, newest first, and says it truncated', async () => {
    // Prepare: the only match is the oldest memory, beyond the bound
    const agentId = await anAgent();
    await write(agentId, { text: 'the launch code is swordfish' });
    for (let i = 0; i < 6; i++) {
      clock.advance(1000);
      await write(agentId, { text: `filler note number ${i}` });
    }
    const bounded = deps({ limits: { maxScannedPerSearch: 4 } });

    // Act
    const cut = await searchMemories(bounded, admin, agentId, { query: 'swordfish' });
    const whole = await searchMemories(deps(), admin, agentId, { query: 'swordfish' });

    // Assess
    expect(cut).toMatchObject({ items: [], scanned: 4, truncated: true });
    expect(whole).toMatchObject({ scanned: 7, truncated: false });
    expect(whole.items.map((hit) => hit.memory.text)).toEqual(['the launch code is swordfish']);
  });
});
