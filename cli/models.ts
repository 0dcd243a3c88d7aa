/** Which models a route calls, as `GET /v1/models` shows them. */
import type { AgentCoreClient } from './api-client.js';

/** The targets a route calls, from `GET /v1/models`; an unknown route is an error. */
export async function routeModels(client: AgentCoreClient, route: string): Promise<string[]> {
  const { routes } = await client.get<{
    routes: { name: string; targets: { provider: string; model?: string }[] }[];
  }>('/v1/models');
  const found = routes.find((r) => r.name === route);
  if (!found) {
    throw new Error(
      `no model route '${route}' (configured: ${routes.map((r) => r.name).join(', ')}); see AGENT_CORE_MODEL_ROUTES`,
    );
  }
  return found.targets.map((t) => (t.model ? `${t.provider}:${t.model}` : t.provider));
}

/** Routes answered by no real model: their answers say nothing about a model. */
export const isDeterministicOnly = (models: string[]): boolean =>
  models.every((model) => model === 'echo' || model === 'scripted');
