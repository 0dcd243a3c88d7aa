/** Kernel HTTP API: the agent registry, the blueprints agents are made from, and the health check. */
import { publicAgent } from '../../shared/core/agents/agent.js';
import {
  type AgentDeps,
  changeAgentStatus,
  getAgent,
  listAgents,
  patchAgent,
  registerAgent,
} from '../../shared/core/agents/agent-service.js';
import { getBlueprint, listBlueprints } from '../../shared/core/blueprints/blueprint-service.js';
import { systemClock } from '../../shared/core/ports.js';
import { Authorization } from '../../shared/core/security/authorization.js';
import { settings } from '../../shared/runtime/config.js';
import {
  actorOf,
  callerOf,
  createHttpApi,
  type HttpRequest,
  ok,
  pageRequest,
} from '../../shared/runtime/http-api.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { configuredModels } from '../../shared/runtime/model-config.js';
import { agentStore, eventPublisher, once } from '../../shared/runtime/wiring.js';

const logger = createLogger('kernel');

const eventContext = (request: HttpRequest) => ({
  correlationId: request.correlationId,
  clock: systemClock,
  actor: actorOf(request),
});
const idOf = (request: HttpRequest) => request.pathParameters.id ?? '';

/**
 * The registry is the admin's: an agent-scoped key may only read its own agent. Blueprints are
 * published definitions: any key may read them.
 */
export function agentsApi(deps: () => AgentDeps) {
  const authorization = () => new Authorization(deps().events, systemClock);
  const admin = (request: HttpRequest) =>
    authorization().requireAdmin(
      callerOf(request),
      request.pathParameters.id ? `agent:${idOf(request)}` : 'agents',
    );
  const lifecycle = (action: 'retire' | 'pause' | 'resume') => async (request: HttpRequest) => {
    await admin(request);
    return ok(
      publicAgent(await changeAgentStatus(deps(), idOf(request), action, eventContext(request))),
    );
  };
  return createHttpApi(
    {
      'GET /health': async () =>
        ok({
          status: 'ok',
          version: settings().AGENT_CORE_VERSION,
          runtime: settings().AGENT_CORE_RUNTIME,
        }),
      'POST /v1/agents': async (request) => {
        await admin(request);
        return ok(
          publicAgent(await registerAgent(deps(), request.body, eventContext(request))),
          201,
        );
      },
      'GET /v1/agents': async (request) => {
        await admin(request);
        const page = await listAgents(deps(), {
          ...pageRequest(request.query),
          tag: request.query.tag,
        });
        return ok({ ...page, items: page.items.map(publicAgent) });
      },
      'GET /v1/agents/{id}': async (request) => {
        await authorization().requireAgent(callerOf(request), idOf(request));
        return ok(publicAgent(await getAgent(deps(), idOf(request))));
      },
      'PATCH /v1/agents/{id}': async (request) => {
        await admin(request);
        return ok(
          publicAgent(await patchAgent(deps(), idOf(request), request.body, eventContext(request))),
        );
      },
      'GET /v1/blueprints': async (request) => ok(listBlueprints(pageRequest(request.query))),
      'GET /v1/blueprints/{id}': async (request) => ok(getBlueprint(idOf(request))),
      'DELETE /v1/agents/{id}': lifecycle('retire'),
      'POST /v1/agents/{id}/pause': lifecycle('pause'),
      'POST /v1/agents/{id}/resume': lifecycle('resume'),
    },
    { publicRoutes: ['GET /health'] },
  );
}

const deps = once(
  (): AgentDeps => ({ agents: agentStore(), events: eventPublisher(), models: configuredModels() }),
);

export const handler = httpHandler(agentsApi(deps), logger);
