/**
 * Budgets and schedules end to end, over HTTP against `npm start`: an OpenAI-compatible server
 * on loopback reports token usage, a budget lets two tasks spend and stops the third before its
 * model call (budget.warning once, at 80%); a rate(1 minute) schedule submits its task within its
 * minute, with the schedule's metadata; bad schedules and budgets are 400s naming the field.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  type RuntimeHandle,
  removeDataDir,
  startRuntime,
  waitForTask,
} from '../helpers/runtime.js';

let runtime: RuntimeHandle;
let model: Server;
let modelCalls = 0;

/** Chat Completions with fixed usage: 100 prompt tokens and 50 completion tokens a call. */
function startModelServer(): Promise<Server> {
  const server = createServer(async (req, res) => {
    for await (const _ of req) {
      // the request body is not needed
    }
    modelCalls++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: `cmpl-${modelCalls}`,
        object: 'chat.completion',
        choices: [
          { index: 0, message: { role: 'assistant', content: 'done' }, finish_reason: 'stop' },
        ],
        usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
      }),
    );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  model = await startModelServer();
  runtime = await startRuntime({
    env: {
      // $1000 per million input tokens, $2000 per million output: a call of 100 + 50 costs $0.20.
      AGENT_CORE_MODEL_PRICES: JSON.stringify({
        'openai:metered': { inputPerMillion: 1000, outputPerMillion: 2000 },
      }),
    },
  });
}, 90_000);

afterAll(async () => {
  // Ctrl-C stops it cleanly, its scheduler included.
  expect(await runtime?.stop()).toBe(true);
  if (runtime) removeDataDir(runtime.dataDir);
  await new Promise((resolve) => model?.close(resolve));
});

