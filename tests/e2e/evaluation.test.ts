/**
 * The blueprint evaluation against `npm start`, with a model that is a real OpenAI-compatible
 * Chat Completions server on 127.0.0.1: it answers one case well (with the tool), one right but
 * without the tool, one wrong. The scores must tell them apart, per check and in total, from the
 * module and from `npm run eval` as a user runs it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentCoreClient } from '../../cli/api-client.js';
import { evaluateBlueprint, formatEvaluation } from '../../cli/evaluation.js';
import { runNpmScript } from '../helpers/npm-script.js';
import { OpenAiTestServer, type ScriptedAnswer } from '../helpers/openai-server.js';
import { type RuntimeHandle, removeDataDir, startRuntime } from '../helpers/runtime.js';

let runtime: RuntimeHandle;

type ChatMessage = { role: string; content?: string | null };

/** A model with fixed habits: which answer it gives depends on the question it is asked. */
function answer(body: Record<string, any>): ScriptedAnswer {
  const messages = body.messages as ChatMessage[];
  const tools = toolsOf(body);
  const question = messages.find((m) => m.role === 'user')?.content ?? '';
  const toolResult = messages.some((m) => m.role === 'tool');
  if (question.includes('Weekly sales') && !toolResult && tools.includes('math__eval')) {
    return {
      toolCalls: [
        {
          id: 'call_1',
          name: 'math__eval',
          arguments: '{"expression": "1200 + 1350 + 980 + 1510"}',
        },
      ],
    };
  }
  if (question.includes('Weekly sales')) {
    return { chunks: ['The total is 5040 units and the weekly average 1260.'] };
  }
  if (question.includes('price rose')) return { chunks: ['It rose by 15%.'] };
  return { chunks: ['About 11,500 euros.'] };
}

const toolsOf = (body: Record<string, any>): string[] =>
  (body.tools ?? []).map((t: { function: { name: string } }) => t.function.name);

const model = new OpenAiTestServer(answer);

beforeAll(async () => {
  const baseUrl = await model.start();
  runtime = await startRuntime({
    env: {
      AGENT_CORE_MODEL_ROUTES: JSON.stringify({
        routes: {
          'test-model': [{ provider: 'openai', model: 'habits-1', baseUrl }],
        },
        retry: { attempts: 1, baseDelayMs: 0 },
      }),
    },
  });
});

afterAll(async () => {
  expect(await runtime?.stop()).toBe(true);
  removeDataDir(runtime.dataDir);
  await model.stop();
});

describe('evaluating a blueprint against a model', () => {
  it('scores each case by its checks, and the total as their mean', async () => {
    // Act
    const result = await evaluateBlueprint(new AgentCoreClient(runtime.url, runtime.key), {
      blueprint: 'data-analyst',
      modelRoute: 'test-model',
    });

    // Assess
    expect(result.models).toEqual(['openai:habits-1']);
    expect(result.cases.map((c) => [c.id, c.status, c.score])).toEqual([
      ['total-and-average', 'succeeded', 1],
      ['percent-change', 'succeeded', 2 / 3],
      ['compound-growth', 'succeeded', 1 / 3],
    ]);
    expect(result.cases[1]?.checks.filter((c) => !c.ok).map((c) => c.check)).toEqual([
      'calls math.eval',
    ]);
    expect(result.cases[2]?.output).toBe('About 11,500 euros.');
    expect(result.score).toBeCloseTo(2 / 3, 10);
    // The model was asked as the blueprint's agent: with its one tool, and given its result.
    const requests = model.requests.map((r) => r.body);
    expect(requests.some((body) => body.messages.at(-1)?.role === 'tool')).toBe(true);
    expect(new Set(requests.map((body) => toolsOf(body).join()))).toEqual(new Set(['math__eval']));
    const table = formatEvaluation(result);
    expect(table).toContain('percent-change       67%  calls math.eval');
    expect(table).toContain('total                67%  (3 cases)');
  });

  it('runs as `npm run eval` against a URL, and names an unknown route', async () => {
    // Act
    const good = await npmRunEval([
      'data-analyst',
      '--url',
      runtime.url,
      '--model-route',
      'test-model',
    ]);
    const unknownRoute = await npmRunEval([
      'data-analyst',
      '--url',
      runtime.url,
      '--model-route',
      'gpt-9',
    ]);
    const noBlueprint = await npmRunEval(['poet', '--url', runtime.url]);

    // Assess
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain('Blueprint data-analyst on route test-model (openai:habits-1)');
    expect(good.stdout).toContain('total-and-average   100%');
    expect(good.stdout).toContain('total                67%  (3 cases)');
    expect(unknownRoute.code).toBe(1);
    expect(unknownRoute.stderr).toContain("no model route 'gpt-9'");
    expect(noBlueprint.code).toBe(1);
    expect(noBlueprint.stderr).toContain("has no blueprint 'poet'");
  });
});

const npmRunEval = (args: string[]) =>
  runNpmScript('eval', args, { AGENT_CORE_API_KEY: runtime.key, AGENT_CORE_URL: '' });
