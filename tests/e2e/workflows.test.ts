/**
 * Workflows over HTTP on the local runtime, as a user runs them: every strategy with scripted
 * agents, run by the real workflow-runner definition on the local Step Functions endpoint, each
 * step a real task on the real queues.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RuntimeHandle, removeDataDir, startRuntime } from '../helpers/runtime.js';

let runtime: RuntimeHandle;

const FINISHED = ['succeeded', 'failed', 'cancelled'];

async function waitForWorkflow(id: string, statuses = FINISHED, timeoutMs = 60_000) {
  return eventually(
    async () => {
      const { body } = await runtime.api('GET', `/v1/workflows/${id}`);
      return statuses.includes(body?.status) ? body : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `workflow ${id} to be ${statuses.join('|')}` },
  );
}

async function start(body: unknown) {
  const response = await runtime.api('POST', '/v1/workflows', body);
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  return response.body;
}

const agent = (id: string, text: string, delayMs = 0) =>
  runtime.api('POST', '/v1/agents', {
    id,
    model: { provider: 'scripted', turns: [{ text, ...(delayMs ? { delayMs } : {}) }] },
  });

beforeAll(async () => {
  runtime = await startRuntime();
  await agent('upper', 'U({{input}})');
  await agent('lower', 'L({{input}})');
  await agent('slow-a', 'A', 1500);
  await agent('slow-b', 'B', 1500);
  await agent('slow-c', 'C', 1500);
  await agent('yes', 'yes');
  await agent('no', 'no');
  await agent('json-a', '{"a": 1, "shared": {"x": 1}}');
  await agent('json-b', '{"b": 2, "shared": {"y": 2}}');
  await agent('judge', '{"summary": "both agree", "score": 0.8}');
  await runtime.api('POST', '/v1/agents', {
    id: 'flaky',
    model: { provider: 'scripted', turns: [{ text: 'never' }], failUntilAttempt: 10 },
  });
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  if (runtime) removeDataDir(runtime.dataDir);
});

describe('sequential', () => {
  it('passes each output on, and templates read the input and earlier outputs', async () => {
    const workflow = await start({
      name: 'pipeline',
      strategy: 'sequential',
      input: 'x',
      steps: [
        { id: 'one', agentId: 'upper' },
        { id: 'two', agentId: 'lower' },
        { id: 'three', agentId: 'upper', input: '{{steps.one.output}}+{{input}}' },
      ],
    });
    expect(workflow).toMatchObject({
      status: 'running',
      strategy: 'sequential',
      chosenStrategy: 'sequential',
    });
    const done = await waitForWorkflow(workflow.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.steps.map((s: { output: unknown }) => s.output)).toEqual([
      'U(x)',
      'L(U(x))',
      'U(U(x)+x)',
    ]);
    expect(done.output).toBe('U(U(x)+x)');
    // Every step ran as a task, linked to the workflow.
    for (const step of done.steps) {
      const { body: task } = await runtime.api('GET', `/v1/tasks/${step.taskId}`);
      expect(task).toMatchObject({
        status: 'succeeded',
        workflowId: workflow.id,
        output: step.output,
      });
    }
  });
});

describe('parallel', () => {
  it('runs every step at once and aggregates with concat', async () => {
    const workflow = await start({
      name: 'fan-out',
      strategy: 'parallel',
      input: 'go',
      steps: [
        { id: 'a', agentId: 'slow-a' },
        { id: 'b', agentId: 'slow-b' },
        { id: 'c', agentId: 'slow-c' },
      ],
      aggregate: { mode: 'concat' },
    });
    const done = await waitForWorkflow(workflow.id);
    expect(done.status).toBe('succeeded');
    expect(done.output).toBe('A\n\nB\n\nC');
    const tasks = await Promise.all(
      done.steps.map(
        async (s: { taskId: string }) => (await runtime.api('GET', `/v1/tasks/${s.taskId}`)).body,
      ),
    );
    // Truly overlapping: every task started before any of them finished.
    const lastStart = Math.max(...tasks.map((t) => Date.parse(t.startedAt)));
    const firstFinish = Math.min(...tasks.map((t) => Date.parse(t.finishedAt)));
    expect(lastStart).toBeLessThan(firstFinish);
  });

  it('votes by majority, and merges JSON objects deeply', async () => {
    const vote = await start({
      name: 'vote',
      strategy: 'parallel',
      input: 'ship it?',
      steps: [
        { id: 'v1', agentId: 'no' },
        { id: 'v2', agentId: 'yes' },
        { id: 'v3', agentId: 'yes' },
      ],
      aggregate: { mode: 'vote' },
    });
    const merge = await start({
      name: 'merge',
      strategy: 'parallel',
      input: {},
      steps: [
        { id: 'm1', agentId: 'json-a' },
        { id: 'm2', agentId: 'json-b' },
      ],
      aggregate: { mode: 'merge' },
    });
    expect((await waitForWorkflow(vote.id)).output).toBe('yes');
    expect((await waitForWorkflow(merge.id)).output).toEqual({
      a: 1,
      b: 2,
      shared: { x: 1, y: 2 },
    });
  });
});

describe('dag', () => {
  it('runs a diamond: the two branches at once, the join after both', async () => {
    const workflow = await start({
      name: 'diamond',
      strategy: 'dag',
      input: 'd',
      steps: [
        { id: 'top', agentId: 'upper' },
        { id: 'left', agentId: 'slow-a', dependsOn: ['top'] },
        { id: 'right', agentId: 'slow-b', dependsOn: ['top'] },
        {
          id: 'join',
          agentId: 'lower',
          input: '{{steps.left.output}}{{steps.right.output}}',
          dependsOn: ['left', 'right'],
        },
      ],
    });
    const done = await waitForWorkflow(workflow.id);
    expect(done.status).toBe('succeeded');
    expect(done.output).toBe('L(AB)');
    const byId = Object.fromEntries(done.steps.map((s: { id: string }) => [s.id, s]));
    const [top, left, right, join] = ['top', 'left', 'right', 'join'].map((id) => byId[id]);
    expect(Date.parse(left.startedAt)).toBeGreaterThanOrEqual(Date.parse(top.finishedAt));
    expect(Date.parse(left.startedAt)).toBeLessThan(Date.parse(right.finishedAt));
    expect(Date.parse(right.startedAt)).toBeLessThan(Date.parse(left.finishedAt));
    expect(Date.parse(join.startedAt)).toBeGreaterThanOrEqual(
      Math.max(Date.parse(left.finishedAt), Date.parse(right.finishedAt)),
    );
  });

  it('refuses cycles and unknown steps with 400 naming the field, and writes nothing', async () => {
    const before = (await runtime.api('GET', '/v1/workflows?limit=100')).body.items.length;
    const cycle = await runtime.api('POST', '/v1/workflows', {
      name: 'cycle',
      strategy: 'dag',
      input: 1,
      steps: [
        { id: 'a', agentId: 'upper', dependsOn: ['c'] },
        { id: 'b', agentId: 'upper', dependsOn: ['a'] },
        { id: 'c', agentId: 'upper', dependsOn: ['b'] },
      ],
    });
    expect(cycle.status).toBe(400);
    expect(cycle.body.error.code).toBe('ValidationError');
    expect(cycle.body.error.details[0].message).toMatch(/cycle/);
    const unknown = await runtime.api('POST', '/v1/workflows', {
      name: 'unknown',
      strategy: 'dag',
      input: 1,
      steps: [{ id: 'a', agentId: 'upper', dependsOn: ['ghost'] }],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([
      { path: 'steps.0.dependsOn.0', message: "unknown step 'ghost'" },
    ]);
    const after = (await runtime.api('GET', '/v1/workflows?limit=100')).body.items.length;
    expect(after).toBe(before);
  });
});

describe('adaptive', () => {
  it('asks the supervisor each round and stops when it says done', async () => {
    await runtime.api('POST', '/v1/agents', {
      id: 'lead',
      model: {
        provider: 'scripted',
        // One answer per round: each round is a task of its own, so each starts at the first turn.
        turns: [{ text: '{"next": [{"agentId": "upper", "input": "r1"}], "done": false}' }],
      },
    });
    const workflow = await start({
      name: 'adaptive',
      strategy: 'adaptive',
      input: 'investigate',
      steps: [{ id: 'worker', agentId: 'upper' }],
      supervisor: { agentId: 'lead', maxRounds: 2 },
    });
    const done = await waitForWorkflow(workflow.id);
    expect(done.status).toBe('succeeded');
    // The supervisor never said done: it ran maxRounds rounds, each followed by its step.
    expect(done.steps.map((s: { id: string }) => s.id)).toEqual([
      'supervisor-1',
      'r1-1',
      'supervisor-2',
      'r2-1',
    ]);
    expect(done.output).toBe('U(r1)');
  });

  it("ends with the supervisor's final answer when it says done", async () => {
    await runtime.api('POST', '/v1/agents', {
      id: 'decider',
      model: {
        provider: 'scripted',
        turns: [{ text: '{"done": true, "final": {"verdict": "nothing to do"}}' }],
      },
    });
    const workflow = await start({
      name: 'adaptive-done',
      strategy: 'adaptive',
      input: 'x',
      steps: [],
      supervisor: { agentId: 'decider', maxRounds: 5 },
    });
    const done = await waitForWorkflow(workflow.id);
    expect(done.status).toBe('succeeded');
    expect(done.steps.map((s: { id: string }) => s.id)).toEqual(['supervisor-1']);
    expect(done.output).toEqual({ verdict: 'nothing to do' });
  });
});

describe('aggregation by an agent', () => {
  it('gives every output to the aggregator and records its score as quality', async () => {
    const workflow = await start({
      name: 'judged',
      strategy: 'parallel',
      input: 'q',
      steps: [
        { id: 'p', agentId: 'yes' },
        { id: 'q', agentId: 'no' },
      ],
      aggregate: { mode: 'agent', agentId: 'judge' },
    });
    const done = await waitForWorkflow(workflow.id);
    expect(done.status).toBe('succeeded');
    expect(done.quality).toBe(0.8);
    const aggregator = done.steps.find((s: { id: string }) => s.id === 'aggregate');
    const { body: task } = await runtime.api('GET', `/v1/tasks/${aggregator.taskId}`);
    expect(task.input).toMatchObject({
      outputs: [
        { stepId: 'p', output: 'yes' },
        { stepId: 'q', output: 'no' },
      ],
    });
  });
});

describe('failure and cancel', () => {
  it("fails the workflow with the step's error after the step's retries", async () => {
    const workflow = await start({
      name: 'failing',
      strategy: 'sequential',
      input: 'x',
      maxAttempts: 2,
      steps: [
        { id: 'first', agentId: 'upper' },
        { id: 'broken', agentId: 'flaky' },
        { id: 'never', agentId: 'upper' },
      ],
    });
    const done = await waitForWorkflow(workflow.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'ModelUnavailable', stepId: 'broken' });
    const broken = done.steps.find((s: { id: string }) => s.id === 'broken');
    const { body: task } = await runtime.api('GET', `/v1/tasks/${broken.taskId}`);
    expect(task).toMatchObject({ status: 'failed', attempts: 2 });
    expect(done.steps.find((s: { id: string }) => s.id === 'never')).toMatchObject({
      status: 'cancelled',
      taskId: null,
    });
  });

  it("cancels: stops the execution and the running step's task; 409 afterwards", async () => {
    await agent('very-slow', 'late', 20_000);
    const workflow = await start({
      name: 'cancelled',
      strategy: 'sequential',
      input: 'x',
      steps: [{ id: 'long', agentId: 'very-slow' }],
    });
    const step = await eventually(async () => {
      const { body } = await runtime.api('GET', `/v1/workflows/${workflow.id}`);
      return body.steps[0].status === 'running' ? body.steps[0] : undefined;
    });
    const cancelled = await runtime.api('POST', `/v1/workflows/${workflow.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const { body: task } = await runtime.api('GET', `/v1/tasks/${step.taskId}`);
    expect(task.status).toBe('cancelled');
    expect((await runtime.api('POST', `/v1/workflows/${workflow.id}/cancel`)).status).toBe(409);
    const listed = await runtime.api('GET', '/v1/workflows?status=cancelled');
    expect(listed.body.items.map((w: { id: string }) => w.id)).toContain(workflow.id);
  });
});

describe('idempotency', () => {
  it('answers the same workflow for the same Idempotency-Key and body, 409 for another body', async () => {
    const body = {
      name: 'once',
      strategy: 'sequential',
      input: 'i',
      steps: [{ id: 'only', agentId: 'upper' }],
    };
    const headers = { 'idempotency-key': `wf-${Date.now()}` };
    const first = await runtime.api('POST', '/v1/workflows', body, headers);
    const again = await runtime.api('POST', '/v1/workflows', body, headers);
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    const other = await runtime.api('POST', '/v1/workflows', { ...body, input: 'j' }, headers);
    expect(other.status).toBe(409);
    await waitForWorkflow(first.body.id);
    const listed = await runtime.api('GET', '/v1/workflows?limit=100');
    const named = listed.body.items.filter((w: { name: string }) => w.name === 'once');
    expect(named).toHaveLength(1);
  });

  it('is refused to an agent-scoped key (workflows span agents)', async () => {
    const minted = await runtime.api('POST', '/v1/keys', { scope: 'agent:upper' });
    const auth = { authorization: `Bearer ${minted.body.key}` };
    const created = await runtime.api(
      'POST',
      '/v1/workflows',
      { name: 'x', strategy: 'sequential', input: 1, steps: [{ id: 'a', agentId: 'upper' }] },
      auth,
    );
    expect(created.status).toBe(403);
    expect((await runtime.api('GET', '/v1/workflows', undefined, auth)).status).toBe(403);
  });
});

describe('events', () => {
  it('publishes workflow.* events, in the event log', async () => {
    const workflow = await start({
      name: 'evented',
      strategy: 'sequential',
      input: 'e',
      steps: [{ id: 'only', agentId: 'upper' }],
    });
    await waitForWorkflow(workflow.id);
    const types = await eventually(async () => {
      const { body } = await runtime.api('GET', '/v1/events?type=workflow.*&limit=100');
      const mine = body.items
        .filter(
          (e: { detail: { data: { workflowId?: string } } }) =>
            e.detail.data.workflowId === workflow.id,
        )
        .map((e: { type: string }) => e.type);
      return mine.includes('workflow.succeeded') ? mine : undefined;
    });
    expect(new Set(types)).toEqual(
      new Set([
        'workflow.started',
        'workflow.step.started',
        'workflow.step.completed',
        'workflow.succeeded',
      ]),
    );
  });
});
