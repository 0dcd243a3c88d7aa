/**
 * The memory API handler (`memoriesApi`) behind middy and httpErrorHandler, with the real
 * DynamoDB stores on dynalite: the contract's answers, and the access rules for agent keys
 * (403 and `security.denied` without a grant, allowed with one, 403 again after its revoke;
 * the admin always).
 */
// The handler logs what it answers with a 500; those here are on purpose.
await vi.hoisted(async () => (await import('../helpers/quiet-logs.js')).quietLogs());

import { beforeEach, describe, expect, it, vi } from 'vitest';
import { memoriesApi } from '../../functions/memory/memories-api.js';
import { DynamoAgentStore } from '../../shared/adapters/dynamo-agent-store.js';
import { DynamoGrantStore } from '../../shared/adapters/dynamo-grant-store.js';
import { DynamoMemoryStore } from '../../shared/adapters/dynamo-memory-store.js';
import { LocalHashEmbedder } from '../../shared/adapters/embeddings/local-hash-embedder.js';
import { newId } from '../../shared/core/ids.js';
import type { Embedder } from '../../shared/core/memory/embedder.js';
import type { MemoryDeps } from '../../shared/core/memory/memory-service.js';
import { VectorCache } from '../../shared/core/memory/vector-cache.js';
import { ModelCallError } from '../../shared/core/models/model-error.js';
import { uniqueId, useLocalAws } from '../helpers/aws-local.js';
import { callHttp, type HttpCallOptions } from '../helpers/http-calls.js';
import { buildAgent, FixedClock, RecordingEventPublisher } from '../helpers/in-memory.js';

const aws = useLocalAws();

let events: RecordingEventPublisher;
let embedder: Embedder;

function deps(): MemoryDeps {
  return {
    agents: new DynamoAgentStore(aws().dynamo, aws().tableName),
    memories: new DynamoMemoryStore(aws().dynamo, aws().tableName),
    grants: new DynamoGrantStore(aws().dynamo, aws().tableName),
    embedder,
    events,
    clock: new FixedClock('2030-05-01T00:00:00.000Z'),
    cache: new VectorCache(),
  };
}

const call = (routeKey: string, options: HttpCallOptions = {}) => {
  const d = deps();
  return callHttp(
    memoriesApi(() => d),
    routeKey,
    options,
  );
};

async function anAgent(prefix: string, tags: string[] = []): Promise<string> {
  const id = uniqueId(prefix);
  await new DynamoAgentStore(aws().dynamo, aws().tableName).create(buildAgent({ id, tags }));
  return id;
}

const MEMORIES = 'POST /v1/agents/{id}/memories';
const LIST = 'GET /v1/agents/{id}/memories';
const DELETE = 'DELETE /v1/agents/{id}/memories/{memoryId}';
const SEARCH = 'POST /v1/agents/{id}/memories/search';
const GRANT = 'POST /v1/agents/{id}/grants';
const GRANTS = 'GET /v1/agents/{id}/grants';
const REVOKE = 'DELETE /v1/agents/{id}/grants/{grantId}';

beforeEach(() => {
  events = new RecordingEventPublisher();
  embedder = new LocalHashEmbedder();
});

