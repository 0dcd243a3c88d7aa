/**
 * kill -9 in the middle of a workflow, then a restart on the same data folder: the workflow goes
 * on from its stored state, finishes, and no step that had finished runs again (each step's side
 * effect, a memory it writes, happens exactly once).
 */
import { afterAll, expect, it } from 'vitest';
import { eventually, type RuntimeHandle, removeDataDir, startRuntime } from '../helpers/runtime.js';

let runtime: RuntimeHandle | undefined;

afterAll(async () => {
  if (runtime) {
    await runtime.stop();
    removeDataDir(runtime.dataDir);
  }
});

/** An agent that remembers that it ran, waiting first (so a kill can land before the write). */
const remembering = (id: string, delayMs: number) => ({
  id,
  model: {
    provider: 'scripted',
    turns: [
      { toolCalls: [{ name: 'memory.write', input: { text: `${id} ran` } }], delayMs },
      { text: `${id}({{input}})` },
    ],
  },
  tools: ['memory.write'],
});

it('finishes a workflow interrupted by kill -9, running no finished step again', async () => {
  const first = await startRuntime();
  runtime = first;
  for (const agent of [
    remembering('step-one', 0),
    remembering('step-two', 4000),
    remembering('step-three', 0),
  ]) {
    expect((await first.api('POST', '/v1/agents', agent)).status).toBe(201);
  }
  const { body: workflow } = await first.api('POST', '/v1/workflows', {
    name: 'interrupted',
    strategy: 'sequential',
    input: 'in',
    steps: [
      { id: 'one', agentId: 'step-one' },
      { id: 'two', agentId: 'step-two' },
      { id: 'three', agentId: 'step-three' },
    ],
  });
  expect(workflow.status).toBe('running');

  // Kill while step two's task waits in its model call: step one has finished and written its
  // memory, step two has not written yet.
  await eventually(
    async () => {
      const { body } = await first.api('GET', `/v1/workflows/${workflow.id}`);
      const [one, two] = body.steps;
      if (one.status !== 'succeeded' || two.status !== 'running') return undefined;
      const { body: task } = await first.api('GET', `/v1/tasks/${two.taskId}`);
      return task.status === 'running' ? true : undefined;
    },
    { what: "step two's task running" },
  );
  await first.kill();

  const second = await startRuntime({ dataDir: first.dataDir, key: first.key });
  runtime = second;
  expect(second.output()).toMatch(/resumed 1 running workflow/);

  const done = await eventually(
    async () => {
      const { body } = await second.api('GET', `/v1/workflows/${workflow.id}`);
      return body.status === 'running' ? undefined : body;
    },
    { timeoutMs: 60_000, what: 'the workflow to end' },
  );
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  expect(done.output).toBe('step-three(step-two(step-one(in)))');

  for (const id of ['step-one', 'step-two', 'step-three']) {
    const { body } = await second.api('GET', `/v1/agents/${id}/memories`);
    expect(body.items.map((m: { text: string }) => m.text)).toEqual([`${id} ran`]);
  }
  const tasks = await Promise.all(
    done.steps.map(
      async (s: { taskId: string }) => (await second.api('GET', `/v1/tasks/${s.taskId}`)).body,
    ),
  );
  // Steps one and three ran once; step two's interrupted attempt was counted, and ran again.
  expect(tasks.map((t) => t.attempts)).toEqual([1, 2, 1]);
}, 120_000);
