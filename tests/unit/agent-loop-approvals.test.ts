/**
 * The agent loop with a person in it: a call the agent's toolPolicy marks `ask` stops the loop
 * before the tool runs, and a new run given the decision goes on from that very call, with no
 * model or tool call made twice; `deny` refuses like an unlisted tool. And what a model call
 * receives of a long conversation: its question always, the newest messages within the budget.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { Agent } from '../../shared/core/agents/agent.js';
import { runAgentLoop, type ToolObserver } from '../../shared/core/kernel/agent-loop.js';
import { fitContext, messageTokens } from '../../shared/core/kernel/context-window.js';
import type {
  ModelMessage,
  ModelProvider,
  ModelRequest,
  ModelResponse,
} from '../../shared/core/kernel/model-provider.js';
import { toolPolicyFor } from '../../shared/core/tools/permissions.js';
import { defineTool, type ToolDefinition } from '../../shared/core/tools/tool.js';
import { buildAgent } from '../helpers/in-memory.js';

const noServices = {
  workspace: () => {
    throw new Error('no workspace in these tests');
  },
  resolveHost: async () => [],
};

/** A tool that counts its runs and answers with what it was given. */
function countingTool(name: string) {
  const runs: string[] = [];
  const definition: ToolDefinition = defineTool({
    name,
    description: `test tool ${name}`,
    input: z.strictObject({ value: z.string() }),
    permission: `tool:${name}`,
    callsPerMinute: 600,
    timeoutMs: 1_000,
    maxOutputBytes: 1_024,
    run: async ({ value }) => {
      runs.push(value);
      return `ran with ${value}`;
    },
  });
  return { definition, runs };
}

/** Plays canned responses and keeps the messages of every request. */
class RecordingProvider implements ModelProvider {
  readonly name = 'recording';
  readonly requests: ModelMessage[][] = [];
  constructor(private readonly responses: ModelResponse[]) {}
  async complete(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push(request.messages.map((m) => ({ ...m })));
    const next = this.responses[this.requests.length - 1];
    if (!next) throw new Error('RecordingProvider ran out of responses');
    return next;
  }
}

const calls = (...names: [string, string][]): ModelResponse => ({
  text: '',
  toolCalls: names.map(([name, value], i) => ({ id: `c${i}`, name, input: { value } })),
  stopReason: 'tool_use',
  usage: { inputTokens: 10, outputTokens: 2, costUsd: 0.001 },
});
const answer = (text: string): ModelResponse => ({
  text,
  toolCalls: [],
  stopReason: 'end_turn',
  usage: { inputTokens: 10, outputTokens: 1, costUsd: 0.001 },
});

function world(policy: Record<string, string>, responses: ModelResponse[], listed?: string[]) {
  const safe = countingTool('test.safe');
  const risky = countingTool('test.risky');
  // Test tools are not in the catalogue the schema checks names against: set after parsing.
  const agent: Agent = {
    ...buildAgent({ id: 'asker' }),
    toolPolicy: policy as Agent['toolPolicy'],
    tools: listed ?? ['test.safe', 'test.risky'],
  };
  const provider = new RecordingProvider(responses);
  const denied: string[] = [];
  const observer: ToolObserver = { invoked: () => undefined, denied: (tool) => denied.push(tool) };
  const tools = new Map([
    [safe.definition.name, safe.definition],
    [risky.definition.name, risky.definition],
  ]);
  const run = (extra: Partial<Parameters<typeof runAgentLoop>[0]> = {}) =>
    runAgentLoop({
      agent,
      taskId: 't-1',
      input: 'do it',
      provider,
      tools,
      timeoutMs: 5_000,
      services: noServices,
      observer,
      ...extra,
    });
  return { agent, provider, safe, risky, denied, run };
}

describe('toolPolicy', () => {
  it('takes the tool, then its MCP server, then *, then allow', () => {
    // Assess
    expect(toolPolicyFor({ toolPolicy: { 'fs.write': 'ask', '*': 'deny' } }, 'fs.write')).toBe(
      'ask',
    );
    expect(toolPolicyFor({ toolPolicy: { 'fs.write': 'ask', '*': 'deny' } }, 'fs.read')).toBe(
      'deny',
    );
    expect(toolPolicyFor({ toolPolicy: { 'mcp.gh.*': 'ask' } }, 'mcp.gh.merge')).toBe('ask');
    expect(toolPolicyFor({ toolPolicy: {} }, 'fs.read')).toBe('allow');
    expect(toolPolicyFor({}, 'fs.read')).toBe('allow');
  });
});

