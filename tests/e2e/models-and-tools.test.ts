/**
 * The models and tools layers end to end, over HTTP against `npm start`: an agent writes a file
 * in its workspace and analyses it, a tool it does not list is denied (and audited as an event),
 * a route falls back from a failing OpenAI-compatible server to the next target, and the
 * catalogue and the per-model statistics are published.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  eventually,
  type RuntimeHandle,
  removeDataDir,
  startRuntime,
  waitForTask,
} from '../helpers/runtime.js';

let runtime: RuntimeHandle;
let failingModel: Server;
let failingModelCalls = 0;
let mcpHttp: Server;
let mcpUrl = '';

/** A real MCP server (same SDK), stateless Streamable HTTP, behind a bearer token. */
function startMcpServer(): Promise<Server> {
  const readJson = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
  };
  const server = createServer(async (req, res) => {
    if (req.headers.authorization !== 'Bearer mcp-secret') return void res.writeHead(401).end();
    // Stateless: no sessions to open (GET) or end (DELETE).
    if (req.method !== 'POST') return void res.writeHead(405).end();
    const mcp = new McpServer({ name: 'calc', version: '1.0.0' });
    mcp.registerTool(
      'multiply',
      { description: 'Multiplies two numbers.', inputSchema: { a: z.number(), b: z.number() } },
      async ({ a, b }) => ({ content: [{ type: 'text', text: String(a * b) }] }),
    );
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, await readJson(req));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const SOURCE = [
  "import { readFile } from 'node:fs/promises';",
  '',
  '// TODO: cache the parsed config',
  'export async function load(path: string) {',
  "  const text = await readFile(path, 'utf8');",
  '  if (!text) return null;',
  '  return text.length > 10 && text.startsWith("{") ? JSON.parse(text) : text;',
  '}',
  '',
].join('\n');

beforeAll(async () => {
  // An OpenAI-compatible server that is down: every call answers 503.
  failingModel = createServer((req, res) => {
    failingModelCalls++;
    req.resume();
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'overloaded' } }));
  });
  await new Promise<void>((resolve) => failingModel.listen(0, '127.0.0.1', resolve));
  mcpHttp = await startMcpServer();
  mcpUrl = `http://127.0.0.1:${(mcpHttp.address() as AddressInfo).port}/mcp`;
  const port = (failingModel.address() as AddressInfo).port;
  runtime = await startRuntime({
    env: {
      AGENT_CORE_MODEL_ROUTES: JSON.stringify({
        routes: {
          resilient: [
            { provider: 'openai', model: 'down', baseUrl: `http://127.0.0.1:${port}/v1` },
            { provider: 'echo' },
          ],
        },
        retry: { attempts: 2, baseDelayMs: 10 },
      }),
    },
  });
});

afterAll(async () => {
  expect(await runtime?.stop()).toBe(true);
  removeDataDir(runtime.dataDir);
  await new Promise((resolve) => failingModel?.close(resolve));
  mcpHttp?.closeAllConnections();
  await new Promise((resolve) => mcpHttp?.close(resolve));
});

async function traceTypes(taskId: string, until: string): Promise<string[]> {
  return eventually(
    async () => {
      const { body } = await runtime.api('GET', `/v1/tasks/${taskId}/trace?limit=100`);
      const types: string[] = body.items.map((e: { type: string }) => e.type);
      return types.includes(until) ? types : undefined;
    },
    { what: `${until} in the trace of ${taskId}` },
  );
}

