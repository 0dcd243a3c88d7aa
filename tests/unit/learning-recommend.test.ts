/**
 * Strategy recommendation on synthetic histories: more evidence gives more confidence, a clearly
 * faster strategy wins under `speed`, a better-scoring one under `quality`, no history gives the
 * documented default with low confidence and says so; and the request's validation.
 */
import { describe, expect, it } from 'vitest';
import type { RecommendableStrategy } from '../../events/workflow-strategies.js';
import { ValidationError } from '../../shared/core/errors.js';
import { recommend } from '../../shared/core/learning/insight-service.js';
import { type InsightKey, insightKey } from '../../shared/core/learning/outcome.js';
import type { InsightStore } from '../../shared/core/learning/ports.js';
import {
  chooseStrategy,
  confidenceOf,
  FALLBACK_CONFIDENCE,
  MIN_EXECUTIONS,
  normalCdf,
} from '../../shared/core/learning/recommend.js';
import type { Execution } from '../../shared/core/learning/stats.js';
import { emptySummary, type InsightSummary } from '../../shared/core/learning/summary.js';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');

/** A deterministic uniform generator in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Profile {
  /** Median latency per step (ms); each run within ±40% of it. */
  perStepMs: number;
  /** Share of runs that succeed. */
  successRate?: number;
  /** Mean quality score (±0.1), or none. */
  quality?: number;
}

/** `n` past runs of a strategy that behaves like `profile`. */
function runs(n: number, profile: Profile, seed = 1): Execution[] {
  const next = random(seed);
  return Array.from({ length: n }, (_, i) => {
    const ok = next() < (profile.successRate ?? 1);
    return {
      id: `ev-${seed}-${i}`,
      at: T0 + i * 60_000,
      ok,
      latencyMs: ok ? profile.perStepMs * (1 + 0.4 * (2 * next() - 1)) : null,
      costUsd: 0.01,
      quality:
        ok && profile.quality !== undefined
          ? Math.min(1, Math.max(0, profile.quality + 0.1 * (2 * next() - 1)))
          : null,
    };
  });
}

describe('normalCdf and confidenceOf', () => {
  it.each([
    [0, 0.5],
    [1, 0.841345],
    [-1, 0.158655],
    [1.959964, 0.975],
    [3, 0.99865],
  ])('Φ(%d) ≈ %d', (x, expected) => {
    // Act + Assess
    expect(normalCdf(x)).toBeCloseTo(expected, 5);
  });

  it('is 0 for no difference and 2Φ(Δ/σ) − 1 otherwise', () => {
    // Act + Assess
    expect(confidenceOf(0, 0.1)).toBe(0);
    expect(confidenceOf(0.196, 0.1)).toBeCloseTo(0.95, 3);
  });
});