describe('an ask call', () => {
  it('stops the loop before the tool runs, with the calls still to make', async () => {
    // Prepare: one response asks for a safe call, the risky one, and another safe one.
    const w = world({ 'test.risky': 'ask' }, [
      calls(['test.safe', 'a'], ['test.risky', 'b'], ['test.safe', 'c']),
    ]);

    // Act
    const result = await w.run();

    // Assess: the call before it ran; the risky one and the one after wait.
    expect(w.safe.runs).toEqual(['a']);
    expect(w.risky.runs).toEqual([]);
    expect(result.suspended?.calls.map((c) => c.name)).toEqual(['test.risky', 'test.safe']);
    expect(result.output).toBe('');
    expect(result.usage.modelCalls).toBe(1);
    expect(result.added.map((m) => m.role)).toEqual(['assistant', 'tool']);
  });

  it('goes on after approval from that call: no model or tool call is made twice', async () => {
    // Prepare: the first run stops at the risky call.
    const w = world({ 'test.risky': 'ask' }, [
      calls(['test.safe', 'a'], ['test.risky', 'b']),
      answer('all done'),
    ]);
    const first = await w.run();
    const conversation = [{ role: 'user' as const, content: 'do it' }, ...first.added];

    // Act: a new run with the conversation so far and the decision.
    const second = await w.run({
      conversation,
      pinned: 0,
      resume: {
        calls: first.suspended?.calls ?? [],
        decision: { decision: 'approve', by: 'admin' },
        steps: first.steps,
        usage: first.usage,
      },
    });

    // Assess
    expect(second.output).toBe('all done');
    expect(w.safe.runs).toEqual(['a']);
    expect(w.risky.runs).toEqual(['b']);
    expect(w.provider.requests).toHaveLength(2);
    expect(second.usage.modelCalls).toBe(2);
    expect(second.steps.map((s) => `${s.kind}:${s.name}`)).toEqual([
      'model:recording',
      'tool:test.safe',
      'tool:test.risky',
      'model:recording',
    ]);
    // The model's second call sees both results, in order, after its own tool calls.
    expect(w.provider.requests[1]?.map((m) => m.role)).toEqual([
      'user',
      'assistant',
      'tool',
      'tool',
    ]);
  });

  it('runs an edited call with the person’s input and tells the model so', async () => {
    // Prepare
    const w = world({ 'test.risky': 'ask' }, [calls(['test.risky', 'rm -rf /']), answer('ok')]);
    const first = await w.run();

    // Act
    const second = await w.run({
      conversation: [{ role: 'user', content: 'do it' }, ...first.added],
      resume: {
        calls: first.suspended?.calls ?? [],
        decision: { decision: 'edit', input: { value: 'ls' }, by: 'admin' },
        steps: first.steps,
        usage: first.usage,
      },
    });

    // Assess
    expect(w.risky.runs).toEqual(['ls']);
    const result = second.added.find((m) => m.role === 'tool');
    expect(result?.content).toContain('changed the input to {"value":"ls"}');
    expect(result?.content).toContain('ran with ls');
  });

  it('tells the model a denial with its comment, and the loop goes on', async () => {
    // Prepare
    const w = world({ 'test.risky': 'ask' }, [calls(['test.risky', 'x']), answer('fine')]);
    const first = await w.run();

    // Act
    const second = await w.run({
      conversation: [{ role: 'user', content: 'do it' }, ...first.added],
      resume: {
        calls: first.suspended?.calls ?? [],
        decision: { decision: 'deny', comment: 'not on Fridays', by: 'admin' },
        steps: first.steps,
        usage: first.usage,
      },
    });

    // Assess
    expect(w.risky.runs).toEqual([]);
    expect(second.output).toBe('fine');
    const told = w.provider.requests[1]?.at(-1);
    expect(told).toMatchObject({ role: 'tool', isError: true });
    expect(told?.content).toBe('denied by a person (admin): not on Fridays');
  });

  it('asks no one about a call whose input is wrong: the model is told at once', async () => {
    // Prepare: the input misses the required field.
    const w = world({ '*': 'ask' }, [
      { ...calls(['test.risky', 'x']), toolCalls: [{ id: 'c0', name: 'test.risky', input: {} }] },
      answer('gave up'),
    ]);

    // Act
    const result = await w.run();

    // Assess
    expect(result.suspended).toBeUndefined();
    expect(result.output).toBe('gave up');
    expect(w.provider.requests[1]?.at(-1)?.content).toContain('invalid input for test.risky');
  });

  it('counts maxSteps over the runs before and after the stop', async () => {
    // Prepare: maxSteps 2, one call made before the stop, the model keeps calling tools.
    const w = world({ 'test.risky': 'ask' }, [
      calls(['test.risky', 'x']),
      calls(['test.safe', 'y']),
      calls(['test.safe', 'z']),
    ]);
    const agent = { ...w.agent, limits: { ...w.agent.limits, maxSteps: 2 } };
    const first = await w.run({ agent });

    // Act
    const second = w.run({
      agent,
      conversation: [{ role: 'user', content: 'do it' }, ...first.added],
      resume: {
        calls: first.suspended?.calls ?? [],
        decision: { decision: 'approve', by: 'admin' },
        steps: first.steps,
        usage: first.usage,
      },
    });

    // Assess: one more model call only, then the step limit.
    await expect(second).rejects.toMatchObject({
      failure: { code: 'MaxStepsExceeded' },
    });
    expect(w.provider.requests).toHaveLength(2);
  });
});

