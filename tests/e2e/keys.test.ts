/**
 * Agent-scoped API keys over HTTP: minted by the admin and shown once, listed without secrets,
 * acting as their agent only (anything else is a 403 and an audit entry), revoked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  type RuntimeHandle,
  removeDataDir,
  startRuntime,
  waitForTask,
} from '../helpers/runtime.js';

let runtime: RuntimeHandle;
let aliceKey: string;
let aliceKeyId: string;

const as = (key: string) => ({ authorization: `Bearer ${key}` });

beforeAll(async () => {
  runtime = await startRuntime();
  for (const id of ['alice', 'bob']) {
    const response = await runtime.api('POST', '/v1/agents', { id, model: { provider: 'echo' } });
    expect(response.status).toBe(201);
  }
  const minted = await runtime.api('POST', '/v1/keys', { scope: 'agent:alice' });
  expect(minted.status).toBe(201);
  aliceKey = minted.body.key;
  aliceKeyId = minted.body.keyId;
});

afterAll(async () => {
  expect(await runtime?.stop()).toBe(true);
  removeDataDir(runtime.dataDir);
});

describe('minting and listing', () => {
  it('shows the key once and lists keys without secrets', async () => {
    expect(aliceKey).toMatch(/^ac_agent_[A-Za-z0-9_-]{43}$/);
    const listed = await runtime.api('GET', '/v1/keys');
    expect(listed.status).toBe(200);
    const entry = listed.body.items.find((k: { keyId: string }) => k.keyId === aliceKeyId);
    expect(entry).toMatchObject({
      scope: 'agent:alice',
      hint: aliceKey.slice(-4),
      revokedAt: null,
    });
    expect(JSON.stringify(listed.body)).not.toContain(aliceKey);
  });

  it('refuses a scope that is not agent:<id>, and an unknown agent', async () => {
    const bad = await runtime.api('POST', '/v1/keys', { scope: 'admin' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('scope');
    const unknown = await runtime.api('POST', '/v1/keys', { scope: 'agent:nobody' });
    expect(unknown.status).toBe(404);
  });

  it('lets only the admin mint, list or revoke keys', async () => {
    expect(
      (await runtime.api('POST', '/v1/keys', { scope: 'agent:alice' }, as(aliceKey))).status,
    ).toBe(403);
    expect((await runtime.api('GET', '/v1/keys', undefined, as(aliceKey))).status).toBe(403);
  });
});

describe('an agent-scoped key', () => {
  it('acts as its agent: its own agent record and tasks', async () => {
    expect((await runtime.api('GET', '/v1/agents/alice', undefined, as(aliceKey))).status).toBe(
      200,
    );
    const submitted = await runtime.api(
      'POST',
      '/v1/tasks',
      { agentId: 'alice', input: 'mine' },
      as(aliceKey),
    );
    expect(submitted.status).toBe(202);
    const done = await waitForTask(runtime, submitted.body.id, ['succeeded']);
    expect(done.output).toBe('mine');
    const own = await runtime.api('GET', `/v1/tasks/${done.id}`, undefined, as(aliceKey));
    expect(own.status).toBe(200);
    const listed = await runtime.api('GET', '/v1/tasks', undefined, as(aliceKey));
    expect(listed.body.items.every((t: { agentId: string }) => t.agentId === 'alice')).toBe(true);

    // The submission is audited with the key that made it.
    const audited = await eventually(
      async () => {
        const { body } = await runtime.api('GET', '/v1/audit?action=task.queued');
        return body.items.find((e: { target: string }) => e.target === `task:${done.id}`);
      },
      { what: 'the submission in the audit log' },
    );
    expect(audited).toMatchObject({
      actor: 'agent:alice',
      outcome: 'allowed',
      detail: { keyId: aliceKeyId },
    });
    const registered = await runtime.api('GET', '/v1/audit?action=agent.registered&actor=admin');
    expect(registered.body.items.map((e: { target: string }) => e.target)).toContain('agent:alice');
  });

  it.each([
    ['another agent', 'GET', '/v1/agents/bob', undefined],
    ['the registry', 'GET', '/v1/agents', undefined],
    ['registering', 'POST', '/v1/agents', { id: 'mallory', model: { provider: 'echo' } }],
    ['patching itself', 'PATCH', '/v1/agents/alice', { name: 'Queen' }],
    ['tasks for another agent', 'POST', '/v1/tasks', { agentId: 'bob', input: 'x' }],
    ['listing another agent’s tasks', 'GET', '/v1/tasks?agentId=bob', undefined],
    ['the queue', 'GET', '/v1/queue', undefined],
    ['the DLQ', 'GET', '/v1/queue/dlq', undefined],
    ['redrive', 'POST', '/v1/queue/dlq/redrive', {}],
  ])('is refused %s with 403, and nothing is written', async (_what, method, path, body) => {
    const response = await runtime.api(method, path, body, as(aliceKey));
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('Forbidden');
    expect((await runtime.api('GET', '/v1/agents/mallory')).status).toBe(404);
  });

  it("is refused another agent's task, and the denial is audited as an event", async () => {
    const bobs = (await runtime.api('POST', '/v1/tasks', { agentId: 'bob', input: 'secret' })).body;
    const response = await runtime.api('GET', `/v1/tasks/${bobs.id}`, undefined, as(aliceKey));
    expect(response.status).toBe(403);
    expect(JSON.stringify(response.body)).not.toContain('secret');

    const entry = await eventually(
      async () => {
        const { body } = await runtime.api('GET', '/v1/audit?actor=agent:alice');
        return body.items.find((e: { target: string }) => e.target === `task:${bobs.id}`);
      },
      { what: 'the denial in the audit log' },
    );
    expect(entry).toMatchObject({
      actor: 'agent:alice',
      action: 'GET /v1/tasks/{id}',
      outcome: 'denied',
    });
    expect((await runtime.api('GET', '/v1/audit', undefined, as(aliceKey))).status).toBe(403);
  });

  it('cannot tell an agent that does not exist from one that is not its own', async () => {
    // Prepare: every route that names an agent, asked about bob and about nobody.
    const ulid = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    const ask = (id: string) =>
      Promise.all(
        (
          [
            ['GET', `/v1/agents/${id}`],
            ['POST', `/v1/agents/${id}/memories`, { text: 'x' }],
            ['POST', `/v1/agents/${id}/memories`, { text: 'x', namespace: 'ns' }],
            ['GET', `/v1/agents/${id}/memories`],
            ['GET', `/v1/agents/${id}/memories?namespace=ns`],
            ['DELETE', `/v1/agents/${id}/memories/${ulid}`],
            ['POST', `/v1/agents/${id}/memories/search`, { query: 'x' }],
            ['POST', `/v1/agents/${id}/grants`, { namespace: 'ns', grantee: 'alice' }],
            ['GET', `/v1/agents/${id}/grants`],
            ['DELETE', `/v1/agents/${id}/grants/${ulid}`],
            ['GET', `/v1/agents/${id}/inbox`],
            ['POST', `/v1/agents/${id}/inbox/${ulid}/ack`],
            ['GET', `/v1/insights/agents/${id}`],
            ['GET', `/v1/tasks?agentId=${id}`],
            ['GET', `/v1/tools?agentId=${id}`],
            ['POST', '/v1/tasks', { agentId: id, input: 'x' }],
          ] as [string, string, unknown?][]
        ).map(async ([method, path, body]) => {
          const response = await runtime.api(method, path, body, as(aliceKey));
          return `${method} ${path.replace(id, '{id}')} → ${response.status} ${response.body?.error?.code}`;
        }),
      );

    // Act
    const other = await ask('bob');
    const unknown = await ask('nobody-at-all');

    // Assess
    expect(unknown).toEqual(other);
    for (const answer of other) expect(answer).toMatch(/→ 403 Forbidden$/);
  });

  it('is refused alike a message to an agent that does not exist and to one that refuses it', async () => {
    // Prepare
    const closed = await runtime.api('POST', '/v1/agents', {
      id: 'closed',
      model: { provider: 'echo' },
      acceptsMessagesFrom: ['nobody'],
    });
    expect(closed.status).toBe(201);
    const send = (to: string) =>
      runtime.api('POST', '/v1/messages', { from: 'alice', to, body: 'hi' }, as(aliceKey));

    // Act
    const refused = await send('closed');
    const unknown = await send('nobody-at-all');

    // Assess
    expect([refused.status, unknown.status]).toEqual([403, 403]);
    expect(unknown.body.error.message.replace('nobody-at-all', 'X')).toBe(
      refused.body.error.message.replace('closed', 'X'),
    );
  });

  it('stops working once revoked', async () => {
    const minted = await runtime.api('POST', '/v1/keys', { scope: 'agent:bob' });
    const bobKey = minted.body.key;
    expect((await runtime.api('GET', '/v1/agents/bob', undefined, as(bobKey))).status).toBe(200);
    const revoked = await runtime.api('DELETE', `/v1/keys/${minted.body.keyId}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    // The authorizer remembers a found key for up to 10 s.
    await eventually(
      async () => {
        const response = await runtime.api('GET', '/v1/agents/bob', undefined, as(bobKey));
        return response.status === 401 ? response : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500, what: 'the revoked key to be refused' },
    );
    expect((await runtime.api('DELETE', '/v1/keys/01ARZ3NDEKTSV4RRFFQ69G5FAV')).status).toBe(404);
  });
});

describe('a retired agent', () => {
  it('keeps its key reading but writing nothing, and gets no new key', async () => {
    // Prepare: carol, with a key and a memory, then retired.
    expect(
      (await runtime.api('POST', '/v1/agents', { id: 'carol', model: { provider: 'echo' } }))
        .status,
    ).toBe(201);
    const minted = await runtime.api('POST', '/v1/keys', { scope: 'agent:carol' });
    const carol = as(minted.body.key);
    const kept = await runtime.api('POST', '/v1/agents/carol/memories', { text: 'kept' }, carol);
    expect(kept.status).toBe(201);
    expect((await runtime.api('DELETE', '/v1/agents/carol')).status).toBe(200);

    // Act
    const writes = await Promise.all([
      runtime.api('POST', '/v1/agents/carol/memories', { text: 'new' }, carol),
      runtime.api(
        'POST',
        '/v1/agents/carol/grants',
        { namespace: 'default', grantee: 'alice' },
        carol,
      ),
      runtime.api('POST', '/v1/messages', { from: 'carol', to: 'alice', body: 'hi' }, carol),
      runtime.api('POST', '/v1/tasks', { agentId: 'carol', input: 'x' }, carol),
    ]);
    const read = await runtime.api('GET', '/v1/agents/carol/memories', undefined, carol);
    const newKey = await runtime.api('POST', '/v1/keys', { scope: 'agent:carol' });
    const unknownKey = await runtime.api('POST', '/v1/keys', { scope: 'agent:nobody-at-all' });

    // Assess
    expect(writes.map((w) => `${w.status} ${w.body.error?.code}`)).toEqual(
      Array(4).fill('409 Conflict'),
    );
    expect(read.status).toBe(200);
    expect(read.body.items.map((m: { text: string }) => m.text)).toEqual(['kept']);
    expect([newKey.status, newKey.body.error.code]).toEqual([409, 'Conflict']);
    expect([unknownKey.status, unknownKey.body.error.code]).toEqual([404, 'NotFound']);
  });
});
