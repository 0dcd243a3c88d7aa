/**
 * DynamoInsightStore against a real DynamoDB protocol server (dynalite): summaries round-trip,
 * concurrent read-modify-writes of one key lose nothing, windows stay bounded (the largest
 * allowed window fits in one item), listing pages by name, and the anomaly log.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoInsightStore } from '../../shared/adapters/dynamo-insight-store.js';
import { ValidationError } from '../../shared/core/errors.js';
import { newId } from '../../shared/core/ids.js';
import type { Anomaly } from '../../shared/core/learning/anomaly.js';
import { type InsightKey, insightKey, type Outcome } from '../../shared/core/learning/outcome.js';
import { InsightWriteConflictError } from '../../shared/core/learning/ports.js';
import {
  DEFAULT_LEARNING_CONFIG,
  type InsightSummary,
  type LearningConfig,
  learn,
} from '../../shared/core/learning/summary.js';
import { uniqueId, useLocalAws } from '../helpers/aws-local.js';

const aws = useLocalAws();
const NOW = new Date('2030-04-01T00:00:00.000Z');
const T0 = Date.parse('2030-03-01T00:00:00.000Z');

const store = (options: Partial<ConstructorParameters<typeof DynamoInsightStore>[2]> = {}) =>
  new DynamoInsightStore(aws().dynamo, aws().tableName, {
    anomalyRetentionDays: 30,
    now: () => NOW,
    ...options,
  });

let sequence = 0;
/** A task outcome for an agent, `i` seconds after T0. */
function outcome(
  key: InsightKey,
  i: number,
  overrides: Partial<Outcome['execution']> = {},
): Outcome {
  sequence += 1;
  return {
    key,
    ref: `task-${sequence}`,
    correlationId: 'corr',
    execution: {
      id: newId(),
      at: T0 + i * 1_000,
      ok: true,
      latencyMs: 100 + (i % 10),
      costUsd: 0.000123,
      quality: null,
      ...overrides,
    },
  };
}

const learnInto =
  (key: InsightKey, outcomes: Outcome[], config: LearningConfig = DEFAULT_LEARNING_CONFIG) =>
  (current: InsightSummary | undefined) =>
    learn(current, key, outcomes, config, NOW);

async function rawItem(key: InsightKey) {
  const result = await aws().dynamo.send(
    new GetCommand({ TableName: aws().tableName, Key: { pk: `INSIGHT#${key}`, sk: 'SUMMARY' } }),
  );
  return result.Item;
}

