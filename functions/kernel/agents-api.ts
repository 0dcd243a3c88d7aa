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
  callerOf,
  createHttpApi,
  eventContextOf,
  type HttpRequest,
  ok,
} from '../../shared/runtime/http-api.js';
import { implement, routeKeyOf } from '../../shared/runtime/http-contract.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { configuredModels } from '../../shared/runtime/model-config.js';
import { agentStore, eventPublisher, once } from '../../shared/runtime/wiring.js';
import { agentRoutes } from './agents-contract.js';

const logger = createLogger('kernel');

/**
 * The registry is the admin's: an agent-scoped key may only read its own agent. Blueprints are
 * published definitions: any key may read them.
 */
export function agentsApi(deps: () => AgentDeps) {
  const authorization = () => new Authorization(deps().events, systemClock);
  const lifecycle =
    (action: 'retire' | 'pause' | 'resume') =>
    async ({ params }: { params: { id: string } }, request: HttpRequest) =>
      ok(publicAgent(await changeAgentStatus(deps(), params.id, action, eventContextOf(request))));
  return createHttpApi(
    implement(
      agentRoutes,
      {
        health: async () =>
          ok({
            status: 'ok',
            version: settings().AGENT_CORE_VERSION,
            runtime: settings().AGENT_CORE_RUNTIME,
          }),
        register: async ({ body }, request) =>
          ok(publicAgent(await registerAgent(deps(), body, eventContextOf(request))), 201),
        list: async ({ query, page }) => {
          const result = await listAgents(deps(), { ...page, tag: query.tag });
          return ok({ ...result, items: result.items.map(publicAgent) });
        },
        get: async ({ params }, request) => {
          await authorization().requireAgent(callerOf(request), params.id);
          return ok(publicAgent(await getAgent(deps(), params.id)));
        },
        patch: async ({ params, body }, request) =>
          ok(publicAgent(await patchAgent(deps(), params.id, body, eventContextOf(request)))),
        retire: lifecycle('retire'),
        pause: lifecycle('pause'),
        resume: lifecycle('resume'),
        blueprints: async ({ page }) => ok(listBlueprints(page)),
        blueprint: async ({ params }) => ok(getBlueprint(params.id)),
      },
      {
        admin: (request) => {
          const id = request.pathParameters.id;
          return authorization().requireAdmin(callerOf(request), id ? `agent:${id}` : 'agents');
        },
      },
    ),
    { publicRoutes: [routeKeyOf(agentRoutes.health)] },
  );
}

const deps = once(
  (): AgentDeps => ({ agents: agentStore(), events: eventPublisher(), models: configuredModels() }),
);

export const handler = httpHandler(agentsApi(deps), logger);
