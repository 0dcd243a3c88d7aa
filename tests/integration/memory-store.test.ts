/**
 * The memory use cases over the DynamoDB memory store, against dynalite: write, list, delete,
 * TTL, pagination, search over an agent's own namespaces (k, minScore, the scan bound), vector
 * spaces kept apart, and the per-process vector cache staying correct.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoAgentStore } from '../../shared/adapters/dynamo-agent-store.js';
import { DynamoGrantStore } from '../../shared/adapters/dynamo-grant-store.js';
import { DynamoMemoryStore } from '../../shared/adapters/dynamo-memory-store.js';
import { LocalHashEmbedder } from '../../shared/adapters/embeddings/local-hash-embedder.js';
import { NotFoundError, ValidationError } from '../../shared/core/errors.js';
import { MEMORY_LIMITS } from '../../shared/core/memory/memory.js';
import {
  deleteMemory,
  listMemories,
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
  correlationId: 'corr-memory',
};

let clock: FixedClock;
let events: RecordingEventPublisher;

function deps(overrides: Partial<MemoryDeps> = {}): MemoryDeps {
  return {
    agents: new DynamoAgentStore(aws().dynamo, aws().tableName),
    memories: new DynamoMemoryStore(aws().dynamo, aws().tableName),
    grants: new DynamoGrantStore(aws().dynamo, aws().tableName),
    embedder: new LocalHashEmbedder(),
    events,
    clock,
    ...overrides,
  };
}

async function anAgent(tags: string[] = []): Promise<string> {
  const id = uniqueId('mem');
  await new DynamoAgentStore(aws().dynamo, aws().tableName).create(buildAgent({ id, tags }));
  return id;
}

async function errorOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

const write = (agentId: string, body: Record<string, unknown>, d = deps()) =>
  writeMemory(d, admin, agentId, body);
const search = (agentId: string, body: Record<string, unknown>, d = deps()) =>
  searchMemories(d, admin, agentId, body);
const list = (agentId: string, query: Record<string, string> = {}, limit = 25, cursor?: string) =>
  listMemories(deps(), admin, agentId, query, { limit, cursor });

beforeEach(() => {
  clock = new FixedClock('2030-01-01T00:00:00.000Z');
  events = new RecordingEventPublisher();
});

describe('writing, listing and deleting memories', () => {
  it('writes a memory with defaults, announces it, lists it and deletes it', async () => {
    // Prepare
    const agentId = await anAgent();

    // Act
    const memory = await write(agentId, { text: 'The staging database is db-stg-01.' });

    // Assess
    expect(memory).toEqual({
      id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
      agentId,
      namespace: 'default',
      text: 'The staging database is db-stg-01.',
      metadata: {},
      createdBy: 'admin',
      createdAt: '2030-01-01T00:00:00.000Z',
      expiresAt: null,
      embeddingModel: 'local:hash-v1:256',
    });
    expect(events.ofType('memory.written').map((e) => e.detail.data)).toEqual([
      {
        agentId,
        namespace: 'default',
        memoryId: memory.id,
        by: 'admin',
        bytes: 34,
        expiresAt: null,
      },
    ]);
    expect(events.ofType('memory.written')[0]?.source).toBe('agent-core.memory');
    expect((await list(agentId)).items).toEqual([memory]);

    // Act: delete
    const deleted = await deleteMemory(deps(), admin, agentId, memory.id);

    // Assess
    expect(deleted).toEqual(memory);
    expect((await list(agentId)).items).toEqual([]);
    expect((await search(agentId, { query: 'staging database' })).items).toEqual([]);
    expect(await errorOf(deleteMemory(deps(), admin, agentId, memory.id))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it('keeps metadata of any JSON shape, and the namespace asked for', async () => {
    // Prepare
    const agentId = await anAgent();
    const metadata = { source: 'chat', tags: ['a', 'b'], nested: { n: 1.5, empty: '', nil: null } };

    // Act
    const memory = await write(agentId, { text: 'x', namespace: 'notes-2', metadata });

    // Assess
    const [listed] = (await list(agentId, { namespace: 'notes-2' })).items;
    expect(listed?.metadata).toEqual(metadata);
    expect(listed?.namespace).toBe('notes-2');
    expect(listed?.id).toBe(memory.id);
  });

  it('answers 404 for an unknown agent, and for an unknown or malformed memory id', async () => {
    // Prepare
    const agentId = await anAgent();

    // Assess
    expect(await errorOf(write('no-such-agent', { text: 'x' }))).toBeInstanceOf(NotFoundError);
    expect(await errorOf(list('no-such-agent'))).toBeInstanceOf(NotFoundError);
    expect(
      await errorOf(deleteMemory(deps(), admin, agentId, '01JAAAAAAAAAAAAAAAAAAAAAAA')),
    ).toBeInstanceOf(NotFoundError);
    expect(await errorOf(deleteMemory(deps(), admin, agentId, 'M#default#x'))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it.each([
    ['text missing', {}, 'text'],
    ['text blank', { text: '   ' }, 'text'],
    ['text over 32 KiB', { text: 'é'.repeat(MEMORY_LIMITS.maxTextBytes / 2 + 1) }, 'text'],
    ['namespace malformed', { text: 'x', namespace: 'Has Spaces' }, 'namespace'],
    ['namespace too long', { text: 'x', namespace: 'n'.repeat(64) }, 'namespace'],
    ['metadata over 8 KiB', { text: 'x', metadata: { blob: 'm'.repeat(8 * 1024) } }, 'metadata'],
    ['metadata not an object', { text: 'x', metadata: [1, 2] }, 'metadata'],
    ['ttlSeconds negative', { text: 'x', ttlSeconds: -1 }, 'ttlSeconds'],
    [
      'ttlSeconds over 10 years',
      { text: 'x', ttlSeconds: MEMORY_LIMITS.maxTtlSeconds + 1 },
      'ttlSeconds',
    ],
    ['ttlSeconds fractional', { text: 'x', ttlSeconds: 1.5 }, 'ttlSeconds'],
    ['an unknown field', { text: 'x', owner: 'other' }, 'owner'],
  ])('refuses %s, naming the field, and writes nothing', async (_, body, field) => {
    // Prepare
    const agentId = await anAgent();

    // Act
    const error = await errorOf(write(agentId, body));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.details.map((d: { path: string }) => d.path)).toContain(field);
    expect((await list(agentId)).items).toEqual([]);
    expect(events.events).toEqual([]);
  });

  it('accepts the limits themselves: 32 KiB of text, 10 years of TTL', async () => {
    // Prepare
    const agentId = await anAgent();

    // Act
    const memory = await write(agentId, {
      text: 'a'.repeat(MEMORY_LIMITS.maxTextBytes),
      ttlSeconds: MEMORY_LIMITS.maxTtlSeconds,
    });

    // Assess
    expect(memory.expiresAt).toBe('2039-12-30T00:00:00.000Z');
    expect((await list(agentId)).items).toHaveLength(1);
  });
});

describe('TTL', () => {
  it('never returns an expired memory, whether or not it was deleted yet', async () => {
    // Prepare
    const agentId = await anAgent();
    const cache = new VectorCache();
    const withCache = deps({ cache });
    const memory = await write(agentId, {
      text: 'temporary deploy token rotation',
      ttlSeconds: 60,
    });
    await write(agentId, { text: 'permanent note about deploy tokens' });
    expect(memory.expiresAt).toBe('2030-01-01T00:01:00.000Z');
    const found = async () =>
      (await search(agentId, { query: 'deploy token rotation' }, withCache)).items.map(
        (hit) => hit.memory.id,
      );

    // Act + Assess: still there a second before it expires (the cache now holds it)
    clock.advance(59_000);
    expect((await list(agentId)).items.map((m) => m.id)).toContain(memory.id);
    expect(await found()).toContain(memory.id);

    // Act + Assess: gone from list, search (cached or not) and delete once it expires
    clock.advance(1_000);
    expect((await list(agentId)).items.map((m) => m.id)).not.toContain(memory.id);
    expect(await found()).not.toContain(memory.id);
    expect((await search(agentId, { query: 'deploy token rotation' })).items).toHaveLength(1);
    expect(await errorOf(deleteMemory(deps(), admin, agentId, memory.id))).toBeInstanceOf(
      NotFoundError,
    );
    expect(cache.hits).toBeGreaterThan(0);
  });

  it('stores a ttl attribute (epoch seconds, rounded up) for DynamoDB to delete it later', async () => {
    // Prepare
    const agentId = await anAgent();
    clock.set('2030-01-01T00:00:00.400Z');

    // Act
    await write(agentId, { text: 'short lived', ttlSeconds: 10 });

    // Assess
    const { QueryCommand } = await import('@aws-sdk/lib-dynamodb');
    const items = await Promise.all(
      [`MEMORY#${agentId}`, `MEMVEC#${agentId}#default`].map(async (pk) => {
        const result = await aws().dynamo.send(
          new QueryCommand({
            TableName: aws().tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': pk },
          }),
        );
        return result.Items?.[0];
      }),
    );
    const expected = Math.ceil(Date.parse('2030-01-01T00:00:10.400Z') / 1000);
    expect(items.map((item) => item?.ttl)).toEqual([expected, expected]);
    // The vector item is compact: an int8 byte per dimension.
    expect((items[1]?.v as Uint8Array | undefined)?.byteLength).toBe(256);
  });
});

describe('pagination', () => {
  it('pages newest first with opaque cursors, per namespace or across all', async () => {
    // Prepare
    const agentId = await anAgent();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await write(agentId, { text: `note ${i}`, namespace: 'notes' })).id);
      clock.advance(1000);
    }
    const other = await write(agentId, { text: 'elsewhere', namespace: 'archive' });

    // Act
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await list(agentId, { namespace: 'notes' }, 3, cursor);
      pages.push(page.items.map((m) => m.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor && pages.length < 10);
    const everything = await list(agentId, {}, 100);

    // Assess
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual([...ids].reverse());
    expect(everything.items.map((m) => m.id).sort()).toEqual([...ids, other.id].sort());
    expect(everything.nextCursor).toBeNull();
  });

  it("refuses a cursor of another namespace's listing or a forged one", async () => {
    // Prepare
    const agentId = await anAgent();
    for (let i = 0; i < 3; i++) await write(agentId, { text: `n${i}`, namespace: 'one' });
    const page = await list(agentId, { namespace: 'one' }, 1);
    const forged = Buffer.from(JSON.stringify({ pk: 'MEMORY#other', sk: 'M#x' })).toString(
      'base64url',
    );

    // Assess
    expect(page.nextCursor).not.toBeNull();
    for (const cursor of [page.nextCursor as string, forged, 'not-a-cursor']) {
      const error = await errorOf(list(agentId, { namespace: 'two' }, 1, cursor));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.details).toEqual([{ path: 'cursor', message: expect.any(String) }]);
    }
  });

  it('refuses a malformed namespace filter', async () => {
    // Prepare
    const agentId = await anAgent();

    // Act
    const error = await errorOf(list(agentId, { namespace: 'NOPE!' }));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.details[0].path).toBe('namespace');
  });
});

describe('search over own namespaces', () => {
  async function seeded(): Promise<string> {
    const agentId = await anAgent();
    const texts: [string, string][] = [
      ['default', 'the staging database password rotates every month'],
      ['default', 'lunch is served at noon in the cafeteria'],
      ['runbooks', 'to restart the staging database, drain connections first'],
      ['runbooks', 'kubernetes pods restart when their liveness probe fails'],
      ['trivia', 'octopuses have three hearts'],
    ];
    for (const [namespace, text] of texts) {
      await write(agentId, { text, namespace });
      clock.advance(1000);
    }
    return agentId;
  }

  it('finds the most similar memories across namespaces, best first, with their owner', async () => {
    // Prepare
    const agentId = await seeded();

    // Act
    const result = await search(agentId, { query: 'restart the staging database' });

    // Assess
    const texts = result.items.map((hit) => hit.memory.text);
    expect(texts[0]).toBe('to restart the staging database, drain connections first');
    expect(texts[1]).toBe('the staging database password rotates every month');
    // Unrelated texts may still score a little above 0 (hash collisions), never high.
    const octopus = result.items.find((hit) => hit.memory.text.startsWith('octopuses'));
    expect(octopus?.score ?? 0).toBeLessThan(0.25);
    const scores = result.items.map((hit) => hit.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(result.items.every((hit) => hit.ownerAgentId === agentId)).toBe(true);
    expect(result).toMatchObject({ scanned: 5, truncated: false });
  });

  it('searches one namespace when asked', async () => {
    // Prepare
    const agentId = await seeded();

    // Act
    const result = await search(agentId, { query: 'staging database', namespace: 'default' });

    // Assess
    expect(result.items.map((hit) => hit.memory.namespace)).toEqual(['default']);
    expect(result.scanned).toBe(2);
  });

  it('returns at most k, and nothing under minScore', async () => {
    // Prepare
    const agentId = await seeded();

    // Act
    const one = await search(agentId, { query: 'restart', k: 1 });
    const all = await search(agentId, { query: 'restart', k: 50, minScore: -1 });
    const strict = await search(agentId, { query: 'restart the staging database', minScore: 0.6 });

    // Assess
    expect(one.items).toHaveLength(1);
    expect(all.items).toHaveLength(5);
    expect(strict.items.length).toBeGreaterThan(0);
    expect(strict.items.length).toBeLessThan(3);
    expect(strict.items.every((hit) => hit.score >= 0.6)).toBe(true);
  });

  it.each([
    [{ query: '' }, 'query'],
    [{ query: 'x', k: 0 }, 'k'],
    [{ query: 'x', k: 51 }, 'k'],
    [{ query: 'x', minScore: 1.5 }, 'minScore'],
    [{ query: 'x', namespace: '-x' }, 'namespace'],
    [{ query: 'x', includeShared: 'yes' }, 'includeShared'],
  ])('%#: refuses bad search input naming the field', async (body, field) => {
    // Prepare
    const agentId = await anAgent();

    // Act
    const error = await errorOf(search(agentId, body));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.details[0].path).toBe(field);
  });

  it('compares only memories made by the same embedder', async () => {
    // Prepare
    const agentId = await anAgent();
    const small = new LocalHashEmbedder(64);
    await write(agentId, { text: 'alpha bravo charlie' });
    await write(agentId, { text: 'alpha bravo delta' }, deps({ embedder: small }));

    // Act
    const big = await search(agentId, { query: 'alpha bravo' });
    const other = await search(agentId, { query: 'alpha bravo' }, deps({ embedder: small }));

    // Assess
    expect(big.items.map((hit) => hit.memory.text)).toEqual(['alpha bravo charlie']);
    expect(other.items.map((hit) => hit.memory.text)).toEqual(['alpha bravo delta']);
    expect(other.items[0]?.memory.embeddingModel).toBe('local:hash-v1:64');
  });
});

describe('the bound on work per search', () => {
  it('compares at most maxScannedPerSearch memories, newest first, and says it truncated', async () => {
    // Prepare: the best match is the oldest memory, beyond the bound
    const agentId = await anAgent();
    await write(agentId, { text: 'the secret launch code is swordfish' });
    for (let i = 0; i < 14; i++) {
      clock.advance(1000);
      await write(agentId, { text: `filler memory number ${i}` });
    }
    const bounded = deps({ limits: { maxScannedPerSearch: 10 } });

    // Act
    const cut = await search(agentId, { query: 'launch code swordfish' }, bounded);
    const whole = await search(agentId, { query: 'launch code swordfish' });

    // Assess
    expect(cut).toMatchObject({ scanned: 10, truncated: true });
    expect(cut.items.map((hit) => hit.memory.text)).not.toContain(
      'the secret launch code is swordfish',
    );
    expect(whole).toMatchObject({ scanned: 15, truncated: false });
    expect(whole.items[0]?.memory.text).toBe('the secret launch code is swordfish');
  });

  it('is not truncated when the namespaces hold exactly the bound', async () => {
    // Prepare
    const agentId = await anAgent();
    for (let i = 0; i < 6; i++) {
      await write(agentId, { text: `memory ${i}`, namespace: i < 3 ? 'a' : 'b' });
    }

    // Act
    const result = await search(
      agentId,
      { query: 'memory' },
      deps({ limits: { maxScannedPerSearch: 6 } }),
    );
    const over = await search(
      agentId,
      { query: 'memory' },
      deps({ limits: { maxScannedPerSearch: 5 } }),
    );

    // Assess
    expect(result).toMatchObject({ scanned: 6, truncated: false });
    expect(over).toMatchObject({ scanned: 5, truncated: true });
  });

  it('covers at most maxNamespacesPerSearch namespaces', async () => {
    // Prepare
    const agentId = await anAgent();
    for (const namespace of ['a', 'b', 'c']) await write(agentId, { text: 'same text', namespace });

    // Act
    const result = await search(
      agentId,
      { query: 'same text' },
      deps({ limits: { maxNamespacesPerSearch: 2 } }),
    );

    // Assess
    expect(result.truncated).toBe(true);
    expect(result.items.map((hit) => hit.memory.namespace).sort()).toEqual(['a', 'b']);
  });

  it('documents 20 000 memories as the default bound', () => {
    // Assess
    expect(MEMORY_LIMITS.maxScannedPerSearch).toBe(20_000);
  });
});

describe('the vector cache', () => {
  it('serves warm searches from memory and sees every write and delete at once', async () => {
    // Prepare
    const agentId = await anAgent();
    const cache = new VectorCache();
    const cached = deps({ cache });
    await write(agentId, { text: 'the office wifi password is hunter2' });
    await search(agentId, { query: 'wifi password' }, cached);
    const misses = cache.misses;

    // Act + Assess: warm
    const warm = await search(agentId, { query: 'wifi password' }, cached);
    expect(cache.misses).toBe(misses);
    expect(cache.hits).toBeGreaterThan(0);
    expect(warm.items).toHaveLength(1);

    // Act + Assess: a write (by another process: no shared cache) is seen
    const added = await write(agentId, { text: 'the guest wifi password is welcome1' });
    const afterWrite = await search(agentId, { query: 'wifi password' }, cached);
    expect(afterWrite.items.map((hit) => hit.memory.id)).toContain(added.id);

    // Act + Assess: a delete is seen
    await deleteMemory(deps(), admin, agentId, added.id);
    const afterDelete = await search(agentId, { query: 'wifi password' }, cached);
    expect(afterDelete.items.map((hit) => hit.memory.id)).not.toContain(added.id);
    expect(afterDelete.items).toHaveLength(1);
  });
});
