/** Kernel HTTP API: the agent registry, and the health check. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { publicAgent } from '../../shared/core/agents/agent.js';
import {
  type AgentDeps,
  changeAgentStatus,
  getAgent,
  listAgents,
  patchAgent,
  registerAgent,
} from '../../shared/core/agents/agent-service.js';
import { systemClock } from '../../shared/core/ports.js';
import { settings } from '../../shared/runtime/config.js';
import {
  createHttpApi,
  type HttpRequest,
  httpErrorHandler,
  ok,
  pageRequest,
} from '../../shared/runtime/http-api.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { configuredModels } from '../../shared/runtime/model-config.js';
import { agentStore, eventPublisher, once } from '../../shared/runtime/wiring.js';

const logger = createLogger('kernel');

const eventContext = (request: HttpRequest) => ({
  correlationId: request.correlationId,
  clock: systemClock,
});
const idOf = (request: HttpRequest) => request.pathParameters.id ?? '';

export function agentsApi(deps: () => AgentDeps) {
  return createHttpApi(
    {
      'GET /health': async () =>
        ok({
          status: 'ok',
          version: settings().AGENT_CORE_VERSION,
          runtime: settings().AGENT_CORE_RUNTIME,
        }),
      'POST /v1/agents': async (request) =>
        ok(publicAgent(await registerAgent(deps(), request.body, eventContext(request))), 201),
      'GET /v1/agents': async (request) =>
        ok(
          await listAgents(deps(), { ...pageRequest(request.query), tag: request.query.tag }).then(
            (page) => ({ ...page, items: page.items.map(publicAgent) }),
          ),
        ),
      'GET /v1/agents/{id}': async (request) =>
        ok(publicAgent(await getAgent(deps(), idOf(request)))),
      'PATCH /v1/agents/{id}': async (request) =>
        ok(
          publicAgent(await patchAgent(deps(), idOf(request), request.body, eventContext(request))),
        ),
      'DELETE /v1/agents/{id}': async (request) =>
        ok(
          publicAgent(
            await changeAgentStatus(deps(), idOf(request), 'retire', eventContext(request)),
          ),
        ),
      'POST /v1/agents/{id}/pause': async (request) =>
        ok(
          publicAgent(
            await changeAgentStatus(deps(), idOf(request), 'pause', eventContext(request)),
          ),
        ),
      'POST /v1/agents/{id}/resume': async (request) =>
        ok(
          publicAgent(
            await changeAgentStatus(deps(), idOf(request), 'resume', eventContext(request)),
          ),
        ),
    },
    { publicRoutes: ['GET /health'] },
  );
}

const deps = once(
  (): AgentDeps => ({ agents: agentStore(), events: eventPublisher(), models: configuredModels() }),
);

export const handler = middy(agentsApi(deps))
  .use(injectLambdaContext(logger))
  .use(httpErrorHandler({ logger }));
