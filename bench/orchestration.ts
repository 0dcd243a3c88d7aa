/**
 * Orchestration overhead on the local runtime: N sequential workflows of three echo steps, one at
 * a time, run by the workflow-runner definition on the local Step Functions endpoint, each step a
 * task on the queues. Per workflow, from the server's timestamps:
 *   overhead per step = (workflow createdAt → finishedAt  −  Σ step task startedAt → finishedAt) / 3
 * i.e. everything that is not the task itself: the state machine's transitions, the engine's
 * reads and writes, queueing, the worker's bookkeeping and the callback.
 * Beside it, the same three no-op steps as a LangGraph.js StateGraph, in memory: no queue, no
 * store, nothing durable. The ratio says what durability by data costs on one machine.
 *   npx tsx bench/orchestration.ts [workflows=40]
 */
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import {
  eventually,
  type RuntimeHandle,
  removeDataDir,
  startRuntime,
} from '../tests/helpers/runtime.js';
import { percentile } from './stats.js';

export interface OrchestrationFigures {
  workflows: number;
  overheadMsPerStep: { p50: number; p95: number; p99: number; max: number };
  /** createdAt → finishedAt of a 3-step workflow (server clock). */
  workflowWallMs: { p50: number; p99: number };
  langGraph: { invocations: number; wallMs: { p50: number; p99: number } };
  /** agent-core p50 wall time ÷ LangGraph p50 wall time, same three no-op steps. */
  ratio: number;
}

const STEPS = 3;

export async function benchOrchestration(workflows = 40): Promise<OrchestrationFigures> {
  const runtime = await startRuntime({ env: { AGENT_CORE_LOG_LEVEL: 'ERROR' } });
  try {
    await runtime.api('POST', '/v1/agents', { id: 'bench-noop', model: { provider: 'echo' } });
    // Warm up: the first workflows load handlers and open connections.
    for (let i = 0; i < 3; i++) await runWorkflow(runtime, `warm-${i}`);
    const overheads: number[] = [];
    const walls: number[] = [];
    for (let i = 0; i < workflows; i++) {
      const { wallMs, taskMs } = await runWorkflow(runtime, `bench-${i}`);
      walls.push(wallMs);
      overheads.push((wallMs - taskMs) / STEPS);
    }
    const langGraph = await benchLangGraph(500);
    const round = (n: number) => Math.round(n * 10) / 10;
    return {
      workflows,
      overheadMsPerStep: {
        p50: round(percentile(overheads, 50)),
        p95: round(percentile(overheads, 95)),
        p99: round(percentile(overheads, 99)),
        max: round(Math.max(...overheads)),
      },
      workflowWallMs: { p50: percentile(walls, 50), p99: percentile(walls, 99) },
      langGraph,
      ratio: Math.round(percentile(walls, 50) / Math.max(0.001, langGraph.wallMs.p50)),
    };
  } finally {
    await runtime.stop();
    removeDataDir(runtime.dataDir);
  }
}

async function runWorkflow(runtime: RuntimeHandle, input: string) {
  const { status, body } = await runtime.api('POST', '/v1/workflows', {
    name: 'bench',
    strategy: 'sequential',
    input,
    steps: Array.from({ length: STEPS }, (_, i) => ({ id: `s${i}`, agentId: 'bench-noop' })),
  });
  if (status !== 202)
    throw new Error(`POST /v1/workflows answered ${status}: ${JSON.stringify(body)}`);
  const done = await eventually(
    async () => {
      const { body: w } = await runtime.api('GET', `/v1/workflows/${body.id}`);
      return w.status === 'running' ? undefined : w;
    },
    { intervalMs: 50, what: `workflow ${body.id}` },
  );
  if (done.status !== 'succeeded') throw new Error(`workflow ${done.id} ${done.status}`);
  let taskMs = 0;
  for (const step of done.steps) {
    const { body: task } = await runtime.api('GET', `/v1/tasks/${step.taskId}`);
    taskMs += Date.parse(task.finishedAt) - Date.parse(task.startedAt);
  }
  return { wallMs: Date.parse(done.finishedAt) - Date.parse(done.createdAt), taskMs };
}

/** The same three no-op steps, in sequence, as a LangGraph.js graph in memory. */
async function benchLangGraph(invocations: number) {
  const State = Annotation.Root({ value: Annotation<string> });
  const noop = (state: typeof State.State) => ({ value: state.value });
  const graph = new StateGraph(State)
    .addNode('s0', noop)
    .addNode('s1', noop)
    .addNode('s2', noop)
    .addEdge(START, 's0')
    .addEdge('s0', 's1')
    .addEdge('s1', 's2')
    .addEdge('s2', END)
    .compile();
  for (let i = 0; i < 50; i++) await graph.invoke({ value: 'warm' });
  const walls: number[] = [];
  for (let i = 0; i < invocations; i++) {
    const started = performance.now();
    await graph.invoke({ value: `x${i}` });
    walls.push(performance.now() - started);
  }
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    invocations,
    wallMs: { p50: round(percentile(walls, 50)), p99: round(percentile(walls, 99)) },
  };
}

const isEntry = process.argv[1]?.endsWith('orchestration.ts');
if (isEntry) {
  const figures = await benchOrchestration(Number(process.argv[2] ?? 40));
  console.log(JSON.stringify(figures, null, 2));
}
