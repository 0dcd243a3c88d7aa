/**
 * The agent loop's own overhead per step, excluding model and tool time: loops of scripted turns
 * calling math.eval run in-process; the time inside the provider and inside the tool is measured
 * and taken out. Target (issue 3): under 2 ms a step.
 */
import { type Agent, registerAgentSchema } from '../shared/core/agents/agent.js';
import { runAgentLoop } from '../shared/core/kernel/agent-loop.js';
import { type ModelProvider, ScriptedProvider } from '../shared/core/kernel/model-provider.js';
import { toolCatalogue } from '../shared/core/tools/catalogue.js';
import type { ToolDefinition } from '../shared/core/tools/tool.js';
import { percentile } from './stats.js';

export interface LoopOverheadFigures {
  loops: number;
  stepsPerLoop: number;
  overheadMsPerStep: { mean: number; p50: number; p99: number };
}

export async function benchAgentLoop(loops = 2000, toolTurns = 5): Promise<LoopOverheadFigures> {
  const turns = [
    ...Array.from({ length: toolTurns }, (_, i) => ({
      toolCalls: [{ name: 'math.eval', input: { expression: `(${i} + 2) * 3 / 7` } }],
    })),
    { text: 'done: {{lastToolResult}}' },
  ];
  const parsed = registerAgentSchema.parse({
    id: 'bench-loop',
    model: { provider: 'scripted', turns },
    tools: ['math.eval'],
    limits: { maxSteps: toolTurns + 1 },
  });
  const agent: Agent = { ...parsed, name: 'bench', status: 'active', createdAt: '', updatedAt: '' };

  let outside = 0;
  const timed =
    <T>(work: () => Promise<T>) =>
    async () => {
      const started = performance.now();
      try {
        return await work();
      } finally {
        outside += performance.now() - started;
      }
    };
  const mathEval = toolCatalogue.get('math.eval') as ToolDefinition;
  const tools = new Map([
    [
      'math.eval',
      {
        ...mathEval,
        run: (input, ctx) => timed(() => mathEval.run(input, ctx))(),
      } as ToolDefinition,
    ],
  ]);
  const services = {
    workspace: () => {
      throw new Error('unused');
    },
    resolveHost: async () => [],
  };

  const perStep: number[] = [];
  const steps = toolTurns * 2 + 1;
  for (let i = 0; i < loops + 100; i++) {
    const scripted = new ScriptedProvider(turns, 1, undefined);
    const provider: ModelProvider = {
      name: 'scripted',
      complete: (request) => timed(() => scripted.complete(request))(),
    };
    outside = 0;
    const started = performance.now();
    await runAgentLoop({
      agent,
      taskId: `t${i}`,
      input: 'go',
      provider,
      tools,
      timeoutMs: 60_000,
      services,
    });
    const overhead = (performance.now() - started - outside) / steps;
    if (i >= 100) perStep.push(overhead); // the first loops warm the JIT
  }
  const mean = perStep.reduce((a, b) => a + b, 0) / perStep.length;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    loops,
    stepsPerLoop: steps,
    overheadMsPerStep: {
      mean: round(mean),
      p50: round(percentile(perStep, 50)),
      p99: round(percentile(perStep, 99)),
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchAgentLoop(), null, 2));
}
