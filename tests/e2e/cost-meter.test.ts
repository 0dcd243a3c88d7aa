/**
 * `npm start` with AGENT_CORE_COST_METER=1, as `npm run cost` starts it: one echo task is counted
 * by the function that caused each operation (the API's put, the worker's updates, the bus rules'
 * deliveries, the HTTP request, the invocations), the measuring client's own polling is not, and
 * the counts need the admin key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeterRow, MeterSnapshot } from '../../local/cost-meter.js';
import { eventually, type RuntimeHandle, removeDataDir, startRuntime } from '../helpers/runtime.js';

let runtime: RuntimeHandle;

beforeAll(async () => {
  runtime = await startRuntime({ env: { AGENT_CORE_COST_METER: '1' } });
  await runtime.api('POST', '/v1/agents', { id: 'metered', model: { provider: 'echo' } });
});

afterAll(async () => {
  await runtime?.stop();
  removeDataDir(runtime.dataDir);
});

const rowsOf = (snapshot: MeterSnapshot, fn: string, service: string): MeterRow[] =>
  snapshot.rows.filter((r) => r.fn === fn && r.service === service);

describe('the cost meter of the local runtime', () => {
  it('counts a task by the functions that caused it, and not the polling that watched it', async () => {
    expect((await runtime.api('POST', '/_local/meter/reset')).status).toBe(200);
    const submitted = await runtime.api('POST', '/v1/tasks', { agentId: 'metered', input: 'hi' });
    expect(submitted.status).toBe(202);
    // Polled with the header `npm run cost` uses: these GETs must not be billed.
    await eventually(
      async () => {
        const { body } = await runtime.api('GET', `/v1/tasks/${submitted.body.id}`, undefined, {
          'x-agent-core-meter': 'exclude',
        });
        return body.status === 'succeeded' ? body : undefined;
      },
      { what: 'the task to succeed' },
    );
    const snapshot = await eventually(
      async () => {
        const { body } = await runtime.api<MeterSnapshot>('GET', '/_local/meter');
        // The sink and the learning layer have seen the task's terminal event.
        const learnt = rowsOf(body, 'learning-events', 'lambda').length > 0;
        const sunk = rowsOf(body, 'event-sink', 'dynamodb').length > 0;
        return learnt && sunk ? body : undefined;
      },
      { what: 'the terminal event to be consumed' },
    );

    const http = snapshot.rows.filter((r) => r.service === 'apigateway-http');
    expect(http.map((r) => [r.operation, r.calls])).toEqual([['POST /v1/tasks', 1]]);
    const put = rowsOf(snapshot, 'scheduler-api', 'dynamodb').find(
      (r) => r.operation === 'PutItem',
    );
    expect(put?.units['dynamodb.write']).toBeGreaterThan(1);
    expect(put?.units['dynamodb.indexWrite']).toBeGreaterThan(0);
    expect(rowsOf(snapshot, 'task-worker', 'lambda')[0]?.units['lambda.request']).toBe(1);
    expect(rowsOf(snapshot, 'task-worker', 'eventbridge')[0]?.units['eventbridge.event']).toBe(4);
    expect(rowsOf(snapshot, 'rule:all-events-to-sink', 'sqs')[0]?.calls).toBe(5);
    expect(
      rowsOf(snapshot, 'esm:task-worker', 'sqs')
        .map((r) => r.operation)
        .sort(),
    ).toEqual(['DeleteMessageBatch', 'ReceiveMessage']);
    // The task's GET polls ran no function that was counted.
    expect(rowsOf(snapshot, 'scheduler-api', 'lambda')[0]?.calls).toBe(1);
    expect(rowsOf(snapshot, 'api-authorizer', 'lambda')[0]?.calls).toBe(1);
  });

  it('answers the counts only with the admin key', async () => {
    const answer = await runtime.api('GET', '/_local/meter', undefined, {
      authorization: 'Bearer not-the-key',
    });
    expect(answer.status).toBe(401);
    expect(JSON.stringify(answer.body)).not.toContain('rows');
  });
});
