/**
 * The fixed scenarios `npm run cost` runs on `npm start` (started as a user would, with the cost
 * meter on), each measured from a reset of the meter until everything it caused has settled.
 *
 * The learning layer keeps a window of executions per agent and per strategy, so a first run
 * would be cheaper than a busy day: each agent first runs `warmup` tasks (and the strategy
 * `warmupWorkflows` workflows), unmeasured, so that every measured scenario sees a full window.
 */
import type { MeterSnapshot } from '../../local/cost-meter.js';
import { openFeed } from '../../tests/helpers/feed-client.js';
import { eventually, type RuntimeHandle } from '../../tests/helpers/runtime.js';

export interface ScenarioResult {
  name: string;
  description: string;
  /** What the bill is divided by: tasks, or workflow steps. */
  per: 'task' | 'step';
  count: number;
  seconds: number;
  snapshot: MeterSnapshot;
}

export interface ScenarioSizes {
  paced: number;
  burst: number;
  workflows: number;
  warmup: number;
  warmupWorkflows: number;
  concurrency: number;
}

export const ECHO_AGENT = 'cost-echo';
export const TOOL_AGENT = 'cost-tool';
export const STEP_AGENT = 'cost-step';
const WORKFLOW_STEPS = 3;

export async function registerAgents(runtime: RuntimeHandle): Promise<void> {
  const agents = [
    { id: ECHO_AGENT, model: { provider: 'echo' } },
    {
      id: TOOL_AGENT,
      model: {
        provider: 'scripted',
        turns: [
          { toolCalls: [{ name: 'math.eval', input: { expression: '(2+3)*7' } }] },
          { text: 'The answer is {{lastToolResult}}' },
        ],
      },
      tools: ['math.eval'],
      // The scenarios submit far beyond the default tool rate limit.
      limits: { toolCallsPerMinute: 100_000 },
    },
    { id: STEP_AGENT, model: { provider: 'echo' } },
  ];
  for (const agent of agents) {
    const answer = await runtime.api('POST', '/v1/agents', agent);
    if (answer.status !== 201) throw new Error(`registering ${agent.id}: ${answer.status}`);
  }
}

/** Fills the learning windows (unmeasured): the steady state of a busy deployment. */
export async function warmUp(runtime: RuntimeHandle, sizes: ScenarioSizes): Promise<void> {
  for (const agent of [ECHO_AGENT, TOOL_AGENT]) {
    await waitForTasks(runtime, await submitBurst(runtime, agent, sizes.warmup, sizes.concurrency));
  }
  await runWorkflows(runtime, sizes.warmupWorkflows, 8);
  await settle(runtime);
}

