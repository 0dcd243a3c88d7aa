import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { TaskAttemptError, ValidationError } from '../../shared/core/errors.js';
import {
  type ModelProvider,
  type ModelRequest,
  type ModelResponse,
  providerFor,
} from '../../shared/core/kernel/model-provider.js';
import type { ModelSpec, ProviderSpec } from '../../shared/core/kernel/model-spec.js';
import { ModelResolver } from '../../shared/core/models/model-resolver.js';
import { DEFAULT_PRICES, PriceTable } from '../../shared/core/models/prices.js';
import {
  bedrockModelsOf,
  DEFAULT_ROUTES,
  parseRouteConfig,
} from '../../shared/core/models/route-config.js';
import type { ModelCallSample } from '../../shared/core/models/router.js';
import { RoutedModel } from '../../shared/core/models/router.js';

const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const NOVA = 'amazon.nova-lite-v1:0';

const request = (): ModelRequest => ({
  messages: [{ role: 'user', content: 'twelve chars' }],
  tools: [],
  maxTokens: 100,
  signal: new AbortController().signal,
});

/** Zod issue paths of a refused configuration. */
function refusal(value: unknown): string[] {
  try {
    parseRouteConfig(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ZodError);
    return (error as ZodError).issues.map((issue) => issue.path.join('.'));
  }
  throw new Error(`expected ${JSON.stringify(value)} to be refused`);
}

// ---------------------------------------------------------------------------------------------
// parseRouteConfig
// ---------------------------------------------------------------------------------------------

describe('parseRouteConfig', () => {
  it.each([
    ['an empty object', {}],
    ['undefined', undefined],
    ['null', null],
  ])('applies every default to %s, with the built-in default route', (_label, value) => {
    // Act
    const config = parseRouteConfig(value);

    // Assess
    expect(config).toEqual({
      routes: { default: [{ provider: 'echo' }] },
      bedrockModels: [],
      retry: { attempts: 2, baseDelayMs: 200 },
      breaker: { failureThreshold: 3, cooldownMs: 30_000 },
    });
  });

  it('keeps the built-in default route beside the routes it is given', () => {
    // Act
    const config = parseRouteConfig({
      routes: { fast: [{ provider: 'bedrock', model: NOVA }] },
    });

    // Assess
    expect(config.routes).toEqual({
      default: [{ provider: 'echo' }],
      fast: [{ provider: 'bedrock', model: NOVA }],
    });
  });

  it('lets the configuration replace the default route, leaving DEFAULT_ROUTES as it was', () => {
    // Act
    const config = parseRouteConfig({
      routes: {
        default: [
          { provider: 'bedrock', model: HAIKU },
          { provider: 'openai', model: 'llama3.1', baseUrl: 'http://localhost:11434/v1' },
        ],
      },
    });

    // Assess
    expect(config.routes).toEqual({
      default: [
        { provider: 'bedrock', model: HAIKU },
        {
          provider: 'openai',
          model: 'llama3.1',
          baseUrl: 'http://localhost:11434/v1',
          apiKeyEnv: 'AGENT_CORE_OPENAI_API_KEY',
        },
      ],
    });
    expect(DEFAULT_ROUTES).toEqual({ default: [{ provider: 'echo' }] });
  });

  it('fills the missing half of retry and breaker settings', () => {
    // Act
    const config = parseRouteConfig({ retry: { attempts: 5 }, breaker: { cooldownMs: 0 } });

    // Assess
    expect(config.retry).toEqual({ attempts: 5, baseDelayMs: 200 });
    expect(config.breaker).toEqual({ failureThreshold: 3, cooldownMs: 0 });
  });

  it.each([
    [
      'a route name with a space',
      { routes: { 'Bad Name': [{ provider: 'echo' }] } },
      ['routes.Bad Name'],
    ],
    ['a route without targets', { routes: { fast: [] } }, ['routes.fast']],
    [
      'a route of eleven targets',
      { routes: { long: Array(11).fill({ provider: 'echo' }) } },
      ['routes.long'],
    ],
    [
      'an unknown provider',
      { routes: { fast: [{ provider: 'gpt' }] } },
      ['routes.fast.0.provider'],
    ],
    [
      'a Bedrock target without a model',
      { routes: { fast: [{ provider: 'bedrock' }] } },
      ['routes.fast.0.model'],
    ],
    ['zero retry attempts', { retry: { attempts: 0 } }, ['retry.attempts']],
    ['eleven retry attempts', { retry: { attempts: 11 } }, ['retry.attempts']],
    ['a negative retry delay', { retry: { baseDelayMs: -1 } }, ['retry.baseDelayMs']],
    [
      'a breaker threshold of 0',
      { breaker: { failureThreshold: 0 } },
      ['breaker.failureThreshold'],
    ],
    ['a cooldown over an hour', { breaker: { cooldownMs: 3_600_001 } }, ['breaker.cooldownMs']],
    ['an unknown top-level field', { fallback: true }, ['']],
    ['a Bedrock model list that is not a list', { bedrockModels: NOVA }, ['bedrockModels']],
    ['an array instead of an object', [], ['']],
  ])('refuses %s, naming the path', (_label, value, paths) => {
    // Act
    const issues = refusal(value);

    // Assess
    expect(issues).toEqual(paths);
  });
});