describe('the memory API as the admin', () => {
  it('writes (201), lists, searches and deletes a memory', async () => {
    // Prepare
    const a = await anAgent('api');

    // Act
    const written = await call(MEMORIES, {
      path: { id: a },
      body: { text: 'the coffee machine is on floor 3', metadata: { by: 'test' }, ttlSeconds: 0 },
    });
    const listed = await call(LIST, { path: { id: a }, query: { namespace: 'default' } });
    const found = await call(SEARCH, {
      path: { id: a },
      body: { query: 'where is the coffee machine', k: 5 },
    });
    const deleted = await call(DELETE, { path: { id: a, memoryId: written.json.id } });
    const again = await call(DELETE, { path: { id: a, memoryId: written.json.id } });

    // Assess
    expect(written.statusCode).toBe(201);
    expect(written.json).toMatchObject({
      agentId: a,
      namespace: 'default',
      text: 'the coffee machine is on floor 3',
      metadata: { by: 'test' },
      expiresAt: null,
    });
    expect(listed.statusCode).toBe(200);
    expect(listed.json).toEqual({ items: [written.json], nextCursor: null });
    expect(found.statusCode).toBe(200);
    expect(found.json.items).toEqual([
      { memory: written.json, score: expect.any(Number), ownerAgentId: a },
    ]);
    expect(found.json.items[0].score).toBeGreaterThan(0.3);
    expect(found.json).toMatchObject({ scanned: 1, truncated: false });
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json.id).toBe(written.json.id);
    expect(again.statusCode).toBe(404);
    expect(again.json.error.code).toBe('NotFound');
  });

  it('answers 404 for an unknown agent on every route', async () => {
    // Act
    const answers = await Promise.all([
      call(MEMORIES, { path: { id: 'no-such-agent' }, body: { text: 'x' } }),
      call(LIST, { path: { id: 'no-such-agent' } }),
      call(SEARCH, { path: { id: 'no-such-agent' }, body: { query: 'x' } }),
      call(GRANT, { path: { id: 'no-such-agent' }, body: { namespace: 'x', grantee: 'y-1' } }),
      call(GRANTS, { path: { id: 'no-such-agent' } }),
    ]);

    // Assess
    expect(answers.map((a) => a.statusCode)).toEqual([404, 404, 404, 404, 404]);
  });

  it('answers 400 naming each bad field, writes nothing and announces nothing', async () => {
    // Prepare
    const a = await anAgent('api');

    // Act
    const bad = await call(MEMORIES, {
      path: { id: a },
      body: { text: '', namespace: 'UPPER', ttlSeconds: -5, extra: 1 },
    });
    const badSearch = await call(SEARCH, { path: { id: a }, body: { query: 'x', k: 0 } });
    const badLimit = await call(LIST, { path: { id: a }, query: { limit: '0' } });
    const noBody = await call(MEMORIES, { path: { id: a } });

    // Assess
    expect(bad.statusCode).toBe(400);
    expect(bad.json.error.code).toBe('ValidationError');
    expect(bad.json.error.details.map((d: { path: string }) => d.path).sort()).toEqual(
      ['extra', 'namespace', 'text', 'ttlSeconds'].sort(),
    );
    expect(badSearch.json.error.details).toEqual([{ path: 'k', message: expect.any(String) }]);
    expect(badLimit.statusCode).toBe(400);
    expect(noBody.statusCode).toBe(400);
    expect((await call(LIST, { path: { id: a } })).json.items).toEqual([]);
    expect(events.ofType('memory.written')).toEqual([]);
  });

  it('answers 401 without a key', async () => {
    // Prepare
    const a = await anAgent('api');

    // Act
    const response = await call(LIST, { path: { id: a }, principal: '' });

    // Assess
    expect(response.statusCode).toBe(401);
  });

  it('answers 429 when the embedding model throttles, 503 when it is down, and writes nothing', async () => {
    // Prepare
    const a = await anAgent('api');
    const failing = (reason: 'throttled' | 'unavailable'): Embedder => ({
      id: 'local:hash-v1:256',
      dimensions: 256,
      embed: async () => {
        throw new ModelCallError(`embedder: ${reason}`, reason, true);
      },
    });

    // Act
    embedder = failing('throttled');
    const throttled = await call(MEMORIES, { path: { id: a }, body: { text: 'x' } });
    embedder = failing('unavailable');
    const down = await call(SEARCH, { path: { id: a }, body: { query: 'x' } });

    // Assess
    expect(throttled.statusCode).toBe(429);
    expect(throttled.headers?.['retry-after']).toBe('2');
    expect(down.statusCode).toBe(503);
    expect(down.json.error.code).toBe('ServiceUnavailable');
    embedder = new LocalHashEmbedder();
    expect((await call(LIST, { path: { id: a } })).json.items).toEqual([]);
  });
});

