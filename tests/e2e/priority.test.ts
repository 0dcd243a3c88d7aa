/**
 * Critical tasks start before normal ones, and normal before low, whenever they wait together.
 * With one worker slot, a slow task holds the worker while tasks of all three priorities queue
 * up behind it; once it ends, they must start in priority order.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type RuntimeHandle,
  removeDataDir,
  startRuntime,
  waitForTask,
} from '../helpers/runtime.js';

let runtime: RuntimeHandle;

beforeAll(async () => {
  runtime = await startRuntime({ env: { AGENT_CORE_LOCAL_CONCURRENCY: '1' } });
});

afterAll(async () => {
  expect(await runtime?.stop()).toBe(true);
  removeDataDir(runtime.dataDir);
});

it('starts waiting tasks critical first, then normal, then low', async () => {
  await runtime.api('POST', '/v1/agents', {
    id: 'blocker',
    model: { provider: 'scripted', turns: [{ text: 'done', delayMs: 1500 }] },
  });
  await runtime.api('POST', '/v1/agents', { id: 'worker', model: { provider: 'echo' } });

  const blocker = (await runtime.api('POST', '/v1/tasks', { agentId: 'blocker', input: 'hold' }))
    .body;
  await waitForTask(runtime, blocker.id, ['running']);

  // Submitted lowest priority first, so that submission order alone would get it wrong.
  const submitted: { id: string; priority: string }[] = [];
  for (const priority of ['low', 'normal', 'critical', 'low', 'normal', 'critical']) {
    const response = await runtime.api('POST', '/v1/tasks', {
      agentId: 'worker',
      input: priority,
      priority,
    });
    expect(response.status).toBe(202);
    submitted.push({ id: response.body.id, priority });
  }
  expect((await runtime.api('GET', `/v1/tasks/${blocker.id}`)).body.status).toBe('running');

  const finished = [];
  for (const task of submitted) finished.push(await waitForTask(runtime, task.id, ['succeeded']));
  const startOrder = [...finished]
    .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt))
    .map((task) => task.priority);
  expect(startOrder).toEqual(['critical', 'critical', 'normal', 'normal', 'low', 'low']);

  const blockerDone = await waitForTask(runtime, blocker.id, ['succeeded']);
  const firstStart = Math.min(...finished.map((t) => Date.parse(t.startedAt)));
  expect(firstStart).toBeGreaterThanOrEqual(Date.parse(blockerDone.finishedAt));
});
