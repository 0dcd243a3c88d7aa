/**
 * Learning HTTP API. `GET /v1/insights/agents/{id}`: the admin, or that agent's own key.
 * `GET /v1/insights/report` (every agent and strategy): the admin only. `POST
 * /v1/insights/recommend`: any key (it reveals only strategies' aggregate history).
 */

import {
  getAgentInsights,
  insightReport,
  recommend,
} from '../../shared/core/learning/insight-service.js';
import type { InsightStore } from '../../shared/core/learning/ports.js';
import { type AgentStore, type EventPublisher, systemClock } from '../../shared/core/ports.js';
import { Authorization } from '../../shared/core/security/authorization.js';
import { callerOf, createHttpApi, ok, pageRequest } from '../../shared/runtime/http-api.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { insightStore } from '../../shared/runtime/learning.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { agentStore, eventPublisher, once } from '../../shared/runtime/wiring.js';

const logger = createLogger('learning');

export interface InsightsApiDeps {
  insights: InsightStore;
  agents: AgentStore;
  /** For `security.denied` on refusals. */
  events: EventPublisher;
}

export function insightsApi(deps: () => InsightsApiDeps) {
  const authorization = () => new Authorization(deps().events, systemClock);
  return createHttpApi({
    'GET /v1/insights/agents/{id}': async (request) => {
      const agentId = request.pathParameters.id ?? '';
      await authorization().requireAgent(callerOf(request), agentId, `insights:agent:${agentId}`);
      return ok(await getAgentInsights(deps(), agentId));
    },
    'GET /v1/insights/report': async (request) => {
      await authorization().requireAdmin(callerOf(request), 'insights:report');
      return ok(await insightReport(deps(), pageRequest(request.query)));
    },
    'POST /v1/insights/recommend': async (request) => ok(await recommend(deps(), request.body)),
  });
}

const deps = once(
  (): InsightsApiDeps => ({
    insights: insightStore(),
    agents: agentStore(),
    events: eventPublisher(),
  }),
);

export const handler = httpHandler(insightsApi(deps), logger);
