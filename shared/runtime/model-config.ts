/**
 * Model configuration from the environment: routes from `AGENT_CORE_MODEL_ROUTES` (JSON) or
 * `AGENT_CORE_MODEL_ROUTES_FILE` (a path), prices overridden by `AGENT_CORE_MODEL_PRICES`. Read
 * once per process (and by the CDK app at synth, to set the functions' environment and IAM); a
 * malformed configuration is a startup error that says what is wrong.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { providerFor } from '../core/kernel/model-provider.js';
import {
  ADMIN_KEY_ENV,
  ALLOWED_KEY_ENVS_VARIABLE,
  ModelKeyPolicy,
} from '../core/models/model-key-policy.js';
import { ModelResolver } from '../core/models/model-resolver.js';
import { PriceTable } from '../core/models/prices.js';
import { parseRouteConfig, type RouteConfig } from '../core/models/route-config.js';
import { once } from '../core/once.js';
import { ConfigError } from './config.js';

function readJson(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${name} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

const variableName = z.string().regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'an environment variable name');

/** `AGENT_CORE_ALLOWED_KEY_ENVS`: further variables model keys may come from (comma-separated). */
const allowedKeyEnvsSchema = z
  .array(
    variableName
      .refine((name) => name !== ADMIN_KEY_ENV, "the admin key's variable is never a model key")
      .refine((name) => !name.startsWith('AWS_'), 'AWS credentials are never a model key'),
  )
  .max(50);

/** Which variables model keys may come from in this process; a bad list is a startup error. */
export function loadModelKeyPolicy(env: NodeJS.ProcessEnv = process.env): ModelKeyPolicy {
  const raw = env[ALLOWED_KEY_ENVS_VARIABLE] ?? '';
  const names = raw
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const parsed = allowedKeyEnvsSchema.safeParse(names);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const index = issue?.path[0];
    const name = typeof index === 'number' ? ` '${names[index]}'` : '';
    throw new ConfigError(`${ALLOWED_KEY_ENVS_VARIABLE}:${name} ${issue?.message}`);
  }
  return new ModelKeyPolicy(parsed.data);
}

/** The policy of this process, read once. */
export const modelKeyPolicy = /* @__PURE__ */ once(() => loadModelKeyPolicy());

/** The route configuration of this process. */
export function loadRouteConfig(env: NodeJS.ProcessEnv = process.env): RouteConfig {
  let raw: unknown = {};
  if (env.AGENT_CORE_MODEL_ROUTES) {
    raw = readJson('AGENT_CORE_MODEL_ROUTES', env.AGENT_CORE_MODEL_ROUTES);
  } else if (env.AGENT_CORE_MODEL_ROUTES_FILE) {
    let text: string;
    try {
      text = readFileSync(env.AGENT_CORE_MODEL_ROUTES_FILE, 'utf8');
    } catch (error) {
      throw new ConfigError(`AGENT_CORE_MODEL_ROUTES_FILE: ${(error as Error).message}`, {
        cause: error,
      });
    }
    raw = readJson('AGENT_CORE_MODEL_ROUTES_FILE', text);
  }
  const source = env.AGENT_CORE_MODEL_ROUTES
    ? 'AGENT_CORE_MODEL_ROUTES'
    : 'AGENT_CORE_MODEL_ROUTES_FILE';
  try {
    const config = parseRouteConfig(raw);
    const policy = loadModelKeyPolicy(env);
    for (const [route, targets] of Object.entries(config.routes)) {
      targets.forEach((target, index) => {
        if (target.provider === 'openai' && !policy.allows(target.apiKeyEnv)) {
          throw new ConfigError(
            `${source}: routes.${route}.${index}.apiKeyEnv: ${policy.explain()}`,
          );
        }
      });
    }
    return config;
  } catch (error) {
    if (error instanceof z.ZodError) {
      const issue = error.issues[0];
      const path = issue?.path.join('.') || '(the whole value)';
      throw new ConfigError(`${source}: ${path}: ${issue?.message}`, { cause: error });
    }
    throw error;
  }
}

const pricesSchema = z.record(
  z.string(),
  z.strictObject({ inputPerMillion: z.number().min(0), outputPerMillion: z.number().min(0) }),
);

export function loadPrices(env: NodeJS.ProcessEnv = process.env): PriceTable {
  if (!env.AGENT_CORE_MODEL_PRICES) return new PriceTable();
  const parsed = pricesSchema.safeParse(
    readJson('AGENT_CORE_MODEL_PRICES', env.AGENT_CORE_MODEL_PRICES),
  );
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(
      `AGENT_CORE_MODEL_PRICES: ${issue?.path.join('.') || '(the whole value)'}: ${issue?.message}`,
    );
  }
  return new PriceTable(parsed.data);
}

/**
 * The configuration as a resolver without the real providers: enough to check agents' model
 * specs and to show routes and prices, without bundling the Bedrock and OpenAI clients.
 */
export const configuredModels = /* @__PURE__ */ once(
  () => new ModelResolver(loadRouteConfig(), providerFor, loadPrices(), Date.now, modelKeyPolicy()),
);
