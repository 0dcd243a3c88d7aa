import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TaskAttemptError } from '../../shared/core/errors.js';
import { ModelKeyPolicy } from '../../shared/core/models/model-key-policy.js';
import { PriceTable } from '../../shared/core/models/prices.js';
import { parseRouteConfig } from '../../shared/core/models/route-config.js';
import { ConfigError } from '../../shared/runtime/config.js';
import { loadEmbeddingsConfig } from '../../shared/runtime/memory.js';
import {
  loadModelKeyPolicy,
  loadPrices,
  loadRouteConfig,
} from '../../shared/runtime/model-config.js';
import { providerFactory } from '../../shared/runtime/models.js';

const dir = mkdtempSync(join(tmpdir(), 'agent-core-model-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function configError(act: () => unknown): ConfigError {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const ROUTES = {
  routes: { fast: [{ provider: 'bedrock', model: 'amazon.nova-lite-v1:0' }] },
  retry: { attempts: 3 },
};

describe('loadRouteConfig', () => {
  it('answers the defaults when neither variable is set', () => {
    // Act
    const config = loadRouteConfig({});

    // Assess
    expect(config).toEqual(parseRouteConfig({}));
    expect(config.routes).toEqual({ default: [{ provider: 'echo' }] });
  });

  it('reads AGENT_CORE_MODEL_ROUTES as JSON, keeping the default route', () => {
    // Act
    const config = loadRouteConfig({ AGENT_CORE_MODEL_ROUTES: JSON.stringify(ROUTES) });

    // Assess
    expect(config).toEqual({
      routes: {
        default: [{ provider: 'echo' }],
        fast: [{ provider: 'bedrock', model: 'amazon.nova-lite-v1:0' }],
      },
      bedrockModels: [],
      retry: { attempts: 3, baseDelayMs: 200 },
      breaker: { failureThreshold: 3, cooldownMs: 30_000 },
    });
  });

  it('reads the file AGENT_CORE_MODEL_ROUTES_FILE names', () => {
    // Prepare
    const path = file('routes.json', JSON.stringify(ROUTES));

    // Act
    const config = loadRouteConfig({ AGENT_CORE_MODEL_ROUTES_FILE: path });

    // Assess
    expect(config).toEqual(parseRouteConfig(ROUTES));
  });

  it('prefers the JSON variable over the file', () => {
    // Prepare
    const path = file('other.json', JSON.stringify({ routes: { slow: [{ provider: 'echo' }] } }));

    // Act
    const config = loadRouteConfig({
      AGENT_CORE_MODEL_ROUTES: JSON.stringify(ROUTES),
      AGENT_CORE_MODEL_ROUTES_FILE: path,
    });

    // Assess
    expect(Object.keys(config.routes)).toEqual(['default', 'fast']);
  });

  it('names the variable when its JSON is malformed', () => {
    // Act
    const error = configError(() => loadRouteConfig({ AGENT_CORE_MODEL_ROUTES: '{"routes": ' }));

    // Assess
    expect(error.message).toMatch(/^AGENT_CORE_MODEL_ROUTES is not valid JSON: /);
  });

  it('names the file variable when the file holds malformed JSON', () => {
    // Prepare
    const path = file('broken.json', 'routes: yes');

    // Act
    const error = configError(() => loadRouteConfig({ AGENT_CORE_MODEL_ROUTES_FILE: path }));

    // Assess
    expect(error.message).toMatch(/^AGENT_CORE_MODEL_ROUTES_FILE is not valid JSON: /);
  });

  it('names the file variable and the path when the file cannot be read', () => {
    // Prepare
    const path = join(dir, 'missing.json');

    // Act
    const error = configError(() => loadRouteConfig({ AGENT_CORE_MODEL_ROUTES_FILE: path }));

    // Assess
    expect(error.message).toMatch(/^AGENT_CORE_MODEL_ROUTES_FILE: ENOENT/);
    expect(error.message).toContain(path);
  });

  it.each([
    [
      { retry: { attempts: 0 } },
      'AGENT_CORE_MODEL_ROUTES: retry.attempts: Too small: expected number to be >=1',
    ],
    [
      { routes: { fast: [{ provider: 'bedrock' }] } },
      'AGENT_CORE_MODEL_ROUTES: routes.fast.0.model: Invalid input: expected string, received undefined',
    ],
    [
      { routes: { fast: [{ provider: 'gpt' }] } },
      'AGENT_CORE_MODEL_ROUTES: routes.fast.0.provider: provider must be one of: echo, scripted, bedrock, openai',
    ],
    [
      { routes: { Fast: [{ provider: 'echo' }] } },
      'AGENT_CORE_MODEL_ROUTES: routes.Fast: Invalid key in record',
    ],
  ])('names the path of a configuration the schema refuses: %j', (value, message) => {
    // Act
    const error = configError(() =>
      loadRouteConfig({ AGENT_CORE_MODEL_ROUTES: JSON.stringify(value) }),
    );

    // Assess
    expect(error.message).toBe(message);
  });
});

describe('loadPrices', () => {
  it('answers the default prices when the variable is not set', () => {
    // Act
    const prices = loadPrices({});

    // Assess
    expect(prices).toBeInstanceOf(PriceTable);
    expect(prices.cost('openai:gpt-4o-mini', 1_000_000, 0)).toEqual({
      costUsd: 0.15,
      priced: true,
    });
  });

  it('overrides and adds prices from AGENT_CORE_MODEL_PRICES', () => {
    // Act
    const prices = loadPrices({
      AGENT_CORE_MODEL_PRICES: JSON.stringify({
        'openai:gpt-4o-mini': { inputPerMillion: 1, outputPerMillion: 2 },
        'openai:llama3.1': { inputPerMillion: 0, outputPerMillion: 0 },
      }),
    });

    // Assess
    expect(prices.cost('openai:gpt-4o-mini', 1_000_000, 1_000_000).costUsd).toBe(3);
    expect(prices.cost('openai:llama3.1', 10, 10)).toEqual({ costUsd: 0, priced: true });
    expect(prices.cost('openai:gpt-4o', 1_000_000, 0).costUsd).toBe(2.5);
  });

  it('names the variable when its JSON is malformed', () => {
    // Act
    const error = configError(() => loadPrices({ AGENT_CORE_MODEL_PRICES: '{nope' }));

    // Assess
    expect(error.message).toMatch(/^AGENT_CORE_MODEL_PRICES is not valid JSON: /);
  });

  it.each([
    [
      { m: { inputPerMillion: -1, outputPerMillion: 1 } },
      'm.inputPerMillion: Too small: expected number to be >=0',
    ],
    [
      { m: { inputPerMillion: 1 } },
      'm.outputPerMillion: Invalid input: expected number, received undefined',
    ],
    [
      { m: { inputPerMillion: 1, outputPerMillion: 1, currency: 'EUR' } },
      'm: Unrecognized key: "currency"',
    ],
    [[], '(the whole value): Invalid input: expected record, received array'],
  ])('refuses prices of the wrong shape, naming the variable: %j', (value, reason) => {
    // Act
    const error = configError(() => loadPrices({ AGENT_CORE_MODEL_PRICES: JSON.stringify(value) }));

    // Assess
    expect(error.message).toBe(`AGENT_CORE_MODEL_PRICES: ${reason}`);
  });
});

// Which environment variables a model key may come from (`apiKeyEnv`): the model-key prefix, the
// default variable and an allow-list the deployer sets; never the admin key's variable, and never
// anything else of the process's environment. Checked at registration and patch (agent-service),
// in the routes and embeddings configurations, and again where the key is read.

describe('ModelKeyPolicy', () => {
  it.each([
    'AGENT_CORE_OPENAI_API_KEY',
    'AGENT_CORE_MODEL_KEY_OLLAMA',
    'AGENT_CORE_MODEL_KEY_OPENAI_2',
  ])('allows %s', (name) => {
    expect(new ModelKeyPolicy().allows(name)).toBe(true);
  });

  it.each([
    'AGENT_CORE_API_KEY',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'ADMIN_KEY_SECRET_ID',
    'TABLE_NAME',
    'PATH',
    'OLLAMA_KEY',
    'AGENT_CORE_MODEL_KEY_',
    'AGENT_CORE_ALLOWED_KEY_ENVS',
  ])('refuses %s', (name) => {
    expect(new ModelKeyPolicy().allows(name)).toBe(false);
  });

  it('allows what the deployer lists, and never the admin key even so', () => {
    const policy = new ModelKeyPolicy(['OLLAMA_KEY', 'AGENT_CORE_API_KEY']);
    expect(policy.allows('OLLAMA_KEY')).toBe(true);
    expect(policy.allows('AGENT_CORE_API_KEY')).toBe(false);
  });
});

describe('loadModelKeyPolicy', () => {
  it('reads AGENT_CORE_ALLOWED_KEY_ENVS, a comma-separated list of variable names', () => {
    // Act
    const policy = loadModelKeyPolicy({ AGENT_CORE_ALLOWED_KEY_ENVS: ' OLLAMA_KEY , VLLM_KEY ' });

    // Assess
    expect(policy.allows('OLLAMA_KEY')).toBe(true);
    expect(policy.allows('VLLM_KEY')).toBe(true);
    expect(policy.allows('OTHER_KEY')).toBe(false);
    expect(loadModelKeyPolicy({}).allows('OLLAMA_KEY')).toBe(false);
  });

  it.each([
    ['a name that is no variable name', 'ollama key', /AGENT_CORE_ALLOWED_KEY_ENVS: .*ollama key/],
    [
      "the admin key's variable",
      'AGENT_CORE_API_KEY',
      /AGENT_CORE_ALLOWED_KEY_ENVS: .*AGENT_CORE_API_KEY/,
    ],
    [
      'an AWS credential',
      'AWS_SECRET_ACCESS_KEY',
      /AGENT_CORE_ALLOWED_KEY_ENVS: .*AWS_SECRET_ACCESS_KEY/,
    ],
  ])('refuses %s at start, naming the variable', (_what, value, message) => {
    expect(
      configError(() => loadModelKeyPolicy({ AGENT_CORE_ALLOWED_KEY_ENVS: value })).message,
    ).toMatch(message);
  });
});

describe('the routes and embeddings configurations', () => {
  const routes = (apiKeyEnv: string) =>
    JSON.stringify({ routes: { fast: [{ provider: 'openai', model: 'm', apiKeyEnv }] } });

  it('refuses a route target whose apiKeyEnv is not for model keys, naming its path', () => {
    expect(
      configError(() => loadRouteConfig({ AGENT_CORE_MODEL_ROUTES: routes('AGENT_CORE_API_KEY') }))
        .message,
    ).toMatch(/^AGENT_CORE_MODEL_ROUTES: routes\.fast\.0\.apiKeyEnv: /);
    expect(
      loadRouteConfig({
        AGENT_CORE_MODEL_ROUTES: routes('OLLAMA_KEY'),
        AGENT_CORE_ALLOWED_KEY_ENVS: 'OLLAMA_KEY',
      }).routes.fast,
    ).toEqual([expect.objectContaining({ apiKeyEnv: 'OLLAMA_KEY' })]);
  });

  it('refuses an embedder whose apiKeyEnv is not for model keys', () => {
    expect(
      configError(() =>
        loadEmbeddingsConfig({
          AGENT_CORE_EMBEDDINGS: '{"provider":"openai","apiKeyEnv":"AWS_SECRET_ACCESS_KEY"}',
        }),
      ).message,
    ).toMatch(/^AGENT_CORE_EMBEDDINGS: apiKeyEnv: /);
  });
});

describe('where the key is read', () => {
  it('never reads a variable that is not for model keys, for an agent stored before the rule', () => {
    // Act
    const build = () =>
      providerFactory(
        {
          provider: 'openai',
          model: 'm',
          baseUrl: 'http://127.0.0.1:1/v1',
          apiKeyEnv: 'AGENT_CORE_API_KEY',
        },
        1,
      );

    // Assess
    expect(build).toThrow(TaskAttemptError);
    expect(build).toThrow(/apiKeyEnv/);
    try {
      build();
    } catch (error) {
      expect((error as TaskAttemptError).retryable).toBe(false);
      expect((error as TaskAttemptError).code).toBe('ModelKeyNotAllowed');
    }
  });
});
