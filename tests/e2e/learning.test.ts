/**
 * The learning layer on the local runtime: finished tasks and workflows become insights, and an
 * `auto` workflow runs the strategy that this history favours, recording its confidence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RuntimeHandle, removeDataDir, startRuntime } from '../helpers/runtime.js';

let runtime: RuntimeHandle;

const steps = [
  { id: 'a', agentId: 'slow' },
  { id: 'b', agentId: 'slow' },
  { id: 'c', agentId: 'slow' },
];

async function runWorkflow(strategy: string, extra: Record<string, unknown> = {}) {
  const { status, body } = await runtime.api('POST', '/v1/workflows', {
    name: `history-${strategy}`,
    strategy,
    input: 'x',
    steps,
    ...extra,
  });
  expect(status, JSON.stringify(body)).toBe(202);
  return eventually(
    async () => {
      const { body: w } = await runtime.api('GET', `/v1/workflows/${body.id}`);
      return w.status === 'running' ? undefined : w;
    },
    { timeoutMs: 60_000, what: `workflow ${body.id}` },
  );
}

beforeAll(async () => {
  runtime = await startRuntime();
  await runtime.api('POST', '/v1/agents', {
    id: 'slow',
    model: { provider: 'scripted', turns: [{ text: 'done', delayMs: 300 }] },
  });
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  if (runtime) removeDataDir(runtime.dataDir);
});

describe('auto', () => {
  it('falls back to a documented default, with low confidence, before there is history', async () => {
    const { body } = await runtime.api('POST', '/v1/insights/recommend', {
      steps,
      priority: 'speed',
    });
    expect(body).toMatchObject({ strategy: 'parallel', basedOn: { executions: 0 } });
    expect(body.confidence).toBeLessThanOrEqual(0.1);
    expect(body.rationale).toMatch(/history/i);
  });

  it('picks the strategy the history favours: parallel, clearly faster per step', async () => {
    // Synthetic history: the same three slow steps in sequence and in parallel, six times each.
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => runWorkflow(i % 2 ? 'sequential' : 'parallel')).concat(
        Array.from({ length: 6 }, (_, i) => runWorkflow(i % 2 ? 'parallel' : 'sequential')),
      ),
    );
    // The learning layer reads the outcomes from its queue: wait until it has them all.
    const report = await eventually(
      async () => {
        const { body } = await runtime.api('GET', '/v1/insights/report');
        const count = (name: string) =>
          body.strategies.find((s: { strategy: string }) => s.strategy === name)?.executions ?? 0;
        return count('sequential') >= 6 && count('parallel') >= 6 ? body : undefined;
      },
      { what: 'the strategies in the insights report' },
    );
    const perStep = (name: string) =>
      report.strategies.find((s: { strategy: string }) => s.strategy === name).latencyPerStepMs.p50;
    expect(perStep('parallel')).toBeLessThan(perStep('sequential'));

    const auto = await runWorkflow('auto', { objective: 'speed' });
    expect(auto).toMatchObject({
      status: 'succeeded',
      strategy: 'auto',
      chosenStrategy: 'parallel',
    });
    expect(auto.confidence).toBeGreaterThan(0.5);
    expect(auto.recommendation.basedOn.executions).toBeGreaterThanOrEqual(12);

    // The agent's own insights: every step task counted, all succeeded.
    const { body: insights } = await runtime.api('GET', '/v1/insights/agents/slow');
    expect(insights.executions).toBeGreaterThanOrEqual(36);
    expect(insights.successRate).toBe(1);
    expect(insights.latencyMs.p50).toBeGreaterThanOrEqual(300);
  });
});
