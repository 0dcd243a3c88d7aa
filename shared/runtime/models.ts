/**
 * The models layer as a function is configured (see model-config.ts), with the real providers
 * (Bedrock Converse, OpenAI-compatible) beside the deterministic ones.
 */
import { bedrockClient } from '../adapters/clients/bedrock.js';
import { BedrockConverseProvider } from '../adapters/models/bedrock-provider.js';
import { OpenAiCompatibleProvider } from '../adapters/models/openai-provider.js';
import { TaskAttemptError } from '../core/errors.js';
import { providerFor } from '../core/kernel/model-provider.js';
import { ModelResolver, type ProviderFactory } from '../core/models/model-resolver.js';
import { once } from '../core/once.js';
import { loadPrices, loadRouteConfig, modelKeyPolicy } from './model-config.js';

/** Every provider: the real ones here, the deterministic ones from the core. */
export const providerFactory: ProviderFactory = (spec, attempt) => {
  switch (spec.provider) {
    case 'bedrock':
      return new BedrockConverseProvider({
        client: bedrockClient(spec.region),
        modelId: spec.model,
      });
    case 'openai': {
      // Checked at registration; again here, for agents stored before the rule or the list changed.
      if (!modelKeyPolicy().allows(spec.apiKeyEnv)) {
        throw new TaskAttemptError(
          'ModelKeyNotAllowed',
          `the agent's model.apiKeyEnv '${spec.apiKeyEnv}' is ${modelKeyPolicy().explain()}`,
          false,
        );
      }
      const apiKey = process.env[spec.apiKeyEnv];
      return new OpenAiCompatibleProvider({
        baseUrl: spec.baseUrl,
        model: spec.model,
        ...(apiKey ? { apiKey } : {}),
      });
    }
    default:
      return providerFor(spec, attempt);
  }
};

export const modelResolver = /* @__PURE__ */ once(
  () =>
    new ModelResolver(loadRouteConfig(), providerFactory, loadPrices(), Date.now, modelKeyPolicy()),
);
