/**
 * Bad input gets the right 4xx, in the contract's error shape, naming the field, and writes
 * nothing: the lists of agents, tasks and workflows are the same after the whole table as before it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RuntimeHandle, removeDataDir, startRuntime } from '../helpers/runtime.js';

let runtime: RuntimeHandle;

interface Row {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  code: string;
  /** Field paths the error's details must name. */
  paths?: string[];
  /** Beginnings of field paths the error's details must name (a path that goes deep). */
  pathPrefixes?: string[];
}

const echo = { provider: 'echo' };

const rows: Row[] = [
  {
    name: 'bad JSON',
    method: 'POST',
    path: '/v1/agents',
    body: '{"id": "x",',
    status: 400,
    code: 'BadJson',
  },
  {
    name: 'empty agent',
    method: 'POST',
    path: '/v1/agents',
    body: {},
    status: 400,
    code: 'ValidationError',
    paths: ['id', 'model'],
  },
  {
    name: 'body not an object',
    method: 'POST',
    path: '/v1/agents',
    body: '[1,2]',
    status: 400,
    code: 'ValidationError',
    paths: [''],
  },
  {
    name: 'bad agent id',
    method: 'POST',
    path: '/v1/agents',
    body: { id: 'Bad Id!', model: echo },
    status: 400,
    code: 'ValidationError',
    paths: ['id'],
  },
  {
    name: 'unknown provider',
    method: 'POST',
    path: '/v1/agents',
    body: { id: 'ok-agent', model: { provider: 'nope' } },
    status: 400,
    code: 'ValidationError',
    paths: ['model.provider'],
  },
  {
    name: 'unknown route name',
    method: 'POST',
    path: '/v1/agents',
    body: { id: 'ok-agent', model: { route: 'nowhere' } },
    status: 400,
    code: 'ValidationError',
    paths: ['model.route'],
  },
  {
    name: "an openai key read from the admin key's variable",
    method: 'POST',
    path: '/v1/agents',
    body: {
      id: 'leaky',
      model: {
        provider: 'openai',
        model: 'x',
        baseUrl: 'http://127.0.0.1:9/v1',
        apiKeyEnv: 'AGENT_CORE_API_KEY',
      },
    },
    status: 400,
    code: 'ValidationError',
    paths: ['model.apiKeyEnv'],
  },
  {
    name: 'an openai key read from an AWS credential, in a patch',
    method: 'PATCH',
    path: '/v1/agents/existing',
    body: { model: { provider: 'openai', model: 'x', apiKeyEnv: 'AWS_SECRET_ACCESS_KEY' } },
    status: 400,
    code: 'ValidationError',
    paths: ['model.apiKeyEnv'],
  },
  {
    name: 'unknown tool',
    method: 'POST',
    path: '/v1/agents',
    body: { id: 'ok-agent', model: echo, tools: ['rm.rf'] },
    status: 400,
    code: 'ValidationError',
    paths: ['tools.0'],
  },
  {
    name: 'wrong-typed limit',
    method: 'POST',
    path: '/v1/agents',
    body: { id: 'ok-agent', model: echo, limits: { maxSteps: 'many' } },
    status: 400,
    code: 'ValidationError',
    paths: ['limits.maxSteps'],
  },
  {
    name: 'unknown agent field',
    method: 'POST',
    path: '/v1/agents',
    body: { id: 'ok-agent', model: echo, colour: 'red' },
    status: 400,
    code: 'ValidationError',
    paths: ['colour'],
  },
  {
    name: 'patch the id',
    method: 'PATCH',
    path: '/v1/agents/existing',
    body: { id: 'other' },
    status: 400,
    code: 'ValidationError',
    paths: ['id'],
  },
  {
    name: 'empty patch',
    method: 'PATCH',
    path: '/v1/agents/existing',
    body: {},
    status: 400,
    code: 'ValidationError',
  },
  {
    name: 'patch unknown agent',
    method: 'PATCH',
    path: '/v1/agents/nobody',
    body: { name: 'x' },
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'get unknown agent',
    method: 'GET',
    path: '/v1/agents/nobody',
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'empty task',
    method: 'POST',
    path: '/v1/tasks',
    body: {},
    status: 400,
    code: 'ValidationError',
    paths: ['agentId', 'input'],
  },
  {
    name: 'wrong-typed priority',
    method: 'POST',
    path: '/v1/tasks',
    body: { agentId: 'existing', input: 'x', priority: 'urgent' },
    status: 400,
    code: 'ValidationError',
    paths: ['priority'],
  },
  {
    name: 'maxAttempts out of range',
    method: 'POST',
    path: '/v1/tasks',
    body: { agentId: 'existing', input: 'x', maxAttempts: 0 },
    status: 400,
    code: 'ValidationError',
    paths: ['maxAttempts'],
  },
  {
    name: 'wrong-typed timeout',
    method: 'POST',
    path: '/v1/tasks',
    body: { agentId: 'existing', input: 'x', timeoutMs: '5s' },
    status: 400,
    code: 'ValidationError',
    paths: ['timeoutMs'],
  },
  {
    name: 'unknown agent',
    method: 'POST',
    path: '/v1/tasks',
    body: { agentId: 'nobody', input: 'x' },
    status: 404,
    code: 'NotFound',
    paths: ['agentId'],
  },
  {
    name: 'oversize body',
    method: 'POST',
    path: '/v1/tasks',
    body: { agentId: 'existing', input: 'x'.repeat(300 * 1024) },
    status: 413,
    code: 'PayloadTooLarge',
  },
  {
    name: 'bad Idempotency-Key',
    method: 'POST',
    path: '/v1/tasks',
    body: { agentId: 'existing', input: 'x' },
    headers: { 'idempotency-key': 'k'.repeat(300) },
    status: 400,
    code: 'ValidationError',
    paths: ['headers.idempotency-key'],
  },
  {
    name: 'bad cursor',
    method: 'GET',
    path: '/v1/tasks?cursor=not-a-cursor',
    status: 400,
    code: 'ValidationError',
    paths: ['cursor'],
  },
  {
    name: 'forged cursor',
    method: 'GET',
    path: `/v1/tasks?cursor=${Buffer.from(JSON.stringify({ pk: 'AGENT#x', sk: 'AGENT', gsi1pk: 'AGENTS', gsi1sk: 'x' })).toString('base64url')}`,
    status: 400,
    code: 'ValidationError',
    paths: ['cursor'],
  },
  {
    name: 'limit too small',
    method: 'GET',
    path: '/v1/tasks?limit=0',
    status: 400,
    code: 'ValidationError',
    paths: ['limit'],
  },
  {
    name: 'limit too large',
    method: 'GET',
    path: '/v1/agents?limit=101',
    status: 400,
    code: 'ValidationError',
    paths: ['limit'],
  },
  {
    name: 'unknown status filter',
    method: 'GET',
    path: '/v1/tasks?status=bogus',
    status: 400,
    code: 'ValidationError',
    paths: ['status'],
  },
  {
    name: 'unknown task',
    method: 'GET',
    path: '/v1/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV',
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'malformed task id',
    method: 'POST',
    path: '/v1/tasks/not-an-id/cancel',
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'bad redrive ids',
    method: 'POST',
    path: '/v1/queue/dlq/redrive',
    body: { taskIds: ['bad'] },
    status: 400,
    code: 'ValidationError',
    paths: ['taskIds.0'],
  },
  { name: 'unknown route', method: 'GET', path: '/v1/nothing-here', status: 404, code: 'NotFound' },
  {
    name: 'missing key',
    method: 'POST',
    path: '/v1/agents',
    body: { id: 'sneaky', model: echo },
    headers: { authorization: '' },
    status: 401,
    code: 'Unauthorized',
  },
  {
    name: 'wrong key',
    method: 'POST',
    path: '/v1/agents',
    body: { id: 'sneaky', model: echo },
    headers: { authorization: 'Bearer ac_wrong' },
    status: 401,
    code: 'Unauthorized',
  },
  {
    name: 'not a bearer key',
    method: 'GET',
    path: '/v1/tasks',
    headers: { authorization: 'Basic YWRtaW46YWRtaW4=' },
    status: 401,
    code: 'Unauthorized',
  },
  {
    name: 'workflow without strategy or input (a name is optional)',
    method: 'POST',
    path: '/v1/workflows',
    body: { steps: [{ id: 'a', agentId: 'existing' }] },
    status: 400,
    code: 'ValidationError',
    paths: ['strategy', 'input'],
  },
  {
    name: 'workflow with an unknown strategy',
    method: 'POST',
    path: '/v1/workflows',
    body: { name: 'w', strategy: 'random', input: 1, steps: [{ id: 'a', agentId: 'existing' }] },
    status: 400,
    code: 'ValidationError',
    paths: ['strategy'],
  },
  {
    name: 'workflow step naming no agent',
    method: 'POST',
    path: '/v1/workflows',
    body: { name: 'w', strategy: 'sequential', input: 1, steps: [{ id: 'a', agentId: 'ghost' }] },
    status: 400,
    code: 'ValidationError',
    paths: ['steps.0.agentId'],
  },
  {
    name: 'adaptive workflow without a supervisor',
    method: 'POST',
    path: '/v1/workflows',
    body: { name: 'w', strategy: 'adaptive', input: 1, steps: [] },
    status: 400,
    code: 'ValidationError',
    paths: ['supervisor'],
  },
  {
    name: 'workflow template reading a later step',
    method: 'POST',
    path: '/v1/workflows',
    body: {
      name: 'w',
      strategy: 'sequential',
      input: 1,
      steps: [
        { id: 'a', agentId: 'existing', input: '{{steps.b.output}}' },
        { id: 'b', agentId: 'existing' },
      ],
    },
    status: 400,
    code: 'ValidationError',
    paths: ['steps.0.input'],
  },
  {
    name: 'workflow id that is no workflow',
    method: 'GET',
    path: '/v1/workflows/not-a-workflow',
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'recommendation without steps',
    method: 'POST',
    path: '/v1/insights/recommend',
    body: { priority: 'fastest' },
    status: 400,
    code: 'ValidationError',
    paths: ['steps', 'priority'],
  },
];