describe('tools', () => {
  it('writes a file with fs.write, analyses it with code.analyze and answers with the result', async () => {
    await runtime.api('POST', '/v1/agents', {
      id: 'analyst',
      tools: ['fs.write', 'code.analyze'],
      model: {
        provider: 'scripted',
        turns: [
          { toolCalls: [{ name: 'fs.write', input: { path: 'src/load.ts', content: SOURCE } }] },
          { toolCalls: [{ name: 'code.analyze', input: { path: 'src/load.ts' } }] },
          { text: '{{lastToolResult}}' },
        ],
      },
    });
    const task = (await runtime.api('POST', '/v1/tasks', { agentId: 'analyst', input: 'analyse' }))
      .body;
    const done = await waitForTask(runtime, task.id, ['succeeded', 'failed']);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.steps.map((s: { name: string; ok: boolean }) => [s.name, s.ok])).toEqual([
      ['scripted', true],
      ['fs.write', true],
      ['scripted', true],
      ['code.analyze', true],
      ['scripted', true],
    ]);

    const analysis = JSON.parse(done.output);
    expect(analysis.functions).toEqual([
      expect.objectContaining({ name: 'load', line: 4, params: 1, cyclomaticComplexity: 4 }),
    ]);
    expect(analysis.imports).toEqual([expect.objectContaining({ module: 'node:fs/promises' })]);
    expect(analysis.todos).toEqual([expect.objectContaining({ kind: 'TODO', line: 3 })]);
    expect(analysis.lines).toEqual({ total: 8, code: 6, comment: 1, blank: 1 });

    const types = await traceTypes(task.id, 'task.succeeded');
    expect(types.filter((t) => t === 'tool.invoked')).toHaveLength(2);
  });

  it('denies a tool the agent does not list: a failed step, a tool.denied event, the task goes on', async () => {
    await runtime.api('POST', '/v1/agents', {
      id: 'reader',
      tools: ['fs.read'],
      model: {
        provider: 'scripted',
        turns: [
          { toolCalls: [{ name: 'fs.write', input: { path: 'x.txt', content: 'sneaky' } }] },
          { text: 'after: {{lastToolResult}}' },
        ],
      },
    });
    const task = (await runtime.api('POST', '/v1/tasks', { agentId: 'reader', input: 'try' })).body;
    const done = await waitForTask(runtime, task.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(done.steps[1]).toMatchObject({ kind: 'tool', name: 'fs.write', ok: false });
    expect(done.output).toContain("denied: agent 'reader' does not list tool 'fs.write'");
    expect(await traceTypes(task.id, 'tool.denied')).toContain('tool.denied');

    // Nothing was written: the agent may read its workspace, and the file is not there.
    await runtime.api('PATCH', '/v1/agents/reader', {
      model: {
        provider: 'scripted',
        turns: [
          { toolCalls: [{ name: 'fs.read', input: { path: 'x.txt' } }] },
          { text: '{{lastToolResult}}' },
        ],
      },
    });
    const probe = (await runtime.api('POST', '/v1/tasks', { agentId: 'reader', input: 'read' }))
      .body;
    const read = await waitForTask(runtime, probe.id, ['succeeded', 'failed']);
    expect(read.steps[1]).toMatchObject({ name: 'fs.read', ok: false });
  });

  it("calls a remote MCP server's tool under the agent's prefix, with its headers", async () => {
    const registered = await runtime.api('POST', '/v1/agents', {
      id: 'mcp-user',
      // On this machine: the admin marks it private, or the address policy refuses it.
      mcpServers: [
        {
          name: 'calc',
          url: mcpUrl,
          headers: { authorization: 'Bearer mcp-secret' },
          private: true,
        },
      ],
      tools: ['mcp.calc.*'],
      model: {
        provider: 'scripted',
        turns: [
          { toolCalls: [{ name: 'mcp.calc.multiply', input: { a: 6, b: 7 } }] },
          { text: 'product {{lastToolResult}}' },
        ],
      },
    });
    expect(registered.status).toBe(201);
    // Header values are write-only.
    expect(registered.body.mcpServers[0].headers).toEqual({ authorization: '***' });

    const task = (await runtime.api('POST', '/v1/tasks', { agentId: 'mcp-user', input: 'x' })).body;
    const done = await waitForTask(runtime, task.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ status: 'succeeded', output: 'product 42' });
    expect(done.steps[1]).toMatchObject({ kind: 'tool', name: 'mcp.calc.multiply', ok: true });

    const tools = await runtime.api('GET', '/v1/tools?agentId=mcp-user');
    const remote = tools.body.items.find((t: { name: string }) => t.name === 'mcp.calc.multiply');
    expect(remote).toMatchObject({
      allowed: true,
      source: 'mcp:calc',
      inputSchema: { properties: { a: { type: 'number' }, b: { type: 'number' } } },
    });
  });

  it('puts MCP URLs under the address policy, and never shows what an endpoint answered', async () => {
    // Prepare: MCP servers pointing at this runtime's own port, which speaks no MCP.
    const internal = `${runtime.url}/v1/agents`;
    const register = (id: string, privateServer: boolean) =>
      runtime.api('POST', '/v1/agents', {
        id,
        model: { provider: 'echo' },
        mcpServers: [{ name: 'inside', url: internal, private: privateServer }],
        tools: ['mcp.inside.*'],
      });
    expect((await register('mcp-probe', false)).status).toBe(201);
    expect((await register('mcp-private', true)).status).toBe(201);

    // Act
    const probed = await runtime.api('GET', '/v1/tools?agentId=mcp-probe');
    const reached = await runtime.api('GET', '/v1/tools?agentId=mcp-private');

    // Assess: refused before connecting; reached when marked private, its answer not quoted.
    expect(probed.status).toBe(200);
    expect(probed.body.errors).toEqual([
      { server: 'inside', message: expect.stringMatching(/127\.0\.0\.1 is not a public address/) },
    ]);
    expect(reached.body.errors).toEqual([
      { server: 'inside', message: expect.stringMatching(/^the server answered HTTP 40\d$/) },
    ]);
    expect(JSON.stringify(reached.body)).not.toMatch(/Unauthorized|ValidationError|requestId/);
  });

  it('refuses an MCP tool whose server the agent does not list, naming the field', async () => {
    const response = await runtime.api('POST', '/v1/agents', {
      id: 'mcp-stranger',
      model: { provider: 'echo' },
      tools: ['mcp.elsewhere.search'],
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([expect.objectContaining({ path: 'tools.0' })]);
  });

  it('publishes the catalogue with JSON Schemas and permissions', async () => {
    const { status, body } = await runtime.api('GET', '/v1/tools');
    expect(status).toBe(200);
    const names = body.items.map((t: { name: string }) => t.name);
    for (const name of [
      'math.eval',
      'time.now',
      'fs.read',
      'fs.write',
      'fs.list',
      'http.fetch',
      'code.analyze',
    ]) {
      expect(names).toContain(name);
    }
    const write = body.items.find((t: { name: string }) => t.name === 'fs.write');
    expect(write).toMatchObject({
      permission: 'tool:fs.write',
      inputSchema: { type: 'object', required: expect.arrayContaining(['path', 'content']) },
    });
    const forReader = await runtime.api('GET', '/v1/tools?agentId=reader');
    const allowed = forReader.body.items.filter((t: { allowed: boolean }) => t.allowed);
    expect(allowed.map((t: { name: string }) => t.name)).toEqual(['fs.read']);
  });
});

describe('models', () => {
  it('falls back from a failing target to the next one, and keeps statistics per model', async () => {
    await runtime.api('POST', '/v1/agents', { id: 'resilient', model: { route: 'resilient' } });
    const task = (
      await runtime.api('POST', '/v1/tasks', { agentId: 'resilient', input: 'still here' })
    ).body;
    const done = await waitForTask(runtime, task.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({ status: 'succeeded', output: 'still here', attempts: 1 });
    expect(failingModelCalls).toBe(2); // two tries (retry.attempts), then the fallback

    const types = await traceTypes(task.id, 'task.succeeded');
    expect(types.filter((t) => t === 'model.invoked')).toHaveLength(3);
    expect(types).toContain('model.fallback');

    const models = await eventually(
      async () => {
        const { body } = await runtime.api('GET', '/v1/models');
        const down = body.models.find((m: { model: string }) => m.model === 'openai:down');
        return down?.errors === 2 ? body : undefined;
      },
      { what: 'statistics of openai:down' },
    );
    expect(models.routes.map((r: { name: string }) => r.name)).toEqual(['default', 'resilient']);
    expect(models.providers).toEqual(['bedrock', 'openai', 'echo', 'scripted']);
    const echo = models.models.find((m: { model: string }) => m.model === 'echo');
    expect(echo).toMatchObject({ calls: expect.any(Number), errors: 0, costUsd: 0 });
    expect(echo.latencyMs.p50).toEqual(expect.any(Number));
  });

  it('refuses an agent whose route is not configured, naming the field', async () => {
    const response = await runtime.api('POST', '/v1/agents', {
      id: 'lost',
      model: { route: 'nowhere' },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([expect.objectContaining({ path: 'model.route' })]);
  });

  it('ends a task that exceeds maxTokens with a clear, non-retryable error', async () => {
    await runtime.api('POST', '/v1/agents', {
      id: 'verbose',
      model: { provider: 'echo' },
      limits: { maxTokens: 5 },
    });
    const task = (
      await runtime.api('POST', '/v1/tasks', { agentId: 'verbose', input: 'x'.repeat(200) })
    ).body;
    const done = await waitForTask(runtime, task.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({
      status: 'failed',
      attempts: 1,
      deadLettered: false,
      error: { code: 'TokenLimitExceeded', retryable: false },
    });
  });
});
