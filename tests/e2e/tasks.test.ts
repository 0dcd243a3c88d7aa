/**
 * The product end to end, as a user runs it: `npm start`, then HTTP only. Agents and tasks from
 * registration to every outcome: success, tool calls, retries, dead-letter and redrive, cancel,
 * pause and resume, idempotent submission and traces.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  type RuntimeHandle,
  removeDataDir,
  startRuntime,
  waitForTask,
} from '../helpers/runtime.js';

let runtime: RuntimeHandle;
const uid = Math.random().toString(36).slice(2, 8);
const agentId = (name: string) => `${name}-${uid}`;

async function registerAgent(id: string, body: Record<string, unknown>) {
  const response = await runtime.api('POST', '/v1/agents', { id, ...body });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

async function submit(body: Record<string, unknown>, headers?: Record<string, string>) {
  const response = await runtime.api('POST', '/v1/tasks', body, headers);
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  return response.body;
}

beforeAll(async () => {
  runtime = await startRuntime();
});

afterAll(async () => {
  // Ctrl-C stops every process of the runtime cleanly.
  expect(await runtime?.stop()).toBe(true);
  removeDataDir(runtime.dataDir);
});

describe('health', () => {
  it('answers without a key', async () => {
    const response = await runtime.api('GET', '/health', undefined, { authorization: '' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok', version: expect.any(String), runtime: 'local' });
  });
});

describe('agents', () => {
  it('registers, gets, lists by tag, patches the model, pauses, resumes and retires', async () => {
    const id = agentId('lifecycle');
    const created = await registerAgent(id, {
      name: 'Lifecycle',
      model: { provider: 'echo' },
      tags: ['e2e', `tag-${uid}`],
    });
    expect(created).toMatchObject({
      id,
      status: 'active',
      tools: [],
      limits: { maxSteps: 8, timeoutMs: 60000, maxTokens: 4096 },
    });

    expect((await runtime.api('GET', `/v1/agents/${id}`)).body.name).toBe('Lifecycle');
    const byTag = await runtime.api('GET', `/v1/agents?tag=tag-${uid}`);
    expect(byTag.body.items.map((a: { id: string }) => a.id)).toEqual([id]);

    const patched = await runtime.api('PATCH', `/v1/agents/${id}`, {
      model: { provider: 'scripted', turns: [{ text: 'patched' }] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.model).toEqual({ provider: 'scripted', turns: [{ text: 'patched' }] });

    expect((await runtime.api('POST', `/v1/agents/${id}/pause`)).body.status).toBe('paused');
    expect((await runtime.api('POST', `/v1/agents/${id}/resume`)).body.status).toBe('active');
    expect((await runtime.api('DELETE', `/v1/agents/${id}`)).body.status).toBe('retired');
    expect((await runtime.api('GET', `/v1/agents/${id}`)).body.status).toBe('retired');

    const refused = await runtime.api('POST', '/v1/tasks', { agentId: id, input: 'x' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('Conflict');
  });

  it('refuses a second registration of the same id with 409', async () => {
    const id = agentId('twice');
    await registerAgent(id, { model: { provider: 'echo' } });
    const again = await runtime.api('POST', '/v1/agents', { id, model: { provider: 'echo' } });
    expect(again.status).toBe(409);
  });
});

describe('tasks', () => {
  it('runs a task to success with the echo model', async () => {
    const id = agentId('echo');
    await registerAgent(id, { model: { provider: 'echo' } });
    const task = await submit({ agentId: id, input: 'hello agent-core' });
    expect(task).toMatchObject({ status: 'queued', attempts: 0, priority: 'normal', output: null });

    const done = await waitForTask(runtime, task.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({
      status: 'succeeded',
      output: 'hello agent-core',
      attempts: 1,
      error: null,
      usage: { modelCalls: 1, toolCalls: 0 },
    });
    expect(done.startedAt).not.toBeNull();
    expect(done.finishedAt).not.toBeNull();
  });

  it('records a scripted tool call in the steps and answers with its result', async () => {
    const id = agentId('calc');
    await registerAgent(id, {
      model: {
        provider: 'scripted',
        turns: [
          { toolCalls: [{ name: 'math.eval', input: { expression: '(2+3)*7' } }] },
          { text: 'The answer is {{lastToolResult}}' },
        ],
      },
      tools: ['math.eval'],
    });
    const task = await submit({ agentId: id, input: 'what is (2+3)*7?' });
    const done = await waitForTask(runtime, task.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(done.output).toBe('The answer is {"value":35}');
    expect(
      done.steps.map((s: { kind: string; name: string; ok: boolean }) => [s.kind, s.name, s.ok]),
    ).toEqual([
      ['model', 'scripted', true],
      ['tool', 'math.eval', true],
      ['model', 'scripted', true],
    ]);
    expect(done.usage).toMatchObject({ modelCalls: 2, toolCalls: 1 });

    const trace = await eventually(
      async () => {
        const { body } = await runtime.api('GET', `/v1/tasks/${task.id}/trace`);
        const types = body.items.map((e: { type: string }) => e.type);
        return types.includes('task.succeeded') ? types : undefined;
      },
      { what: 'the trace to record task.succeeded' },
    );
    // The task's own events in order, with the model and tool calls of its attempt among them.
    expect(trace.filter((type: string) => type.startsWith('task.'))).toEqual([
      'task.queued',
      'task.started',
      'task.step',
      'task.step',
      'task.step',
      'task.succeeded',
    ]);
    expect(trace.filter((type: string) => type === 'model.invoked')).toHaveLength(2);
    expect(trace.filter((type: string) => type === 'tool.invoked')).toHaveLength(1);
  });

  it('retries with backoff until failUntilAttempt, then succeeds', async () => {
    const id = agentId('flaky');
    await registerAgent(id, {
      model: { provider: 'scripted', turns: [{ text: 'finally' }], failUntilAttempt: 3 },
    });
    const task = await submit({ agentId: id, input: 'x', maxAttempts: 3 });
    const retrying = await waitForTask(runtime, task.id, ['retrying']);
    expect(retrying.error).toMatchObject({ code: 'ModelUnavailable', retryable: true });

    const done = await waitForTask(runtime, task.id, ['succeeded', 'failed']);
    expect(done).toMatchObject({
      status: 'succeeded',
      output: 'finally',
      attempts: 3,
      deadLettered: false,
    });
  });

  it('dead-letters a task whose attempts run out, and redrives it to success', async () => {
    const id = agentId('doomed');
    await registerAgent(id, {
      model: { provider: 'scripted', turns: [{ text: 'never' }], failUntilAttempt: 10 },
    });
    const task = await submit({ agentId: id, input: 'x', maxAttempts: 2 });

    const dead = await eventually(
      async () => {
        const { body } = await runtime.api('GET', `/v1/tasks/${task.id}`);
        return body.deadLettered ? body : undefined;
      },
      { what: 'the task to be dead-lettered' },
    );
    expect(dead).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: { code: 'ModelUnavailable' },
    });
    const dlq = await runtime.api('GET', '/v1/queue/dlq?limit=100');
    expect(dlq.body.items.map((t: { id: string }) => t.id)).toContain(task.id);
    expect((await runtime.api('GET', '/v1/queue')).body.deadLettered).toBeGreaterThanOrEqual(1);

    // Fix the cause, then redrive: the task starts over with fresh attempts.
    await runtime.api('PATCH', `/v1/agents/${id}`, {
      model: { provider: 'scripted', turns: [{ text: 'fixed' }] },
    });
    const redrive = await runtime.api('POST', '/v1/queue/dlq/redrive', { taskIds: [task.id] });
    expect(redrive.status).toBe(200);
    expect(redrive.body.redriven).toEqual([task.id]);

    const done = await waitForTask(runtime, task.id, ['succeeded']);
    expect(done).toMatchObject({ output: 'fixed', attempts: 1, deadLettered: false });
    const after = await runtime.api('GET', '/v1/queue/dlq?limit=100');
    expect(after.body.items.map((t: { id: string }) => t.id)).not.toContain(task.id);

    const again = await runtime.api('POST', '/v1/queue/dlq/redrive', { taskIds: [task.id] });
    expect(again.body).toEqual({
      redriven: [],
      skipped: [{ taskId: task.id, reason: 'not dead-lettered' }],
    });
  });

  it('cancels a queued task, and refuses to cancel a finished one with 409', async () => {
    const id = agentId('cancel');
    await registerAgent(id, { model: { provider: 'echo' } });
    await runtime.api('POST', `/v1/agents/${id}/pause`);
    const task = await submit({ agentId: id, input: 'never runs' });

    const cancelled = await runtime.api('POST', `/v1/tasks/${task.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');

    await runtime.api('POST', `/v1/agents/${id}/resume`);
    const twice = await runtime.api('POST', `/v1/tasks/${task.id}/cancel`);
    expect(twice.status).toBe(409);
    // Resuming does not bring a cancelled task back.
    await new Promise((r) => setTimeout(r, 500));
    expect((await runtime.api('GET', `/v1/tasks/${task.id}`)).body.status).toBe('cancelled');
  });

  it('cancels a running task: its result is discarded', async () => {
    const id = agentId('slow');
    await registerAgent(id, {
      model: {
        provider: 'scripted',
        turns: [
          { toolCalls: [{ name: 'math.eval', input: { expression: '1+1' } }], delayMs: 1500 },
          { text: 'too late' },
        ],
      },
      tools: ['math.eval'],
    });
    const task = await submit({ agentId: id, input: 'x' });
    await waitForTask(runtime, task.id, ['running']);
    expect((await runtime.api('POST', `/v1/tasks/${task.id}/cancel`)).body.status).toBe(
      'cancelled',
    );
    await new Promise((r) => setTimeout(r, 2500));
    const after = (await runtime.api('GET', `/v1/tasks/${task.id}`)).body;
    expect(after).toMatchObject({ status: 'cancelled', output: null });
  });

  it('holds tasks of a paused agent and runs them on resume', async () => {
    const id = agentId('paused');
    await registerAgent(id, { model: { provider: 'echo' } });
    await runtime.api('POST', `/v1/agents/${id}/pause`);
    const task = await submit({ agentId: id, input: 'later' });
    await new Promise((r) => setTimeout(r, 1000));
    expect((await runtime.api('GET', `/v1/tasks/${task.id}`)).body.status).toBe('queued');

    await runtime.api('POST', `/v1/agents/${id}/resume`);
    const done = await waitForTask(runtime, task.id, ['succeeded']);
    expect(done.output).toBe('later');
  });

  it('answers the first response again for the same Idempotency-Key, and 409 for another body', async () => {
    const id = agentId('idem');
    await registerAgent(id, { model: { provider: 'echo' } });
    const key = { 'idempotency-key': `key-${uid}` };
    const first = await submit({ agentId: id, input: { a: 1, b: 2 } }, key);
    const second = await runtime.api(
      'POST',
      '/v1/tasks',
      { input: { b: 2, a: 1 }, agentId: id },
      key,
    );
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.id);

    const conflict = await runtime.api('POST', '/v1/tasks', { agentId: id, input: 'other' }, key);
    expect(conflict.status).toBe(409);

    const listed = await runtime.api('GET', `/v1/tasks?agentId=${id}`);
    expect(listed.body.items).toHaveLength(1);
  });

  it('lists tasks by agent and status, newest first, page by page', async () => {
    const id = agentId('lister');
    await registerAgent(id, { model: { provider: 'echo' } });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await submit({ agentId: id, input: i })).id);
    for (const taskId of ids) await waitForTask(runtime, taskId, ['succeeded']);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/v1/tasks?agentId=${id}&status=succeeded&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await runtime.api('GET', query);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((t: { id: string }) => t.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const queuedOnly = await runtime.api('GET', `/v1/tasks?agentId=${id}&status=queued`);
    expect(queuedOnly.body.items).toEqual([]);
  });

  it('reports queue depth per priority', async () => {
    const response = await runtime.api('GET', '/v1/queue');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      depth: { critical: expect.any(Number), normal: expect.any(Number), low: expect.any(Number) },
      inFlight: expect.any(Number),
      deadLettered: expect.any(Number),
    });
  });
});
