/**
 * Which environment variables a model key may come from (`apiKeyEnv`): the model-key prefix, the
 * default variable and an allow-list the deployer sets; never the admin key's variable, and
 * never anything else of the process's environment. Checked at registration and patch, in the
 * routes and embeddings configurations, and again where the key is read.
 */
import { describe, expect, it } from 'vitest';
import { TaskAttemptError } from '../../shared/core/errors.js';
import { ModelKeyPolicy } from '../../shared/core/models/model-key-policy.js';
import { ConfigError } from '../../shared/runtime/config.js';
import { loadEmbeddingsConfig } from '../../shared/runtime/memory.js';
import { loadModelKeyPolicy, loadRouteConfig } from '../../shared/runtime/model-config.js';
import { providerFactory } from '../../shared/runtime/models.js';

function configError(act: () => unknown): ConfigError {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

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