describe('chooseStrategy', () => {
  it('picks the clearly faster strategy under speed, with high confidence', () => {
    // Prepare: parallel runs a step in ~100 ms, sequential in ~300 ms.
    const history = {
      parallel: runs(30, { perStepMs: 100 }, 1),
      sequential: runs(30, { perStepMs: 300 }, 2),
    };

    // Act
    const answer = chooseStrategy({ hasDependencies: false, priority: 'speed' }, history);

    // Assess
    expect(answer.strategy).toBe('parallel');
    expect(answer.fallback).toBe(false);
    expect(answer.confidence).toBeGreaterThan(0.99);
    expect(answer.basedOn).toEqual({ executions: 60 });
    expect(answer.rationale).toMatch(
      /^parallel is faster: \d+ ms per step at the median against \d+ ms for sequential/,
    );
  });

  it('is more confident with more evidence of the same difference', () => {
    // Prepare: a modest difference (200 against 240 ms per step), seen 6, 20 and 80 times each.
    const answers = [6, 20, 80].map((n) =>
      chooseStrategy(
        { hasDependencies: false, priority: 'speed' },
        { parallel: runs(n, { perStepMs: 200 }, 3), sequential: runs(n, { perStepMs: 240 }, 4) },
      ),
    );

    // Assess
    const confidences = answers.map((a) => a.confidence);
    expect(answers.map((a) => a.strategy)).toEqual(['parallel', 'parallel', 'parallel']);
    expect(confidences[0]).toBeLessThan(confidences[1] as number);
    expect(confidences[1]).toBeLessThan(confidences[2] as number);
    expect(confidences[2]).toBeGreaterThan(0.9);
  });

  it('falls back to parallel (dag with dependencies) with low confidence and says so without history', () => {
    // Act
    const plain = chooseStrategy({ hasDependencies: false, priority: 'balanced' }, {});
    const withDeps = chooseStrategy({ hasDependencies: true, priority: 'speed' }, {});

    // Assess
    expect(plain).toMatchObject({
      strategy: 'parallel',
      confidence: FALLBACK_CONFIDENCE,
      fallback: true,
      basedOn: { executions: 0 },
    });
    expect(plain.rationale).toMatch(/^Not enough history to compare/);
    expect(plain.rationale).toContain('Defaulting to parallel');
    expect(withDeps).toMatchObject({
      strategy: 'dag',
      confidence: FALLBACK_CONFIDENCE,
      fallback: true,
    });
    expect(withDeps.candidates.map((c) => c.strategy)).toEqual(['dag', 'sequential']);
  });

  it('falls back while either candidate has fewer than the minimum of runs', () => {
    // Prepare: plenty of sequential, one run short for parallel.
    const history = {
      sequential: runs(50, { perStepMs: 100 }, 5),
      parallel: runs(MIN_EXECUTIONS - 1, { perStepMs: 900 }, 6),
    };

    // Act
    const answer = chooseStrategy({ hasDependencies: false, priority: 'speed' }, history);

    // Assess
    expect(answer).toMatchObject({
      strategy: 'parallel',
      fallback: true,
      confidence: FALLBACK_CONFIDENCE,
    });
    expect(answer.rationale).toContain(`parallel ${MIN_EXECUTIONS - 1}, sequential 50`);
  });

  it('picks the higher-quality strategy under quality, even when it is slower', () => {
    // Prepare: sequential scores ~0.9 but is slow; parallel scores ~0.6 and is fast.
    const history = {
      parallel: runs(25, { perStepMs: 100, quality: 0.6 }, 7),
      sequential: runs(25, { perStepMs: 400, quality: 0.9 }, 8),
    };

    // Act
    const quality = chooseStrategy({ hasDependencies: false, priority: 'quality' }, history);
    const speed = chooseStrategy({ hasDependencies: false, priority: 'speed' }, history);

    // Assess
    expect(quality).toMatchObject({
      strategy: 'sequential',
      qualityMeasure: 'score',
      fallback: false,
    });
    expect(quality.confidence).toBeGreaterThan(0.99);
    expect(quality.rationale).toMatch(/a mean quality score of 0\.\d+ against 0\.\d+ for parallel/);
    expect(speed.strategy).toBe('parallel');
  });

  it('judges quality by success rate when there are too few quality scores', () => {
    // Prepare: no scores; dag fails a third of its runs, sequential almost never.
    const history = {
      dag: runs(60, { perStepMs: 100, successRate: 0.65 }, 9),
      sequential: runs(60, { perStepMs: 300, successRate: 0.98 }, 10),
    };

    // Act
    const answer = chooseStrategy({ hasDependencies: true, priority: 'quality' }, history);

    // Assess
    expect(answer).toMatchObject({ strategy: 'sequential', qualityMeasure: 'success' });
    expect(answer.rationale).toContain('too few quality scores to compare, so success counts');
  });

  it('weighs speed against failures under balanced', () => {
    // Prepare: parallel is 3× faster but fails half its runs.
    const flaky = {
      parallel: runs(40, { perStepMs: 100, successRate: 0.5 }, 11),
      sequential: runs(40, { perStepMs: 300 }, 12),
    };
    const reliable = {
      parallel: runs(40, { perStepMs: 100 }, 13),
      sequential: runs(40, { perStepMs: 300 }, 14),
    };

    // Act
    const whenFlaky = chooseStrategy({ hasDependencies: false, priority: 'balanced' }, flaky);
    const whenReliable = chooseStrategy({ hasDependencies: false, priority: 'balanced' }, reliable);

    // Assess
    expect(whenFlaky.strategy).toBe('sequential');
    expect(whenReliable.strategy).toBe('parallel');
    expect(whenReliable.rationale).toContain('better balance of speed and quality');
  });

  it('has low confidence when the candidates perform alike', () => {
    // Prepare: the same profile for both.
    const history = {
      parallel: runs(40, { perStepMs: 200 }, 15),
      sequential: runs(40, { perStepMs: 200 }, 16),
    };

    // Act
    const answer = chooseStrategy({ hasDependencies: false, priority: 'speed' }, history);

    // Assess
    expect(answer.confidence).toBeLessThan(0.5);
    expect(answer.rationale).toContain('the two are close');
  });
});

