/**
 * Turns an agent's model spec into the provider that serves one attempt of a task: a route's
 * targets (or a direct provider spec as a route of one) behind the router, with retries,
 * fallback, breakers, prices and measurements.
 */
import { TaskAttemptError, ValidationError } from '../errors.js';
import type { ModelProvider } from '../kernel/model-provider.js';
import type { ModelSpec, ProviderSpec } from '../kernel/model-spec.js';
import { CircuitBreakers } from './circuit-breaker.js';
import { ModelKeyPolicy } from './model-key-policy.js';
import { PriceTable } from './prices.js';
import { bedrockModelsOf, type RouteConfig } from './route-config.js';
import { RoutedModel, type RouteObserver } from './router.js';

/** Builds the provider of one target for one attempt (real providers come from the runtime). */
export type ProviderFactory = (spec: ProviderSpec, attempt: number) => ModelProvider;

export class ModelResolver {
  readonly breakers: CircuitBreakers;

  constructor(
    readonly config: RouteConfig,
    private readonly factory: ProviderFactory,
    readonly prices: PriceTable = new PriceTable(),
    now: () => number = Date.now,
    /** Which variables `openai` targets may read their key from. */
    readonly keyPolicy: ModelKeyPolicy = new ModelKeyPolicy(),
  ) {
    this.breakers = new CircuitBreakers(config.breaker, now);
  }

  routeNames(): string[] {
    return Object.keys(this.config.routes);
  }

  /** Refuses a spec this configuration cannot serve, naming the field. */
  check(spec: ModelSpec): void {
    if ('route' in spec && !Object.hasOwn(this.config.routes, spec.route)) {
      throw new ValidationError(`unknown model route '${spec.route}'`, [
        {
          path: 'model.route',
          message: `unknown route (configured: ${this.routeNames().join(', ')})`,
        },
      ]);
    }
    // The agent's registrant chooses the server too: its key must come from a model key's variable.
    if (
      'provider' in spec &&
      spec.provider === 'openai' &&
      !this.keyPolicy.allows(spec.apiKeyEnv)
    ) {
      throw new ValidationError(`apiKeyEnv '${spec.apiKeyEnv}' may not be used for a model key`, [
        { path: 'model.apiKeyEnv', message: this.keyPolicy.explain() },
      ]);
    }
    // Deployed, IAM lets the worker invoke only the Bedrock models the configuration names.
    if (
      'provider' in spec &&
      spec.provider === 'bedrock' &&
      !bedrockModelsOf(this.config).includes(spec.model)
    ) {
      throw new ValidationError(`Bedrock model '${spec.model}' is not enabled`, [
        {
          path: 'model.model',
          message: 'not enabled: name it in a route or in bedrockModels of AGENT_CORE_MODEL_ROUTES',
        },
      ]);
    }
  }

  resolve(spec: ModelSpec, attempt: number, observer?: RouteObserver): RoutedModel {
    const route = 'route' in spec ? spec.route : spec.provider;
    const targets =
      'route' in spec
        ? Object.hasOwn(this.config.routes, spec.route)
          ? this.config.routes[spec.route]
          : undefined
        : [spec];
    if (!targets) {
      // The agent was registered under a configuration that had this route.
      throw new TaskAttemptError('UnknownRoute', `model route '${route}' is not configured`, false);
    }
    return new RoutedModel(
      targets.map((target) => this.factory(target, attempt)),
      {
        route,
        breakers: this.breakers,
        retry: this.config.retry,
        prices: this.prices,
        ...(observer ? { observer } : {}),
      },
    );
  }
}
