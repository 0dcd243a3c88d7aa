/**
 * Sharing namespaces by grant, against dynalite: search across what was shared by agent and by
 * tag, write grants, revocation, who may grant, the audit events, concurrent grants and revokes,
 * and the memory service the agents' tools use.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoAgentStore } from '../../shared/adapters/dynamo-agent-store.js';
import { DynamoGrantStore } from '../../shared/adapters/dynamo-grant-store.js';
import { DynamoMemoryStore } from '../../shared/adapters/dynamo-memory-store.js';
import { LocalHashEmbedder } from '../../shared/adapters/embeddings/local-hash-embedder.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../shared/core/errors.js';
import type { Grant } from '../../shared/core/memory/grant.js';
import {
  grantAccess,
  listGrants,
  listMemories,
  type MemoryDeps,
  revokeGrant,
  searchMemories,
  writeMemory,
} from '../../shared/core/memory/memory-service.js';
import { createMemoryToolService } from '../../shared/core/memory/memory-tool-service.js';
import { VectorCache } from '../../shared/core/memory/vector-cache.js';
import type { Caller } from '../../shared/core/security/authorization.js';
import { uniqueId, useLocalAws } from '../helpers/aws-local.js';
import { buildAgent, FixedClock, RecordingEventPublisher } from '../helpers/in-memory.js';

const aws = useLocalAws();
const admin: Caller = {
  principal: { kind: 'admin', id: 'admin' },
  action: 'test',
  correlationId: 'c',
};
const as = (agentId: string): Caller => ({
  principal: { kind: 'agent', id: `agent:${agentId}`, agentId },
  action: 'test',
  correlationId: 'c',
});

let events: RecordingEventPublisher;
const clock = new FixedClock('2030-03-01T00:00:00.000Z');
const cache = new VectorCache();

function deps(): MemoryDeps {
  return {
    agents: new DynamoAgentStore(aws().dynamo, aws().tableName),
    memories: new DynamoMemoryStore(aws().dynamo, aws().tableName),
    grants: new DynamoGrantStore(aws().dynamo, aws().tableName),
    embedder: new LocalHashEmbedder(),
    events,
    clock,
    cache,
  };
}

async function anAgent(prefix: string, tags: string[] = []): Promise<string> {
  const id = uniqueId(prefix);
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

/** An owner with a shared-looking and a private namespace, each with one memory. */
async function owner(): Promise<string> {
  const id = await anAgent('owner');
  await writeMemory(deps(), admin, id, {
    text: 'the release checklist: tag, build, sign, publish',
    namespace: 'team',
  });
  await writeMemory(deps(), admin, id, {
    text: 'the release signing key lives in the vault',
    namespace: 'private',
  });
  return id;
}

const searchAs = (agentId: string, body: Record<string, unknown>) =>
  searchMemories(deps(), as(agentId), agentId, body);
const textsOf = (result: { items: { memory: { text: string } }[] }) =>
  result.items.map((hit) => hit.memory.text);

beforeEach(() => {
  events = new RecordingEventPublisher();
});