/** An insight store that only answers getMany, from a fixed set of summaries. */
function storeWith(history: Partial<Record<RecommendableStrategy, Execution[]>>) {
  const summaries = new Map<InsightKey, InsightSummary>();
  for (const [strategy, window] of Object.entries(history)) {
    const key = insightKey('strategy', strategy);
    summaries.set(key, { ...emptySummary(key), window, executions: window.length });
  }
  const asked: InsightKey[][] = [];
  const unused = () => Promise.reject(new Error('not used by recommend'));
  const store: InsightStore = {
    getMany: async (keys) => {
      asked.push([...keys]);
      return new Map([...summaries].filter(([key]) => keys.includes(key)));
    },
    get: unused,
    update: unused,
    list: unused,
    logAnomalies: unused,
    recentAnomalies: unused,
  };
  return { store, asked };
}

describe('recommend', () => {
  it('reads the two candidates in one call and chooses among them', async () => {
    // Prepare
    const { store, asked } = storeWith({
      dag: runs(20, { perStepMs: 80 }, 17),
      sequential: runs(20, { perStepMs: 400 }, 18),
      parallel: runs(20, { perStepMs: 1 }, 19),
    });

    // Act
    const answer = await recommend(
      { insights: store },
      {
        steps: [
          { id: 'scan', agentId: 'scanner' },
          {
            id: 'review',
            agentId: 'reviewer',
            dependsOn: ['scan'],
            input: '{{steps.scan.output}}',
          },
        ],
        priority: 'speed',
      },
    );

    // Assess: parallel would break the dependency, however fast it is.
    expect(asked).toEqual([['strategy:dag', 'strategy:sequential']]);
    expect(answer.strategy).toBe('dag');
    expect(answer.basedOn.executions).toBe(40);
  });

  it('defaults the priority to balanced', async () => {
    // Prepare
    const { store } = storeWith({});

    // Act
    const answer = await recommend({ insights: store }, { steps: [{ id: 'a', agentId: 'calc' }] });

    // Assess
    expect(answer).toMatchObject({ priority: 'balanced', strategy: 'parallel', fallback: true });
  });

  it.each([
    ['no body', undefined, ['']],
    ['steps missing', { priority: 'speed' }, ['steps']],
    ['steps empty', { steps: [], priority: 'speed' }, ['steps']],
    [
      'an unknown priority',
      { steps: [{ id: 'a', agentId: 'calc' }], priority: 'cheap' },
      ['priority'],
    ],
    ['a bad agent id', { steps: [{ id: 'a', agentId: 'Not An Id' }] }, ['steps.0.agentId']],
    ['an unknown field', { steps: [{ id: 'a', agentId: 'calc' }], strategy: 'dag' }, ['strategy']],
    [
      'dependsOn naming an unknown step',
      {
        steps: [
          { id: 'a', agentId: 'calc' },
          { id: 'b', agentId: 'calc', dependsOn: ['a', 'zz'] },
        ],
      },
      ['steps.1.dependsOn.1'],
    ],
    [
      'a duplicate step id',
      {
        steps: [
          { id: 'a', agentId: 'calc' },
          { id: 'a', agentId: 'calc' },
        ],
      },
      ['steps.1.id'],
    ],
    [
      'a cycle',
      {
        steps: [
          { id: 'a', agentId: 'calc', dependsOn: ['c'] },
          { id: 'b', agentId: 'calc', dependsOn: ['a'] },
          { id: 'c', agentId: 'calc', dependsOn: ['b'] },
          { id: 'd', agentId: 'calc' },
        ],
      },
      ['steps.0.dependsOn', 'steps.1.dependsOn', 'steps.2.dependsOn'],
    ],
  ])('refuses %s with a ValidationError naming the field', async (_what, body, paths) => {
    // Prepare
    const { store, asked } = storeWith({});

    // Act
    const error = await recommend({ insights: store }, body).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details?.map((d) => d.path)).toEqual(paths);
    expect(asked).toEqual([]);
  });
});