/** The measuring tool's own polling is left out of the bill (local/cost-meter.ts). */
const UNMETERED = { 'x-agent-core-meter': 'exclude' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Submits a task. On a loaded machine a submit can time out (500): it is tried again, as a
 * client would, up to three times (each try is a request, and counted as one).
 */
async function submit(runtime: RuntimeHandle, agentId: string, input: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const answer = await runtime.api('POST', '/v1/tasks', { agentId, input });
    if (answer.status === 202) return answer.body.id as string;
    if (answer.status < 500 || attempt === 3) {
      throw new Error(`submit answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
  }
}

async function submitBurst(
  runtime: RuntimeHandle,
  agentId: string,
  count: number,
  concurrency: number,
): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        next++;
        ids.push(await submit(runtime, agentId, `burst ${next}`));
      }
    }),
  );
  return ids;
}

/** One task a second, each submitted on its second whatever the previous answer took. */
async function submitPaced(runtime: RuntimeHandle, agentId: string, count: number) {
  const started = Date.now();
  const ids: Promise<string>[] = [];
  for (let i = 0; i < count; i++) {
    const wait = started + i * 1000 - Date.now();
    if (wait > 0) await sleep(wait);
    ids.push(submit(runtime, agentId, `paced ${i}`));
  }
  return Promise.all(ids);
}

async function waitForTasks(runtime: RuntimeHandle, ids: string[]): Promise<void> {
  const pending = new Set(ids);
  await eventually(
    async () => {
      for (const id of [...pending]) {
        const { body } = await runtime.api('GET', `/v1/tasks/${id}`, undefined, UNMETERED);
        if (['succeeded', 'failed', 'cancelled'].includes(body?.status)) pending.delete(id);
        else return undefined;
      }
      return true;
    },
    { timeoutMs: 600_000, intervalMs: 250, what: `${pending.size} tasks to end` },
  );
}

async function runWorkflows(
  runtime: RuntimeHandle,
  count: number,
  concurrency: number,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        next++;
        const started = await runtime.api('POST', '/v1/workflows', {
          name: 'cost',
          strategy: 'sequential',
          input: `workflow ${next}`,
          steps: Array.from({ length: WORKFLOW_STEPS }, (_, i) => ({
            id: `s${i + 1}`,
            agentId: STEP_AGENT,
          })),
        });
        if (started.status !== 202) {
          throw new Error(`workflow answered ${started.status}: ${JSON.stringify(started.body)}`);
        }
        await eventually(
          async () => {
            const { body } = await runtime.api(
              'GET',
              `/v1/workflows/${started.body.id}`,
              undefined,
              UNMETERED,
            );
            if (body?.status === 'running') return undefined;
            if (body?.status !== 'succeeded') throw new Error(`workflow ${body?.status}`);
            return true;
          },
          { timeoutMs: 120_000, intervalMs: 100, what: 'a workflow to end' },
        );
      }
    }),
  );
}

async function meterSnapshot(runtime: RuntimeHandle): Promise<MeterSnapshot> {
  const answer = await runtime.api('GET', '/_local/meter');
  if (answer.status !== 200) throw new Error(`the meter answered ${answer.status}`);
  return answer.body as MeterSnapshot;
}

/**
 * Waits until what the scenario caused has settled: no call counted for 2 s running (events still
 * reach the sink, the learning layer and the dashboard after the tasks end).
 */
async function settle(runtime: RuntimeHandle): Promise<MeterSnapshot> {
  let last = await meterSnapshot(runtime);
  let stableSince = Date.now();
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    await sleep(500);
    const now = await meterSnapshot(runtime);
    if (now.activity !== last.activity) {
      last = now;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= 2000) return now;
  }
  throw new Error('the runtime did not settle within 2 minutes');
}

async function measure(
  runtime: RuntimeHandle,
  scenario: Omit<ScenarioResult, 'snapshot' | 'seconds'>,
  work: () => Promise<void>,
): Promise<ScenarioResult> {
  await settle(runtime);
  await runtime.api('POST', '/_local/meter/reset');
  const started = Date.now();
  await work();
  const snapshot = await settle(runtime);
  return { ...scenario, seconds: (Date.now() - started) / 1000, snapshot };
}

export async function runScenarios(
  runtime: RuntimeHandle,
  sizes: ScenarioSizes,
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  const taskScenario = (
    name: string,
    description: string,
    agentId: string,
    pace: 'paced' | 'burst',
  ) => {
    const count = pace === 'paced' ? sizes.paced : sizes.burst;
    return measure(runtime, { name, description, per: 'task', count }, async () => {
      const ids =
        pace === 'paced'
          ? await submitPaced(runtime, agentId, count)
          : await submitBurst(runtime, agentId, count, sizes.concurrency);
      await waitForTasks(runtime, ids);
    });
  };
  results.push(await taskScenario('echo-paced', 'echo tasks, one a second', ECHO_AGENT, 'paced'));
  results.push(
    await taskScenario(
      'echo-burst',
      `echo tasks, ${sizes.concurrency} submitted at once`,
      ECHO_AGENT,
      'burst',
    ),
  );
  results.push(
    await taskScenario('tool-paced', 'one math.eval call, one a second', TOOL_AGENT, 'paced'),
  );
  results.push(
    await taskScenario(
      'tool-burst',
      `one math.eval call, ${sizes.concurrency} at once`,
      TOOL_AGENT,
      'burst',
    ),
  );
  results.push(
    await measure(
      runtime,
      {
        name: 'workflow',
        description: `3-step sequential workflows of echo steps, 4 at once`,
        per: 'step',
        count: sizes.workflows * WORKFLOW_STEPS,
      },
      () => runWorkflows(runtime, sizes.workflows, 4),
    ),
  );
  // The same paced echo tasks while a dashboard is open on the default feed (every event).
  const feed = await openFeed(`${runtime.url.replace(/^http/, 'ws')}/ws?token=${runtime.key}`);
  try {
    results.push(
      await taskScenario(
        'echo-paced-dashboard',
        'echo tasks, one a second, a dashboard connected',
        ECHO_AGENT,
        'paced',
      ),
    );
  } finally {
    feed.socket.close();
  }
  return results;
}
