/**
 * The learning layer as a function is configured: the insight store and what learning needs.
 * `AGENT_CORE_INSIGHTS_WINDOW` sets how many executions each agent and strategy keeps
 * (default 1000, 50..4000: a summary is one DynamoDB item). Built once per process, on first use.
 */
import * as z from 'zod';
import { dynamoClient } from '../adapters/clients/dynamodb.js';
import { DynamoInsightStore } from '../adapters/dynamo-insight-store.js';
import { DEFAULT_ANOMALY_CONFIG } from '../core/learning/anomaly.js';
import type { LearnDeps } from '../core/learning/insight-service.js';
import { DEFAULT_WINDOW_SIZE, type LearningConfig } from '../core/learning/summary.js';
import { once } from '../core/once.js';
import { systemClock } from '../core/ports.js';
import { ConfigError, settings, tableName } from './config.js';
import { eventPublisher } from './wiring.js';

export const INSIGHTS_WINDOW_VARIABLE = 'AGENT_CORE_INSIGHTS_WINDOW';

const learningSettings = z.object({
  [INSIGHTS_WINDOW_VARIABLE]: z.coerce
    .number()
    .int()
    .min(50)
    .max(4000)
    .default(DEFAULT_WINDOW_SIZE),
});

/** The learning configuration of this process; a malformed value is a ConfigError naming it. */
export function loadLearningConfig(env: NodeJS.ProcessEnv = process.env): LearningConfig {
  const result = learningSettings.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(`environment variable ${INSIGHTS_WINDOW_VARIABLE}: ${issue?.message}`);
  }
  return { windowSize: result.data[INSIGHTS_WINDOW_VARIABLE], anomaly: DEFAULT_ANOMALY_CONFIG };
}

export const learningConfig = /* @__PURE__ */ once(() => loadLearningConfig());

export const insightStore = /* @__PURE__ */ once(
  () =>
    new DynamoInsightStore(dynamoClient(), tableName(), {
      anomalyRetentionDays: settings().AGENT_CORE_EVENT_RETENTION_DAYS,
    }),
);

/** Everything learning from outcomes needs, as this process is configured. */
export const learnDeps = /* @__PURE__ */ once(
  (): LearnDeps => ({
    insights: insightStore(),
    events: eventPublisher(),
    clock: systemClock,
    config: learningConfig(),
  }),
);
