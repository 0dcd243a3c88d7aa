/**
 * Each blueprint's agent, registered as a user would (the blueprint, a scripted model, what it
 * requires), run through the real agent loop with its real tools: files in a workspace on disk,
 * http.fetch against a server on 127.0.0.1 behind a fake resolver, memory in dynalite. The
 * scripts call every tool the blueprint lists, and one it does not (denied).
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAgentStore } from '../../shared/adapters/dynamo-agent-store.js';
import { DynamoGrantStore } from '../../shared/adapters/dynamo-grant-store.js';
import { DynamoMemoryStore } from '../../shared/adapters/dynamo-memory-store.js';
import { type Agent, registerAgentSchema } from '../../shared/core/agents/agent.js';
import { expandBlueprint } from '../../shared/core/blueprints/blueprint.js';
import { findBlueprint } from '../../shared/core/blueprints/catalogue.js';
import { runAgentLoop } from '../../shared/core/kernel/agent-loop.js';
import { type ModelMessage, providerFor } from '../../shared/core/kernel/model-provider.js';
import { lexicalSearch } from '../../shared/core/memory/lexical-search.js';
import { createMemoryToolService } from '../../shared/core/memory/memory-tool-service.js';
import { systemClock } from '../../shared/core/ports.js';
import { isPublicAddress } from '../../shared/core/tools/address-policy.js';
import { toolCatalogue } from '../../shared/core/tools/catalogue.js';
import { createHttpFetchTool } from '../../shared/core/tools/http-fetch.js';
import { directoryWorkspaces } from '../../shared/core/tools/local-workspace.js';
import type { ToolServices } from '../../shared/core/tools/tool.js';
import { uniqueId, useLocalAws } from '../helpers/aws-local.js';
import { RecordingEventPublisher } from '../helpers/in-memory.js';

const aws = useLocalAws();
let temp: string;
let page: Server;
let port: number;

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'blueprint-agents-'));
  page = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`the page at ${req.url} says: example.com is reserved by RFC 2606`);
  });
  await new Promise<void>((ready) => page.listen(0, '127.0.0.1', ready));
  port = (page.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((closed) => page.close(closed));
  await rm(temp, { recursive: true, force: true });
});

/** The agent a user gets from `POST /v1/agents {"id", "blueprint", ...}`. */
async function fromBlueprint(blueprint: string, turns: unknown[], extra = {}): Promise<Agent> {
  const id = uniqueId(blueprint.slice(0, 8));
  const input = registerAgentSchema.parse(
    expandBlueprint(
      { id, blueprint, model: { provider: 'scripted', turns }, ...extra },
      findBlueprint,
    ),
  );
  const now = new Date().toISOString();
  const agent: Agent = {
    ...input,
    name: input.name ?? id,
    status: 'active',
    createdAt: now,
    updatedAt: now,
  };
  await new DynamoAgentStore(aws().dynamo, aws().tableName).create(agent);
  return agent;
}

function services(): ToolServices {
  return {
    workspace: directoryWorkspaces(join(temp, 'workspaces')),
    // docs.test and blocked.test are this machine; nothing leaves the loopback interface.
    resolveHost: async (host) => (host.endsWith('.test') ? ['127.0.0.1'] : []),
    memory: createMemoryToolService(() => ({
      agents: new DynamoAgentStore(aws().dynamo, aws().tableName),
      memories: new DynamoMemoryStore(aws().dynamo, aws().tableName),
      grants: new DynamoGrantStore(aws().dynamo, aws().tableName),
      embedder: lexicalSearch,
      events: new RecordingEventPublisher(),
      clock: systemClock,
    })),
  };
}

/** The catalogue, with http.fetch let through to 127.0.0.1 (the test's page server) only. */
const tools = new Map(toolCatalogue);
tools.set(
  'http.fetch',
  createHttpFetchTool({ isAddressAllowed: (ip) => ip === '127.0.0.1' || isPublicAddress(ip) }),
);

function run(agent: Agent, input: unknown) {
  return runAgentLoop({
    agent,
    taskId: uniqueId('task'),
    input,
    provider: providerFor(agent.model, 1),
    tools,
    timeoutMs: agent.limits.timeoutMs,
    services: services(),
  });
}

/**
 * Runs the agent as its task would, a person approving every call it asks about: each stop is
 * resumed with the conversation so far and an approval. Returns the result and the tools asked.
 */
async function runApproving(agent: Agent, input: string) {
  const asked: string[] = [];
  // What the runs added so far; each run gets its own copy (the loop appends to what it gets).
  const added: ModelMessage[] = [];
  let result = await run(agent, input);
  while (result.suspended) {
    const [call] = result.suspended.calls;
    asked.push(call?.name ?? '?');
    added.push(...result.added);
    result = await runAgentLoop({
      agent,
      taskId: uniqueId('task'),
      conversation: [{ role: 'user', content: input }, ...added],
      pinned: 0,
      resume: {
        calls: result.suspended.calls,
        decision: { decision: 'approve', by: 'admin' },
        steps: result.steps,
        usage: result.usage,
      },
      provider: providerFor(agent.model, 1),
      tools,
      timeoutMs: agent.limits.timeoutMs,
      services: services(),
    });
  }
  return { result, asked };
}

