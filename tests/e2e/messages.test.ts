/**
 * Agents messaging each other over HTTP with agent-scoped keys: the recipient's
 * acceptsMessagesFrom decides, a tag broadcast reaches exactly the tagged agents, and a
 * message to an agent with onMessage: "task" starts a task for it.
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
const keys: Record<string, string> = {};
const as = (agent: string) => ({ authorization: `Bearer ${keys[agent]}` });

async function inbox(agent: string) {
  const { status, body } = await runtime.api(
    'GET',
    `/v1/agents/${agent}/inbox`,
    undefined,
    as(agent),
  );
  expect(status).toBe(200);
  return body.items as {
    id: string;
    from: string;
    subject: string;
    body: unknown;
    taskId?: string;
  }[];
}

beforeAll(async () => {
  runtime = await startRuntime();
  const agents = [
    { id: 'sender', tags: ['ops'] },
    { id: 'open-door', acceptsMessagesFrom: ['*'], tags: ['team'] },
    { id: 'ops-only', acceptsMessagesFrom: ['tag:ops'], tags: ['team'] },
    { id: 'closed', acceptsMessagesFrom: ['someone-else'], tags: ['team'] },
    { id: 'outsider', acceptsMessagesFrom: ['*'], tags: ['other'] },
    {
      id: 'responder',
      acceptsMessagesFrom: ['sender'],
      onMessage: 'task',
      model: { provider: 'scripted', turns: [{ text: 'handled: {{input}}' }] },
    },
  ];
  for (const { id, ...rest } of agents) {
    const response = await runtime.api('POST', '/v1/agents', {
      id,
      model: { provider: 'echo' },
      ...rest,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    keys[id] = (await runtime.api('POST', '/v1/keys', { scope: `agent:${id}` })).body.key;
  }
});

afterAll(async () => {
  expect(await runtime?.stop()).toBe(true);
  removeDataDir(runtime.dataDir);
});

describe('messages', () => {
  it('delivers a direct message to an agent that accepts the sender', async () => {
    const sent = await runtime.api(
      'POST',
      '/v1/messages',
      { from: 'sender', to: 'open-door', subject: 'hello', body: { n: 1 } },
      as('sender'),
    );
    expect(sent.status).toBe(202);
    expect(sent.body.deliveredTo).toEqual(['open-door']);
    const item = await eventually(
      async () => (await inbox('open-door')).find((m) => m.id === sent.body.id),
      {
        what: 'the message in the inbox',
      },
    );
    expect(item).toMatchObject({ from: 'sender', subject: 'hello', body: { n: 1 } });
    const acked = await runtime.api(
      'POST',
      `/v1/agents/open-door/inbox/${sent.body.id}/ack`,
      undefined,
      as('open-door'),
    );
    expect(acked.status).toBe(200);
    expect(acked.body.ackedAt).toEqual(expect.any(String));
  });

  it('refuses with 403 a message nobody may receive, and delivers nothing', async () => {
    const sent = await runtime.api(
      'POST',
      '/v1/messages',
      { from: 'sender', to: 'closed', subject: 'let me in', body: 'x' },
      as('sender'),
    );
    expect(sent.status).toBe(403);
    await new Promise((r) => setTimeout(r, 500));
    expect(await inbox('closed')).toEqual([]);
    await eventually(
      async () => {
        const { body } = await runtime.api('GET', '/v1/audit?actor=agent:sender');
        return body.items.find((e: { target: string }) => e.target.includes('closed'));
      },
      { what: 'the refusal in the audit log' },
    );
  });

  it('refuses a key sending as another agent, and reading another inbox', async () => {
    const forged = await runtime.api(
      'POST',
      '/v1/messages',
      { from: 'open-door', to: 'outsider', body: 'x' },
      as('sender'),
    );
    expect(forged.status).toBe(403);
    const peek = await runtime.api('GET', '/v1/agents/open-door/inbox', undefined, as('sender'));
    expect(peek.status).toBe(403);
  });

  it('broadcasts to a tag: exactly the tagged agents that accept the sender', async () => {
    const sent = await runtime.api(
      'POST',
      '/v1/messages',
      { from: 'sender', to: 'tag:team', subject: 'all hands', body: 'meeting' },
      as('sender'),
    );
    expect(sent.status).toBe(202);
    expect([...sent.body.deliveredTo].sort()).toEqual(['open-door', 'ops-only']);
    for (const agent of ['open-door', 'ops-only']) {
      await eventually(async () => (await inbox(agent)).find((m) => m.id === sent.body.id), {
        what: `the broadcast in ${agent}'s inbox`,
      });
    }
    for (const agent of ['closed', 'outsider']) {
      expect((await inbox(agent)).find((m) => m.id === sent.body.id)).toBeUndefined();
    }
  });

  it('starts a task for an agent with onMessage: task, which runs', async () => {
    const sent = await runtime.api(
      'POST',
      '/v1/messages',
      { from: 'sender', to: 'responder', subject: 'job', body: 'do it' },
      as('sender'),
    );
    expect(sent.status).toBe(202);
    const item = await eventually(
      async () => (await inbox('responder')).find((m) => m.id === sent.body.id && m.taskId),
      { what: 'the delivered message with its task' },
    );
    const task = await waitForTask(runtime, item.taskId as string, ['succeeded', 'failed']);
    expect(task.status).toBe('succeeded');
    expect(task.agentId).toBe('responder');
    expect(task.output).toContain('handled:');
    expect(task.output).toContain('do it');
  });
});
