import { describe, expect, it } from 'vitest';
import { summarise, withPercentiles } from '../../shared/core/models/model-stats.js';
import type { ModelCallSample } from '../../shared/core/models/router.js';

import {
  addToSketch,
  emptySketch,
  type LatencySketch,
} from '../../shared/core/observability/latency-sketch.js';

/** A latency sketch of these durations (ms). */
function sketch(latencies: number[]): LatencySketch {
  const s = emptySketch();
  for (const ms of latencies) addToSketch(s, ms);
  return s;
}

const sample = (overrides: Partial<ModelCallSample> & { model: string }): ModelCallSample => ({
  ok: true,
  latencyMs: 1,
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  ...overrides,
});

describe('summarise', () => {
  it('sums calls, errors, tokens, cost and latencies per model, in order of first appearance', () => {
    // Prepare
    const samples: ModelCallSample[] = [
      sample({
        model: 'openai:gpt-4o',
        latencyMs: 120,
        inputTokens: 100,
        outputTokens: 10,
        costUsd: 0.001,
      }),
      sample({
        model: 'bedrock:amazon.nova-lite-v1:0',
        ok: false,
        latencyMs: 3,
        error: 'throttled',
      }),
      sample({
        model: 'openai:gpt-4o',
        ok: false,
        latencyMs: 30_001,
        error: 'timeout',
      }),
      sample({
        model: 'openai:gpt-4o',
        latencyMs: 240,
        inputTokens: 200,
        outputTokens: 20,
        costUsd: 0.002,
      }),
      sample({
        model: 'bedrock:amazon.nova-lite-v1:0',
        latencyMs: 90_000,
        inputTokens: 5,
        outputTokens: 7,
        costUsd: 0.0001,
      }),
    ];

    // Act
    const [gpt, nova, ...rest] = summarise(samples);

    // Assess
    expect(rest).toEqual([]);
    expect(gpt).toEqual({
      model: 'openai:gpt-4o',
      calls: 3,
      errors: 1,
      inputTokens: 300,
      outputTokens: 30,
      costUsd: expect.closeTo(0.003, 12),
      latency: sketch([120, 30_001, 240]),
    });
    expect(nova).toEqual({
      model: 'bedrock:amazon.nova-lite-v1:0',
      calls: 2,
      errors: 1,
      inputTokens: 5,
      outputTokens: 7,
      costUsd: 0.0001,
      latency: sketch([3, 90_000]),
    });
  });

  it('answers nothing for no samples', () => {
    // Act
    const deltas = summarise([]);

    // Assess
    expect(deltas).toEqual([]);
  });

  it('adds p50 and p95 to a summary', () => {
    // Prepare
    const [delta] = summarise([
      sample({ model: 'm', latencyMs: 4 }),
      sample({ model: 'm', latencyMs: 4 }),
      sample({ model: 'm', latencyMs: 700 }),
    ]);

    // Act
    const stats = withPercentiles(delta as NonNullable<typeof delta>);

    // Assess: within 1% of the exact 4 ms and 700 ms, where fixed buckets said 5 and 1 000.
    expect(stats.latencyMs.p50).toBeCloseTo(4, 1);
    expect(Math.abs((stats.latencyMs.p95 as number) - 700) / 700).toBeLessThan(0.0105);
    expect(stats.calls).toBe(3);
  });
});