const stepsOf = (result: Awaited<ReturnType<typeof run>>) =>
  result.steps.filter((s) => s.kind === 'tool').map((s) => [s.name, s.ok]);

describe('blueprint agents call their tools', () => {
  it('code-reviewer lists, reads and analyses files of its workspace, and may not write', async () => {
    // Prepare
    const agent = await fromBlueprint('code-reviewer', [
      { toolCalls: [{ name: 'fs.list', input: { path: 'src' } }] },
      { toolCalls: [{ name: 'fs.read', input: { path: 'src/checkout.js' } }] },
      { toolCalls: [{ name: 'fs.write', input: { path: 'src/checkout.js', content: '' } }] },
      { toolCalls: [{ name: 'code.analyze', input: { path: 'src/checkout.js' } }] },
      { text: '{{lastToolResult}}' },
    ]);
    await cp(
      resolve(import.meta.dirname, '../fixtures/code-analysis/shop'),
      join(temp, 'workspaces', agent.id),
      {
        recursive: true,
      },
    );

    // Act
    const result = await run(agent, 'review src/checkout.js');

    // Assess
    expect(stepsOf(result)).toEqual([
      ['fs.list', true],
      ['fs.read', true],
      ['fs.write', false],
      ['code.analyze', true],
    ]);
    expect(JSON.parse(result.output).functions).toEqual([
      { name: 'checkout', line: 6, params: 3, cyclomaticComplexity: 8 },
    ]);
  });

  it('summarizer answers in one turn and has no tool to call', async () => {
    // Prepare
    const agent = await fromBlueprint('summarizer', [
      { toolCalls: [{ name: 'fs.read', input: { path: 'x' } }] },
      { text: 'Summary: {{input}}' },
    ]);

    // Act
    const result = await run(agent, 'short text');

    // Assess
    expect(stepsOf(result)).toEqual([['fs.read', false]]);
    expect(result.output).toBe('Summary: short text');
  });

  it('web-researcher fetches from the hosts it is allowed, and from no other', async () => {
    // Prepare
    const agent = await fromBlueprint(
      'web-researcher',
      [
        { toolCalls: [{ name: 'http.fetch', input: { url: `http://blocked.test:${port}/x` } }] },
        { toolCalls: [{ name: 'http.fetch', input: { url: `http://docs.test:${port}/rfc` } }] },
        { text: '{{lastToolResult}}' },
      ],
      { network: { allow: ['docs.test'] } },
    );

    // Act
    const { result, asked } = await runApproving(agent, 'which RFC reserves example.com?');

    // Assess: each fetch waited for a person's approval first
    expect(asked).toEqual(['http.fetch', 'http.fetch']);
    expect(stepsOf(result)).toEqual([
      ['http.fetch', false],
      ['http.fetch', true],
    ]);
    expect(JSON.parse(result.output)).toMatchObject({
      status: 200,
      body: 'the page at /rfc says: example.com is reserved by RFC 2606',
    });
  });

  it('planner answers a round with JSON, and has no tool to call', async () => {
    // Prepare
    const agent = await fromBlueprint('planner', [
      { text: '{"next": [{"agentId": "data-analyst", "input": "add 35 and 15"}], "done": false}' },
    ]);

    // Act
    const result = await run(agent, { task: 'total downtime', round: 1, maxRounds: 3, agents: [] });

    // Assess
    expect(stepsOf(result)).toEqual([]);
    expect(JSON.parse(result.output)).toEqual({
      next: [{ agentId: 'data-analyst', input: 'add 35 and 15' }],
      done: false,
    });
  });

  it('memory-assistant writes a memory and finds it again', async () => {
    // Prepare
    const agent = await fromBlueprint('memory-assistant', [
      { toolCalls: [{ name: 'memory.write', input: { text: 'The team standup is at 9:45.' } }] },
      { toolCalls: [{ name: 'memory.search', input: { query: 'when is standup', k: 1 } }] },
      { text: '{{lastToolResult}}' },
    ]);

    // Act
    const { result, asked } = await runApproving(
      agent,
      'remember the standup time, then tell me when it is',
    );

    // Assess: the write waited for a person's approval; the search did not
    expect(asked).toEqual(['memory.write']);
    expect(stepsOf(result)).toEqual([
      ['memory.write', true],
      ['memory.search', true],
    ]);
    expect(JSON.parse(result.output).items[0]).toMatchObject({
      text: 'The team standup is at 9:45.',
      ownerAgentId: agent.id,
    });
  });

  it('data-analyst computes with math.eval', async () => {
    // Prepare
    const agent = await fromBlueprint('data-analyst', [
      { toolCalls: [{ name: 'math.eval', input: { expression: '1200 + 1350 + 980 + 1510' } }] },
      { toolCalls: [{ name: 'math.eval', input: { expression: '5040 / 4' } }] },
      { text: 'average {{lastToolResult}}' },
    ]);

    // Act
    const result = await run(agent, 'weekly average?');

    // Assess
    expect(stepsOf(result)).toEqual([
      ['math.eval', true],
      ['math.eval', true],
    ]);
    expect(result.output).toBe('average {"value":1260}');
  });
});