describe('sharing by grant', () => {
  it('lets the grantee search the shared namespace, not the others, with the owner named', async () => {
    // Prepare
    const a = await owner();
    const b = await anAgent('reader');
    await writeMemory(deps(), as(b), b, { text: 'my own release notes' });

    // Act
    const before = await searchAs(b, { query: 'release checklist signing' });
    const { grant, created } = await grantAccess(deps(), as(a), a, {
      namespace: 'team',
      grantee: b,
      access: 'read',
    });
    const after = await searchAs(b, { query: 'release checklist signing' });
    const ownOnly = await searchAs(b, { query: 'release checklist', includeShared: false });

    // Assess
    expect(textsOf(before)).toEqual(['my own release notes']);
    expect(created).toBe(true);
    expect(grant).toEqual({
      id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
      agentId: a,
      namespace: 'team',
      grantee: b,
      access: 'read',
      createdBy: `agent:${a}`,
      createdAt: '2030-03-01T00:00:00.000Z',
      updatedAt: '2030-03-01T00:00:00.000Z',
    });
    expect(after.items.map((hit) => [hit.memory.text, hit.ownerAgentId])).toEqual(
      expect.arrayContaining([
        ['the release checklist: tag, build, sign, publish', a],
        ['my own release notes', b],
      ]),
    );
    expect(textsOf(after)).not.toContain('the release signing key lives in the vault');
    expect(textsOf(ownOnly)).toEqual(['my own release notes']);
  });

  it('lets every agent with a granted tag search it, and no one else', async () => {
    // Prepare
    const a = await owner();
    const tag = uniqueId('team').replace(/-/g, '');
    const member = await anAgent('member', [tag, 'other']);
    const outsider = await anAgent('outsider', ['other']);

    // Act
    await grantAccess(deps(), admin, a, { namespace: 'team', grantee: `tag:${tag}` });
    const memberResult = await searchAs(member, { query: 'release checklist' });
    const outsiderResult = await searchAs(outsider, { query: 'release checklist' });

    // Assess
    expect(textsOf(memberResult)).toEqual(['the release checklist: tag, build, sign, publish']);
    expect(memberResult.items[0]?.ownerAgentId).toBe(a);
    expect(outsiderResult.items).toEqual([]);
  });

  it('limits a search with a namespace to namespaces of that name, own and shared', async () => {
    // Prepare
    const a = await owner();
    const b = await anAgent('reader');
    await writeMemory(deps(), as(b), b, { text: 'team release habits', namespace: 'team' });
    await writeMemory(deps(), as(b), b, { text: 'release day lunch', namespace: 'food' });
    await grantAccess(deps(), as(a), a, { namespace: 'team', grantee: b });

    // Act
    const result = await searchAs(b, { query: 'release', namespace: 'team', k: 10 });

    // Assess
    expect(result.items.map((hit) => `${hit.ownerAgentId}/${hit.memory.namespace}`).sort()).toEqual(
      [`${a}/team`, `${b}/team`].sort(),
    );
  });

  it('lets a grantee read the shared namespace through list, and only with a grant', async () => {
    // Prepare
    const a = await owner();
    const b = await anAgent('reader');
    const list = (namespace?: string) =>
      listMemories(deps(), as(b), a, namespace ? { namespace } : {}, { limit: 25 });

    // Act
    const denied = await errorOf(list('team'));
    await grantAccess(deps(), as(a), a, { namespace: 'team', grantee: b });
    const allowed = await list('team');
    const privateDenied = await errorOf(list('private'));
    const unnamedDenied = await errorOf(list());

    // Assess
    expect(denied).toBeInstanceOf(ForbiddenError);
    expect(textsOf({ items: allowed.items.map((memory) => ({ memory })) })).toEqual([
      'the release checklist: tag, build, sign, publish',
    ]);
    expect(privateDenied).toBeInstanceOf(ForbiddenError);
    expect(unnamedDenied).toBeInstanceOf(ForbiddenError);
    expect(events.ofType('security.denied').map((e) => e.detail.data)).toEqual([
      expect.objectContaining({ principal: `agent:${b}`, resource: `memory:${a}/team` }),
      expect.objectContaining({ principal: `agent:${b}`, resource: `memory:${a}/private` }),
      expect.objectContaining({ principal: `agent:${b}`, resource: `memory:${a}` }),
    ]);
  });

  it('lets a write grantee add memories to the owner namespace, and a read grantee not', async () => {
    // Prepare
    const a = await owner();
    const writer = await anAgent('writer');
    const reader = await anAgent('reader');
    await grantAccess(deps(), as(a), a, { namespace: 'team', grantee: writer, access: 'write' });
    await grantAccess(deps(), as(a), a, { namespace: 'team', grantee: reader, access: 'read' });

    // Act
    const written = await writeMemory(deps(), as(writer), a, {
      text: 'also: update the changelog',
      namespace: 'team',
    });
    const refused = await errorOf(
      writeMemory(deps(), as(reader), a, { text: 'sneaky', namespace: 'team' }),
    );
    const elsewhere = await errorOf(
      writeMemory(deps(), as(writer), a, { text: 'sneaky', namespace: 'private' }),
    );

    // Assess
    expect(written).toMatchObject({ agentId: a, namespace: 'team', createdBy: `agent:${writer}` });
    expect(events.ofType('memory.written').at(-1)?.detail.data).toMatchObject({
      agentId: a,
      by: `agent:${writer}`,
    });
    expect(refused).toBeInstanceOf(ForbiddenError);
    expect(elsewhere).toBeInstanceOf(ForbiddenError);
    const team = await listMemories(deps(), admin, a, { namespace: 'team' }, { limit: 25 });
    expect(team.items.map((m) => m.text).sort()).toEqual(
      ['also: update the changelog', 'the release checklist: tag, build, sign, publish'].sort(),
    );
  });
});

