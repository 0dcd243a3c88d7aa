/**
 * kill -9 in the middle of work, then a restart on the same data folder: every task ends in
 * exactly one terminal state, and the interrupted attempts run again.
 */
import { afterAll, expect, it } from 'vitest';
import {
  eventually,
  type RuntimeHandle,
  removeDataDir,
  startRuntime,
  waitForTask,
} from '../helpers/runtime.js';

let runtime: RuntimeHandle | undefined;

afterAll(async () => {
  if (runtime) {
    await runtime.stop();
    removeDataDir(runtime.dataDir);
  }
});

it('loses no task when the runtime is killed mid-run', async () => {
  // Two batches at a time: some tasks run while the others wait in the queue.
  const first = await startRuntime({ env: { AGENT_CORE_LOCAL_CONCURRENCY: '2' } });
  runtime = first;
  await first.api('POST', '/v1/agents', {
    id: 'steady',
    model: { provider: 'scripted', turns: [{ text: 'done: {{input}}', delayMs: 1500 }] },
  });
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) {
    const response = await first.api('POST', '/v1/tasks', { agentId: 'steady', input: `#${i}` });
    expect(response.status).toBe(202);
    ids.push(response.body.id);
  }

  // Kill while some tasks run and others still wait.
  const before = await eventually(
    async () => {
      const { body } = await first.api('GET', '/v1/tasks?agentId=steady&status=running&limit=100');
      return body.items.length > 0 ? body.items.map((t: { id: string }) => t.id) : undefined;
    },
    { what: 'a running task' },
  );
  const killedAt = Date.now();
  await first.kill();

  const second = await startRuntime({ dataDir: first.dataDir, key: first.key });
  runtime = second;
  expect(second.output()).toMatch(/re-queued \d+ unfinished task/);

  const finished = [];
  for (const id of ids)
    finished.push(await waitForTask(second, id, ['succeeded', 'failed', 'cancelled'], 60_000));
  for (const [i, task] of finished.entries()) {
    expect(task).toMatchObject({ status: 'succeeded', output: `done: #${i}` });
  }
  // The attempts that died with the process were counted, and ran again.
  const interrupted = finished.filter(
    (t) => before.includes(t.id) && Date.parse(t.finishedAt) > killedAt,
  );
  expect(interrupted.length).toBeGreaterThan(0);
  for (const task of interrupted) expect(task.attempts).toBeGreaterThanOrEqual(2);

  // Terminal states are final: nothing moves afterwards, and no task succeeded twice.
  await new Promise((r) => setTimeout(r, 1500));
  for (const task of finished) {
    const { body } = await second.api('GET', `/v1/tasks/${task.id}`);
    expect(body.status).toBe('succeeded');
    expect(body.finishedAt).toBe(task.finishedAt);
    const trace = await second.api('GET', `/v1/tasks/${task.id}/trace?limit=100`);
    const successes = trace.body.items.filter((e: { type: string }) => e.type === 'task.succeeded');
    expect(successes.length).toBeLessThanOrEqual(1);
  }
});
