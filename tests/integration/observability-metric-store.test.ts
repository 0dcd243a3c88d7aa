/**
 * DynamoMetricStore against a real DynamoDB protocol server (dynalite): deltas ADDed per minute
 * and key, read back per minute, expired buckets left out, and a metrics report over a window of
 * minute buckets.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoMetricStore } from '../../shared/adapters/dynamo-metric-store.js';
import {
  addToSketch,
  emptySketch,
  type LatencySketch,
  sketchQuantile,
} from '../../shared/core/observability/latency-sketch.js';
import { metricsReport } from '../../shared/core/observability/metrics-report.js';
import type { MetricDelta } from '../../shared/core/observability/ports.js';
import { useLocalAws } from '../helpers/aws-local.js';
import { FixedClock, InMemoryTaskQueue, InMemoryTaskStore } from '../helpers/in-memory.js';

const aws = useLocalAws();
const RETENTION_DAYS = 30;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

const storeAt = (now: number, retentionDays = RETENTION_DAYS) =>
  new DynamoMetricStore(aws().dynamo, aws().tableName, retentionDays, () => now);

/** Each test counts in minutes of its own: the table is shared by the file. */
let windows = 0;
function aWindow(): number {
  windows += 1;
  return Date.UTC(2034, 0, 1, 12) + windows * 10 * DAY;
}
const minuteAt = (time: number) => new Date(time).toISOString().slice(0, 16);

/** A sketch of these latencies (ms), each once. */
const sketch = (latencies: number[] = []): LatencySketch => {
  const s = emptySketch();
  for (const ms of latencies) addToSketch(s, ms);
  return s;
};

const delta = (
  minute: string,
  key: string,
  counters: Record<string, number>,
  latencies: number[] = [],
): MetricDelta => ({ minute, key, counters, latency: sketch(latencies) });

describe('DynamoMetricStore', () => {
  it('adds deltas to their bucket: counters and sketch bins grow, the ttl is the minute’s', async () => {
    // Prepare
    const now = aWindow();
    const minute = minuteAt(now);
    const store = storeAt(now);

    // Act: two batches, and two writers at once.
    await store.add(delta(minute, 'all', { submitted: 2, succeeded: 1 }, [40]));
    await Promise.all([
      store.add(delta(minute, 'all', { submitted: 1, failed: 1 }, [40, 40, 70_000])),
      store.add(delta(minute, 'all', { succeeded: 1 }, [0, 3])),
    ]);

    // Assess
    const page = await aws().dynamo.send(
      new QueryCommand({
        TableName: aws().tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `METRIC#${minute}` },
      }),
    );
    expect(page.Items).toEqual([
      {
        pk: `METRIC#${minute}`,
        sk: 'all',
        ttl: now / 1000 + RETENTION_DAYS * 86_400,
        submitted: 3,
        succeeded: 2,
        failed: 1,
        // One attribute per sketch bin (its key, from the value alone), and the zeros.
        ...Object.fromEntries(
          Object.entries(sketch([40, 40, 40, 70_000, 3]).bins).map(([k, n]) => [`lp${k}`, n]),
        ),
        lz: 1,
      },
    ]);
    expect(await store.read([minute])).toEqual([
      delta(minute, 'all', { submitted: 3, succeeded: 2, failed: 1 }, [0, 3, 40, 40, 40, 70_000]),
    ]);
  });

  it('keeps keys and minutes apart, and reads only the minutes asked', async () => {
    // Prepare
    const now = aWindow();
    const [m0, m1, m2] = [minuteAt(now), minuteAt(now + MINUTE), minuteAt(now + 2 * MINUTE)];
    const store = storeAt(now);
    const model = { calls: 2, errors: 1, inputTokens: 10, outputTokens: 4, costUsd: 0.000125 };
    await store.add(delta(m0, 'all', { submitted: 1 }));
    await store.add(delta(m0, 'agent#alice', { submitted: 1 }));
    await store.add(delta(m1, 'model#gpt-4o-mini', model, [420, 480]));
    await store.add(delta(m2, 'all', { submitted: 5 }));

    // Act
    const buckets = await store.read([m0, m1]);

    // Assess
    expect(buckets).toEqual([
      delta(m0, 'agent#alice', { submitted: 1 }),
      delta(m0, 'all', { submitted: 1 }),
      delta(m1, 'model#gpt-4o-mini', model, [420, 480]),
    ]);
  });

  it('never reads an expired bucket, whether or not DynamoDB has deleted it yet', async () => {
    // Prepare: a bucket kept a day, read two days later.
    const now = aWindow();
    const minute = minuteAt(now);
    await storeAt(now, 1).add(delta(minute, 'all', { submitted: 1 }));

    // Act
    const buckets = await storeAt(now + 2 * DAY).read([minute]);

    // Assess
    expect(buckets).toEqual([]);
    expect(await storeAt(now).read([minute])).toHaveLength(1);
  });

  it('writes nothing for an empty delta, and refuses a counter that would clash with a key', async () => {
    // Prepare
    const now = aWindow();
    const minute = minuteAt(now);
    const store = storeAt(now);

    // Act
    await store.add(delta(minute, 'all', {}));
    const clash = await store.add(delta(minute, 'all', { ttl: 1 })).catch((e: unknown) => e);

    // Assess
    expect(await store.read([minute])).toEqual([]);
    expect(clash).toBeInstanceOf(Error);
  });

  it('reads a day of minutes', async () => {
    // Prepare
    const now = aWindow();
    const store = storeAt(now);
    const minutes = Array.from({ length: 1441 }, (_, i) => minuteAt(now - i * MINUTE));
    await store.add(delta(minutes[0] as string, 'all', { submitted: 1 }));
    await store.add(delta(minutes[1440] as string, 'all', { submitted: 2 }));

    // Act
    const buckets = await store.read(minutes);

    // Assess
    expect(buckets.map((b) => [b.minute, b.counters.submitted])).toEqual([
      [minutes[1440], 2],
      [minutes[0], 1],
    ]);
  });
});