describe('revoking', () => {
  it('removes access at once (cached or not), and announces grant and revoke', async () => {
    // Prepare
    const a = await owner();
    const b = await anAgent('reader');
    const { grant } = await grantAccess(deps(), as(a), a, { namespace: 'team', grantee: b });
    expect(textsOf(await searchAs(b, { query: 'release checklist' }))).toHaveLength(1);

    // Act
    const revoked = await revokeGrant(deps(), as(a), a, grant.id);
    const after = await searchAs(b, { query: 'release checklist' });
    const read = await errorOf(listMemories(deps(), as(b), a, { namespace: 'team' }, { limit: 5 }));

    // Assess
    expect(revoked).toEqual(grant);
    expect(after.items).toEqual([]);
    expect(read).toBeInstanceOf(ForbiddenError);
    const data = { grantId: grant.id, agentId: a, namespace: 'team', grantee: b, access: 'read' };
    expect(events.ofType('memory.granted').map((e) => e.detail.data)).toEqual([
      { ...data, by: `agent:${a}` },
    ]);
    expect(events.ofType('memory.revoked').map((e) => e.detail.data)).toEqual([
      { ...data, by: `agent:${a}` },
    ]);
    expect(events.ofType('memory.revoked')[0]?.source).toBe('agent-core.memory');
    expect(await errorOf(revokeGrant(deps(), as(a), a, grant.id))).toBeInstanceOf(NotFoundError);
    expect(await errorOf(revokeGrant(deps(), as(a), a, 'not-an-id'))).toBeInstanceOf(NotFoundError);
  });
});

describe('who may grant', () => {
  it('only the owner or the admin; a grantee cannot pass a namespace on', async () => {
    // Prepare
    const a = await owner();
    const b = await anAgent('reader');
    const c = await anAgent('third');
    await grantAccess(deps(), as(a), a, { namespace: 'team', grantee: b, access: 'write' });

    // Act
    const regrant = await errorOf(grantAccess(deps(), as(b), a, { namespace: 'team', grantee: c }));
    const listOthers = await errorOf(listGrants(deps(), as(b), a, { limit: 10 }));
    const byAdmin = await grantAccess(deps(), admin, a, { namespace: 'private', grantee: c });

    // Assess
    expect(regrant).toBeInstanceOf(ForbiddenError);
    expect(listOthers).toBeInstanceOf(ForbiddenError);
    expect(events.ofType('security.denied')).toHaveLength(2);
    expect(byAdmin.grant.createdBy).toBe('admin');
    const grants = await listGrants(deps(), as(a), a, { limit: 10 });
    expect(grants.items.map((g) => [g.namespace, g.grantee])).toEqual([
      ['private', c],
      ['team', b],
    ]);
    // A grantee's own grants cover only its own namespaces.
    const own = await grantAccess(deps(), as(b), b, { namespace: 'team', grantee: c });
    expect(own.grant.agentId).toBe(b);
    expect(textsOf(await searchAs(c, { query: 'release checklist', namespace: 'team' }))).toEqual(
      [],
    );
  });

  it.each([
    [{ namespace: 'team' }, 'grantee', ValidationError],
    [{ grantee: 'someone' }, 'namespace', ValidationError],
    [{ namespace: 'team', grantee: 'Not An Id' }, 'grantee', ValidationError],
    [{ namespace: 'team', grantee: 'tag:' }, 'grantee', ValidationError],
    [{ namespace: 'team', grantee: 'x', access: 'admin' }, 'access', ValidationError],
    [{ namespace: 'team', grantee: 'no-such-agent-here' }, 'grantee', NotFoundError],
  ])('%#: refuses a bad grant naming the field', async (body, field, kind) => {
    // Prepare
    const a = await owner();

    // Act
    const error = await errorOf(grantAccess(deps(), as(a), a, body));

    // Assess
    expect(error).toBeInstanceOf(kind);
    expect(error.details.map((d: { path: string }) => d.path)).toContain(field);
    expect((await listGrants(deps(), as(a), a, { limit: 10 })).items).toEqual([]);
  });

  it('refuses sharing with the owner itself', async () => {
    // Prepare
    const a = await owner();

    // Act
    const error = await errorOf(grantAccess(deps(), as(a), a, { namespace: 'team', grantee: a }));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.details).toEqual([{ path: 'grantee', message: 'is the owner' }]);
  });
});

