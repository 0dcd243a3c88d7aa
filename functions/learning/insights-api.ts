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
import { callerOf, createHttpApi, ok } from '../../shared/runtime/http-api.js';
import { implement } from '../../shared/runtime/http-contract.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { insightStore } from '../../shared/runtime/learning.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { agentStore, eventPublisher, once } from '../../shared/runtime/wiring.js';
import { insightRoutes } from './insights-contract.js';

const logger = createLogger('learning');

export interface InsightsApiDeps {
  insights: InsightStore;
  agents: AgentStore;
  /** For `security.denied` on refusals. */
  events: EventPublisher;
}

export function insightsApi(deps: () => InsightsApiDeps) {
  const authorization = () => new Authorization(deps().events, systemClock);
  return createHttpApi(
    implement(
      insightRoutes,
      {
        agent: async ({ params }, request) => {
          await authorization().requireAgent(
            callerOf(request),
            params.id,
            `insights:agent:${params.id}`,
          );
          return ok(await getAgentInsights(deps(), params.id));
        },
        report: async ({ page }) => ok(await insightReport(deps(), page)),
        recommend: async ({ body }) => ok(await recommend(deps(), body)),
      },
      {
        admin: (request, route) =>
          authorization().requireAdmin(callerOf(request), `insights:${route}`),
      },
    ),
  );
}

const deps = once(
  (): InsightsApiDeps => ({
    insights: insightStore(),
    agents: agentStore(),
    events: eventPublisher(),
  }),
);

export const handler = httpHandler(insightsApi(deps), logger);
