/**
 * The OpenAPI document against the product as a user runs it: `GET /openapi.json` without a key,
 * then a run through every operation it lists, each answer (successes and errors alike) checked
 * against the schema the document gives for its status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenApiDocument, operationsOf, ResponseValidator } from '../helpers/openapi.js';
import {
  type ApiResponse,
  eventually,
  type RuntimeHandle,
  removeDataDir,
  startRuntime,
  waitForTask,
} from '../helpers/runtime.js';

let runtime: RuntimeHandle;
let document: OpenApiDocument;
let validator: ResponseValidator;
const answered = new Set<string>();
const uid = Math.random().toString(36).slice(2, 8);

/** Calls the API and checks the answer against the document's schema for its status. */
async function call<T = any>(
  operationId: string,
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<ApiResponse<T>> {
  const response = await runtime.api<T>(method, path, body, headers);
  expect(
    validator.problems(operationId, response.status, response.body),
    `${method} ${path} → ${response.status} ${JSON.stringify(response.body)?.slice(0, 400)}`,
  ).toEqual([]);
  answered.add(operationId);
  return response;
}

beforeAll(async () => {
  runtime = await startRuntime();
  const response = await runtime.api('GET', '/openapi.json', undefined, { authorization: '' });
  expect(response.status).toBe(200);
  document = response.body;
  validator = new ResponseValidator(document);
});

afterAll(async () => {
  expect(await runtime?.stop()).toBe(true);
  removeDataDir(runtime.dataDir);
});

describe('GET /openapi.json', () => {
  it('is served without a key, as JSON, cacheable', async () => {
    const response = await call('getOpenApiDocument', 'GET', '/openapi.json', undefined, {
      authorization: '',
    });
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(response.headers.get('cache-control')).toMatch(/max-age/);
    expect(response.body.info.version).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('every operation answers as the document says', () => {
  const agent = `calc-${uid}`;
  const other = `echo-${uid}`;

  it('health and agents', async () => {
    await call('getHealth', 'GET', '/health', undefined, { authorization: '' });
    const created = await call('registerAgent', 'POST', '/v1/agents', {
      id: agent,
      model: {
        provider: 'scripted',
        turns: [
          { toolCalls: [{ name: 'math.eval', input: { expression: '2+3' } }] },
          { text: '= {{lastToolResult}}' },
        ],
      },
      tools: ['math.eval'],
      tags: ['openapi'],
      mcpServers: [{ name: 'gh', url: 'http://127.0.0.1:9/mcp', headers: { authorization: 'x' } }],
    });
    expect(created.status).toBe(201);
    expect(
      (await call('registerAgent', 'POST', '/v1/agents', { id: agent, model: {} })).status,
    ).toBe(400);
    expect(
      (
        await call('registerAgent', 'POST', '/v1/agents', {
          id: agent,
          model: { provider: 'echo' },
        })
      ).status,
    ).toBe(409);
    await call('registerAgent', 'POST', '/v1/agents', { id: other, model: { provider: 'echo' } });
    expect(
      (await call('listAgents', 'GET', '/v1/agents?tag=openapi&limit=5')).body.items,
    ).toHaveLength(1);
    expect((await call('listAgents', 'GET', '/v1/agents?limit=0')).status).toBe(400);
    await call('getAgent', 'GET', `/v1/agents/${agent}`);
    const blueprints = (await call('listBlueprints', 'GET', '/v1/blueprints?limit=2')).body;
    await call('getBlueprint', 'GET', `/v1/blueprints/${blueprints.items[0].id}`);
    expect((await call('getBlueprint', 'GET', '/v1/blueprints/no-such-one')).status).toBe(404);
    expect((await call('getAgent', 'GET', '/v1/agents/nobody-here')).status).toBe(404);
    await call('patchAgent', 'PATCH', `/v1/agents/${other}`, { instructions: 'Echo.' });
    await call('pauseAgent', 'POST', `/v1/agents/${other}/pause`);
    await call('resumeAgent', 'POST', `/v1/agents/${other}/resume`);
    const unauthorized = await call('listAgents', 'GET', '/v1/agents', undefined, {
      authorization: 'Bearer nope',
    });
    expect(unauthorized.status).toBe(401);
  });

  it('tasks, the queue and the DLQ', async () => {
    const submitted = await call(
      'submitTask',
      'POST',
      '/v1/tasks',
      { agentId: agent, input: '2+3?' },
      { 'idempotency-key': `k-${uid}` },
    );
    expect(submitted.status).toBe(202);
    await waitForTask(runtime, submitted.body.id, ['succeeded']);
    await call('getTask', 'GET', `/v1/tasks/${submitted.body.id}`);
    await call('listTasks', 'GET', `/v1/tasks?agentId=${agent}&status=succeeded`);
    await eventually(
      async () => {
        const trace = await call('getTaskTrace', 'GET', `/v1/tasks/${submitted.body.id}/trace`);
        return trace.body.items.some((e: { type: string }) => e.type === 'task.succeeded')
          ? true
          : undefined;
      },
      { what: 'the trace to hold task.succeeded' },
    );
    const again = await call('cancelTask', 'POST', `/v1/tasks/${submitted.body.id}/cancel`);
    expect(again.status).toBe(409);
    expect((await call('submitTask', 'POST', '/v1/tasks', { agentId: agent })).status).toBe(400);
    await call('getQueue', 'GET', '/v1/queue');
    await call('listDeadLetters', 'GET', '/v1/queue/dlq');
    await call('redriveDeadLetters', 'POST', '/v1/queue/dlq/redrive');
  });

  it('workflows', async () => {
    const started = await call('startWorkflow', 'POST', '/v1/workflows', {
      name: 'openapi',
      strategy: 'auto',
      input: 'x',
      steps: [
        { id: 'a', agentId: other },
        { id: 'b', agentId: other },
      ],
    });
    expect(started.status).toBe(202);
    await eventually(
      async () => {
        const got = await call('getWorkflow', 'GET', `/v1/workflows/${started.body.id}`);
        return got.body.status === 'succeeded' ? got : undefined;
      },
      { what: 'the workflow to succeed' },
    );
    await call('listWorkflows', 'GET', '/v1/workflows?status=succeeded&limit=2');
    expect(
      (await call('cancelWorkflow', 'POST', `/v1/workflows/${started.body.id}/cancel`)).status,
    ).toBe(409);
  });

  it('memory and grants', async () => {
    const written = await call('writeMemory', 'POST', `/v1/agents/${agent}/memories`, {
      text: 'prefer early returns',
      metadata: { source: 'openapi' },
    });
    expect(written.status).toBe(201);
    await call('listMemories', 'GET', `/v1/agents/${agent}/memories?namespace=default`);
    await call('searchMemories', 'POST', `/v1/agents/${agent}/memories/search`, {
      query: 'early return',
    });
    const grant = await call('grantMemoryAccess', 'POST', `/v1/agents/${agent}/grants`, {
      namespace: 'default',
      grantee: other,
    });
    expect(grant.status).toBe(201);
    await call('listGrants', 'GET', `/v1/agents/${agent}/grants`);
    await call('revokeGrant', 'DELETE', `/v1/agents/${agent}/grants/${grant.body.id}`);
    await call('deleteMemory', 'DELETE', `/v1/agents/${agent}/memories/${written.body.id}`);
  });

  it('messages', async () => {
    const sent = await call('sendMessage', 'POST', '/v1/messages', {
      from: agent,
      to: other,
      subject: 'hi',
      body: { n: 1 },
    });
    expect(sent.status).toBe(202);
    await eventually(
      async () => {
        const inbox = await call('readInbox', 'GET', `/v1/agents/${other}/inbox`);
        return inbox.body.items.length ? inbox : undefined;
      },
      { what: 'the message in the inbox' },
    );
    await call('ackMessage', 'POST', `/v1/agents/${other}/inbox/${sent.body.id}/ack`);
  });

  it('models, tools and keys', async () => {
    await call('listModels', 'GET', '/v1/models');
    await call('listTools', 'GET', '/v1/tools');
    await call('listTools', 'GET', `/v1/tools?agentId=${agent}`);
    const minted = await call('createKey', 'POST', '/v1/keys', { scope: `agent:${agent}` });
    expect(minted.status).toBe(201);
    const forbidden = await call('listKeys', 'GET', '/v1/keys', undefined, {
      authorization: `Bearer ${minted.body.key}`,
    });
    expect(forbidden.status).toBe(403);
    await call('listKeys', 'GET', '/v1/keys');
    await call('revokeKey', 'DELETE', `/v1/keys/${minted.body.keyId}`);
  });

  it('events, metrics, audit and insights', async () => {
    await call('listEvents', 'GET', '/v1/events?type=task.*&limit=5');
    await call('getMetrics', 'GET', '/v1/metrics?windowSeconds=600');
    await call('listAudit', 'GET', '/v1/audit?limit=5');
    await eventually(
      async () => {
        const insights = await call('getAgentInsights', 'GET', `/v1/insights/agents/${agent}`);
        return insights.body.executions > 0 ? insights : undefined;
      },
      { what: 'the agent insights' },
    );
    await call('getInsightsReport', 'GET', '/v1/insights/report');
    await call('recommendStrategy', 'POST', '/v1/insights/recommend', {
      steps: [{ id: 'a', agentId: agent }],
      priority: 'speed',
    });
  });

  it('budgets and schedules', async () => {
    const budget = `budget-${uid}`;
    const created = await call('createBudget', 'POST', '/v1/budgets', {
      id: budget,
      scope: `agent:${agent}`,
      usdPerDay: 5,
    });
    expect(created.status).toBe(201);
    const again = await call('createBudget', 'POST', '/v1/budgets', {
      id: budget,
      scope: 'all',
      usdPerDay: 1,
    });
    expect(again.status).toBe(409);
    await call('listBudgets', 'GET', '/v1/budgets?limit=10');
    await call('getBudget', 'GET', `/v1/budgets/${budget}`);
    await call('patchBudget', 'PATCH', `/v1/budgets/${budget}`, { usdPerMonth: 50 });
    await call('deleteBudget', 'DELETE', `/v1/budgets/${budget}`);
    expect((await call('getBudget', 'GET', `/v1/budgets/${budget}`)).status).toBe(404);

    const schedule = `schedule-${uid}`;
    const scheduled = await call('createSchedule', 'POST', '/v1/schedules', {
      id: schedule,
      expression: 'rate(1 hour)',
      task: { agentId: other, input: 'hourly' },
    });
    expect(scheduled.status).toBe(201);
    await call('listSchedules', 'GET', '/v1/schedules');
    await call('getSchedule', 'GET', `/v1/schedules/${schedule}`);
    await call('patchSchedule', 'PATCH', `/v1/schedules/${schedule}`, { enabled: false });
    await call('deleteSchedule', 'DELETE', `/v1/schedules/${schedule}`);
  });

  it('threads', async () => {
    const created = await call('createThread', 'POST', '/v1/threads', {
      agentId: other,
      metadata: { from: 'openapi' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await call('createThread', 'POST', '/v1/threads', {})).status).toBe(400);
    const posted = await call('postThreadMessage', 'POST', `/v1/threads/${id}/messages`, {
      content: 'hello',
    });
    expect(posted.status).toBe(202);
    await waitForTask(runtime, posted.body.taskId, ['succeeded']);
    const turn = await call('getTask', 'GET', `/v1/tasks/${posted.body.taskId}`);
    expect(turn.body.threadId).toBe(id);
    await eventually(
      async () => {
        const page = await call('listThreadMessages', 'GET', `/v1/threads/${id}/messages?limit=10`);
        return page.body.items.some((m: { role: string }) => m.role === 'assistant')
          ? page
          : undefined;
      },
      { what: "the turn's answer in the thread" },
    );
    const after = posted.body.message.id;
    await call('listThreadMessages', 'GET', `/v1/threads/${id}/messages?after=${after}`);
    await call('listThreads', 'GET', `/v1/threads?agentId=${other}&limit=5`);
    await call('getThread', 'GET', `/v1/threads/${id}`);
    await call('deleteThread', 'DELETE', `/v1/threads/${id}`);
    expect((await call('getThread', 'GET', `/v1/threads/${id}`)).status).toBe(404);
  });

  it('approvals: a tool call that asks, and a workflow gate', async () => {
    const asker = `asker-${uid}`;
    await call('registerAgent', 'POST', '/v1/agents', {
      id: asker,
      model: {
        provider: 'scripted',
        turns: [
          { toolCalls: [{ name: 'math.eval', input: { expression: '6*7' } }] },
          { text: '= {{lastToolResult}}' },
        ],
      },
      tools: ['math.eval'],
      toolPolicy: { 'math.eval': 'ask' },
      approval: { timeoutSeconds: 600, onTimeout: 'fail' },
    });
    const task = await call('submitTask', 'POST', '/v1/tasks', { agentId: asker, input: '6*7?' });
    const waiting = await waitForTask(runtime, task.body.id, ['waiting']);
    await call('getTask', 'GET', `/v1/tasks/${task.body.id}`);
    const approvalId = waiting.pendingApproval;
    const listed = await call(
      'listApprovals',
      'GET',
      `/v1/approvals?status=pending&agentId=${asker}`,
    );
    expect(listed.body.items.map((a: { id: string }) => a.id)).toContain(approvalId);
    await call('getApproval', 'GET', `/v1/approvals/${approvalId}`);
    expect(
      (await call('decideApproval', 'POST', `/v1/approvals/${approvalId}`, { decision: 'edit' }))
        .status,
    ).toBe(400);
    const decided = await call('decideApproval', 'POST', `/v1/approvals/${approvalId}`, {
      decision: 'approve',
      comment: 'fine',
    });
    expect(decided.body.status).toBe('approved');
    expect(
      (await call('decideApproval', 'POST', `/v1/approvals/${approvalId}`, { decision: 'deny' }))
        .status,
    ).toBe(409);
    await waitForTask(runtime, task.body.id, ['succeeded']);

    const gated = await call('startWorkflow', 'POST', '/v1/workflows', {
      strategy: 'sequential',
      input: 'x',
      steps: [
        { id: 'signoff', approval: { prompt: 'Go on?' } },
        { id: 'after', agentId: other },
      ],
    });
    const gate = await eventually(
      async () => {
        const got = await call('getWorkflow', 'GET', `/v1/workflows/${gated.body.id}`);
        return got.body.steps[0].approval?.approvalId ?? undefined;
      },
      { what: 'the gate to be reached' },
    );
    await call('decideApproval', 'POST', `/v1/approvals/${gate}`, { decision: 'approve' });
    await eventually(
      async () => {
        const got = await call('getWorkflow', 'GET', `/v1/workflows/${gated.body.id}`);
        return got.body.status === 'succeeded' ? got : undefined;
      },
      { what: 'the gated workflow to succeed' },
    );
  });

  it('retires an agent last', async () => {
    await call('retireAgent', 'DELETE', `/v1/agents/${other}`);
  });

  it('answered every operation of the document', () => {
    const all = operationsOf(document).map((o) => o.operation.operationId);
    expect(all.filter((id) => !answered.has(id))).toEqual([]);
  });
});