describe('granting again', () => {
  it('keeps one grant per namespace and grantee: same access unchanged, other access updated', async () => {
    // Prepare
    const a = await owner();
    const b = await anAgent('reader');
    const first = await grantAccess(deps(), as(a), a, { namespace: 'team', grantee: b });

    // Act
    const again = await grantAccess(deps(), as(a), a, { namespace: 'team', grantee: b });
    const upgraded = await grantAccess(deps(), as(a), a, {
      namespace: 'team',
      grantee: b,
      access: 'write',
    });

    // Assess
    expect(again).toEqual({ grant: first.grant, created: false });
    expect(upgraded.created).toBe(false);
    expect(upgraded.grant).toMatchObject({ id: first.grant.id, access: 'write' });
    expect(events.ofType('memory.granted').map((e) => e.detail.data.access)).toEqual([
      'read',
      'write',
    ]);
    expect((await listGrants(deps(), as(a), a, { limit: 10 })).items).toHaveLength(1);
  });

  it('makes one grant and one event from many concurrent identical grants', async () => {
    // Prepare
    const a = await owner();
    const b = await anAgent('reader');

    // Act
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        grantAccess(deps(), as(a), a, { namespace: 'team', grantee: b, access: 'write' }),
      ),
    );

    // Assess
    expect(new Set(results.map((r) => r.grant.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(events.ofType('memory.granted')).toHaveLength(1);
    expect((await listGrants(deps(), as(a), a, { limit: 10 })).items).toHaveLength(1);
  });

  it('lets exactly one of many concurrent revokes succeed, with one event', async () => {
    // Prepare
    const a = await owner();
    const b = await anAgent('reader');
    const { grant } = await grantAccess(deps(), as(a), a, { namespace: 'team', grantee: b });

    // Act
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, () => revokeGrant(deps(), as(a), a, grant.id)),
    );

    // Assess
    const fulfilled = outcomes.filter(
      (o) => o.status === 'fulfilled',
    ) as PromiseFulfilledResult<Grant>[];
    const rejected = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[];
    expect(fulfilled).toHaveLength(1);
    expect(rejected.every((o) => o.reason instanceof NotFoundError)).toBe(true);
    expect(events.ofType('memory.revoked')).toHaveLength(1);
    expect((await searchAs(b, { query: 'release checklist' })).items).toEqual([]);
  });

  it('ends concurrent grants and revokes with the grant either present or absent, never half', async () => {
    // Prepare
    const a = await owner();
    const b = await anAgent('reader');
    const { grant } = await grantAccess(deps(), as(a), a, { namespace: 'team', grantee: b });

    // Act
    await Promise.allSettled([
      revokeGrant(deps(), as(a), a, grant.id),
      grantAccess(deps(), as(a), a, { namespace: 'team', grantee: b, access: 'write' }),
      grantAccess(deps(), as(a), a, { namespace: 'team', grantee: b }),
      revokeGrant(deps(), as(a), a, grant.id),
    ]);

    // Assess: the listing and the access check agree
    const grants = (await listGrants(deps(), as(a), a, { limit: 10 })).items;
    expect(grants.length).toBeLessThanOrEqual(1);
    const found = (await searchAs(b, { query: 'release checklist' })).items.length;
    expect(found).toBe(grants.length);
    expect(
      events.ofType('memory.granted').length + 1 - events.ofType('memory.revoked').length,
    ).toBeGreaterThanOrEqual(grants.length);
  });
});

describe('the memory service of the agents’ tools', () => {
  it('writes and searches as the running agent, shared namespaces included', async () => {
    // Prepare
    const a = await owner();
    const b = await anAgent('tool-user');
    await grantAccess(deps(), as(a), a, { namespace: 'team', grantee: b });
    const service = createMemoryToolService(deps);

    // Act
    const written = await service.write(b, {
      text: 'release train leaves on tuesdays',
      ttlSeconds: 3600,
    });
    const found = await service.search(b, { query: 'release checklist train', k: 5 });

    // Assess
    expect(written).toMatchObject({ namespace: 'default', expiresAt: '2030-03-01T01:00:00.000Z' });
    expect(found.items.map((item) => [item.ownerAgentId, item.namespace])).toEqual(
      expect.arrayContaining([
        [a, 'team'],
        [b, 'default'],
      ]),
    );
    expect(found.items.every((item) => typeof item.score === 'number' && item.memoryId)).toBe(true);
    expect(events.ofType('memory.written').at(-1)?.detail.data.by).toBe(`agent:${b}`);
  });

  it('refuses bad input with the same validation as the API', async () => {
    // Prepare
    const b = await anAgent('tool-user');
    const service = createMemoryToolService(deps);

    // Act
    const error = await errorOf(service.write(b, { text: 'x', namespace: 'NO' }));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/namespace/);
  });
});