/** Every route under /v1/agents/{id}, with an id of 3,000 characters: 404, never a 500. */
const longId = 'a'.repeat(3_000);
const ulid = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const agentRoutes: [string, string, unknown?][] = [
  ['GET', ''],
  ['PATCH', '', { name: 'x' }],
  ['DELETE', ''],
  ['POST', '/pause'],
  ['POST', '/resume'],
  ['POST', '/memories', { text: 'x' }],
  ['GET', '/memories'],
  ['DELETE', `/memories/${ulid}`],
  ['POST', '/memories/search', { query: 'x' }],
  ['POST', '/grants', { namespace: 'default', grantee: 'existing', access: 'read' }],
  ['GET', '/grants'],
  ['DELETE', `/grants/${ulid}`],
  ['GET', '/inbox'],
  ['POST', `/inbox/${ulid}/ack`],
];
rows.push(
  ...agentRoutes.map(([method, rest, body]) => ({
    name: `an agent id of 3,000 characters: ${method} /v1/agents/{id}${rest}`,
    method,
    path: `/v1/agents/${longId}${rest}`,
    body,
    status: 404,
    code: 'NotFound',
  })),
  {
    name: 'an agent id of 3,000 characters: GET /v1/insights/agents/{id}',
    method: 'GET',
    path: `/v1/insights/agents/${longId}`,
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'an agentId of 3,000 characters in a query',
    method: 'GET',
    path: `/v1/tools?agentId=${longId}`,
    status: 400,
    code: 'ValidationError',
    paths: ['agentId'],
  },
);

