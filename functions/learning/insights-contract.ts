/** The HTTP contract of the learning layer (handler: insights-api.ts). */
import * as z from 'zod';
import { RECOMMENDABLE_STRATEGIES } from '../../events/workflow-strategies.js';
import { recommendRequestSchema } from '../../shared/core/learning/insight-service.js';
import { PRIORITIES } from '../../shared/core/learning/recommend.js';
import { defineRoutes, isoTime, nullableTime, pathId } from '../../shared/runtime/http-contract.js';

const direction = z.enum(['rising', 'falling', 'stable', 'unknown']);
const nullableNumber = z.number().nullable();

/** What agents and strategies share: figures over the window of their latest executions. */
const common = {
  executions: z.number().int().meta({ description: 'Executions in the window.' }),
  totalExecutions: z.number().int(),
  successRate: nullableNumber,
  successes: z.number().int(),
  failures: z.number().int(),
  costUsd: z.object({ total: z.number(), mean: nullableNumber }),
  quality: z.object({ mean: z.number(), scored: z.number().int() }).nullable(),
  trend: z.object({ latency: direction, errorRate: direction }),
  from: nullableTime,
  to: nullableTime,
  updatedAt: nullableTime,
};
const latency = z.object({ p50: nullableNumber, p95: nullableNumber, mean: nullableNumber });

const anomalySchema = z
  .object({
    id: z.string(),
    agentId: z.string(),
    metric: z.enum(['latency', 'error-rate']),
    value: z.number(),
    baseline: z.number(),
    zScore: z.number(),
    taskId: z.string().nullable(),
    at: isoTime,
    message: z.string(),
  })
  .meta({ id: 'Anomaly' });

const agentInsightsSchema = z
  .object({
    agentId: z.string(),
    ...common,
    latencyMs: latency,
    baseline: z.object({
      latencyMs: z.object({ average: z.number(), logStdDev: z.number() }).nullable(),
      errorRate: z.object({ recent: z.number(), baseline: z.number() }).nullable(),
    }),
    anomalies: z.array(anomalySchema),
  })
  .meta({ id: 'AgentInsights' });

export const insightRoutes = defineRoutes({
  agent: {
    method: 'GET',
    path: '/v1/insights/agents/{id}',
    operationId: 'getAgentInsights',
    summary: "An agent's success rate, latency, cost, trend and anomalies",
    tag: 'insights',
    access: 'key',
    params: z.object({ id: pathId('The agent id.') }),
    responses: { 200: { description: 'Its insights.', schema: agentInsightsSchema } },
    errors: [403],
  },
  report: {
    method: 'GET',
    path: '/v1/insights/report',
    operationId: 'getInsightsReport',
    summary: 'Every strategy, a page of agents, the latest anomalies',
    tag: 'insights',
    access: 'admin',
    paginated: true,
    responses: {
      200: {
        description: 'The report.',
        schema: z
          .object({
            strategies: z.array(
              z.object({ strategy: z.string(), ...common, latencyPerStepMs: latency }),
            ),
            agents: z.array(agentInsightsSchema),
            nextCursor: z.string().nullable(),
            recentAnomalies: z.array(anomalySchema),
          })
          .meta({ id: 'InsightsReport' }),
      },
    },
  },
  recommend: {
    method: 'POST',
    path: '/v1/insights/recommend',
    operationId: 'recommendStrategy',
    summary: 'Which strategy to run these steps with, and how sure',
    tag: 'insights',
    access: 'key',
    body: recommendRequestSchema.meta({ id: 'RecommendRequest' }),
    bodyName: 'recommendation request',
    responses: {
      200: {
        description: 'The recommendation.',
        schema: z
          .object({
            strategy: z.enum(RECOMMENDABLE_STRATEGIES),
            confidence: z.number().min(0).max(1),
            basedOn: z.object({ executions: z.number().int() }),
            rationale: z.string(),
            priority: z.enum(PRIORITIES),
            fallback: z.boolean().meta({ description: 'History was too thin: the default.' }),
            qualityMeasure: z.enum(['score', 'success']),
            candidates: z.array(
              z.object({
                strategy: z.enum(RECOMMENDABLE_STRATEGIES),
                executions: z.number().int(),
                utility: nullableNumber,
                successRate: nullableNumber,
                latencyPerStepMs: nullableNumber,
                quality: nullableNumber,
              }),
            ),
          })
          .meta({ id: 'Recommendation' }),
      },
    },
    example: {
      steps: [
        { id: 'scan', agentId: 'scanner' },
        { id: 'review', agentId: 'reviewer', dependsOn: ['scan'] },
      ],
      priority: 'balanced',
    },
  },
});