describe('a deny policy', () => {
  it('refuses the call like a tool the agent does not list', async () => {
    // Prepare
    const w = world({ 'test.risky': 'deny' }, [calls(['test.risky', 'x']), answer('ok')]);

    // Act
    const result = await w.run();

    // Assess
    expect(w.risky.runs).toEqual([]);
    expect(w.denied).toEqual(['test.risky']);
    expect(result.steps[1]).toMatchObject({ kind: 'tool', ok: false });
    expect(w.provider.requests[1]?.at(-1)?.content).toContain('toolPolicy');
  });

  it('never grants a tool the agent does not list, whatever the policy says', async () => {
    // Prepare: allow everything, but the agent lists only the safe tool.
    const w = world({ '*': 'allow' }, [calls(['test.risky', 'x']), answer('ok')], ['test.safe']);

    // Act
    await w.run();

    // Assess
    expect(w.risky.runs).toEqual([]);
    expect(w.denied).toEqual(['test.risky']);
  });
});

describe('the context window', () => {
  const user = (content: string): ModelMessage => ({ role: 'user', content });
  const assistant = (content: string, tools: string[] = []): ModelMessage => ({
    role: 'assistant',
    content,
    toolCalls: tools.map((name, i) => ({ id: `t${i}`, name, input: {} })),
  });
  const tool = (content: string): ModelMessage => ({
    role: 'tool',
    toolCallId: 't0',
    name: 'x',
    content,
    isError: false,
  });

  it('keeps everything that fits', () => {
    // Prepare
    const messages = [user('hi'), assistant('hello'), user('again')];

    // Act
    const window = fitContext(messages, 2, 10_000);

    // Assess
    expect(window).toEqual({ messages, omitted: 0 });
  });

  it('leaves the oldest out first and starts the history at a question', () => {
    // Prepare: room for the question and about two short messages.
    const long = 'x'.repeat(400);
    const messages = [user(long), assistant('a1'), user('q2'), assistant('a2'), user('now?')];
    const budget =
      messageTokens(user('now?')) + messageTokens(assistant('a2')) + messageTokens(user('q2'));

    // Act
    const window = fitContext(messages, 4, budget);

    // Assess
    expect(window.messages.map((m) => m.content)).toEqual(['q2', 'a2', 'now?']);
    expect(window.omitted).toBe(2);
  });

  it('keeps the question even when it alone is over the budget', () => {
    // Act
    const window = fitContext([user('old'), user('y'.repeat(1000))], 1, 5);

    // Assess
    expect(window.messages).toHaveLength(1);
    expect(window.omitted).toBe(1);
  });

  it('never starts the task’s own part with a tool result whose call was left out', () => {
    // Prepare: the question, then a big call and its result, then a small call and result.
    const messages = [
      user('q'),
      assistant('', ['x']),
      tool('r'.repeat(800)),
      assistant('', ['x']),
      tool('small'),
    ];
    const budget = messageTokens(user('q')) + 200;

    // Act
    const window = fitContext(messages, 0, budget);

    // Assess
    expect(window.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(window.messages.at(-1)?.content).toBe('small');
    expect(window.omitted).toBe(2);
  });

  it('gives the loop’s model calls only what fits, and records what was left out', async () => {
    // Prepare: a long history before the question, a budget for a few messages.
    const history: ModelMessage[] = [];
    for (let i = 0; i < 40; i++) history.push(user(`question ${i}`), assistant(`answer ${i}`));
    const provider = new RecordingProvider([answer('ok')]);
    const agent = buildAgent({ id: 'short', limits: { contextTokens: 60 } });

    // Act
    const result = await runAgentLoop({
      agent,
      taskId: 't',
      conversation: [...history, user('latest')],
      pinned: history.length,
      omittedBefore: 100,
      provider,
      tools: new Map(),
      timeoutMs: 5_000,
      services: noServices,
    });

    // Assess
    const sent = provider.requests[0] ?? [];
    expect(sent.at(-1)?.content).toBe('latest');
    expect(sent[0]?.role).toBe('user');
    expect(sent.length).toBeLessThan(history.length);
    expect(result.context).toEqual({
      messages: sent.length,
      omitted: 100 + history.length + 1 - sent.length,
    });
  });
});
