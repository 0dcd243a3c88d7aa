/**
 * Blueprints over HTTP against `npm start`: listed and read by any key, agents registered from
 * them with overrides (and refused with the field named when the blueprint is unknown or its
 * requirements are missing), then put to work: a data analyst's task, and a planner supervising
 * an adaptive workflow.
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

beforeAll(async () => {
  runtime = await startRuntime();
});

afterAll(async () => {
  expect(await runtime?.stop()).toBe(true);
  removeDataDir(runtime.dataDir);
});

describe('GET /v1/blueprints', () => {
  it('lists the blueprints with their agents, and reads one', async () => {
    // Act
    const list = await runtime.api('GET', '/v1/blueprints');
    const one = await runtime.api('GET', '/v1/blueprints/web-researcher');

    // Assess
    expect(list.status).toBe(200);
    expect(list.body.items.map((b: { id: string }) => b.id)).toEqual([
      'code-reviewer',
      'summarizer',
      'web-researcher',
      'planner',
      'memory-assistant',
      'data-analyst',
    ]);
    expect(list.body.nextCursor).toBeNull();
    expect(one.status).toBe(200);
    expect(one.body).toEqual(list.body.items[2]);
    expect(one.body).toMatchObject({
      name: 'Web researcher',
      description: expect.stringContaining('http.fetch, which sends'),
      agent: { model: { route: 'default' }, tools: ['http.fetch'] },
    });
  });

  it('pages, answers 404 for an unknown blueprint, and lets an agent key read them', async () => {
    // Prepare
    await runtime.api('POST', '/v1/agents', { id: 'reader-1', model: { provider: 'echo' } });
    const key = (await runtime.api('POST', '/v1/keys', { scope: 'agent:reader-1' })).body.key;

    // Act
    const page = await runtime.api('GET', '/v1/blueprints?limit=2');
    const next = await runtime.api('GET', `/v1/blueprints?limit=2&cursor=${page.body.nextCursor}`);
    const missing = await runtime.api('GET', '/v1/blueprints/poet');
    const asAgent = await runtime.api('GET', '/v1/blueprints', undefined, {
      authorization: `Bearer ${key}`,
    });
    const anonymous = await runtime.api('GET', '/v1/blueprints', undefined, { authorization: '' });

    // Assess
    expect(page.body.items.map((b: { id: string }) => b.id)).toEqual([
      'code-reviewer',
      'summarizer',
    ]);
    expect(next.body.items.map((b: { id: string }) => b.id)).toEqual(['web-researcher', 'planner']);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NotFound');
    expect(asAgent.status).toBe(200);
    expect(anonymous.status).toBe(401);
  });
});

describe('POST /v1/agents with a blueprint', () => {
  it('registers the blueprint with the fields given in place of its own, and the agent works', async () => {
    // Act
    const created = await runtime.api('POST', '/v1/agents', {
      id: 'analyst-1',
      blueprint: 'data-analyst',
      tags: ['finance'],
      limits: { maxSteps: 4 },
      model: {
        provider: 'scripted',
        turns: [
          { toolCalls: [{ name: 'math.eval', input: { expression: '(92 - 80) / 80 * 100' } }] },
          { text: 'The price rose {{lastToolResult}} percent.' },
        ],
      },
    });
    const tagged = await runtime.api('GET', '/v1/agents?tag=blueprint:data-analyst');
    const task = await runtime.api('POST', '/v1/tasks', {
      agentId: 'analyst-1',
      input: 'By what percent did 80 become 92?',
    });
    const done = await waitForTask(runtime, task.body.id, ['succeeded', 'failed']);

    // Assess
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      id: 'analyst-1',
      name: 'Data analyst',
      tools: ['math.eval'],
      tags: ['finance', 'blueprint:data-analyst'],
      limits: { maxSteps: 4, timeoutMs: 90_000, maxTokens: 4096 },
      instructions: expect.stringContaining('math.eval'),
    });
    expect(tagged.body.items.map((a: { id: string }) => a.id)).toEqual(['analyst-1']);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.output).toBe('The price rose {"value":15} percent.');
  });

  it('asks a person before a memory write: the task waits, and goes on once approved', async () => {
    // Prepare
    const created = await runtime.api('POST', '/v1/agents', {
      id: 'keeper-1',
      blueprint: 'memory-assistant',
      model: {
        provider: 'scripted',
        turns: [
          { toolCalls: [{ name: 'memory.write', input: { text: 'Standup is at 9:45.' } }] },
          { text: 'Saved.' },
        ],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.toolPolicy).toEqual({ 'memory.write': 'ask' });

    // Act
    const task = await runtime.api('POST', '/v1/tasks', {
      agentId: 'keeper-1',
      input: 'Remember: standup is at 9:45.',
    });
    const waiting = await waitForTask(runtime, task.body.id, ['waiting', 'succeeded', 'failed']);
    const approval = await runtime.api('GET', `/v1/approvals/${waiting.pendingApproval}`);
    const before = await runtime.api('GET', '/v1/agents/keeper-1/memories');
    const decided = await runtime.api('POST', `/v1/approvals/${waiting.pendingApproval}`, {
      decision: 'approve',
    });
    const done = await waitForTask(runtime, task.body.id, ['succeeded', 'failed']);
    const after = await runtime.api('GET', '/v1/agents/keeper-1/memories');

    // Assess: nothing was written until a person approved the call
    expect(waiting.status).toBe('waiting');
    expect(approval.body).toMatchObject({
      kind: 'tool',
      status: 'pending',
      toolName: 'memory.write',
      input: { text: 'Standup is at 9:45.' },
    });
    expect(before.body.items).toEqual([]);
    expect(decided.status).toBe(200);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.output).toBe('Saved.');
    expect(after.body.items.map((m: { text: string }) => m.text)).toEqual(['Standup is at 9:45.']);
  });

  it('refuses an unknown blueprint with 400 naming the field, and writes nothing', async () => {
    // Act
    const refused = await runtime.api('POST', '/v1/agents', { id: 'poet-1', blueprint: 'poet' });
    const after = await runtime.api('GET', '/v1/agents/poet-1');

    // Assess
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({
      code: 'ValidationError',
      details: [
        { path: 'blueprint', message: "unknown blueprint 'poet' (see GET /v1/blueprints)" },
      ],
    });
    expect(after.status).toBe(404);
  });

  it('refuses a web researcher without the hosts it may read, naming network.allow', async () => {
    // Act
    const refused = await runtime.api('POST', '/v1/agents', {
      id: 'researcher-1',
      blueprint: 'web-researcher',
    });
    const accepted = await runtime.api('POST', '/v1/agents', {
      id: 'researcher-2',
      blueprint: 'web-researcher',
      network: { allow: ['docs.aws.amazon.com'] },
    });

    // Assess
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.map((d: { path: string }) => d.path)).toEqual([
      'network.allow',
    ]);
    expect(accepted.status).toBe(201);
    expect(accepted.body.network).toEqual({ allow: ['docs.aws.amazon.com'] });
  });

  it('runs an adaptive workflow with a planner as its supervisor', async () => {
    // Prepare: the planner's model is scripted to pick the analyst each round
    await runtime.api('POST', '/v1/agents', {
      id: 'worker-1',
      blueprint: 'data-analyst',
      model: {
        provider: 'scripted',
        turns: [
          { toolCalls: [{ name: 'math.eval', input: { expression: '35 + 15' } }] },
          { text: '{{lastToolResult}}' },
        ],
      },
    });
    const planner = await runtime.api('POST', '/v1/agents', {
      id: 'planner-1',
      blueprint: 'planner',
      model: {
        provider: 'scripted',
        turns: [{ text: '{"next": [{"agentId": "worker-1", "input": "35 + 15"}], "done": false}' }],
      },
    });
    expect(planner.status).toBe(201);

    // Act
    const started = await runtime.api('POST', '/v1/workflows', {
      name: 'downtime',
      strategy: 'adaptive',
      input: 'total downtime in minutes: 35 and 15',
      steps: [{ id: 'analyst', agentId: 'worker-1' }],
      supervisor: { agentId: 'planner-1', maxRounds: 1 },
    });
    const done = await eventually(
      async () => {
        const { body } = await runtime.api('GET', `/v1/workflows/${started.body.id}`);
        return ['succeeded', 'failed'].includes(body.status) ? body : undefined;
      },
      { what: 'the adaptive workflow to end' },
    );

    // Assess
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.steps.map((s: { id: string }) => s.id)).toEqual(['supervisor-1', 'r1-1']);
    expect(done.output).toBe('{"value":50}');
  });
});