describe('bedrockModelsOf', () => {
  it('lists the enabled Bedrock models and those of every route, each once', () => {
    // Prepare
    const config = parseRouteConfig({
      bedrockModels: [NOVA, 'amazon.nova-pro-v1:0'],
      routes: {
        fast: [{ provider: 'bedrock', model: HAIKU }, { provider: 'echo' }],
        cheap: [
          { provider: 'bedrock', model: NOVA, region: 'eu-central-1' },
          { provider: 'openai', model: 'gpt-4o-mini' },
        ],
      },
    });

    // Act
    const models = bedrockModelsOf(config);

    // Assess
    expect(models).toEqual([NOVA, 'amazon.nova-pro-v1:0', HAIKU]);
  });

  it('lists nothing for the default configuration', () => {
    // Act
    const models = bedrockModelsOf(parseRouteConfig({}));

    // Assess
    expect(models).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// ModelResolver
// ---------------------------------------------------------------------------------------------

/** A target answering "<name> answers", with token counts that make prices easy to check. */
class NamedTarget implements ModelProvider {
  constructor(readonly name: string) {}

  async complete(): Promise<ModelResponse> {
    return {
      text: `${this.name} answers`,
      toolCalls: [],
      stopReason: 'end_turn',
      usage: { inputTokens: 1_000_000, outputTokens: 1_000_000, costUsd: 0 },
    };
  }
}

function resolverOf(config: unknown, prices?: PriceTable) {
  const built: { spec: ProviderSpec; attempt: number }[] = [];
  const resolver = new ModelResolver(
    parseRouteConfig(config),
    (spec, attempt) => {
      built.push({ spec, attempt });
      if (spec.provider === 'bedrock') return new NamedTarget(`bedrock:${spec.model}`);
      if (spec.provider === 'openai') return new NamedTarget(`openai:${spec.model}`);
      return providerFor(spec, attempt);
    },
    prices,
  );
  return { resolver, built };
}

const CONFIG = {
  routes: {
    smart: [
      { provider: 'bedrock', model: HAIKU },
      { provider: 'openai', model: 'gpt-4o-mini' },
    ],
  },
  bedrockModels: [NOVA],
};

describe('ModelResolver.check', () => {
  it.each<[string, ModelSpec]>([
    ['a configured route', { route: 'smart' }],
    ['the built-in default route', { route: 'default' }],
    ['a Bedrock model a route names', { provider: 'bedrock', model: HAIKU }],
    ['a Bedrock model of bedrockModels', { provider: 'bedrock', model: NOVA, region: 'us-west-2' }],
    ['echo', { provider: 'echo' }],
    ['scripted', { provider: 'scripted', turns: [{ text: 'x' }] }],
    [
      'any OpenAI-compatible model',
      {
        provider: 'openai',
        model: 'qwen2.5',
        baseUrl: 'http://localhost:11434/v1',
        apiKeyEnv: 'AGENT_CORE_OPENAI_API_KEY',
      },
    ],
  ])('accepts %s', (_label, spec) => {
    // Prepare
    const { resolver } = resolverOf(CONFIG);

    // Act
    const act = () => resolver.check(spec);

    // Assess
    expect(act).not.toThrow();
  });

  it.each(['fast', 'constructor'])(
    "refuses route '%s', which the configuration does not have, naming model.route",
    (route) => {
      // Prepare
      const { resolver } = resolverOf(CONFIG);

      // Act
      const error = (() => {
        try {
          resolver.check({ route });
        } catch (e) {
          return e;
        }
      })();

      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toBe(`unknown model route '${route}'`);
      expect((error as ValidationError).details).toEqual([
        { path: 'model.route', message: 'unknown route (configured: default, smart)' },
      ]);
    },
  );

  it('refuses a Bedrock model the configuration does not enable, naming model.model', () => {
    // Prepare
    const { resolver } = resolverOf(CONFIG);

    // Act
    const act = () => resolver.check({ provider: 'bedrock', model: 'amazon.nova-pro-v1:0' });

    // Assess
    expect(act).toThrow(ValidationError);
    expect(act).toThrow("Bedrock model 'amazon.nova-pro-v1:0' is not enabled");
    try {
      act();
    } catch (error) {
      expect((error as ValidationError).details).toEqual([
        {
          path: 'model.model',
          message: 'not enabled: name it in a route or in bedrockModels of AGENT_CORE_MODEL_ROUTES',
        },
      ]);
    }
  });

  it('lists its route names', () => {
    // Act
    const names = resolverOf(CONFIG).resolver.routeNames();

    // Assess
    expect(names).toEqual(['default', 'smart']);
  });
});

describe('ModelResolver.resolve', () => {
  it('serves a direct spec as a route of one, named like the provider', async () => {
    // Prepare
    const { resolver, built } = resolverOf(CONFIG);
    const samples: ModelCallSample[] = [];

    // Act
    const provider = resolver.resolve({ provider: 'echo' }, 3, {
      invoked: (s) => samples.push(s),
      fallback: () => undefined,
    });
    const response = await provider.complete(request());

    // Assess
    expect(provider).toBeInstanceOf(RoutedModel);
    expect(provider.name).toBe('echo');
    expect(built).toEqual([{ spec: { provider: 'echo' }, attempt: 3 }]);
    expect(response.text).toBe('twelve chars');
    expect(samples).toEqual([
      expect.objectContaining({
        model: 'echo',
        ok: true,
        inputTokens: 3,
        outputTokens: 3,
        costUsd: 0,
      }),
    ]);
  });

  it('builds every target of a route for the attempt, and answers from the first', async () => {
    // Prepare
    const { resolver, built } = resolverOf(CONFIG);

    // Act
    const provider = resolver.resolve({ route: 'smart' }, 2);
    const response = await provider.complete(request());

    // Assess
    expect(provider.name).toBe('route:smart');
    expect(built).toEqual([
      { spec: { provider: 'bedrock', model: HAIKU }, attempt: 2 },
      {
        spec: {
          provider: 'openai',
          model: 'gpt-4o-mini',
          baseUrl: 'https://api.openai.com/v1',
          apiKeyEnv: 'AGENT_CORE_OPENAI_API_KEY',
        },
        attempt: 2,
      },
    ]);
    expect(response.text).toBe(`bedrock:${HAIKU} answers`);
  });

  it('prices answers with its price table: the defaults unless told otherwise', async () => {
    // Prepare: a million tokens each way.
    const defaults = resolverOf(CONFIG).resolver;
    const custom = resolverOf(
      CONFIG,
      new PriceTable({ [`bedrock:${HAIKU}`]: { inputPerMillion: 1, outputPerMillion: 1 } }),
    ).resolver;

    // Act
    const [byDefault, overridden] = await Promise.all([
      defaults.resolve({ route: 'smart' }, 1).complete(request()),
      custom.resolve({ route: 'smart' }, 1).complete(request()),
    ]);

    // Assess: claude-3-haiku lists at 0.25 $/M in and 1.25 $/M out.
    expect(byDefault.usage.costUsd).toBe(1.5);
    expect(overridden.usage.costUsd).toBe(2);
  });

  it('shares its breakers across the providers it resolves', async () => {
    // Prepare: the first target's breaker opened (three failures by default).
    const { resolver } = resolverOf(CONFIG);
    for (let i = 0; i < 3; i++) resolver.breakers.failure(`bedrock:${HAIKU}`);
    const fallbacks: string[] = [];

    // Act
    const response = await resolver
      .resolve({ route: 'smart' }, 1, {
        invoked: () => undefined,
        fallback: (from, to, reason) => fallbacks.push(`${from} → ${to}: ${reason}`),
      })
      .complete(request());

    // Assess
    expect(response.text).toBe('openai:gpt-4o-mini answers');
    expect(fallbacks).toEqual([`bedrock:${HAIKU} → openai:gpt-4o-mini: circuit open`]);
  });

  it('takes breaker settings from the configuration and time from its clock', () => {
    // Prepare
    let now = 0;
    const resolver = new ModelResolver(
      parseRouteConfig({ breaker: { failureThreshold: 1, cooldownMs: 1_000 } }),
      providerFor,
      new PriceTable(),
      () => now,
    );

    // Act
    resolver.breakers.failure('echo');
    const whileOpen = resolver.breakers.state('echo');
    now = 1_000;
    const after = resolver.breakers.state('echo');

    // Assess
    expect(whileOpen).toBe('open');
    expect(after).toBe('half-open');
  });

  it('builds the deterministic providers through providerFor', async () => {
    // Prepare
    const resolver = new ModelResolver(parseRouteConfig({}), providerFor);

    // Act
    const response = await resolver.resolve({ route: 'default' }, 1).complete(request());

    // Assess
    expect(response.text).toBe('twelve chars');
  });

  it.each(['gone', 'constructor'])(
    "refuses route '%s', which the configuration lacks, with a non-retryable TaskAttemptError",
    (route) => {
      // Prepare
      const { resolver } = resolverOf(CONFIG);

      // Act
      const error = (() => {
        try {
          resolver.resolve({ route }, 1);
        } catch (e) {
          return e;
        }
      })();

      // Assess
      expect(error).toBeInstanceOf(TaskAttemptError);
      expect((error as TaskAttemptError).retryable).toBe(false);
      expect((error as TaskAttemptError).message).toContain(route);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// PriceTable
// ---------------------------------------------------------------------------------------------

describe('PriceTable.cost', () => {
  it('prices a known model per million tokens, input and output apart', () => {
    // Act: gpt-4o-mini lists at 0.15 $/M in and 0.6 $/M out.
    const cost = new PriceTable().cost('openai:gpt-4o-mini', 1_000, 2_000);

    // Assess
    expect(cost).toEqual({ costUsd: 0.00135, priced: true });
  });

  it('costs an unknown model 0 and says it is unpriced', () => {
    // Act
    const cost = new PriceTable().cost('openai:gpt-9', 1_000, 1_000);

    // Assess
    expect(cost).toEqual({ costUsd: 0, priced: false });
  });

  it('prices the deterministic providers at 0, as priced', () => {
    // Act
    const costs = ['echo', 'scripted'].map((m) => new PriceTable().cost(m, 500, 500));

    // Assess
    expect(costs).toEqual([
      { costUsd: 0, priced: true },
      { costUsd: 0, priced: true },
    ]);
  });

  it('lets overrides replace a default price and add new models', () => {
    // Prepare
    const table = new PriceTable({
      'openai:gpt-4o-mini': { inputPerMillion: 1, outputPerMillion: 1 },
      'openai:llama3.1': { inputPerMillion: 0.5, outputPerMillion: 0 },
    });

    // Act
    const replaced = table.cost('openai:gpt-4o-mini', 1_000_000, 1_000_000);
    const added = table.cost('openai:llama3.1', 2_000_000, 9_999);
    const untouched = table.cost(`bedrock:${NOVA}`, 1_000_000, 0);

    // Assess
    expect(replaced).toEqual({ costUsd: 2, priced: true });
    expect(added).toEqual({ costUsd: 1, priced: true });
    expect(untouched).toEqual({ costUsd: 0.06, priced: true });
    expect(DEFAULT_PRICES[`bedrock:${NOVA}`]).toEqual({
      inputPerMillion: 0.06,
      outputPerMillion: 0.24,
    });
  });

  it('rounds to a billionth of a dollar', () => {
    // Prepare
    const table = new PriceTable({
      tiny: { inputPerMillion: 0.0001, outputPerMillion: 0 },
      nova: { inputPerMillion: 0.035, outputPerMillion: 0 },
    });

    // Act
    const tiny = table.cost('tiny', 1, 0);
    const nova = table.cost('nova', 3, 0);

    // Assess: 1e-10 $ rounds away; 1.05e-7 $ keeps its nano-dollars.
    expect(tiny.costUsd).toBe(0);
    expect(nova.costUsd).toBe(1.05e-7);
  });
});
