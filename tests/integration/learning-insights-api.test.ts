/**
 * The learning API handler (`insightsApi`) behind middy and httpErrorHandler, with the real
 * DynamoDB stores on dynalite: who may read what (401 without a key; an agent key reads its own
 * insights only, 403 and `security.denied` otherwise; the report is the admin's), the answers'
 * shapes, and recommendations from history written by the learning consumer's use case.
 */
// The handler logs what it answers with a 500; those here are on purpose.
await vi.hoisted(async () => (await import('../helpers/quiet-logs.js')).quietLogs());

import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type InsightsApiDeps, insightsApi } from '../../functions/learning/insights-api.js';
import { DynamoAgentStore } from '../../shared/adapters/dynamo-agent-store.js';
import { DynamoInsightStore } from '../../shared/adapters/dynamo-insight-store.js';
import { newId } from '../../shared/core/ids.js';
import { recordOutcomes } from '../../shared/core/learning/insight-service.js';
import { insightKey, type Outcome } from '../../shared/core/learning/outcome.js';
import { DEFAULT_LEARNING_CONFIG } from '../../shared/core/learning/summary.js';
import { uniqueId, useLocalAws } from '../helpers/aws-local.js';
import { callHttp, type HttpCallOptions } from '../helpers/http-calls.js';
import { buildAgent, FixedClock, RecordingEventPublisher } from '../helpers/in-memory.js';

const aws = useLocalAws();
const T0 = Date.parse('2030-07-01T00:00:00.000Z');

let events: RecordingEventPublisher;

function deps(): InsightsApiDeps {
  return {
    insights: new DynamoInsightStore(aws().dynamo, aws().tableName, { anomalyRetentionDays: 30 }),
    agents: new DynamoAgentStore(aws().dynamo, aws().tableName),
    events,
  };
}

const call = (routeKey: string, options: HttpCallOptions = {}) => {
  const d = deps();
  return callHttp(
    insightsApi(() => d),
    routeKey,
    options,
  );
};

const AGENT = 'GET /v1/insights/agents/{id}';
const REPORT = 'GET /v1/insights/report';
const RECOMMEND = 'POST /v1/insights/recommend';

async function anAgent(prefix: string): Promise<string> {
  const id = uniqueId(prefix);
  await new DynamoAgentStore(aws().dynamo, aws().tableName).create(buildAgent({ id }));
  return id;
}

/** Learns `n` successful outcomes of `latencyMs` each for an agent or a strategy. */
async function learnt(key: ReturnType<typeof insightKey>, n: number, latencyMs: number) {
  const outcomes: Outcome[] = Array.from({ length: n }, (_, i) => ({
    key,
    ref: newId(),
    correlationId: 'corr',
    execution: {
      id: newId(),
      at: T0 + i * 1_000,
      ok: true,
      latencyMs: latencyMs * (1 + (i % 5) / 20),
      costUsd: 0.001,
      quality: null,
    },
  }));
  const result = await recordOutcomes(
    {
      insights: deps().insights,
      events,
      clock: new FixedClock('2030-07-02T00:00:00.000Z'),
      config: DEFAULT_LEARNING_CONFIG,
    },
    outcomes.map((outcome, i) => ({ recordId: `r${i}`, outcome })),
  );
  expect(result.failedRecordIds).toEqual([]);
}

beforeEach(() => {
  events = new RecordingEventPublisher();
});

describe('the insights API: authentication and authorization', () => {
  it('answers 401 on every route without a key', async () => {
    // Act
    const responses = await Promise.all([
      call(AGENT, { principal: '', path: { id: 'calc' } }),
      call(REPORT, { principal: '' }),
      call(RECOMMEND, { principal: '', body: { steps: [{ id: 'a', agentId: 'calc' }] } }),
    ]);

    // Assess
    expect(responses.map((r) => [r.statusCode, r.json.error.code])).toEqual([
      [401, 'Unauthorized'],
      [401, 'Unauthorized'],
      [401, 'Unauthorized'],
    ]);
  });

  it("refuses an agent key another agent's insights and the report, with security.denied", async () => {
    // Prepare
    const mine = await anAgent('mine');
    const theirs = await anAgent('theirs');

    // Act
    const other = await call(AGENT, { principal: `agent:${mine}`, path: { id: theirs } });
    const report = await call(REPORT, { principal: `agent:${mine}` });

    // Assess
    expect([other.statusCode, other.json.error.code]).toEqual([403, 'Forbidden']);
    expect([report.statusCode, report.json.error.code]).toEqual([403, 'Forbidden']);
    expect(events.types()).toEqual(['security.denied', 'security.denied']);
    expect(events.events.map((e) => e.detail.data.resource)).toEqual([
      `insights:agent:${theirs}`,
      'insights:report',
    ]);
  });

  it('lets an agent key read its own insights and ask for recommendations', async () => {
    // Prepare
    const mine = await anAgent('own');

    // Act
    const own = await call(AGENT, { principal: `agent:${mine}`, path: { id: mine } });
    const recommendation = await call(RECOMMEND, {
      principal: `agent:${mine}`,
      body: { steps: [{ id: 'a', agentId: mine }], priority: 'speed' },
    });

    // Assess
    expect(own.statusCode).toBe(200);
    expect(own.json).toMatchObject({ agentId: mine, executions: 0 });
    expect(recommendation.statusCode).toBe(200);
    expect(events.events).toEqual([]);
  });
});

