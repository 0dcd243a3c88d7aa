import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import type { Agent } from '../../shared/core/agents/agent.js';
import { TaskAttemptError } from '../../shared/core/errors.js';
import {
  AgentLoopFailure,
  type AgentLoopParams,
  jsonSchemaOf,
  runAgentLoop,
  TaskCancelledSignal,
  type ToolObserver,
} from '../../shared/core/kernel/agent-loop.js';
import {
  EchoProvider,
  type ModelMessage,
  type ModelProvider,
  type ModelRequest,
  type ModelResponse,
  providerFor,
  ScriptedProvider,
} from '../../shared/core/kernel/model-provider.js';
import type { ModelSpec } from '../../shared/core/kernel/model-spec.js';
import type { RateLimitDecision, RateLimiter } from '../../shared/core/ports.js';
import { toolCatalogue } from '../../shared/core/tools/catalogue.js';
import { defineTool, type ToolContext, type ToolDefinition } from '../../shared/core/tools/tool.js';
import { buildAgent } from '../helpers/in-memory.js';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const scriptedAgent = (turns: unknown[], extra: Record<string, unknown> = {}): Agent =>
  buildAgent({
    id: 'calc',
    tools: ['math.eval'],
    model: { provider: 'scripted', turns },
    ...extra,
  });

const noServices = {
  workspace: () => {
    throw new Error('no workspace in these tests');
  },
  resolveHost: async () => [],
};

function loop(agent: Agent, overrides: Partial<AgentLoopParams> = {}) {
  return runAgentLoop({
    agent,
    taskId: 'task-1',
    input: 'what is 2+3?',
    provider: providerFor(agent.model, 1),
    tools: toolCatalogue,
    timeoutMs: 5_000,
    services: noServices,
    ...overrides,
  });
}

/** Runs the loop expecting it to fail; returns the AgentLoopFailure. */
async function loopFailure(promise: Promise<unknown>): Promise<AgentLoopFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentLoopFailure);
  return error as AgentLoopFailure;
}

/** The TaskAttemptError inside a loop failure. */
function attemptError(failure: AgentLoopFailure): TaskAttemptError {
  expect(failure.failure).toBeInstanceOf(TaskAttemptError);
  return failure.failure as TaskAttemptError;
}

const textResponse = (text: string, outputTokens = 1): ModelResponse => ({
  text,
  toolCalls: [],
  stopReason: 'end_turn',
  usage: { inputTokens: 10, outputTokens, costUsd: 0.001 },
});

const toolResponse = (name: string, input: unknown, id = 'c1'): ModelResponse => ({
  text: '',
  toolCalls: [{ id, name, input }],
  stopReason: 'tool_use',
  usage: { inputTokens: 10, outputTokens: 2, costUsd: 0.002 },
});

/** Plays canned responses and keeps a copy of every request it was sent. */
class RecordingProvider implements ModelProvider {
  readonly name = 'recording';
  readonly requests: {
    messages: ModelMessage[];
    tools: ModelRequest['tools'];
    maxTokens: number;
  }[] = [];

  constructor(private readonly responses: ModelResponse[]) {}

  async complete(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push({
      messages: request.messages.map((m) => ({ ...m })),
      tools: request.tools,
      maxTokens: request.maxTokens,
    });
    const next = this.responses[this.requests.length - 1];
    if (!next) throw new Error('RecordingProvider ran out of responses');
    return next;
  }
}

class NeverProvider implements ModelProvider {
  readonly name = 'never';
  complete(): Promise<ModelResponse> {
    return new Promise(() => {});
  }
}

