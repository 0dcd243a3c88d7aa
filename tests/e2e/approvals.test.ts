/**
 * Approvals end to end, over HTTP against `npm start`, with an OpenAI-compatible model server and
 * an MCP tool run here on loopback (both count their calls): approve, edit and deny; 409 and 403;
 * expiry as a denial and as a failure; workflow gates approved and denied; and a `kill -9` while
 * an approval waits: decided after the restart, the task goes on and no model or tool call is
 * made twice.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { OpenAiTestServer, type ScriptedAnswer } from '../helpers/openai-server.js';
import {
  eventually,
  type RuntimeHandle,
  removeDataDir,
  startRuntime,
  waitForTask,
} from '../helpers/runtime.js';

let runtime: RuntimeHandle;
let modelUrl = '';
let mcp: Server;
let mcpUrl = '';
/** Every run of the MCP tool `bump`, by label: the side effect a repeated call would show. */
const bumps: string[] = [];

/** A real MCP server (the SDK's), stateless Streamable HTTP, with one tool that counts. */
function startCounter(): Promise<Server> {
  const readJson = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
  };
  const server = createServer(async (req, res) => {
    if (req.method !== 'POST') return void res.writeHead(405).end();
    const counter = new McpServer({ name: 'counter', version: '1.0.0' });
    counter.registerTool(
      'bump',
      { description: 'Bumps a counter.', inputSchema: { label: z.string() } },
      async ({ label }) => {
        bumps.push(label);
        return { content: [{ type: 'text', text: `bumped ${label}` }] };
      },
    );
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void counter.close();
    });
    await counter.connect(transport);
    await transport.handleRequest(req, res, await readJson(req));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Asks to bump the counter with the question as label, then answers with the tool's result. */
function respond(body: Record<string, any>): ScriptedAnswer {
  const last = body.messages.at(-1);
  if (last?.role === 'tool') return { chunks: [`result: ${last.content}`] };
  const label = String(last?.content);
  return {
    toolCalls: [
      {
        id: `call_${model.requests.length}`,
        name: 'mcp__counter__bump',
        arguments: JSON.stringify({ label }),
      },
    ],
  };
}
const model = new OpenAiTestServer(respond);

const bumper = (id: string, approval: Record<string, unknown> = {}) => ({
  id,
  tools: ['mcp.counter.*'],
  // On loopback: marked private, as the admin would for a server on this machine.
  mcpServers: [{ name: 'counter', url: mcpUrl, private: true }],
  toolPolicy: { 'mcp.counter.*': 'ask' },
  approval,
  model: { provider: 'openai', model: 'test-model', baseUrl: modelUrl },
});

beforeAll(async () => {
  modelUrl = await model.start();
  mcp = await startCounter();
  mcpUrl = `http://127.0.0.1:${(mcp.address() as AddressInfo).port}/mcp`;
  runtime = await startRuntime();
});

afterAll(async () => {
  expect(await runtime?.stop()).toBe(true);
  removeDataDir(runtime.dataDir);
  await model.stop();
  mcp?.closeAllConnections();
  await new Promise((resolve) => mcp?.close(resolve));
});

async function register(api: RuntimeHandle, agent: Record<string, unknown>) {
  const { status, body } = await api.api('POST', '/v1/agents', agent);
  expect(status, JSON.stringify(body)).toBe(201);
}

async function submit(api: RuntimeHandle, agentId: string, input: string) {
  const { body } = await api.api('POST', '/v1/tasks', { agentId, input });
  return body.id as string;
}

/** The task once it waits, and the approval it waits for. */
async function waitingFor(api: RuntimeHandle, taskId: string) {
  const task = await waitForTask(api, taskId, ['waiting']);
  const { status, body } = await api.api('GET', `/v1/approvals/${task.pendingApproval}`);
  expect(status).toBe(200);
  return { task, approval: body };
}

/** One message of a chat request, as the runtime sends it. */
type ChatMessage = { role: string; content: string | null };

const callsFor = (label: string) =>
  model.requests
    .map((r) => r.body)
    .filter((b) => b.messages.some((m: ChatMessage) => m.role === 'user' && m.content === label));