describe('the insights API: answers', () => {
  it("shows an agent's success rate, latency, trend and anomalies; 404 for no such agent", async () => {
    // Prepare
    const agent = await anAgent('stats');
    await learnt(insightKey('agent', agent), 40, 200);

    // Act
    const found = await call(AGENT, { path: { id: agent } });
    const missing = await call(AGENT, { path: { id: uniqueId('ghost') } });

    // Assess
    expect(found.statusCode).toBe(200);
    expect(found.json).toMatchObject({
      agentId: agent,
      executions: 40,
      totalExecutions: 40,
      successRate: 1,
      latencyMs: { p50: 220, p95: 240 },
      costUsd: { total: 0.04, mean: 0.001 },
      quality: null,
      trend: { latency: 'stable', errorRate: 'stable' },
      anomalies: [],
      from: '2030-07-01T00:00:00.000Z',
      to: '2030-07-01T00:00:39.000Z',
    });
    expect(found.json.baseline.latencyMs.average).toBeGreaterThan(200);
    expect([missing.statusCode, missing.json.error.code]).toEqual([404, 'NotFound']);
  });

  it('reports strategies and pages of agents to the admin; a bad limit is a 400', async () => {
    // Prepare
    const agent = await anAgent('report');
    await learnt(insightKey('agent', agent), 3, 50);

    // Act
    const report = await call(REPORT, { query: { limit: '100' } });
    const bad = await call(REPORT, { query: { limit: '0' } });

    // Assess
    expect(report.statusCode).toBe(200);
    expect(Object.keys(report.json).sort()).toEqual(
      ['agents', 'nextCursor', 'recentAnomalies', 'strategies'].sort(),
    );
    expect(report.json.agents.map((a: { agentId: string }) => a.agentId)).toContain(agent);
    expect([bad.statusCode, bad.json.error.details]).toEqual([
      400,
      [{ path: 'limit', message: 'must be an integer from 1 to 100' }],
    ]);
  });

  it('recommends from strategy history, and refuses a bad body with 400 naming the fields', async () => {
    // Prepare: dag clearly faster per step than sequential.
    await learnt(insightKey('strategy', 'dag'), 20, 100);
    await learnt(insightKey('strategy', 'sequential'), 20, 400);

    // Act
    const answer = await call(RECOMMEND, {
      body: {
        steps: [
          { id: 'a', agentId: 'scanner' },
          { id: 'b', agentId: 'reviewer', dependsOn: ['a'] },
          { id: 'c', agentId: 'writer', dependsOn: ['a'] },
        ],
        priority: 'speed',
      },
    });
    const bad = await call(RECOMMEND, {
      body: { steps: [{ id: 'a', agentId: 'x1', dependsOn: ['nope'] }], priority: 'cheap' },
    });
    const notJson = await call(RECOMMEND, { rawBody: '{"steps": [' });

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(answer.json).toMatchObject({
      strategy: 'dag',
      fallback: false,
      priority: 'speed',
    });
    expect(answer.json.confidence).toBeGreaterThan(0.9);
    expect(answer.json.basedOn.executions).toBeGreaterThanOrEqual(40);
    expect(answer.json.rationale).toMatch(/^dag is faster/);
    expect(bad.statusCode).toBe(400);
    expect(bad.json.error.code).toBe('ValidationError');
    expect(bad.json.error.details.map((d: { path: string }) => d.path)).toEqual(['priority']);
    expect(notJson.statusCode).toBe(400);
    expect(JSON.parse(notJson.body as string).error.code).toBe('BadJson');
  });
});