class ThrowingProvider implements ModelProvider {
  readonly name = 'throwing';
  constructor(private readonly error: unknown) {}
  async complete(): Promise<ModelResponse> {
    throw this.error;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A catalogue with test tools beside math.eval; agents that use them list them after parsing. */
function testTools(...tools: ToolDefinition[]): ReadonlyMap<string, ToolDefinition> {
  return new Map([...toolCatalogue, ...tools.map((t) => [t.name, t] as const)]);
}

const tool = (
  name: string,
  run: (input: { value: string }, context: ToolContext) => Promise<unknown>,
  limits: { timeoutMs?: number; maxOutputBytes?: number } = {},
): ToolDefinition =>
  defineTool({
    name,
    description: `test tool ${name}`,
    input: z.strictObject({ value: z.string() }),
    permission: `tool:${name}`,
    callsPerMinute: 600,
    timeoutMs: limits.timeoutMs ?? 1_000,
    maxOutputBytes: limits.maxOutputBytes ?? 1_024,
    run,
  });

/** An agent whose provider calls `toolName` once and then answers with the last tool result. */
const agentCalling = (toolName: string, input: unknown, listed = [toolName]): Agent => ({
  ...scriptedAgent([
    { toolCalls: [{ name: toolName, input }] },
    { text: 'got {{lastToolResult}}' },
  ]),
  tools: listed,
});

/** A ToolObserver and what it was told, in order. */
function observe() {
  const invoked: { tool: string; ok: boolean; durationMs: number }[] = [];
  const denied: { tool: string; reason: string }[] = [];
  const observer: ToolObserver = {
    invoked: (tool, ok, durationMs) => invoked.push({ tool, ok, durationMs }),
    denied: (tool, reason) => denied.push({ tool, reason }),
  };
  return { observer, invoked, denied };
}

/** A rate limiter that answers from a script and keeps every take it was asked for. */
class ScriptedRateLimiter implements RateLimiter {
  readonly takes: { key: string; perMinute: number }[] = [];

  constructor(private readonly decisions: RateLimitDecision[]) {}

  async take(key: string, perMinute: number): Promise<RateLimitDecision> {
    this.takes.push({ key, perMinute });
    return this.decisions.shift() ?? { allowed: true, retryAfterMs: 0 };
  }
}

// ---------------------------------------------------------------------------------------------
// Echo
// ---------------------------------------------------------------------------------------------

describe('runAgentLoop with the echo provider', () => {
  it.each([
    ['a string input', 'hello world', 'hello world'],
    ['an object input', { question: 'why?', n: 2 }, '{"question":"why?","n":2}'],
    ['an array input', [1, 'two'], '[1,"two"]'],
    ['a number input', 42, '42'],
    ['null', null, 'null'],
  ])('answers with %s', async (_label, input, expected) => {
    // Prepare
    const agent = buildAgent({ id: 'echo-agent', model: { provider: 'echo' } });

    // Act
    const result = await loop(agent, { input, provider: new EchoProvider() });

    // Assess
    expect(result.output).toBe(expected);
    expect(result.steps).toEqual([
      {
        index: 0,
        kind: 'model',
        name: 'echo',
        ok: true,
        durationMs: expect.any(Number),
        detail: expected,
      },
    ]);
    expect(result.usage.modelCalls).toBe(1);
    expect(result.usage.toolCalls).toBe(0);
  });

  it('counts tokens as a quarter of the characters, rounded up', async () => {
    // Prepare: 10 characters of input, no instructions.
    const agent = buildAgent({ id: 'echo-agent' });

    // Act
    const result = await loop(agent, { input: '0123456789', provider: new EchoProvider() });

    // Assess
    expect(result.usage).toEqual({
      modelCalls: 1,
      toolCalls: 0,
      inputTokens: 3,
      outputTokens: 3,
      costUsd: 0,
    });
  });

  it('echoes the task input, not the instructions', async () => {
    // Prepare
    const agent = buildAgent({ id: 'echo-agent', instructions: 'You are terse.' });

    // Act
    const result = await loop(agent, { input: 'ping', provider: new EchoProvider() });

    // Assess: the system message (14 chars → 4 tokens) is counted as input, not echoed.
    expect(result.output).toBe('ping');
    expect(result.usage.inputTokens).toBe(4 + 1);
  });
});

// ---------------------------------------------------------------------------------------------
// Scripted: tools and templates
// ---------------------------------------------------------------------------------------------

describe('runAgentLoop with the scripted provider and math.eval', () => {
  it('calls the tool, then fills {{input}} and {{lastToolResult}} into the answer', async () => {
    // Prepare
    const agent = scriptedAgent([
      { toolCalls: [{ name: 'math.eval', input: { expression: '2+3' } }] },
      { text: 'Q: {{input}} A: {{lastToolResult}}' },
    ]);

    // Act
    const result = await loop(agent);

    // Assess
    expect(result.output).toBe('Q: what is 2+3? A: {"value":5}');
  });

  it('records every model and tool step in order with name, ok, duration and detail', async () => {
    // Prepare
    const agent = scriptedAgent([
      { toolCalls: [{ name: 'math.eval', input: { expression: '6*7' } }] },
      { text: 'done: {{lastToolResult}}' },
    ]);

    // Act
    const result = await loop(agent);

    // Assess
    expect(result.steps).toEqual([
      {
        index: 0,
        kind: 'model',
        name: 'scripted',
        ok: true,
        durationMs: expect.any(Number),
        detail: 'tool calls: math.eval',
      },
      {
        index: 1,
        kind: 'tool',
        name: 'math.eval',
        ok: true,
        durationMs: expect.any(Number),
        detail: '{"value":42}',
      },
      {
        index: 2,
        kind: 'model',
        name: 'scripted',
        ok: true,
        durationMs: expect.any(Number),
        detail: 'done: {"value":42}',
      },
    ]);
    for (const step of result.steps) expect(step.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('sums usage over model and tool calls', async () => {
    // Prepare: two tool calls in one turn, then a final answer.
    const agent = scriptedAgent([
      {
        toolCalls: [
          { name: 'math.eval', input: { expression: '1+1' } },
          { name: 'math.eval', input: { expression: '2+2' } },
        ],
      },
      { text: '{{lastToolResult}}' },
    ]);

    // Act
    const result = await loop(agent, { input: 'abcd' });

    // Assess:
    //  call 1 input: "abcd" → 1 token. Output: the tool calls as JSON (133 chars) → 34 tokens.
    //  call 2 input: "abcd" (1) + assistant "" (0) + '{"value":2}' (3) + '{"value":4}' (3) → 7.
    //  call 2 output: '{"value":4}' → 3 tokens.
    expect(result.output).toBe('{"value":4}');
    expect(result.usage).toEqual({
      modelCalls: 2,
      toolCalls: 2,
      inputTokens: 1 + 7,
      outputTokens: 34 + 3,
      costUsd: 0,
    });
  });

  it('sums the usage each provider response reports, cost included', async () => {
    // Prepare
    const agent = buildAgent({ id: 'calc', tools: ['math.eval'] });
    const provider = new RecordingProvider([
      toolResponse('math.eval', { expression: '1' }),
      textResponse('ok', 5),
    ]);

    // Act
    const result = await loop(agent, { provider });

    // Assess
    expect(result.usage.modelCalls).toBe(2);
    expect(result.usage.toolCalls).toBe(1);
    expect(result.usage.inputTokens).toBe(20);
    expect(result.usage.outputTokens).toBe(7);
    expect(result.usage.costUsd).toBeCloseTo(0.003, 10);
  });

  it('sends instructions, input, tool descriptions, tool results and the token budget', async () => {
    // Prepare
    const agent = buildAgent({
      id: 'calc',
      instructions: 'Use the calculator.',
      tools: ['math.eval'],
      limits: { maxTokens: 100 },
    });
    const provider = new RecordingProvider([
      toolResponse('math.eval', { expression: '2^10' }, 'call-a'),
      textResponse('1024', 1),
    ]);

    // Act
    await loop(agent, { provider, input: { q: 'power' } });

    // Assess
    const [first, second] = provider.requests;
    expect(first?.messages).toEqual([
      { role: 'system', content: 'Use the calculator.' },
      { role: 'user', content: '{"q":"power"}' },
    ]);
    expect(first?.tools).toHaveLength(1);
    expect(first?.tools[0]).toMatchObject({
      name: 'math.eval',
      description: expect.stringContaining('arithmetic'),
      inputSchema: {
        type: 'object',
        properties: { expression: { type: 'string' } },
        required: ['expression'],
      },
    });
    expect(first?.maxTokens).toBe(100);
    expect(second?.messages.at(-1)).toEqual({
      role: 'tool',
      toolCallId: 'call-a',
      name: 'math.eval',
      content: '{"value":1024}',
      isError: false,
    });
    // The budget shrinks by the output tokens spent so far (2 on the tool call).
    expect(second?.maxTokens).toBe(98);
  });

  it('describes only the tools the agent lists, not the whole catalogue', async () => {
    // Prepare
    const extra = tool('test.extra', async () => 'x');
    const agent = buildAgent({ id: 'calc', tools: [] });
    const provider = new RecordingProvider([textResponse('no tools')]);

    // Act
    await loop(agent, { provider, tools: testTools(extra) });

    // Assess
    expect(provider.requests[0]?.tools).toEqual([]);
  });

  it('gives the tool its agent id, task id and a signal', async () => {
    // Prepare
    let seen: ToolContext | undefined;
    const spy = tool('test.context', async (_input, context) => {
      seen = context;
      return 'ok';
    });
    const agent = agentCalling('test.context', { value: 'v' });

    // Act
    await loop(agent, { tools: testTools(spy), taskId: 'task-77' });

    // Assess
    expect(seen?.agentId).toBe('calc');
    expect(seen?.taskId).toBe('task-77');
    expect(seen?.signal).toBeInstanceOf(AbortSignal);
  });
});

// ---------------------------------------------------------------------------------------------
// Tool failures: recorded, sent back to the model, and the loop goes on
// ---------------------------------------------------------------------------------------------

describe('runAgentLoop: a failing tool call is a failed step and the loop continues', () => {
  it('denies a catalogue tool the agent does not list, and tells the observer', async () => {
    // Prepare: math.eval exists, but the agent lists no tools.
    const agent = agentCalling('math.eval', { expression: '1+1' }, []);
    const seen = observe();

    // Act
    const result = await loop(agent, { observer: seen.observer });

    // Assess
    const toolStep = result.steps[1];
    expect(toolStep).toMatchObject({ index: 1, kind: 'tool', name: 'math.eval', ok: false });
    expect(toolStep?.detail).toBe("denied: agent 'calc' does not list tool 'math.eval'");
    expect(result.steps).toHaveLength(3);
    expect(result.output).toBe(`got ${toolStep?.detail}`);
    expect(result.usage.toolCalls).toBe(1);
    expect(seen.denied).toEqual([
      { tool: 'math.eval', reason: "agent 'calc' does not list tool 'math.eval'" },
    ]);
    expect(seen.invoked).toEqual([]);
  });

  it('denies a tool that does not exist, and tells the observer', async () => {
    // Prepare: listed by the agent (as if the catalogue lost it) but not in the catalogue.
    const agent = agentCalling('no.such-tool', {}, ['no.such-tool']);
    const seen = observe();

    // Act
    const result = await loop(agent, { observer: seen.observer });

    // Assess
    expect(result.steps[1]).toMatchObject({ kind: 'tool', name: 'no.such-tool', ok: false });
    expect(result.steps[1]?.detail).toBe("denied: no tool 'no.such-tool' exists for agent 'calc'");
    expect(result.steps[2]).toMatchObject({ kind: 'model', ok: true });
    expect(seen.denied).toEqual([
      { tool: 'no.such-tool', reason: "no tool 'no.such-tool' exists for agent 'calc'" },
    ]);
  });

  it('denies an MCP tool of a server the agent has no wildcard for', async () => {
    // Prepare: the catalogue holds tools of two servers; the agent may use all of `docs` only.
    const mine = tool('mcp.docs.search', async () => 'found');
    const theirs = tool('mcp.billing.refund', async () => 'refunded');
    const agent = agentCalling('mcp.billing.refund', { value: 'x' }, ['mcp.docs.*']);
    const seen = observe();

    // Act
    const result = await loop(agent, { tools: testTools(mine, theirs), observer: seen.observer });

    // Assess
    expect(result.steps[1]).toMatchObject({ name: 'mcp.billing.refund', ok: false });
    expect(result.steps[1]?.detail).toBe(
      "denied: agent 'calc' does not list tool 'mcp.billing.refund'",
    );
    expect(seen.denied.map((d) => d.tool)).toEqual(['mcp.billing.refund']);
  });

  it('runs an MCP tool the agent reaches through its server wildcard', async () => {
    // Prepare
    const search = tool('mcp.docs.search', async ({ value }) => `found ${value}`);
    const agent = agentCalling('mcp.docs.search', { value: 'zod' }, ['mcp.docs.*']);
    const seen = observe();

    // Act
    const result = await loop(agent, { tools: testTools(search), observer: seen.observer });

    // Assess
    expect(result.steps[1]).toMatchObject({
      name: 'mcp.docs.search',
      ok: true,
      detail: 'found zod',
    });
    expect(seen.invoked).toEqual([
      { tool: 'mcp.docs.search', ok: true, durationMs: expect.any(Number) },
    ]);
    expect(seen.denied).toEqual([]);
  });

  it.each([
    ['a wrong type', { expression: 5 }, /^invalid input for math\.eval: expression: /],
    ['a missing field', {}, /^invalid input for math\.eval: expression: /],
    ['an empty expression', { expression: '' }, /^invalid input for math\.eval: expression: /],
    [
      'an unknown field',
      { expression: '1', extra: true },
      /^invalid input for math\.eval: .*extra/,
    ],
  ])('refuses %s in the tool input, naming the field', async (_label, input, detail) => {
    // Prepare
    const agent = agentCalling('math.eval', input, ['math.eval']);

    // Act
    const result = await loop(agent);

    // Assess
    expect(result.steps[1]).toMatchObject({ kind: 'tool', name: 'math.eval', ok: false });
    expect(result.steps[1]?.detail).toMatch(detail);
    expect(result.steps).toHaveLength(3);
  });

  it.each([
    [
      'a __proto__ key',
      JSON.parse('{"q":{"__proto__":{"admin":true}}}'),
      /: q\.__proto__: not allowed/,
    ],
    ['a constructor key', { constructor: 1 }, /: constructor: not allowed/],
    [
      'nesting beyond 64 levels',
      { q: JSON.parse(`${'['.repeat(1_000)}${']'.repeat(1_000)}`) },
      /: q\.0\.0[.0]*: nests deeper than 64 levels/,
    ],
  ])('refuses a model tool input with %s before the tool sees it', async (_what, input, detail) => {
    // Prepare: a tool that takes any object, as an MCP tool does.
    const seen = vi.fn();
    const open = defineTool({
      name: 'test.open',
      description: 'takes any object',
      input: z.record(z.string(), z.unknown()),
      permission: 'tool:test.open',
      callsPerMinute: 600,
      timeoutMs: 1_000,
      maxOutputBytes: 1_024,
      run: async (value) => seen(value),
    });
    const provider = new RecordingProvider([toolResponse('test.open', input), textResponse('ok')]);
    const agent = buildAgent({ id: 'opener', tools: ['math.eval'] });

    // Act
    const result = await loop(
      { ...agent, tools: ['test.open'] },
      { provider, tools: testTools(open) },
    );

    // Assess
    expect(seen).not.toHaveBeenCalled();
    expect(result.steps[1]).toMatchObject({ name: 'test.open', ok: false });
    expect(result.steps[1]?.detail).toMatch(/^invalid input for test\.open/);
    expect(result.steps[1]?.detail).toMatch(detail);
  });

  it('warms up the tools the agent may use when the attempt starts, and only those', async () => {
    // Prepare
    const warmed: string[] = [];
    const warming = (name: string) => ({
      ...tool(name, async () => 'ok'),
      warmUp: () => warmed.push(name),
    });
    const agent = { ...buildAgent({ id: 'warm' }), tools: ['test.allowed'] };

    // Act
    await loop(agent, {
      provider: new RecordingProvider([textResponse('done')]),
      tools: testTools(warming('test.allowed'), warming('test.other')),
    });

    // Assess
    expect(warmed).toEqual(['test.allowed']);
  });

  it('sends the tool error back to the model with isError', async () => {
    // Prepare
    const agent = buildAgent({ id: 'calc', tools: ['math.eval'] });
    const provider = new RecordingProvider([
      toolResponse('math.eval', { expression: '1/0' }),
      textResponse('sorry'),
    ]);

    // Act
    const result = await loop(agent, { provider });

    // Assess
    expect(result.output).toBe('sorry');
    expect(provider.requests[1]?.messages.at(-1)).toMatchObject({
      role: 'tool',
      isError: true,
      content: expect.stringContaining('division by zero'),
    });
  });

  it('records a tool that throws as failed with its message', async () => {
    // Prepare
    const broken = tool('test.broken', async () => {
      throw new Error('disk on fire');
    });
    const agent = agentCalling('test.broken', { value: 'x' });

    // Act
    const result = await loop(agent, { tools: testTools(broken) });

    // Assess
    expect(result.steps[1]).toMatchObject({ kind: 'tool', name: 'test.broken', ok: false });
    expect(result.steps[1]?.detail).toBe('tool test.broken failed: disk on fire');
    expect(result.output).toBe('got tool test.broken failed: disk on fire');
  });

  it('stops waiting for a tool slower than its timeout, aborts its signal, and goes on', async () => {
    // Prepare: the tool never finishes; its timeout is 30 ms, the task's is 5 s.
    let signal: AbortSignal | undefined;
    const slow = tool(
      'test.slow',
      (_input, context) => {
        signal = context.signal;
        return new Promise(() => {});
      },
      { timeoutMs: 30 },
    );
    const agent = agentCalling('test.slow', { value: 'x' });

    // Act
    const result = await loop(agent, { tools: testTools(slow) });

    // Assess
    expect(result.steps[1]).toMatchObject({ kind: 'tool', name: 'test.slow', ok: false });
    expect(result.steps[1]?.detail).toBe(
      'tool test.slow failed: tool test.slow timed out after 30 ms',
    );
    expect(result.steps[1]?.durationMs).toBeGreaterThanOrEqual(25);
    expect(signal?.aborted).toBe(true);
    expect(result.steps[2]).toMatchObject({ kind: 'model', ok: true });
  });

  it.each([
    ['ASCII over the limit', 'x'.repeat(11), false],
    ['exactly the limit', 'x'.repeat(10), true],
    ['multi-byte characters over the limit in bytes, not in characters', 'é'.repeat(6), false],
  ])('checks output size in bytes: %s', async (_label, output, ok) => {
    // Prepare: a tool limited to 10 bytes of output.
    const big = tool('test.big', async () => output, { maxOutputBytes: 10 });
    const agent = agentCalling('test.big', { value: 'x' });

    // Act
    const result = await loop(agent, { tools: testTools(big) });

    // Assess
    expect(result.steps[1]?.ok).toBe(ok);
    if (ok) expect(result.steps[1]?.detail).toBe(output);
    else expect(result.steps[1]?.detail).toBe('tool test.big returned more than 10 bytes');
  });

  it.each([
    ['a string', 'plain text', 'plain text'],
    ['an object', { a: [1, 2] }, '{"a":[1,2]}'],
    ['null', null, 'null'],
  ])('renders %s returned by a tool for the model', async (_label, value, content) => {
    // Prepare
    const returning = tool('test.value', async () => value);
    const agent = agentCalling('test.value', { value: 'x' });

    // Act
    const result = await loop(agent, { tools: testTools(returning) });

    // Assess
    expect(result.steps[1]).toMatchObject({ ok: true, detail: content });
  });

  it('records a tool that returns nothing as a successful step', async () => {
    // Prepare
    const silent = tool('test.silent', async () => undefined);
    const agent = agentCalling('test.silent', { value: 'x' });

    // Act
    const result = await loop(agent, { tools: testTools(silent) });

    // Assess
    expect(result.steps[1]).toMatchObject({ kind: 'tool', name: 'test.silent', ok: true });
  });

  it('truncates a long step detail to 500 characters', async () => {
    // Prepare
    const long = tool('test.long', async () => 'y'.repeat(2_000), { maxOutputBytes: 10_000 });
    const agent = agentCalling('test.long', { value: 'x' });

    // Act
    const result = await loop(agent, { tools: testTools(long) });

    // Assess
    const detail = result.steps[1]?.detail ?? '';
    expect(detail).toHaveLength(500);
    expect(detail.endsWith('…')).toBe(true);
    // The model still received the whole result.
    expect(result.output).toBe(`got ${'y'.repeat(2_000)}`);
  });
});

// ---------------------------------------------------------------------------------------------
// Limits and failures that end the attempt
// ---------------------------------------------------------------------------------------------

describe('runAgentLoop: limits and failures that end the attempt', () => {
  it('fails with MaxStepsExceeded, not retryable, keeping the steps so far', async () => {
    // Prepare: the model keeps calling tools; the agent allows 2 model turns.
    const call = { toolCalls: [{ name: 'math.eval', input: { expression: '1' } }] };
    const agent = scriptedAgent([call, call, call], { limits: { maxSteps: 2 } });

    // Act
    const failure = await loopFailure(loop(agent));

    // Assess
    const error = attemptError(failure);
    expect(error.code).toBe('MaxStepsExceeded');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('maxSteps (2)');
    expect(failure.message).toBe(error.message);
    expect(failure.steps.map((s) => `${s.kind}:${s.ok}`)).toEqual([
      'model:true',
      'tool:true',
      'model:true',
      'tool:true',
    ]);
    expect(failure.usage.modelCalls).toBe(2);
    expect(failure.usage.toolCalls).toBe(2);
  });

  it('fails with Timeout, not retryable, when the model does not answer in time', async () => {
    // Prepare
    const agent = buildAgent({ id: 'slow-agent' });
    const started = Date.now();

    // Act
    const failure = await loopFailure(
      loop(agent, { provider: new NeverProvider(), timeoutMs: 50 }),
    );

    // Assess
    const error = attemptError(failure);
    expect(error.code).toBe('Timeout');
    expect(error.retryable).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(failure.steps).toEqual([
      {
        index: 0,
        kind: 'model',
        name: 'never',
        ok: false,
        durationMs: expect.any(Number),
        detail: expect.stringMatching(/timed out/),
      },
    ]);
    expect(failure.usage.modelCalls).toBe(0);
  });

  it("fails with Timeout when a tool outlives the task's deadline", async () => {
    // Prepare: the tool's own timeout (10 s) is longer than the task's (50 ms); the model would
    // not answer a second time either.
    const slow = tool('test.slow', () => new Promise(() => {}), { timeoutMs: 10_000 });
    const agent: Agent = { ...buildAgent({ id: 'calc' }), tools: ['test.slow'] };
    const provider: ModelProvider = {
      name: 'once',
      complete: (() => {
        let calls = 0;
        return () =>
          calls++ === 0
            ? Promise.resolve(toolResponse('test.slow', { value: 'x' }))
            : new Promise(() => {});
      })(),
    };

    // Act
    const failure = await loopFailure(
      loop(agent, { provider, tools: testTools(slow), timeoutMs: 50 }),
    );

    // Assess
    const error = attemptError(failure);
    expect(error.code).toBe('Timeout');
    expect(error.retryable).toBe(false);
    expect(failure.steps[0]).toMatchObject({ kind: 'model', ok: true });
  });

  it('fails with Timeout when the task deadline passes during a tool call, whatever now() reads', async () => {
    // Prepare: the injected clock stands still; timers run on real time.
    const frozen = Date.now();
    const slow = tool('test.slow', () => new Promise(() => {}), { timeoutMs: 10_000 });
    const agent = agentCalling('test.slow', { value: 'x' });

    // Act
    const outcome = await loop(agent, {
      tools: testTools(slow),
      timeoutMs: 50,
      now: () => frozen,
    }).then(
      () => 'succeeded past its deadline',
      (error: unknown) => error,
    );

    // Assess
    expect(outcome).toBeInstanceOf(AgentLoopFailure);
    expect(attemptError(outcome as AgentLoopFailure).code).toBe('Timeout');
  });

  it('aborts the signal given to the provider when the task times out', async () => {
    // Prepare
    let signal: AbortSignal | undefined;
    const provider: ModelProvider = {
      name: 'watching',
      complete: (request) => {
        signal = request.signal;
        return new Promise(() => {});
      },
    };
    const agent = buildAgent({ id: 'slow-agent' });

    // Act
    await loopFailure(loop(agent, { provider, timeoutMs: 30 }));
    await sleep(20);

    // Assess
    expect(signal?.aborted).toBe(true);
  });

  it('fails with TokenLimitExceeded, not retryable, when output tokens pass maxTokens', async () => {
    // Prepare: 40 characters echoed → 10 output tokens; the agent allows 9.
    const agent = buildAgent({ id: 'echo-agent', limits: { maxTokens: 9 } });

    // Act
    const failure = await loopFailure(
      loop(agent, { input: 'x'.repeat(40), provider: new EchoProvider() }),
    );

    // Assess
    const error = attemptError(failure);
    expect(error.code).toBe('TokenLimitExceeded');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('10 output tokens');
    expect(failure.usage.outputTokens).toBe(10);
    expect(failure.steps).toHaveLength(1);
  });

  it('accepts output exactly at maxTokens', async () => {
    // Prepare: 40 characters → 10 tokens, limit 10.
    const agent = buildAgent({ id: 'echo-agent', limits: { maxTokens: 10 } });

    // Act
    const result = await loop(agent, { input: 'x'.repeat(40), provider: new EchoProvider() });

    // Assess
    expect(result.usage.outputTokens).toBe(10);
  });

  it.each([
    [1, 'fails retryably'],
    [2, 'fails retryably'],
    [3, 'succeeds'],
    [4, 'succeeds'],
  ])('failUntilAttempt 3: attempt %i %s', async (attempt, expected) => {
    // Prepare
    const spec: ModelSpec = {
      provider: 'scripted',
      turns: [{ text: 'fine' }],
      failUntilAttempt: 3,
    };
    const agent = buildAgent({ id: 'flaky', model: spec });

    // Act
    const outcome = await loop(agent, { provider: providerFor(spec, attempt) }).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );

    // Assess
    if (expected === 'succeeds') {
      expect(outcome).toEqual({ result: expect.objectContaining({ output: 'fine' }) });
    } else {
      expect('error' in outcome && outcome.error).toBeInstanceOf(AgentLoopFailure);
      const error = attemptError((outcome as { error: AgentLoopFailure }).error);
      expect(error.code).toBe('ModelUnavailable');
      expect(error.retryable).toBe(true);
      expect(error.message).toContain(`attempt ${attempt}`);
    }
  });

  it('fails with ScriptExhausted, not retryable, when the script has no more turns', async () => {
    // Prepare: one tool-call turn, no final answer.
    const agent = scriptedAgent([
      { toolCalls: [{ name: 'math.eval', input: { expression: '1+1' } }] },
    ]);

    // Act
    const failure = await loopFailure(loop(agent));

    // Assess
    const error = attemptError(failure);
    expect(error.code).toBe('ScriptExhausted');
    expect(error.retryable).toBe(false);
    expect(failure.steps.map((s) => `${s.kind}:${s.ok}`)).toEqual([
      'model:true',
      'tool:true',
      'model:false',
    ]);
    expect(failure.steps[2]?.detail).toContain('1 turns');
  });

  it('stops with TaskCancelledSignal when cancelled before the second turn', async () => {
    // Prepare
    const agent = scriptedAgent([
      { toolCalls: [{ name: 'math.eval', input: { expression: '1+1' } }] },
      { text: 'never reached' },
    ]);
    let asked = 0;
    const isCancelled = async () => {
      asked += 1;
      return true;
    };

    // Act
    const failure = await loopFailure(loop(agent, { isCancelled }));

    // Assess: not asked before the first turn, asked once before the second.
    expect(failure.failure).toBeInstanceOf(TaskCancelledSignal);
    expect(asked).toBe(1);
    expect(failure.steps.map((s) => s.kind)).toEqual(['model', 'tool']);
  });

  it('runs to the end when isCancelled keeps answering false', async () => {
    // Prepare
    const agent = scriptedAgent([
      { toolCalls: [{ name: 'math.eval', input: { expression: '1+1' } }] },
      { text: 'ok' },
    ]);
    let asked = 0;

    // Act
    const result = await loop(agent, {
      isCancelled: async () => {
        asked += 1;
        return false;
      },
    });

    // Assess
    expect(result.output).toBe('ok');
    expect(asked).toBe(1);
  });

  it.each([
    ['a plain Error', new Error('socket hang up'), 'model call failed: socket hang up'],
    ['a thrown string', 'boom', 'model call failed: boom'],
  ])('turns %s from the provider into a retryable ModelError', async (_label, thrown, message) => {
    // Prepare
    const agent = buildAgent({ id: 'echo-agent' });

    // Act
    const failure = await loopFailure(loop(agent, { provider: new ThrowingProvider(thrown) }));

    // Assess
    const error = attemptError(failure);
    expect(error.code).toBe('ModelError');
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(message);
    expect(failure.steps).toEqual([
      expect.objectContaining({ index: 0, kind: 'model', name: 'throwing', ok: false }),
    ]);
  });

  it('keeps the code of a TaskAttemptError the provider throws', async () => {
    // Prepare
    const agent = buildAgent({ id: 'echo-agent' });
    const thrown = new TaskAttemptError('Throttled', 'slow down', true);

    // Act
    const failure = await loopFailure(loop(agent, { provider: new ThrowingProvider(thrown) }));

    // Assess
    expect(failure.failure).toBe(thrown);
  });
});

// ---------------------------------------------------------------------------------------------
// What the model is offered, what tools get, and who is told
// ---------------------------------------------------------------------------------------------

describe('runAgentLoop: the tools offered to the model', () => {
  it('offers exactly the tools the agent may use, MCP wildcards included, in catalogue order', async () => {
    // Prepare
    const remoteSchema = {
      type: 'object',
      properties: { query: { type: 'string', description: 'what to look for' } },
      required: ['query'],
    };
    const search: ToolDefinition = {
      ...tool('mcp.docs.search', async () => 'x'),
      inputJsonSchema: remoteSchema,
    };
    const other = tool('mcp.billing.refund', async () => 'x');
    const agent = buildAgent({
      id: 'calc',
      tools: ['fs.read', 'mcp.docs.*'],
      mcpServers: [{ name: 'docs', url: 'https://docs.example.com/mcp' }],
    });
    const provider = new RecordingProvider([textResponse('ok')]);

    // Act
    await loop(agent, { provider, tools: testTools(search, other) });

    // Assess
    const offered = provider.requests[0]?.tools ?? [];
    expect(offered.map((t) => t.name)).toEqual(['fs.read', 'mcp.docs.search']);
    expect(offered[1]).toEqual({
      name: 'mcp.docs.search',
      description: 'test tool mcp.docs.search',
      inputSchema: remoteSchema,
    });
    expect(offered[0]?.inputSchema).toEqual(
      jsonSchemaOf(toolCatalogue.get('fs.read') as ToolDefinition),
    );
  });

  it('derives a JSON Schema from zod when the tool publishes none, and keeps it', () => {
    // Prepare
    const local = tool('test.local', async () => 'x');

    // Act
    const first = jsonSchemaOf(local);
    const second = jsonSchemaOf(local);

    // Assess
    expect(first).toEqual(z.toJSONSchema(local.input, { io: 'input' }));
    expect(first).toMatchObject({
      type: 'object',
      properties: { value: { type: 'string' } },
      required: ['value'],
      additionalProperties: false,
    });
    expect(second).toBe(first);
  });

  it("publishes a tool's own JSON Schema as it is", () => {
    // Prepare
    const schema = { type: 'object', properties: { n: { type: 'integer' } } };
    const remote: ToolDefinition = { ...tool('mcp.s.t', async () => 'x'), inputJsonSchema: schema };

    // Act
    const published = jsonSchemaOf(remote);

    // Assess
    expect(published).toBe(schema);
  });
});

describe('runAgentLoop: what a tool is given and what the observer hears', () => {
  it("gives the tool the agent's allowed hosts and the runtime's services", async () => {
    // Prepare
    let seen: ToolContext | undefined;
    const spy = tool('test.context', async (_input, context) => {
      seen = context;
      return 'ok';
    });
    const agent: Agent = {
      ...agentCalling('test.context', { value: 'v' }),
      network: { allow: ['api.github.com', '*.example.com'] },
    };
    const services = { ...noServices, resolveHost: async () => ['192.0.2.1'] };

    // Act
    await loop(agent, { tools: testTools(spy), services });

    // Assess
    expect(seen?.allowedHosts).toEqual(['api.github.com', '*.example.com']);
    expect(seen?.services).toBe(services);
  });

  it('tells the observer of every tool that ran, failed or not, and of nothing refused before', async () => {
    // Prepare: one good call, one that throws, one with bad input, one the agent may not use.
    const good = tool('test.good', async () => 'fine');
    const broken = tool('test.broken', async () => {
      throw new Error('nope');
    });
    const agent: Agent = {
      ...buildAgent({ id: 'calc' }),
      tools: ['test.good', 'test.broken'],
    };
    const provider = new RecordingProvider([
      {
        text: '',
        toolCalls: [
          { id: 'a', name: 'test.good', input: { value: 'x' } },
          { id: 'b', name: 'test.broken', input: { value: 'x' } },
          { id: 'c', name: 'test.good', input: { wrong: 1 } },
          { id: 'd', name: 'math.eval', input: { expression: '1' } },
        ],
        stopReason: 'tool_use',
        usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 },
      },
      textResponse('done'),
    ]);
    const seen = observe();

    // Act
    const result = await loop(agent, {
      provider,
      tools: testTools(good, broken),
      observer: seen.observer,
    });

    // Assess
    expect(seen.invoked).toEqual([
      { tool: 'test.good', ok: true, durationMs: result.steps[1]?.durationMs },
      { tool: 'test.broken', ok: false, durationMs: result.steps[2]?.durationMs },
    ]);
    expect(seen.denied).toEqual([
      { tool: 'math.eval', reason: "agent 'calc' does not list tool 'math.eval'" },
    ]);
    expect(result.steps.map((s) => `${s.name}:${s.ok}`)).toEqual([
      'recording:true',
      'test.good:true',
      'test.broken:false',
      'test.good:false',
      'math.eval:false',
      'recording:true',
    ]);
    expect(result.usage.toolCalls).toBe(4);
  });
});

describe('runAgentLoop: tool rate limits', () => {
  it("takes a token per call, keyed by agent and tool, at the tool's own rate", async () => {
    // Prepare
    const limiter = new ScriptedRateLimiter([]);
    const agent = agentCalling('math.eval', { expression: '1+1' });

    // Act
    const result = await loop(agent, { rateLimiter: limiter });

    // Assess
    expect(limiter.takes).toEqual([{ key: 'calc/math.eval', perMinute: 600 }]);
    expect(result.steps[1]).toMatchObject({ ok: true, detail: '{"value":2}' });
  });

  it("uses the agent's toolCallsPerMinute over the tool's own rate", async () => {
    // Prepare
    const limiter = new ScriptedRateLimiter([]);
    const agent: Agent = {
      ...agentCalling('math.eval', { expression: '1+1' }),
      limits: {
        maxSteps: 8,
        timeoutMs: 60_000,
        maxTokens: 4096,
        contextTokens: 16_000,
        toolCallsPerMinute: 5,
      },
    };

    // Act
    await loop(agent, { rateLimiter: limiter });

    // Assess
    expect(limiter.takes).toEqual([{ key: 'calc/math.eval', perMinute: 5 }]);
  });

  it('fails a limited call as a step, without running the tool, and the task goes on', async () => {
    // Prepare
    let ran = 0;
    const counted = tool('test.counted', async () => {
      ran += 1;
      return 'ran';
    });
    const limiter = new ScriptedRateLimiter([{ allowed: false, retryAfterMs: 2_500 }]);
    const agent = agentCalling('test.counted', { value: 'x' });
    const seen = observe();

    // Act
    const result = await loop(agent, {
      tools: testTools(counted),
      rateLimiter: limiter,
      observer: seen.observer,
    });

    // Assess
    expect(ran).toBe(0);
    expect(result.steps[1]).toMatchObject({ kind: 'tool', name: 'test.counted', ok: false });
    expect(result.steps[1]?.detail).toBe(
      'rate limited: test.counted allows 600 calls a minute for this agent; try again in 3 s',
    );
    expect(result.output).toBe(`got ${result.steps[1]?.detail}`);
    expect(seen.invoked).toEqual([]);
    expect(seen.denied).toEqual([]);
  });

  it('takes no token for a denied call or for bad input', async () => {
    // Prepare
    const limiter = new ScriptedRateLimiter([]);
    const agent: Agent = { ...buildAgent({ id: 'calc' }), tools: ['math.eval'] };
    const provider = new RecordingProvider([
      {
        text: '',
        toolCalls: [
          { id: 'a', name: 'fs.read', input: { path: 'x' } },
          { id: 'b', name: 'math.eval', input: { expression: 7 } },
        ],
        stopReason: 'tool_use',
        usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 },
      },
      textResponse('done'),
    ]);

    // Act
    const result = await loop(agent, { provider, rateLimiter: limiter });

    // Assess
    expect(limiter.takes).toEqual([]);
    expect(result.steps.map((s) => s.ok)).toEqual([true, false, false, true]);
  });
});

// ---------------------------------------------------------------------------------------------
// Providers
// ---------------------------------------------------------------------------------------------

describe('providerFor', () => {
  it.each([
    [{ route: 'default' }, EchoProvider, 'echo'],
    [{ provider: 'echo' }, EchoProvider, 'echo'],
    [{ provider: 'scripted', turns: [{ text: 'a' }] }, ScriptedProvider, 'scripted'],
  ] as const)('builds the provider for %j', (spec, type, name) => {
    // Act
    const provider = providerFor(spec as ModelSpec, 1);

    // Assess
    expect(provider).toBeInstanceOf(type);
    expect(provider.name).toBe(name);
  });

  it.each([
    ['a route other than default', { route: 'gone' }],
    ['a route named like an Object.prototype member', { route: 'constructor' }],
    ['a Bedrock model', { provider: 'bedrock', model: 'amazon.nova-lite-v1:0' }],
    [
      'an OpenAI-compatible model',
      {
        provider: 'openai',
        model: 'gpt-4o-mini',
        baseUrl: 'https://api.openai.com/v1',
        apiKeyEnv: 'AGENT_CORE_OPENAI_API_KEY',
      },
    ],
  ] as const)('refuses %s with a non-retryable ProviderNotConfigured', (_label, spec) => {
    // Act
    const error = (() => {
      try {
        providerFor(spec as ModelSpec, 1);
      } catch (e) {
        return e;
      }
      return undefined;
    })();

    // Assess
    expect(error).toBeInstanceOf(TaskAttemptError);
    expect(error).toMatchObject({
      code: 'ProviderNotConfigured',
      retryable: false,
      message: `model ${JSON.stringify(spec)} needs a provider this runtime has not configured`,
    });
  });

  it('gives each attempt a fresh script', async () => {
    // Prepare
    const spec: ModelSpec = { provider: 'scripted', turns: [{ text: 'only turn' }] };
    const request = {
      messages: [{ role: 'user' as const, content: 'x' }],
      tools: [],
      maxTokens: 100,
      signal: new AbortController().signal,
    };

    // Act
    const first = await providerFor(spec, 1).complete(request);
    const second = await providerFor(spec, 2).complete(request);

    // Assess
    expect(first.text).toBe('only turn');
    expect(second.text).toBe('only turn');
  });
});

describe('ScriptedProvider templates', () => {
  const complete = (text: string, messages: ModelMessage[]) =>
    new ScriptedProvider([{ text }], 1, undefined).complete({
      messages,
      tools: [],
      maxTokens: 100,
      signal: new AbortController().signal,
    });

  it('fills every occurrence of {{input}} and leaves {{lastToolResult}} empty without tools', async () => {
    // Act
    const response = await complete('{{input}}/{{input}}/[{{lastToolResult}}]', [
      { role: 'user', content: 'hi' },
    ]);

    // Assess
    expect(response.text).toBe('hi/hi/[]');
    expect(response.stopReason).toBe('end_turn');
  });

  it('uses the most recent tool result', async () => {
    // Act
    const response = await complete('{{lastToolResult}}', [
      { role: 'user', content: 'q' },
      { role: 'tool', toolCallId: 'a', name: 't', content: 'first', isError: false },
      { role: 'tool', toolCallId: 'b', name: 't', content: 'second', isError: false },
    ]);

    // Assess
    expect(response.text).toBe('second');
  });

  it('fills {{input}} literally when the input contains $ replacement patterns', async () => {
    // Act
    const response = await complete('You said: {{input}}', [
      { role: 'user', content: "cost $$5, match $& and $' too" },
    ]);

    // Assess
    expect(response.text).toBe("You said: cost $$5, match $& and $' too");
  });

  it('does not fill a template that the input itself contains', async () => {
    // Act
    const response = await complete('{{input}}', [
      { role: 'user', content: 'show {{lastToolResult}} verbatim' },
      { role: 'tool', toolCallId: 'a', name: 't', content: 'SECRET', isError: false },
    ]);

    // Assess
    expect(response.text).toBe('show {{lastToolResult}} verbatim');
  });
});

describe('ScriptedProvider delayMs', () => {
  const request = (signal: AbortSignal) => ({
    messages: [{ role: 'user' as const, content: 'x' }],
    tools: [],
    maxTokens: 100,
    signal,
  });

  it('takes the time a turn asks for', async () => {
    // Prepare
    const agent = scriptedAgent([{ text: 'slow answer', delayMs: 40 }]);

    // Act
    const result = await loop(agent);

    // Assess
    expect(result.output).toBe('slow answer');
    expect(result.steps[0]?.durationMs).toBeGreaterThanOrEqual(35);
  });

  it('is cut short by the task deadline and reported as Timeout', async () => {
    // Prepare: the turn would take 10 s; the task has 40 ms.
    const agent = scriptedAgent([{ text: 'too late', delayMs: 10_000 }]);
    const started = Date.now();

    // Act
    const failure = await loopFailure(loop(agent, { timeoutMs: 40 }));

    // Assess
    expect(attemptError(failure).code).toBe('Timeout');
    expect(attemptError(failure).retryable).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('leaves no abort listener on the signal once a delayed turn is over', async () => {
    // Prepare
    const controller = new AbortController();
    const provider = new ScriptedProvider([{ text: 'a', delayMs: 1 }], 1, undefined);

    // Act
    await provider.complete(request(controller.signal));

    // Assess
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
