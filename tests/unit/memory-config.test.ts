/** AGENT_CORE_EMBEDDINGS: defaults, each provider, and malformed values as ConfigErrors naming it. */
import { describe, expect, it } from 'vitest';
import { BedrockTitanEmbedder } from '../../shared/adapters/embeddings/bedrock-titan-embedder.js';
import { LocalHashEmbedder } from '../../shared/adapters/embeddings/local-hash-embedder.js';
import { OpenAiEmbedder } from '../../shared/adapters/embeddings/openai-embedder.js';
import { parseEmbeddingsConfig } from '../../shared/core/memory/embeddings-config.js';
import { lexicalSearch } from '../../shared/core/memory/lexical-search.js';
import { ConfigError } from '../../shared/runtime/config.js';
import { createEmbedder, loadEmbeddingsConfig } from '../../shared/runtime/memory.js';

const load = (value: string | undefined) => loadEmbeddingsConfig({ AGENT_CORE_EMBEDDINGS: value });

function configErrorOf(value: string): ConfigError {
  try {
    load(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected ${value} to be refused`);
}

describe('loadEmbeddingsConfig', () => {
  it('defaults to local lexical search when unset or blank', () => {
    // Assess
    for (const value of [undefined, '', '  ']) {
      expect(load(value)).toEqual({ provider: 'local', model: 'lexical-v1', dimensions: 256 });
    }
    expect(createEmbedder(load(undefined))).toBe(lexicalSearch);
    expect(createEmbedder(load('{"provider":"local"}')).id).toBe('local:lexical-v1');
  });

  it('reads each provider with its defaults', () => {
    // Assess
    expect(load('{"provider":"local","model":"hash-v1","dimensions":512}')).toEqual({
      provider: 'local',
      model: 'hash-v1',
      dimensions: 512,
    });
    expect(load('{"provider":"bedrock"}')).toEqual({
      provider: 'bedrock',
      model: 'amazon.titan-embed-text-v2:0',
      dimensions: 1024,
    });
    expect(load('{"provider":"bedrock","dimensions":256,"region":"eu-central-1"}')).toMatchObject({
      dimensions: 256,
      region: 'eu-central-1',
    });
    expect(load('{"provider":"openai"}')).toEqual({
      provider: 'openai',
      model: 'text-embedding-3-small',
      baseUrl: 'https://api.openai.com/v1',
      apiKeyEnv: 'AGENT_CORE_OPENAI_API_KEY',
    });
    expect(
      load(
        '{"provider":"openai","model":"nomic-embed-text","baseUrl":"http://127.0.0.1:11434/v1","apiKeyEnv":"AGENT_CORE_MODEL_KEY_OLLAMA","dimensions":768}',
      ),
    ).toMatchObject({
      model: 'nomic-embed-text',
      dimensions: 768,
      apiKeyEnv: 'AGENT_CORE_MODEL_KEY_OLLAMA',
    });
  });

  it.each([
    ['not JSON', '{provider: local}', /AGENT_CORE_EMBEDDINGS is not valid JSON/],
    ['an unknown provider', '{"provider":"cohere"}', /AGENT_CORE_EMBEDDINGS: provider: /],
    ['no provider', '{"dimensions":256}', /AGENT_CORE_EMBEDDINGS: provider: /],
    [
      'local dimensions out of range',
      '{"provider":"local","dimensions":8}',
      /AGENT_CORE_EMBEDDINGS: dimensions: /,
    ],
    [
      'a local model it lacks',
      '{"provider":"local","model":"word2vec"}',
      /AGENT_CORE_EMBEDDINGS: model: /,
    ],
    [
      'a Titan size it lacks',
      '{"provider":"bedrock","dimensions":300}',
      /AGENT_CORE_EMBEDDINGS: dimensions: /,
    ],
    [
      'another Bedrock model',
      '{"provider":"bedrock","model":"cohere.embed-english-v3"}',
      /AGENT_CORE_EMBEDDINGS: model: .*Titan/,
    ],
    [
      'a field of another provider',
      '{"provider":"bedrock","baseUrl":"http://x"}',
      /AGENT_CORE_EMBEDDINGS: baseUrl: /,
    ],
    [
      'a base URL that is not http(s)',
      '{"provider":"openai","baseUrl":"file:///etc"}',
      /AGENT_CORE_EMBEDDINGS: baseUrl: /,
    ],
    ['a model with #', '{"provider":"openai","model":"a#b"}', /AGENT_CORE_EMBEDDINGS: model: /],
    [
      'a bad variable name',
      '{"provider":"openai","apiKeyEnv":"lower case"}',
      /AGENT_CORE_EMBEDDINGS: apiKeyEnv: /,
    ],
    ['an array', '[1]', /AGENT_CORE_EMBEDDINGS: /],
  ])('refuses %s', (_, value, message) => {
    // Act
    const error = configErrorOf(value);

    // Assess
    expect(error.message).toMatch(message);
  });

  it('reports problems without throwing from the core parser (for the CDK app)', () => {
    // Assess
    expect(parseEmbeddingsConfig('{"provider":"x"}')).toEqual({
      problem: expect.stringMatching(/^AGENT_CORE_EMBEDDINGS: provider: /),
    });
  });
});

describe('createEmbedder', () => {
  it('builds the embedder each provider names', () => {
    // Act
    const local = createEmbedder(load('{"provider":"local","model":"hash-v1","dimensions":64}'));
    const bedrock = createEmbedder(load('{"provider":"bedrock","dimensions":512}'));
    const openai = createEmbedder(load('{"provider":"openai","model":"m1","dimensions":32}'), {
      AGENT_CORE_OPENAI_API_KEY: 'sk-test',
    });

    // Assess
    expect(local).toBeInstanceOf(LocalHashEmbedder);
    expect(local.id).toBe('local:hash-v1:64');
    expect(bedrock).toBeInstanceOf(BedrockTitanEmbedder);
    expect(bedrock.id).toBe('bedrock:amazon.titan-embed-text-v2:0:512');
    expect(openai).toBeInstanceOf(OpenAiEmbedder);
    expect(openai.id).toBe('openai:m1:32');
  });
});
