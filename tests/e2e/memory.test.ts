/**
 * Memory over HTTP with agent-scoped keys: an agent's private memories are invisible to another
 * (403 on direct access, absent from its search) until a grant shares the namespace, and gone
 * again after the revoke; agents use memory through the memory.write and memory.search tools.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RuntimeHandle,
  removeDataDir,
  startRuntime,
  waitForTask,
} from '../helpers/runtime.js';

let runtime: RuntimeHandle;
const keys: Record<string, string> = {};
const as = (agent: string) => ({ authorization: `Bearer ${keys[agent]}` });

const searchAs = async (agent: string, query: string) => {
  const response = await runtime.api(
    'POST',
    `/v1/agents/${agent}/memories/search`,
    { query, k: 5, includeShared: true, minScore: 0.2 },
    as(agent),
  );
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.items as {
    memory: { id: string; text: string };
    score: number;
    ownerAgentId: string;
  }[];
};

beforeAll(async () => {
  runtime = await startRuntime();
  for (const id of ['alpha', 'beta']) {
    await runtime.api('POST', '/v1/agents', {
      id,
      model: { provider: 'echo' },
      tags: [`team-${id}`],
    });
    keys[id] = (await runtime.api('POST', '/v1/keys', { scope: `agent:${id}` })).body.key;
  }
});

afterAll(async () => {
  expect(await runtime?.stop()).toBe(true);
  removeDataDir(runtime.dataDir);
});

describe('memory shared by grants', () => {
  let secretId: string;

  it("keeps alpha's private memory from beta: 403 on direct access, absent from beta's search", async () => {
    const written = await runtime.api(
      'POST',
      '/v1/agents/alpha/memories',
      { text: 'The deploy password rotation happens every Tuesday at noon', namespace: 'ops' },
      as('alpha'),
    );
    expect(written.status).toBe(201);
    secretId = written.body.id;

    const own = await searchAs('alpha', 'when does the password rotation happen');
    expect(own[0]).toMatchObject({ memory: { id: secretId }, ownerAgentId: 'alpha' });

    const direct = await runtime.api(
      'GET',
      '/v1/agents/alpha/memories?namespace=ops',
      undefined,
      as('beta'),
    );
    expect(direct.status).toBe(403);
    expect(await searchAs('beta', 'when does the password rotation happen')).toEqual([]);
  });

  it('lets beta find it after alpha grants the namespace, and not after the revoke', async () => {
    const grant = await runtime.api(
      'POST',
      '/v1/agents/alpha/grants',
      { namespace: 'ops', grantee: 'beta', access: 'read' },
      as('alpha'),
    );
    expect(grant.status).toBe(201);

    const found = await searchAs('beta', 'when does the password rotation happen');
    expect(found[0]).toMatchObject({ memory: { id: secretId }, ownerAgentId: 'alpha' });
    const listed = await runtime.api(
      'GET',
      '/v1/agents/alpha/memories?namespace=ops',
      undefined,
      as('beta'),
    );
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((m: { id: string }) => m.id)).toContain(secretId);

    // Beta may read but never re-grant what it does not own.
    const regrant = await runtime.api(
      'POST',
      '/v1/agents/alpha/grants',
      { namespace: 'ops', grantee: 'beta', access: 'write' },
      as('beta'),
    );
    expect(regrant.status).toBe(403);

    const revoked = await runtime.api(
      'DELETE',
      `/v1/agents/alpha/grants/${grant.body.id}`,
      undefined,
      as('alpha'),
    );
    expect(revoked.status).toBe(200);
    expect(await searchAs('beta', 'when does the password rotation happen')).toEqual([]);
    const again = await runtime.api(
      'GET',
      '/v1/agents/alpha/memories?namespace=ops',
      undefined,
      as('beta'),
    );
    expect(again.status).toBe(403);
  });

  it('shares with every agent of a tag', async () => {
    const grant = await runtime.api(
      'POST',
      '/v1/agents/alpha/grants',
      { namespace: 'ops', grantee: 'tag:team-beta', access: 'read' },
      as('alpha'),
    );
    expect(grant.status).toBe(201);
    expect((await searchAs('beta', 'password rotation Tuesday'))[0]?.ownerAgentId).toBe('alpha');
  });
});

describe('memory tools', () => {
  it('lets an agent remember with memory.write and recall with memory.search in a task', async () => {
    await runtime.api('POST', '/v1/agents', {
      id: 'rememberer',
      model: {
        provider: 'scripted',
        turns: [
          {
            toolCalls: [
              { name: 'memory.write', input: { text: 'The staging database lives in eu-west-1' } },
            ],
          },
          {
            toolCalls: [
              { name: 'memory.search', input: { query: 'where is the staging database', k: 1 } },
            ],
          },
          { text: '{{lastToolResult}}' },
        ],
      },
      tools: ['memory.write', 'memory.search'],
    });
    const task = (await runtime.api('POST', '/v1/tasks', { agentId: 'rememberer', input: 'go' }))
      .body;
    const done = await waitForTask(runtime, task.id, ['succeeded', 'failed']);
    expect(done.status, JSON.stringify(done.steps)).toBe('succeeded');
    const result = JSON.parse(done.output);
    expect(result.items[0]).toMatchObject({
      text: 'The staging database lives in eu-west-1',
      ownerAgentId: 'rememberer',
    });
    const listed = await runtime.api('GET', '/v1/agents/rememberer/memories');
    expect(listed.body.items).toHaveLength(1);
  });
});
