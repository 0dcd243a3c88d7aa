/**
 * Models HTTP API: the configured routes, the providers, and per-model statistics. (Circuit
 * breakers live in each worker process, so their state is not shown here.)
 */
import type { ModelResolver } from '../../shared/core/models/model-resolver.js';
import type { ModelStatsStore } from '../../shared/core/ports.js';
import { createHttpApi, ok } from '../../shared/runtime/http-api.js';
import { implement } from '../../shared/runtime/http-contract.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { configuredModels } from '../../shared/runtime/model-config.js';
import { modelStatsStore, once } from '../../shared/runtime/wiring.js';
import { modelRoutes } from './models-contract.js';

const logger = createLogger('models');

export const PROVIDERS = ['bedrock', 'openai', 'echo', 'scripted'] as const;

export interface ModelsApiDeps {
  models: ModelResolver;
  stats: ModelStatsStore;
}

export function modelsApi(deps: () => ModelsApiDeps) {
  return createHttpApi(
    implement(modelRoutes, {
      list: async () => {
        const { models, stats } = deps();
        const targetName = (target: { provider: string; model?: string }) =>
          target.model ? `${target.provider}:${target.model}` : target.provider;
        return ok({
          routes: Object.entries(models.config.routes).map(([name, targets]) => ({
            name,
            targets: targets.map((target) => ({
              ...publicTarget(target),
              breaker: models.breakers.state(
                targetName(target as { provider: string; model?: string }),
              ),
            })),
          })),
          providers: PROVIDERS,
          retry: models.config.retry,
          breaker: models.config.breaker,
          models: (await stats.list()).map((s) => ({
            ...s,
            priced: models.prices.cost(s.model, 1, 1).priced,
          })),
        });
      },
    }),
  );
}

/** A route target as shown: what it is, never how it authenticates. */
function publicTarget(target: Record<string, unknown>): Record<string, unknown> {
  if (target.provider === 'scripted') return { provider: 'scripted' };
  return target;
}

const deps = once((): ModelsApiDeps => ({ models: configuredModels(), stats: modelStatsStore() }));

export const handler = httpHandler(modelsApi(deps), logger);