/** Free-form JSON nested 10,000 levels, wherever free-form JSON goes: 400 naming the field. */
const deep = `${'['.repeat(10_000)}1${']'.repeat(10_000)}`;
const deepRows: [string, string, string, string][] = [
  ['task input', '/v1/tasks', `{"agentId":"existing","input":${deep}}`, 'input.0.0'],
  [
    'task metadata',
    '/v1/tasks',
    `{"agentId":"existing","input":1,"metadata":{"m":${deep}}}`,
    'metadata.m.0',
  ],
  [
    'workflow input',
    '/v1/workflows',
    `{"strategy":"sequential","input":${deep},"steps":[{"id":"a","agentId":"existing"}]}`,
    'input.0.0',
  ],
  [
    'workflow metadata',
    '/v1/workflows',
    `{"strategy":"sequential","input":1,"metadata":{"m":${deep}},"steps":[{"id":"a","agentId":"existing"}]}`,
    'metadata.m.0',
  ],
  [
    'message body',
    '/v1/messages',
    `{"from":"existing","to":"existing","body":${deep}}`,
    'body.0.0',
  ],
  [
    'memory metadata',
    '/v1/agents/existing/memories',
    `{"text":"x","metadata":{"m":${deep}}}`,
    'metadata.m.0',
  ],
  [
    'scripted tool input',
    '/v1/agents',
    `{"id":"deep-agent","model":{"provider":"scripted","turns":[{"toolCalls":[{"name":"math.eval","input":${deep}}]}]}}`,
    'model.turns.0.toolCalls.0.input.0',
  ],
];
rows.push(
  ...deepRows.map(([what, path, body, field]) => ({
    name: `${what} nested 10,000 levels`,
    method: 'POST',
    path,
    body,
    status: 400,
    code: 'ValidationError',
    pathPrefixes: [field],
  })),
  {
    name: '__proto__ as a key inside a scripted tool input',
    method: 'POST',
    path: '/v1/agents',
    body: '{"id":"proto-agent","model":{"provider":"scripted","turns":[{"toolCalls":[{"name":"math.eval","input":{"__proto__":{"expression":"1"}}}]}]}}',
    status: 400,
    code: 'ValidationError',
    paths: ['model.turns.0.toolCalls.0.input.__proto__'],
  },
  {
    name: 'constructor as a key in task metadata',
    method: 'POST',
    path: '/v1/tasks',
    body: { agentId: 'existing', input: 1, metadata: { constructor: { prototype: {} } } },
    status: 400,
    code: 'ValidationError',
    paths: ['metadata.constructor'],
  },
  {
    name: 'a bad % escape in an agent id',
    method: 'GET',
    path: '/v1/agents/%E0%A4%A',
    status: 400,
    code: 'ValidationError',
    paths: ['id'],
  },
  {
    name: 'a bad % escape in a memory id',
    method: 'DELETE',
    path: '/v1/agents/existing/memories/%ZZ',
    status: 400,
    code: 'ValidationError',
    paths: ['memoryId'],
  },
  {
    name: 'a bad % escape in an agent id, with a body',
    method: 'POST',
    path: '/v1/agents/%E0%A4%A/memories',
    body: { text: 'x' },
    status: 400,
    code: 'ValidationError',
    paths: ['id'],
  },
);