describe('budgets', () => {
  it('lets spending reach the limit, then refuses the call that would pass it', async () => {
    // Prepare: an agent that may write 100 tokens, on the metered model; $0.50 a day for it.
    // Each call holds up to 100 × $0.002 + ~10 input tokens × $0.001 = $0.21, and costs $0.20.
    const baseUrl = `http://127.0.0.1:${(model.address() as AddressInfo).port}/v1`;
    const agent = await runtime.api('POST', '/v1/agents', {
      id: 'metered-writer',
      model: { provider: 'openai', model: 'metered', baseUrl },
      limits: { maxTokens: 100 },
    });
    expect(agent.status).toBe(201);
    const created = await runtime.api('POST', '/v1/budgets', {
      id: 'writer-daily',
      scope: 'agent:metered-writer',
      usdPerDay: 0.5,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      spentTodayUsd: 0,
      spentThisMonthUsd: 0,
      usdPerMonth: null,
    });

    // Act: three tasks, one after the other.
    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      const { body: task } = await runtime.api('POST', '/v1/tasks', {
        agentId: 'metered-writer',
        input: 'hi',
      });
      outcomes.push(await waitForTask(runtime, task.id, ['succeeded', 'failed']));
    }

    // Assess: $0.40 spent; the third call (up to $0.21 more) was never made.
    expect(outcomes.map((t) => t.status)).toEqual(['succeeded', 'succeeded', 'failed']);
    expect(outcomes[2].error).toMatchObject({ code: 'BudgetExceeded', retryable: false });
    expect(outcomes[2].error.message).toMatch(/budget 'writer-daily'.*day \d{4}-\d{2}-\d{2}/);
    expect(outcomes[2].attempts).toBe(1);
    expect(modelCalls).toBe(2);
    const { body: budget } = await runtime.api('GET', '/v1/budgets/writer-daily');
    expect(budget).toMatchObject({
      spentTodayUsd: 0.4,
      spentThisMonthUsd: 0.4,
      reservedTodayUsd: 0,
      unpricedCallsToday: 0,
    });
    const { body: listed } = await runtime.api('GET', '/v1/budgets');
    expect(listed.items.map((b: { id: string }) => b.id)).toContain('writer-daily');

    // budget.warning once (at $0.40 of $0.50), budget.exceeded for the refusal (beside the
    // budget.created of its definition).
    const events = await eventually(
      async () => {
        const { body } = await runtime.api('GET', '/v1/events?type=budget.*');
        const types = body.items
          .map((e: { type: string }) => e.type)
          .filter((type: string) => type !== 'budget.created')
          .sort();
        return types.length >= 2 ? types : undefined;
      },
      { what: 'budget events' },
    );
    expect(events).toEqual(['budget.exceeded', 'budget.warning']);

    // Raising the limit lets the agent spend again.
    const raised = await runtime.api('PATCH', '/v1/budgets/writer-daily', { usdPerDay: 5 });
    expect(raised.status).toBe(200);
    const { body: again } = await runtime.api('POST', '/v1/tasks', {
      agentId: 'metered-writer',
      input: 'hi',
    });
    expect((await waitForTask(runtime, again.id, ['succeeded', 'failed'])).status).toBe(
      'succeeded',
    );
    expect((await runtime.api('DELETE', '/v1/budgets/writer-daily')).status).toBe(200);
    expect((await runtime.api('GET', '/v1/budgets/writer-daily')).status).toBe(404);

    // Created, raised, deleted: each change in the audit log with who made it.
    const audited = await eventually(
      async () => {
        const { body: log } = await runtime.api('GET', '/v1/audit?actor=admin');
        const mine = log.items
          .filter((e: { target: string }) => e.target === 'budget:writer-daily')
          .map((e: { action: string }) => e.action);
        return mine.length === 3 ? mine : undefined;
      },
      { what: 'the budget changes in the audit log' },
    );
    expect(audited.sort()).toEqual(['budget.created', 'budget.deleted', 'budget.updated']);
  });

  it.each([
    [{ id: 'b-1', scope: 'all' }, 'usdPerDay'],
    [{ id: 'b-1', scope: 'team', usdPerDay: 1 }, 'scope'],
    [{ id: 'b-1', scope: 'all', usdPerDay: -1 }, 'usdPerDay'],
    [{ id: 'B 1', scope: 'all', usdPerMonth: 1 }, 'id'],
    [{ id: 'b-1', scope: 'all', usdPerMonth: 1, extra: true }, 'extra'],
  ])('refuses budget %j naming %s', async (body, field) => {
    const response = await runtime.api('POST', '/v1/budgets', body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('ValidationError');
    expect(response.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
  });
});

describe('schedules', () => {
  it('submits a rate(1 minute) task within its minute, with the schedule in its metadata', async () => {
    // Prepare
    await runtime.api('POST', '/v1/agents', { id: 'ticker', model: { provider: 'echo' } });
    // Act
    const created = await runtime.api('POST', '/v1/schedules', {
      id: 'every-minute',
      expression: 'rate(1 minute)',
      task: { agentId: 'ticker', input: 'tick', metadata: { team: 'ops' } },
    });
    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'every-minute',
      timezone: 'UTC',
      overlap: 'skip',
      enabled: true,
      lastFiredAt: null,
    });
    expect(Date.parse(created.body.nextFireAt)).toBeLessThanOrEqual(Date.now() + 60_000);
    const schedule = await eventually(
      async () => {
        const { body } = await runtime.api('GET', '/v1/schedules/every-minute');
        return body.lastRuns?.[0]?.taskId ? body : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 1_000, what: 'the first firing' },
    );
    const [run] = schedule.lastRuns;
    expect(run.outcome).toBe('submitted');
    expect(schedule.lastFiredAt).toBe(run.firedAt);
    const task = await waitForTask(runtime, run.taskId, ['succeeded']);
    expect(task.output).toBe('tick');
    expect(task.metadata).toEqual({
      team: 'ops',
      scheduleId: 'every-minute',
      firedAt: run.firedAt,
    });
    const fired = await eventually(
      async () => {
        const { body } = await runtime.api('GET', '/v1/events?type=schedule.fired');
        return body.items.find(
          (e: { detail: { data: { scheduleId: string } } }) =>
            e.detail.data.scheduleId === 'every-minute',
        );
      },
      { what: 'schedule.fired' },
    );
    expect(fired.detail.data).toMatchObject({ outcome: 'submitted', taskId: run.taskId });

    // Switched off, it shows no next firing; deleted, it is gone.
    const off = await runtime.api('PATCH', '/v1/schedules/every-minute', { enabled: false });
    expect(off.body).toMatchObject({ enabled: false, nextFireAt: null });
    expect((await runtime.api('DELETE', '/v1/schedules/every-minute')).status).toBe(200);
    expect((await runtime.api('GET', '/v1/schedules/every-minute')).status).toBe(404);
  }, 180_000);

  it('shows a cron schedule in its time zone, and refuses a second one with the same id', async () => {
    await runtime.api('POST', '/v1/agents', { id: 'reporter', model: { provider: 'echo' } });
    const body = {
      id: 'weekday-report',
      expression: 'cron(0 9 ? * MON-FRI *)',
      timezone: 'Europe/Paris',
      workflow: {
        name: 'report',
        strategy: 'sequential',
        input: 'week',
        steps: [{ id: 'write', agentId: 'reporter' }],
      },
    };
    const created = await runtime.api('POST', '/v1/schedules', body);
    expect(created.status).toBe(201);
    // 09:00 in Paris is 07:00 or 08:00 UTC, on a weekday.
    const next = new Date(created.body.nextFireAt);
    expect([7, 8]).toContain(next.getUTCHours());
    expect([1, 2, 3, 4, 5]).toContain(next.getUTCDay());
    expect((await runtime.api('POST', '/v1/schedules', body)).status).toBe(409);
    const { body: list } = await runtime.api('GET', '/v1/schedules');
    expect(list.items.map((s: { id: string }) => s.id)).toContain('weekday-report');
    await runtime.api('DELETE', '/v1/schedules/weekday-report');

    // Each change is in the audit log with who made it; the refused second create is not.
    const audited = await eventually(
      async () => {
        const { body: log } = await runtime.api('GET', '/v1/audit?actor=admin');
        const mine = log.items
          .filter((e: { target: string }) => e.target === 'schedule:weekday-report')
          .map((e: { action: string }) => e.action);
        return mine.length === 2 ? mine : undefined;
      },
      { what: 'the schedule changes in the audit log' },
    );
    expect(audited.sort()).toEqual(['schedule.created', 'schedule.deleted']);
  });

  it.each([
    [
      { expression: 'rate(1 minute)', task: { agentId: 'nobody-here', input: 'x' } },
      'task.agentId',
    ],
    [{ expression: 'rate(1 minute)', task: { agentId: 'ticker' } }, 'task.input'],
    [
      { expression: 'rate(1 minute)', task: { agentId: 'ticker', input: 1, priority: 'urgent' } },
      'task.priority',
    ],
    [{ expression: 'rate(30 seconds)', task: { agentId: 'ticker', input: 1 } }, 'expression'],
    [{ expression: 'cron(0 9 * * * *)', task: { agentId: 'ticker', input: 1 } }, 'expression'],
    [
      { expression: 'rate(1 hour)', timezone: 'Mars/Base', task: { agentId: 'ticker', input: 1 } },
      'timezone',
    ],
    [{ expression: 'rate(1 hour)' }, 'task'],
    [
      {
        expression: 'rate(1 hour)',
        workflow: { name: 'w', strategy: 'dag', input: 1, steps: [{ id: 'a', agentId: 'ghost' }] },
      },
      'workflow.steps.0.agentId',
    ],
  ])('refuses schedule %j naming %s, and makes nothing', async (fields, field) => {
    const response = await runtime.api('POST', '/v1/schedules', { id: 'bad-one', ...fields });
    expect(response.status).toBe(400);
    expect(response.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    expect((await runtime.api('GET', '/v1/schedules/bad-one')).status).toBe(404);
  });
});

describe('who may', () => {
  it('keeps budgets and schedules to the admin key: an agent key gets 403', async () => {
    const { body: minted } = await runtime.api('POST', '/v1/keys', { scope: 'agent:ticker' });
    const asAgent = { authorization: `Bearer ${minted.key}` };
    for (const [method, path, body] of [
      ['GET', '/v1/budgets', undefined],
      ['POST', '/v1/budgets', { id: 'sneaky', scope: 'all', usdPerDay: 1000 }],
      ['GET', '/v1/schedules', undefined],
      ['DELETE', '/v1/schedules/every-minute', undefined],
    ] as const) {
      const response = await runtime.api(method, path, body, asAgent);
      expect(response.status, `${method} ${path}`).toBe(403);
    }
    expect((await runtime.api('GET', '/v1/budgets/sneaky')).status).toBe(404);
  });
});
