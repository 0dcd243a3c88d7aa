import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PriceTable } from '../../shared/core/models/prices.js';
import { parseRouteConfig } from '../../shared/core/models/route-config.js';
import { ConfigError } from '../../shared/runtime/config.js';
import { loadPrices, loadRouteConfig } from '../../shared/runtime/model-config.js';

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