describe('deciding', () => {
  beforeAll(async () => {
    await register(runtime, bumper('bumper'));
  });

  it('approve: the tool runs with the model’s input, once, and the task goes on', async () => {
    // Prepare
    const taskId = await submit(runtime, 'bumper', 'approve-me');
    const { task, approval } = await waitingFor(runtime, taskId);

    // Assess the waiting task and its approval.
    expect(task.status).toBe('waiting');
    expect(approval).toMatchObject({
      kind: 'tool',
      status: 'pending',
      agentId: 'bumper',
      taskId,
      toolName: 'mcp.counter.bump',
      input: { label: 'approve-me' },
      decidedAt: null,
    });
    expect(bumps).not.toContain('approve-me');
    const { body: waiting } = await runtime.api('GET', '/v1/tasks?status=waiting');
    expect(waiting.items.map((t: { id: string }) => t.id)).toContain(taskId);

    // Act
    const decided = await runtime.api('POST', `/v1/approvals/${approval.id}`, {
      decision: 'approve',
      comment: 'fine',
    });
    const done = await waitForTask(runtime, taskId, ['succeeded']);

    // Assess
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: 'approved', decidedBy: 'admin', comment: 'fine' });
    expect(done.output).toBe('result: bumped approve-me');
    expect(bumps.filter((b) => b === 'approve-me')).toHaveLength(1);
    expect(callsFor('approve-me')).toHaveLength(2);
    // Decided twice: 409, and the audit says who decided.
    const again = await runtime.api('POST', `/v1/approvals/${approval.id}`, { decision: 'deny' });
    expect(again.status).toBe(409);
    const audit = await eventually(async () => {
      const { body } = await runtime.api('GET', '/v1/audit?action=approval.decided');
      return body.items.find((e: { target: string }) => e.target === `approval:${approval.id}`);
    });
    expect(audit).toMatchObject({ actor: 'admin', outcome: 'allowed' });
  });

  it('edit: the tool runs with the person’s input, checked against its schema', async () => {
    // Prepare
    const taskId = await submit(runtime, 'bumper', 'edit-me');
    const { approval } = await waitingFor(runtime, taskId);

    // Act
    const decided = await runtime.api('POST', `/v1/approvals/${approval.id}`, {
      decision: 'edit',
      input: { label: 'edited' },
    });
    const done = await waitForTask(runtime, taskId, ['succeeded']);

    // Assess
    expect(decided.body).toMatchObject({ decision: 'edit', editedInput: { label: 'edited' } });
    expect(done.output).toContain('bumped edited');
    expect(bumps).toContain('edited');
    expect(bumps).not.toContain('edit-me');
  });

  it('deny: the model is told, with the comment, and goes on', async () => {
    // Prepare
    const taskId = await submit(runtime, 'bumper', 'deny-me');
    const { approval } = await waitingFor(runtime, taskId);

    // Act
    await runtime.api('POST', `/v1/approvals/${approval.id}`, {
      decision: 'deny',
      comment: 'not now',
    });
    const done = await waitForTask(runtime, taskId, ['succeeded']);

    // Assess
    expect(bumps).not.toContain('deny-me');
    const told = callsFor('deny-me').at(-1)?.messages.at(-1);
    expect(told).toMatchObject({ role: 'tool', content: 'denied by a person (admin): not now' });
    expect(done.output).toBe('result: denied by a person (admin): not now');
  });

  it('only admin keys decide; agent keys list their own agent’s approvals', async () => {
    // Prepare
    const taskId = await submit(runtime, 'bumper', 'keys');
    const { approval } = await waitingFor(runtime, taskId);
    const { body: own } = await runtime.api('POST', '/v1/keys', { scope: 'agent:bumper' });
    await register(runtime, { id: 'stranger', model: { provider: 'echo' } });
    const { body: other } = await runtime.api('POST', '/v1/keys', { scope: 'agent:stranger' });
    const as = (key: { key: string }) => ({ authorization: `Bearer ${key.key}` });

    // Act
    const decide = await runtime.api(
      'POST',
      `/v1/approvals/${approval.id}`,
      { decision: 'approve' },
      as(own),
    );
    const listOwn = await runtime.api('GET', '/v1/approvals?status=pending', undefined, as(own));
    const listOther = await runtime.api(
      'GET',
      '/v1/approvals?agentId=bumper',
      undefined,
      as(other),
    );
    const readOther = await runtime.api(
      'GET',
      `/v1/approvals/${approval.id}`,
      undefined,
      as(other),
    );
    const mine = await runtime.api('GET', '/v1/approvals', undefined, as(other));

    // Assess
    expect(decide.status).toBe(403);
    expect(listOwn.body.items.map((a: { id: string }) => a.id)).toContain(approval.id);
    expect(listOther.status).toBe(403);
    expect(readOther.status).toBe(403);
    expect(mine.body.items).toEqual([]);
    expect((await runtime.api('GET', `/v1/approvals/${approval.id}`)).body.status).toBe('pending');
    // Left waiting: cancelling it closes its approval (a later decision is 409).
    await runtime.api('POST', `/v1/tasks/${taskId}/cancel`);
    await eventually(async () => {
      const { body } = await runtime.api('GET', `/v1/approvals/${approval.id}`);
      return body.status === 'expired' ? body : undefined;
    });
    const late = await runtime.api('POST', `/v1/approvals/${approval.id}`, { decision: 'approve' });
    expect(late.status).toBe(409);
  });

  it('bad decisions are 400 naming the field; unknown approvals 404', async () => {
    // Prepare
    const taskId = await submit(runtime, 'bumper', 'bad-input');
    const { approval } = await waitingFor(runtime, taskId);

    // Act
    const noInput = await runtime.api('POST', `/v1/approvals/${approval.id}`, { decision: 'edit' });
    const wrongDecision = await runtime.api('POST', `/v1/approvals/${approval.id}`, {
      decision: 'perhaps',
    });
    const unknown = await runtime.api('POST', '/v1/approvals/01JAAAAAAAAAAAAAAAAAAAAAAA', {
      decision: 'approve',
    });

    // Assess
    expect(noInput.status).toBe(400);
    expect(noInput.body.error.details[0].path).toBe('input');
    expect(wrongDecision.body.error.details[0].path).toBe('decision');
    expect(unknown.status).toBe(404);
    expect((await runtime.api('GET', `/v1/approvals/${approval.id}`)).body.status).toBe('pending');
    await runtime.api('POST', `/v1/tasks/${taskId}/cancel`);
  });
});