describe('metricsReport over the metric store', () => {
  it('sums the buckets of the window’s minutes and leaves out older ones', async () => {
    // Prepare: now is 12:07:30; a 300 s window counts from 12:02:00.
    const now = aWindow() + 7 * MINUTE + 30_000;
    const store = storeAt(now);
    const at = (minutesAgo: number) => minuteAt(now - minutesAgo * MINUTE);
    await store.add(delta(at(6), 'all', { submitted: 100 })); // 12:01: outside
    await store.add(delta(at(5), 'all', { submitted: 4, succeeded: 3 }, [10, 10, 10])); // 12:02
    await store.add(delta(at(2), 'all', { submitted: 7, failed: 1 }, [5000]));
    await store.add(delta(at(0), 'all', { succeeded: 1 }, [5000]));
    await store.add(delta(at(5), 'agent#alice', { submitted: 4, succeeded: 3 }, [10, 10, 10]));
    await store.add(delta(at(1), 'model#echo', { calls: 3, errors: 0, costUsd: 0 }, [5, 5, 5]));
    // What the sketch answers for these latencies: within 1% of them.
    const [ten, fiveSeconds, five] = [10, 5000, 5].map((ms) => sketchQuantile(sketch([ms]), 0.5));
    const tasks = new InMemoryTaskStore();
    const queue = new InMemoryTaskQueue();

    // Act
    const report = await metricsReport(
      { metrics: store, tasks, queue },
      { windowSeconds: '300' },
      new FixedClock(new Date(now)),
    );

    // Assess
    expect(report).toEqual({
      windowSeconds: 300,
      from: new Date(now - 5 * MINUTE - 30_000).toISOString(),
      to: new Date(now).toISOString(),
      tasks: {
        submitted: 11,
        succeeded: 4,
        failed: 1,
        deadLettered: 0,
        perMinute: 2,
        latencyMs: { p50: ten, p95: fiveSeconds, p99: fiveSeconds },
      },
      byAgent: {
        alice: {
          submitted: 4,
          succeeded: 3,
          failed: 0,
          deadLettered: 0,
          perMinute: 0.73,
          latencyMs: { p50: ten, p95: ten, p99: ten },
        },
      },
      byModel: {
        echo: {
          calls: 3,
          errors: 0,
          inputTokens: 0,
          outputTokens: 0,
          costUsd: 0,
          latencyMs: { p50: five, p95: five },
        },
      },
      queue: {
        depth: { critical: 0, normal: 0, low: 0 },
        inFlight: 0,
        deadLettered: 0,
        inDeadLetterQueues: 0,
      },
    });
  });
});
