/** DynamoModelStatsStore against a real DynamoDB protocol server (dynalite). */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoModelStatsStore } from '../../shared/adapters/dynamo-model-stats-store.js';
import type { ModelStats } from '../../shared/core/models/model-stats.js';
import type { ModelCallSample } from '../../shared/core/models/router.js';
import {
  addToSketch,
  emptySketch,
  type LatencySketch,
  sketchCount,
  sketchQuantile,
} from '../../shared/core/observability/latency-sketch.js';
import { uniqueSuffix, useLocalAws } from '../helpers/aws-local.js';

const aws = useLocalAws();

/** A client that passes every command on and keeps the model of each stats update it sends. */
function countingClient() {
  const updates: string[] = [];
  const client = {
    send: (command: unknown) => {
      if (command instanceof UpdateCommand) {
        updates.push(String(command.input.Key?.pk).replace(/^MODELSTATS#/, ''));
      }
      return aws().dynamo.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient;
  return { client, updates };
}

/** Model names of one test alone: the table is shared by the file. */
const modelName = (label: string) => `openai:${label}-${uniqueSuffix()}`;

const sample = (
  model: string,
  latencyMs: number,
  extra: Partial<ModelCallSample> = {},
): ModelCallSample => ({
  model,
  ok: true,
  latencyMs,
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  ...extra,
});

function sketch(latencies: number[]): LatencySketch {
  const s = emptySketch();
  for (const ms of latencies) addToSketch(s, ms);
  return s;
}
const quantile = (latencies: number[], q: number) => sketchQuantile(sketch(latencies), q);

async function statsOf(store: DynamoModelStatsStore, model: string): Promise<ModelStats> {
  const found = (await store.list()).filter((stats) => stats.model === model);
  expect(found).toHaveLength(1);
  return found[0] as ModelStats;
}

describe('DynamoModelStatsStore', () => {
  it('adds up samples of two models over several calls, concurrent ones included', async () => {
    // Prepare
    const store = new DynamoModelStatsStore(aws().dynamo, aws().tableName);
    const gpt = modelName('gpt');
    const nova = modelName('nova');

    // Act
    await store.record([
      sample(gpt, 120, { inputTokens: 100, outputTokens: 10, costUsd: 0.001 }),
      sample(nova, 3, { ok: false, error: 'throttled' }),
    ]);
    await Promise.all([
      store.record([sample(gpt, 240, { inputTokens: 200, outputTokens: 20, costUsd: 0.002 })]),
      store.record([sample(gpt, 30_001, { ok: false, error: 'timeout' })]),
      store.record([sample(nova, 90_000, { inputTokens: 5, outputTokens: 7, costUsd: 0.0001 })]),
    ]);
    await store.record([sample(gpt, 4, { inputTokens: 1, outputTokens: 1, costUsd: 0.000001 })]);

    // Assess
    expect(await statsOf(store, gpt)).toEqual({
      model: gpt,
      calls: 4,
      errors: 1,
      inputTokens: 301,
      outputTokens: 31,
      costUsd: expect.closeTo(0.003001, 12),
      latency: sketch([4, 120, 240, 30_001]),
      latencyMs: { p50: quantile([120], 0.5), p95: quantile([30_001], 0.5) },
    });
    expect(await statsOf(store, nova)).toEqual({
      model: nova,
      calls: 2,
      errors: 1,
      inputTokens: 5,
      outputTokens: 7,
      costUsd: 0.0001,
      latency: sketch([3, 90_000]),
      latencyMs: { p50: quantile([3], 0.5), p95: quantile([90_000], 0.5) },
    });
  });

  it('loses no sample when separate stores write the same model at once', async () => {
    // Prepare: like many worker processes, each with its own store.
    const stores = Array.from(
      { length: 8 },
      () => new DynamoModelStatsStore(aws().dynamo, aws().tableName),
    );
    const model = modelName('shared');

    // Act
    await Promise.all(
      stores.map((store, i) => store.record([sample(model, 20), sample(model, 20 + i * 1_000)])),
    );

    // Assess
    const stats = await statsOf(stores[0] as DynamoModelStatsStore, model);
    expect(stats.calls).toBe(16);
    expect(sketchCount(stats.latency)).toBe(16);
    expect(stats.latency).toEqual(
      sketch([
        ...Array.from({ length: 9 }, () => 20),
        ...[1, 2, 3, 4, 5, 6, 7].map((i) => 20 + i * 1_000),
      ]),
    );
  });

  it('writes samples recorded in the same tick once per model', async () => {
    // Prepare
    const { client, updates } = countingClient();
    const store = new DynamoModelStatsStore(client, aws().tableName);
    const a = modelName('a');
    const b = modelName('b');

    // Act: five callers in one turn of the event loop, then one more in a later turn.
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => store.record([sample(a, 10 + i), sample(b, 100)])),
    );
    const afterSameTick = [...updates];
    await store.record([sample(a, 1)]);

    // Assess
    expect(afterSameTick.sort()).toEqual([a, b].sort());
    expect(updates.slice(2)).toEqual([a]);
    expect((await statsOf(store, a)).calls).toBe(6);
    expect((await statsOf(store, b)).calls).toBe(5);
  });

  it('writes nothing for no samples', async () => {
    // Prepare
    const { client, updates } = countingClient();
    const store = new DynamoModelStatsStore(client, aws().tableName);

    // Act
    await store.record([]);

    // Assess
    expect(updates).toEqual([]);
  });

  it('rejects every caller of a batch whose write failed', async () => {
    // Prepare: a table that does not exist.
    const store = new DynamoModelStatsStore(aws().dynamo, `missing-${uniqueSuffix()}`);
    const model = modelName('lost');

    // Act
    const results = await Promise.allSettled([
      store.record([sample(model, 1)]),
      store.record([sample(model, 2)]),
    ]);

    // Assess
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