describe('a retired agent', () => {
  /** An agent with a memory and a grant, then retired. */
  async function retiredWithHistory() {
    const agents = new DynamoAgentStore(aws().dynamo, aws().tableName);
    const a = await anAgent('retiree');
    const b = await anAgent('peer');
    const memory = await call(MEMORIES, {
      path: { id: a },
      body: { text: 'kept', namespace: 'x' },
    });
    const grant = await call(GRANT, { path: { id: a }, body: { namespace: 'x', grantee: b } });
    await agents.update(a, { status: 'retired' }, ['active']);
    return { a, b, memoryId: memory.json.id as string, grantId: grant.json.id as string };
  }

  it('writes nothing through its own key (409), and still reads its history', async () => {
    // Prepare
    const { a, b, memoryId, grantId } = await retiredWithHistory();
    const key = `agent:${a}`;

    // Act
    const writes = await Promise.all([
      call(MEMORIES, { path: { id: a }, principal: key, body: { text: 'new' } }),
      call(GRANT, { path: { id: a }, principal: key, body: { namespace: 'x', grantee: b } }),
      call(DELETE, { path: { id: a, memoryId }, principal: key }),
      call(REVOKE, { path: { id: a, grantId }, principal: key }),
    ]);
    const reads = await Promise.all([
      call(LIST, { path: { id: a }, principal: key, query: { namespace: 'x' } }),
      call(SEARCH, { path: { id: a }, principal: key, body: { query: 'kept' } }),
      call(GRANTS, { path: { id: a }, principal: key }),
    ]);

    // Assess
    expect(writes.map((r) => [r.statusCode, r.json.error.code])).toEqual(
      Array(4).fill([409, 'Conflict']),
    );
    expect(reads.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(reads[0]?.json.items).toHaveLength(1);
    expect(reads[2]?.json.items).toHaveLength(1);
    expect(events.ofType('memory.written')).toHaveLength(1);
  });

  it('takes no new memories or grants from the admin either, who may still clean up', async () => {
    // Prepare
    const { a, b, memoryId, grantId } = await retiredWithHistory();

    // Act
    const added = await call(MEMORIES, { path: { id: a }, body: { text: 'new' } });
    const granted = await call(GRANT, { path: { id: a }, body: { namespace: 'y', grantee: b } });
    const deleted = await call(DELETE, { path: { id: a, memoryId } });
    const revoked = await call(REVOKE, { path: { id: a, grantId } });

    // Assess
    expect([added.statusCode, granted.statusCode]).toEqual([409, 409]);
    expect([deleted.statusCode, revoked.statusCode]).toEqual([200, 200]);
  });

  it("cannot write to another agent's namespace through a write grant", async () => {
    // Prepare: b may write to a's namespace x; then b is retired.
    const agents = new DynamoAgentStore(aws().dynamo, aws().tableName);
    const a = await anAgent('owner');
    const b = await anAgent('grantee');
    await call(GRANT, { path: { id: a }, body: { namespace: 'x', grantee: b, access: 'write' } });
    await agents.update(b, { status: 'retired' }, ['active']);

    // Act
    const written = await call(MEMORIES, {
      path: { id: a },
      principal: `agent:${b}`,
      body: { text: 'from a retired agent', namespace: 'x' },
    });

    // Assess
    expect(written.statusCode).toBe(409);
    expect(events.ofType('memory.written')).toHaveLength(0);
  });
});

describe('access rules for agent keys', () => {
  it("denies B on A's private memories (403 + security.denied), allows after a grant, denies after its revoke", async () => {
    // Prepare
    const a = await anAgent('owner');
    const b = await anAgent('peer');
    const keyA = `agent:${a}`;
    const keyB = `agent:${b}`;
    const memory = await call(MEMORIES, {
      path: { id: a },
      principal: keyA,
      body: { text: 'quarterly numbers are up 12%', namespace: 'finance' },
    });
    expect(memory.statusCode).toBe(201);

    // Act + Assess: no grant
    const denied = await call(LIST, {
      path: { id: a },
      principal: keyB,
      query: { namespace: 'finance' },
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.json.error.code).toBe('Forbidden');
    expect(events.ofType('security.denied').map((e) => e.detail.data)).toEqual([
      {
        principal: keyB,
        action: LIST,
        resource: `memory:${a}/finance`,
        reason: expect.stringContaining('not shared'),
      },
    ]);
    const searchDenied = await call(SEARCH, {
      path: { id: b },
      principal: keyB,
      body: { query: 'quarterly numbers' },
    });
    expect(searchDenied.json.items).toEqual([]);

    // Act + Assess: A grants read on finance to B
    const grant = await call(GRANT, {
      path: { id: a },
      principal: keyA,
      body: { namespace: 'finance', grantee: b, access: 'read' },
    });
    expect(grant.statusCode).toBe(201);
    const allowed = await call(LIST, {
      path: { id: a },
      principal: keyB,
      query: { namespace: 'finance' },
    });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.json.items.map((m: { id: string }) => m.id)).toEqual([memory.json.id]);
    const shared = await call(SEARCH, {
      path: { id: b },
      principal: keyB,
      body: { query: 'quarterly numbers' },
    });
    expect(shared.json.items).toEqual([
      expect.objectContaining({ ownerAgentId: a, memory: memory.json }),
    ]);
    const readOnly = await call(MEMORIES, {
      path: { id: a },
      principal: keyB,
      body: { text: 'edit', namespace: 'finance' },
    });
    expect(readOnly.statusCode).toBe(403);

    // Act + Assess: revoked
    const revoke = await call(REVOKE, { path: { id: a, grantId: grant.json.id }, principal: keyA });
    expect(revoke.statusCode).toBe(200);
    const deniedAgain = await call(LIST, {
      path: { id: a },
      principal: keyB,
      query: { namespace: 'finance' },
    });
    expect(deniedAgain.statusCode).toBe(403);
    const searchAgain = await call(SEARCH, {
      path: { id: b },
      principal: keyB,
      body: { query: 'quarterly numbers' },
    });
    expect(searchAgain.json.items).toEqual([]);
    expect(events.types()).toEqual(
      expect.arrayContaining(['memory.written', 'memory.granted', 'memory.revoked']),
    );
  });

  it('grants to a tag reach agents with that tag', async () => {
    // Prepare
    const a = await anAgent('owner');
    const tag = uniqueId('ops').replace(/-/g, '');
    const member = await anAgent('member', [tag]);
    await call(MEMORIES, { path: { id: a }, body: { text: 'pager rota', namespace: 'ops' } });

    // Act
    const before = await call(LIST, {
      path: { id: a },
      principal: `agent:${member}`,
      query: { namespace: 'ops' },
    });
    await call(GRANT, { path: { id: a }, body: { namespace: 'ops', grantee: `tag:${tag}` } });
    const after = await call(LIST, {
      path: { id: a },
      principal: `agent:${member}`,
      query: { namespace: 'ops' },
    });

    // Assess
    expect(before.statusCode).toBe(403);
    expect(after.statusCode).toBe(200);
    expect(after.json.items).toHaveLength(1);
  });

  it("keeps B off A's own routes: search as A, delete, grant, list and revoke grants, list all", async () => {
    // Prepare
    const a = await anAgent('owner');
    const b = await anAgent('peer');
    const keyB = `agent:${b}`;
    const memory = await call(MEMORIES, {
      path: { id: a },
      body: { text: 'secret', namespace: 'x' },
    });
    const grant = await call(GRANT, {
      path: { id: a },
      body: { namespace: 'x', grantee: b, access: 'write' },
    });

    // Act
    const answers = await Promise.all([
      call(SEARCH, { path: { id: a }, principal: keyB, body: { query: 'secret' } }),
      call(DELETE, { path: { id: a, memoryId: memory.json.id }, principal: keyB }),
      call(GRANT, { path: { id: a }, principal: keyB, body: { namespace: 'x', grantee: b } }),
      call(GRANTS, { path: { id: a }, principal: keyB }),
      call(REVOKE, { path: { id: a, grantId: grant.json.id }, principal: keyB }),
      call(LIST, { path: { id: a }, principal: keyB }),
    ]);

    // Assess
    expect(answers.map((r) => r.statusCode)).toEqual([403, 403, 403, 403, 403, 403]);
    expect(events.ofType('security.denied')).toHaveLength(6);
    expect(
      (await call(LIST, { path: { id: a }, query: { namespace: 'x' } })).json.items,
    ).toHaveLength(1);
    expect((await call(GRANTS, { path: { id: a } })).json.items).toHaveLength(1);
  });

  it('answers an agent key 403 alike for an unknown agent and for another one, on every route', async () => {
    // Prepare
    const a = await anAgent('owner');
    const b = await anAgent('peer');
    const keyB = `agent:${b}`;
    const ulid = newId();
    const ask = (id: string) =>
      Promise.all([
        call(MEMORIES, { path: { id }, principal: keyB, body: { text: 'x' } }),
        call(MEMORIES, { path: { id }, principal: keyB, body: { text: 'x', namespace: 'ns' } }),
        call(LIST, { path: { id }, principal: keyB }),
        call(LIST, { path: { id }, principal: keyB, query: { namespace: 'ns' } }),
        call(DELETE, { path: { id, memoryId: ulid }, principal: keyB }),
        call(SEARCH, { path: { id }, principal: keyB, body: { query: 'x' } }),
        call(GRANT, { path: { id }, principal: keyB, body: { namespace: 'ns', grantee: b } }),
        call(GRANTS, { path: { id }, principal: keyB }),
        call(REVOKE, { path: { id, grantId: ulid }, principal: keyB }),
      ]);

    // Act
    const unknown = await ask('no-such-agent');
    const other = await ask(a);

    // Assess: nothing tells the two apart.
    expect(unknown.map((r) => r.statusCode)).toEqual(Array(9).fill(403));
    expect(other.map((r) => r.statusCode)).toEqual(Array(9).fill(403));
    expect(unknown.map((r) => r.json.error.code)).toEqual(other.map((r) => r.json.error.code));
  });

  it('lets a write grantee add to the shared namespace through the owner route', async () => {
    // Prepare
    const a = await anAgent('owner');
    const b = await anAgent('peer');
    await call(GRANT, {
      path: { id: a },
      body: { namespace: 'inbox', grantee: b, access: 'write' },
    });

    // Act
    const written = await call(MEMORIES, {
      path: { id: a },
      principal: `agent:${b}`,
      body: { text: 'a note from b', namespace: 'inbox' },
    });
    const defaultNs = await call(MEMORIES, {
      path: { id: a },
      principal: `agent:${b}`,
      body: { text: 'a note from b' },
    });

    // Assess
    expect(written.statusCode).toBe(201);
    expect(written.json).toMatchObject({ agentId: a, namespace: 'inbox', createdBy: `agent:${b}` });
    expect(defaultNs.statusCode).toBe(403);
  });

  it('lets an agent key manage its own memories and grants', async () => {
    // Prepare
    const a = await anAgent('self');
    const b = await anAgent('peer');
    const key = `agent:${a}`;

    // Act
    const written = await call(MEMORIES, {
      path: { id: a },
      principal: key,
      body: { text: 'mine' },
    });
    const grant = await call(GRANT, {
      path: { id: a },
      principal: key,
      body: { namespace: 'default', grantee: b },
    });
    const regrant = await call(GRANT, {
      path: { id: a },
      principal: key,
      body: { namespace: 'default', grantee: b },
    });
    const grants = await call(GRANTS, { path: { id: a }, principal: key, query: { limit: '10' } });
    const deleted = await call(DELETE, {
      path: { id: a, memoryId: written.json.id },
      principal: key,
    });

    // Assess
    expect([written.statusCode, grant.statusCode, regrant.statusCode, deleted.statusCode]).toEqual([
      201, 201, 200, 200,
    ]);
    expect(regrant.json.id).toBe(grant.json.id);
    expect(grants.json).toEqual({ items: [grant.json], nextCursor: null });
    expect(events.ofType('security.denied')).toEqual([]);
  });

  it('lets the admin read anything', async () => {
    // Prepare
    const a = await anAgent('owner');
    await call(MEMORIES, {
      path: { id: a },
      principal: `agent:${a}`,
      body: { text: 'private diary', namespace: 'diary' },
    });

    // Act
    const list = await call(LIST, { path: { id: a } });
    const search = await call(SEARCH, { path: { id: a }, body: { query: 'diary' } });

    // Assess
    expect(list.json.items).toHaveLength(1);
    expect(search.json.items).toHaveLength(1);
  });
});
