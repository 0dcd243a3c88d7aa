/**
 * A workflow longer than one Step Functions execution's history: the runtime is started with a
 * history budget so low (AGENT_CORE_WORKFLOW_HISTORY_BUDGET) that an execution holds three
 * rounds, so workflows of many rounds cross several executions of the real definition on the
 * local emulator, and must end as if nothing happened: right output, every step's task run once
 * and told once, cancel reaching whichever execution is current.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyCosts } from '../../infra/workflow-state-machine.js';
import { eventually, type RuntimeHandle, removeDataDir, startRuntime } from '../helpers/runtime.js';

const costs = historyCosts();
/** Three one-step rounds fit an execution (the engine's budget is this less `end`). */
const BUDGET = costs.end + costs.start + 3 * (costs.round + costs.step);

let runtime: RuntimeHandle;

beforeAll(async () => {
  runtime = await startRuntime({ env: { AGENT_CORE_WORKFLOW_HISTORY_BUDGET: String(BUDGET) } });
  for (const id of ['wrap-a', 'wrap-b', 'wrap-c']) {
    const agent = { id, model: { provider: 'scripted', turns: [{ text: `${id}({{input}})` }] } };
    expect((await runtime.api('POST', '/v1/agents', agent)).status).toBe(201);
  }
  // A scripted model answers the same in every task: the supervisor names one step each round
  // until maxRounds ends it.
  const supervisor = {
    id: 'lead',
    model: {
      provider: 'scripted',
      turns: [{ text: '{"next": [{"agentId": "wrap-a", "input": "round"}]}' }],
    },
  };
  expect((await runtime.api('POST', '/v1/agents', supervisor)).status).toBe(201);
}, 90_000);

afterAll(async () => {
  await runtime?.stop();
  if (runtime) removeDataDir(runtime.dataDir);
});

async function ended(id: string): Promise<any> {
  return eventually(
    async () => {
      const { body } = await runtime.api('GET', `/v1/workflows/${id}`);
      return body.status === 'running' ? undefined : body;
    },
    { timeoutMs: 90_000, what: `workflow ${id} to end` },
  );
}

/** The generation of the workflow's current execution, from its ARN (`…:<id>-<n>`). */
const generationOf = (workflow: { id: string; executionArn: string }) =>
  Number(workflow.executionArn.split(`:${workflow.id}-`)[1]);

/** Each step's task ran one attempt, and its trace tells its start and end once. */
async function expectEachStepOnce(workflow: { steps: { taskId: string }[] }) {
  for (const step of workflow.steps) {
    const { body: task } = await runtime.api('GET', `/v1/tasks/${step.taskId}`);
    expect(task.attempts, step.taskId).toBe(1);
    const trace = await eventually(
      async () => {
        const { body } = await runtime.api('GET', `/v1/tasks/${step.taskId}/trace`);
        const types: string[] = body.items.map((e: { type: string }) => e.type);
        return types.includes('workflow.step.completed') ? types : undefined;
      },
      { what: `the trace of ${step.taskId}` },
    );
    expect(
      trace.filter((t) => t === 'workflow.step.started'),
      step.taskId,
    ).toHaveLength(1);
    expect(
      trace.filter((t) => t === 'workflow.step.completed'),
      step.taskId,
    ).toHaveLength(1);
    expect(
      trace.filter((t) => t === 'task.succeeded'),
      step.taskId,
    ).toHaveLength(1);
  }
}

describe('a workflow longer than an execution history', () => {
  it('runs nine steps in sequence across three executions, each step once, to the right output', async () => {
    const agents = ['wrap-a', 'wrap-b', 'wrap-c'];
    const { status, body } = await runtime.api('POST', '/v1/workflows', {
      strategy: 'sequential',
      input: 'in',
      steps: Array.from({ length: 9 }, (_, i) => ({ id: `s${i + 1}`, agentId: agents[i % 3] })),
    });
    expect(status).toBe(202);

    const done = await ended(body.id);

    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    let expected = 'in';
    for (let i = 0; i < 9; i++) expected = `${agents[i % 3]}(${expected})`;
    expect(done.output).toBe(expected);
    expect(generationOf(done)).toBe(3);
    await expectEachStepOnce(done);
  }, 120_000);

  it('runs an adaptive workflow of eight rounds across executions to the last step output', async () => {
    const { body } = await runtime.api('POST', '/v1/workflows', {
      strategy: 'adaptive',
      input: 'go',
      steps: [{ id: 'worker', agentId: 'wrap-a' }],
      supervisor: { agentId: 'lead', maxRounds: 4 },
    });

    const done = await ended(body.id);

    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.output).toBe('wrap-a(round)');
    expect(done.steps.map((s: { id: string }) => s.id)).toEqual([
      'supervisor-1',
      'r1-1',
      'supervisor-2',
      'r2-1',
      'supervisor-3',
      'r3-1',
      'supervisor-4',
      'r4-1',
    ]);
    expect(generationOf(done)).toBeGreaterThanOrEqual(3);
    await expectEachStepOnce(done);
  }, 120_000);
});
