/**
 * The memory layer as a function is configured: the embedder from `AGENT_CORE_EMBEDDINGS`
 * (default: local lexical search, which needs none), the DynamoDB stores, a per-process cache
 * of namespaces' vectors or indexes, and the memory service the agents' tools use. Built once
 * per process, on first use.
 */
import { bedrockClient } from '../adapters/clients/bedrock.js';
import { dynamoClient } from '../adapters/clients/dynamodb.js';
import { DynamoGrantStore } from '../adapters/dynamo-grant-store.js';
import { DynamoMemoryStore } from '../adapters/dynamo-memory-store.js';
import { BedrockTitanEmbedder } from '../adapters/embeddings/bedrock-titan-embedder.js';
import { LocalHashEmbedder } from '../adapters/embeddings/local-hash-embedder.js';
import { OpenAiEmbedder } from '../adapters/embeddings/openai-embedder.js';
import type { Embedder } from '../core/memory/embedder.js';
import {
  EMBEDDINGS_VARIABLE,
  type EmbeddingsConfig,
  parseEmbeddingsConfig,
} from '../core/memory/embeddings-config.js';
import { type LexicalSearch, lexicalSearch } from '../core/memory/lexical-search.js';
import type { MemoryDeps } from '../core/memory/memory-service.js';
import { createMemoryToolService } from '../core/memory/memory-tool-service.js';
import { VectorCache } from '../core/memory/vector-cache.js';
import { once } from '../core/once.js';
import { systemClock } from '../core/ports.js';
import type { MemoryToolService } from '../core/tools/tool.js';
import { ConfigError, tableName } from './config.js';
import { loadModelKeyPolicy } from './model-config.js';
import { agentStore, eventPublisher } from './wiring.js';

export { EMBEDDINGS_VARIABLE };

/** The embeddings configuration of this process; a malformed value is a ConfigError naming it. */
export function loadEmbeddingsConfig(env: NodeJS.ProcessEnv = process.env): EmbeddingsConfig {
  const result = parseEmbeddingsConfig(env[EMBEDDINGS_VARIABLE]);
  if ('problem' in result) throw new ConfigError(result.problem);
  // The same rule as agents' model keys: only a variable meant for one.
  const policy = loadModelKeyPolicy(env);
  if (result.config.provider === 'openai' && !policy.allows(result.config.apiKeyEnv)) {
    throw new ConfigError(`${EMBEDDINGS_VARIABLE}: apiKeyEnv: ${policy.explain()}`);
  }
  return result.config;
}

/** The embedder a configuration names (or lexical search, which needs none). */
export function createEmbedder(
  config: EmbeddingsConfig,
  env: NodeJS.ProcessEnv = process.env,
): Embedder | LexicalSearch {
  switch (config.provider) {
    case 'local':
      return config.model === 'hash-v1' ? new LocalHashEmbedder(config.dimensions) : lexicalSearch;
    case 'bedrock':
      return new BedrockTitanEmbedder({
        client: bedrockClient(config.region),
        modelId: config.model,
        dimensions: config.dimensions,
      });
    case 'openai':
      return new OpenAiEmbedder({
        baseUrl: config.baseUrl,
        model: config.model,
        dimensions: config.dimensions,
        apiKey: env[allowedKeyEnv(config.apiKeyEnv, env)],
      });
  }
}

/** The variable a key is read from, checked again where it is read. */
function allowedKeyEnv(name: string, env: NodeJS.ProcessEnv): string {
  const policy = loadModelKeyPolicy(env);
  if (!policy.allows(name)) {
    throw new ConfigError(`${EMBEDDINGS_VARIABLE}: apiKeyEnv: ${policy.explain()}`);
  }
  return name;
}

export const embedder = /* @__PURE__ */ once(() => createEmbedder(loadEmbeddingsConfig()));

export const memoryStore = /* @__PURE__ */ once(
  () => new DynamoMemoryStore(dynamoClient(), tableName()),
);

export const grantStore = /* @__PURE__ */ once(
  () => new DynamoGrantStore(dynamoClient(), tableName()),
);

/** Namespaces' vectors or indexes kept between searches (a warm Lambda container keeps them too). */
export const vectorCache = /* @__PURE__ */ once(() => new VectorCache());

/** Everything the memory use cases need, as this process is configured. */
export const memoryDeps = /* @__PURE__ */ once(
  (): MemoryDeps => ({
    agents: agentStore(),
    memories: memoryStore(),
    grants: grantStore(),
    embedder: embedder(),
    events: eventPublisher(),
    clock: systemClock,
    cache: vectorCache(),
  }),
);

/** Memory for the agents' tools (`services.memory`), under the same rules as the HTTP API. */
export const memoryService = /* @__PURE__ */ once(
  (): MemoryToolService => createMemoryToolService(memoryDeps),
);