async function snapshot() {
  const agents = await runtime.api('GET', '/v1/agents?limit=100');
  const tasks = await runtime.api('GET', '/v1/tasks?limit=100');
  const workflows = await runtime.api('GET', '/v1/workflows?limit=100');
  return { agents: agents.body.items, tasks: tasks.body.items, workflows: workflows.body.items };
}

let before: Awaited<ReturnType<typeof snapshot>>;

beforeAll(async () => {
  runtime = await startRuntime();
  await runtime.api('POST', '/v1/agents', { id: 'existing', model: echo });
  before = await snapshot();
});

afterAll(async () => {
  expect(await runtime?.stop()).toBe(true);
  removeDataDir(runtime.dataDir);
});

describe('bad input', () => {
  it.each(rows)('$name → $status $code', async (row) => {
    const response = await runtime.api(row.method, row.path, row.body, row.headers);
    expect(response.status, JSON.stringify(response.body)).toBe(row.status);
    expect(response.body).toMatchObject({
      error: { code: row.code, message: expect.any(String) },
      requestId: expect.any(String),
    });
    expect(JSON.stringify(response.body)).not.toMatch(/at .+\.ts:\d+/); // no stack traces
    if (row.paths) {
      const named = response.body.error.details.map((d: { path: string }) => d.path);
      for (const path of row.paths) expect(named).toContain(path);
    }
    for (const prefix of row.pathPrefixes ?? []) {
      const named: string[] = response.body.error.details.map((d: { path: string }) => d.path);
      expect(
        named.some((path) => path.startsWith(prefix)),
        named.join(),
      ).toBe(true);
    }
  });

  it('wrote nothing', async () => {
    expect(await snapshot()).toEqual(before);
  });
});