describe('expiry', () => {
  it('onTimeout deny: the task goes on as a denial', async () => {
    // Prepare
    await register(runtime, bumper('patient', { timeoutSeconds: 2, onTimeout: 'deny' }));
    const taskId = await submit(runtime, 'patient', 'expire-deny');

    // Act: nobody decides.
    const done = await waitForTask(runtime, taskId, ['succeeded', 'failed'], 30_000);

    // Assess
    expect(done.status).toBe('succeeded');
    expect(done.output).toMatch(/^result: denied: the approval expired/);
    expect(bumps).not.toContain('expire-deny');
    const { body } = await runtime.api('GET', `/v1/approvals?taskId=${taskId}`);
    expect(body.items[0]).toMatchObject({ status: 'expired', decidedBy: 'system' });
  });

  it('onTimeout fail: the task fails with ApprovalTimedOut', async () => {
    // Prepare
    await register(runtime, bumper('strict', { timeoutSeconds: 2, onTimeout: 'fail' }));
    const taskId = await submit(runtime, 'strict', 'expire-fail');

    // Act
    const done = await waitForTask(runtime, taskId, ['succeeded', 'failed'], 30_000);

    // Assess
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'ApprovalTimedOut', retryable: false });
    expect(bumps).not.toContain('expire-fail');
    const events = await eventually(async () => {
      const { body } = await runtime.api('GET', `/v1/tasks/${taskId}/trace?limit=100`);
      const types = body.items.map((e: { type: string }) => e.type);
      return types.includes('approval.expired') ? types : undefined;
    });
    expect(events).toEqual(expect.arrayContaining(['task.waiting', 'approval.requested']));
  });
});