describe('DynamoInsightStore summaries', () => {
  it('stores a summary and reads it back as it was', async () => {
    // Prepare
    const s = store();
    const key = insightKey('strategy', uniqueId('rt'));
    const outcomes = [
      outcome(key, 1, { latencyMs: 333.3333333, quality: 0.75 }),
      outcome(key, 2, { ok: false, latencyMs: null, costUsd: 0 }),
    ];

    // Act
    const written = await s.update(key, learnInto(key, outcomes));
    const read = await s.get(key);

    // Assess
    expect(read).toEqual({
      ...written,
      window: written?.window.map((e) =>
        e.latencyMs === null ? e : { ...e, latencyMs: Number(e.latencyMs.toFixed(3)) },
      ),
    });
    expect(read?.window.map((e) => [e.ok, e.latencyMs, e.quality])).toEqual([
      [true, 333.333, 0.75],
      [false, null, null],
    ]);
    expect(read).toMatchObject({ kind: 'strategy', executions: 2, baseline: null });
  });

  it('writes nothing when the change has nothing new', async () => {
    // Prepare
    const s = store();
    const key = insightKey('agent', uniqueId('same'));
    const outcomes = [outcome(key, 1), outcome(key, 2)];
    await s.update(key, learnInto(key, outcomes));

    // Act: the same outcomes again, as a redelivery brings them.
    const again = await s.update(key, learnInto(key, outcomes));

    // Assess
    expect(again?.executions).toBe(2);
    expect((await rawItem(key))?.version).toBe(1);
  });

  it('loses no outcome when many writers learn about one key at once', async () => {
    // Prepare: eight processes, each with its own store, each learning five outcomes.
    const key = insightKey('agent', uniqueId('busy'));
    const batches = Array.from({ length: 8 }, (_, w) =>
      Array.from({ length: 5 }, (_, i) => outcome(key, w * 5 + i)),
    );

    // Act
    await Promise.all(
      batches.map((batch) => store({ maxAttempts: 50 }).update(key, learnInto(key, batch))),
    );

    // Assess
    const summary = await store().get(key);
    expect(summary?.executions).toBe(40);
    expect(summary?.window.map((e) => e.id).sort()).toEqual(
      batches
        .flat()
        .map((o) => o.execution.id)
        .sort(),
    );
    expect(summary?.baseline?.errors.count).toBe(40);
    expect((await rawItem(key))?.version).toBe(8);
  });

  it('gives up with InsightWriteConflictError when it loses every race', async () => {
    // Prepare: a client that lets a rival write the key just before each of our summary puts.
    const key = insightKey('agent', uniqueId('race'));
    const rival = store();
    let rivalWrites = 0;
    const client = {
      send: async (command: unknown) => {
        if (command instanceof PutCommand && command.input.Item?.sk === 'SUMMARY') {
          rivalWrites += 1;
          await rival.update(key, learnInto(key, [outcome(key, 1_000 + rivalWrites)]));
        }
        return aws().dynamo.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    const loser = new DynamoInsightStore(client, aws().tableName, {
      anomalyRetentionDays: 30,
      maxAttempts: 3,
    });

    // Act
    const error = await loser
      .update(key, learnInto(key, [outcome(key, 1)]))
      .catch((e: unknown) => e);

    // Assess: three tries, each lost; the rival's three writes are all there, ours is not.
    expect(error).toBeInstanceOf(InsightWriteConflictError);
    expect((error as Error).message).toContain(`'${key}'`);
    expect(rivalWrites).toBe(3);
    expect((await store().get(key))?.executions).toBe(3);
  });

  it('keeps the window bounded, and the largest allowed window fits in one item', async () => {
    // Prepare
    const s = store();
    const small = insightKey('agent', uniqueId('small'));
    const large = insightKey('agent', uniqueId('large'));
    const smallConfig = { ...DEFAULT_LEARNING_CONFIG, windowSize: 30 };
    const largeConfig = { ...DEFAULT_LEARNING_CONFIG, windowSize: 4_000 };

    // Act
    for (let b = 0; b < 10; b++) {
      const batch = Array.from({ length: 10 }, (_, i) => outcome(small, b * 10 + i));
      await s.update(small, learnInto(small, batch, smallConfig));
    }
    const many = Array.from({ length: 4_100 }, (_, i) =>
      outcome(large, i, { latencyMs: 1_234.5678 + i, costUsd: 0.0012345 }),
    );
    await s.update(large, learnInto(large, many, largeConfig));

    // Assess
    const smallSummary = await s.get(small);
    expect(smallSummary?.window).toHaveLength(30);
    expect(smallSummary?.executions).toBe(100);
    expect(smallSummary?.window[0]?.at).toBe(T0 + 70_000);
    const largeSummary = await s.get(large);
    expect(largeSummary?.window).toHaveLength(4_000);
    expect(largeSummary?.executions).toBe(4_100);
    const stored = (await rawItem(large)) as Record<string, unknown>;
    const size = Object.entries(stored).reduce(
      (sum, [name, value]) =>
        sum + name.length + (value instanceof Uint8Array ? value.byteLength : String(value).length),
      0,
    );
    expect(size).toBeLessThan(350 * 1024);
  });

  it('stores the window gzipped, in a summary that carries no index keys', async () => {
    // Prepare: a full default window, as every busy agent has.
    const s = store();
    const key = insightKey('agent', uniqueId('gz'));
    const outcomes = Array.from({ length: 1_000 }, (_, i) =>
      outcome(key, i, { latencyMs: 100 + (i % 97) * 1.5 }),
    );

    // Act
    const written = await s.update(key, learnInto(key, outcomes));

    // Assess: gsi1 projects ALL, so index keys on the summary would write the window twice.
    const item = (await rawItem(key)) as Record<string, unknown>;
    expect(item.gsi1pk).toBeUndefined();
    expect(item.windowJson).toBeUndefined();
    expect(item.windowGz).toBeInstanceOf(Uint8Array);
    const json = JSON.stringify(written?.window.map((e) => [e.id, e.at, 1, e.latencyMs, 0, null]));
    expect((item.windowGz as Uint8Array).byteLength).toBeLessThan(json.length / 2);
    expect((await s.get(key))?.window).toHaveLength(1_000);
    const listing = await aws().dynamo.send(
      new GetCommand({ TableName: aws().tableName, Key: { pk: `INSIGHT#${key}`, sk: 'LISTING' } }),
    );
    expect(listing.Item).toMatchObject({ gsi1pk: 'INSIGHTS#agent', insightKey: key });
  });

  it('reads a summary written before (JSON window, index keys on it) and converts it once', async () => {
    // Prepare: the item as earlier versions wrote it.
    const s = store();
    const name = uniqueId('legacy');
    const key = insightKey('agent', name);
    const first = learn(
      undefined,
      key,
      [outcome(key, 1)],
      DEFAULT_LEARNING_CONFIG,
      NOW,
    ) as InsightSummary;
    await aws().dynamo.send(
      new PutCommand({
        TableName: aws().tableName,
        Item: {
          pk: `INSIGHT#${key}`,
          sk: 'SUMMARY',
          type: 'insight',
          gsi1pk: 'INSIGHTS#agent',
          gsi1sk: name,
          insightKey: key,
          kind: 'agent',
          name,
          version: 1,
          executions: first.executions,
          updatedAt: first.updatedAt,
          windowJson: JSON.stringify(
            first.window.map((e) => [e.id, e.at, 1, e.latencyMs, 0, null]),
          ),
          stateJson: JSON.stringify({
            baseline: first.baseline,
            anomalies: [],
            lastAnomalyAt: null,
          }),
        },
      }),
    );
    const listedNames = async () =>
      (await s.list('agent', { limit: 1_000 })).items.map((i) => i.name).filter((n) => n === name);

    // Act
    const before = await s.get(key);
    const listedBefore = await listedNames();
    await s.update(key, learnInto(key, [outcome(key, 2, { costUsd: 0 })]));

    // Assess
    expect(before?.window.map((e) => e.id)).toEqual(first.window.map((e) => e.id));
    expect(listedBefore).toEqual([name]);
    const item = (await rawItem(key)) as Record<string, unknown>;
    expect(item.gsi1pk).toBeUndefined();
    expect(item.windowGz).toBeInstanceOf(Uint8Array);
    expect((await s.get(key))?.executions).toBe(2);
    expect(await listedNames()).toEqual([name]);
  });

  it('reads several keys in one call, and lists one kind by name, page by page', async () => {
    // Prepare: three agents and a strategy with a unique prefix (the table is shared).
    const s = store();
    const prefix = uniqueId('ls');
    const names = ['b', 'a', 'c'].map((n) => `${prefix}-${n}`);
    for (const name of names) {
      const key = insightKey('agent', name);
      await s.update(key, learnInto(key, [outcome(key, 1)]));
    }
    const strategyKey = insightKey('strategy', `${prefix}-s`);
    await s.update(strategyKey, learnInto(strategyKey, [outcome(strategyKey, 1)]));

    // Act
    const many = await s.getMany([
      insightKey('agent', names[0] as string),
      insightKey('agent', `${prefix}-missing`),
      strategyKey,
    ]);
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await s.list('agent', { limit: 2, cursor });
      pages.push(page.items.map((i) => i.name));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const badCursor = await s.list('agent', { limit: 2, cursor: 'nope' }).catch((e: unknown) => e);

    // Assess
    expect([...many.keys()].sort()).toEqual(
      [insightKey('agent', names[0] as string), strategyKey].sort(),
    );
    const listed = pages.flat().filter((n) => n.startsWith(prefix));
    expect(listed).toEqual([...names].sort());
    expect(pages.every((p) => p.length <= 2)).toBe(true);
    expect(badCursor).toBeInstanceOf(ValidationError);
  });
});

describe('DynamoInsightStore anomaly log', () => {
  const anomaly = (at: string, agentId: string): Anomaly => ({
    id: `${newId()}:latency`,
    agentId,
    metric: 'latency',
    value: 900,
    baseline: 100,
    zScore: 8,
    taskId: 't1',
    at,
    message: 'slow',
    correlationId: 'corr',
    published: false,
  });

  it('lists the latest first, idempotently by id, and leaves out expired ones', async () => {
    // Prepare: one anomaly 40 days before NOW (past its 30 days), three recent, one twice.
    const s = store();
    const agent = uniqueId('an');
    const old = anomaly('2030-02-20T00:00:00.000Z', agent);
    const recent = [
      anomaly('2030-03-30T00:00:00.000Z', agent),
      anomaly('2030-03-31T00:00:00.000Z', agent),
      anomaly('2030-03-29T00:00:00.000Z', agent),
    ];

    // Act
    await s.logAnomalies([old, ...recent]);
    await s.logAnomalies([recent[0] as Anomaly]);
    const latest = (await s.recentAnomalies(100)).filter((a) => a.agentId === agent);
    const two = await s.recentAnomalies(2);

    // Assess
    expect(latest.map((a) => a.at)).toEqual([
      '2030-03-31T00:00:00.000Z',
      '2030-03-30T00:00:00.000Z',
      '2030-03-29T00:00:00.000Z',
    ]);
    expect(latest[0]).toEqual(recent[1]);
    expect(two).toHaveLength(2);
  });
});