describe('workflow gates', () => {
  beforeAll(async () => {
    await register(runtime, { id: 'builder', model: { provider: 'echo' } });
  });

  async function gateOf(workflowId: string) {
    return eventually(async () => {
      const { body } = await runtime.api(
        'GET',
        `/v1/approvals?workflowId=${workflowId}&status=pending`,
      );
      return body.items[0];
    });
  }

  it('approve: the workflow goes on, the gate’s output is {approved, comment}', async () => {
    // Prepare
    const { body: workflow } = await runtime.api('POST', '/v1/workflows', {
      name: 'release',
      strategy: 'sequential',
      input: 'v1.2',
      steps: [
        { id: 'build', agentId: 'builder' },
        { id: 'signoff', approval: { prompt: 'Ship it?' } },
        { id: 'ship', agentId: 'builder', input: 'shipping {{steps.build.output}}' },
      ],
    });
    const gate = await gateOf(workflow.id);
    expect(gate).toMatchObject({
      kind: 'gate',
      prompt: 'Ship it?',
      stepId: 'signoff',
      input: 'v1.2',
    });

    // Act
    await runtime.api('POST', `/v1/approvals/${gate.id}`, { decision: 'approve', comment: 'go' });
    const done = await eventually(async () => {
      const { body } = await runtime.api('GET', `/v1/workflows/${workflow.id}`);
      return body.status === 'running' ? undefined : body;
    });

    // Assess
    expect(done.status).toBe('succeeded');
    expect(done.output).toBe('shipping v1.2');
    const signoff = done.steps.find((s: { id: string }) => s.id === 'signoff');
    expect(signoff).toMatchObject({
      status: 'succeeded',
      output: { approved: true, comment: 'go' },
      approval: { prompt: 'Ship it?', approvalId: gate.id },
    });
  });

  it('deny: the workflow fails at the gate', async () => {
    // Prepare
    const { body: workflow } = await runtime.api('POST', '/v1/workflows', {
      name: 'release-dag',
      strategy: 'dag',
      input: 'v1.3',
      steps: [
        { id: 'build', agentId: 'builder' },
        { id: 'signoff', approval: { prompt: 'Ship it?' }, dependsOn: ['build'] },
        { id: 'ship', agentId: 'builder', dependsOn: ['signoff'] },
      ],
    });
    const gate = await gateOf(workflow.id);

    // Act
    await runtime.api('POST', `/v1/approvals/${gate.id}`, { decision: 'deny', comment: 'no' });
    // The engine writes the workflow's end first, then stops the steps left: wait for both.
    const done = await eventually(async () => {
      const { body } = await runtime.api('GET', `/v1/workflows/${workflow.id}`);
      const settled = body.steps.every((s: { status: string }) => s.status !== 'pending');
      return body.status === 'running' || !settled ? undefined : body;
    });

    // Assess
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'ApprovalDenied', stepId: 'signoff' });
    expect(done.steps.find((s: { id: string }) => s.id === 'ship').status).toBe('cancelled');
  });

  it('a gate in an adaptive or auto workflow is 400 naming it', async () => {
    // Act
    const { status, body } = await runtime.api('POST', '/v1/workflows', {
      name: 'gated-auto',
      strategy: 'auto',
      input: 'x',
      steps: [
        { id: 'a', agentId: 'builder' },
        { id: 'g', approval: { prompt: '?' } },
      ],
    });

    // Assess
    expect(status).toBe(400);
    expect(body.error.details.map((d: { path: string }) => d.path)).toContain('steps.1.approval');
  });
});

describe('kill -9 with an approval waiting', () => {
  let crashed: RuntimeHandle | undefined;

  afterAll(async () => {
    if (crashed) {
      await crashed.stop();
      removeDataDir(crashed.dataDir);
    }
  });

  it('is decided after the restart; no model or tool call is made twice', async () => {
    // Prepare: a task waiting for a decision in a runtime of its own.
    const first = await startRuntime();
    crashed = first;
    await register(first, bumper('durable'));
    const taskId = await submit(first, 'durable', 'survive');
    const { approval } = await waitingFor(first, taskId);
    expect(callsFor('survive')).toHaveLength(1);

    // Act: kill -9, start again on the same data, then decide.
    await first.kill();
    const second = await startRuntime({ dataDir: first.dataDir, key: first.key });
    crashed = second;
    expect(second.output()).toMatch(/re-armed the timers of \d+ pending approval/);
    const stillWaiting = await second.api('GET', `/v1/tasks/${taskId}`);
    expect(stillWaiting.body.status).toBe('waiting');
    const decided = await second.api('POST', `/v1/approvals/${approval.id}`, {
      decision: 'approve',
    });
    const done = await waitForTask(second, taskId, ['succeeded', 'failed']);

    // Assess
    expect(decided.status).toBe(200);
    expect(done).toMatchObject({ status: 'succeeded', output: 'result: bumped survive' });
    expect(bumps.filter((b) => b === 'survive')).toHaveLength(1);
    expect(callsFor('survive')).toHaveLength(2);
    // The second call went on from the first: it carries the tool call and its result.
    expect(callsFor('survive')[1]?.messages.map((m: ChatMessage) => m.role)).toEqual([
      'user',
      'assistant',
      'tool',
    ]);
  }, 180_000);
});
