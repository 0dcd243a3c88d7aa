/**
 * Named model routes: each an ordered list of provider targets. A call goes to the first healthy
 * target; retryable failures are retried with backoff, then fall back to the next target.
 * Configured with `AGENT_CORE_MODEL_ROUTES` (JSON) or `AGENT_CORE_MODEL_ROUTES_FILE` (a path):
 *
 *   {"routes": {"default": [{"provider": "bedrock", "model": "anthropic.claude-3-haiku-20240307-v1:0"},
 *                           {"provider": "openai", "model": "llama3.1", "baseUrl": "http://localhost:11434/v1"}]},
 *    "retry": {"attempts": 2, "baseDelayMs": 200},
 *    "breaker": {"failureThreshold": 3, "cooldownMs": 30000}}
 *
 * Without configuration the one route is `default`, answered by the `echo` provider.
 */
import * as z from 'zod';
import { providerSpecSchema } from '../kernel/model-spec.js';

const routeName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a route name (a-z 0-9 -)');

export const routeConfigSchema = z.strictObject({
  routes: z.record(routeName, z.array(providerSpecSchema).min(1).max(10)).default({}),
  /** Bedrock models agents may also name directly (`{"provider": "bedrock", "model": …}`). */
  bedrockModels: z.array(z.string().min(1).max(200)).max(100).default([]),
  retry: z
    .strictObject({
      /** Tries per target for a retryable failure, the first included. */
      attempts: z.number().int().min(1).max(10).default(2),
      baseDelayMs: z.number().int().min(0).max(60_000).default(200),
    })
    .default({ attempts: 2, baseDelayMs: 200 }),
  breaker: z
    .strictObject({
      /** Consecutive failures after which a target is skipped… */
      failureThreshold: z.number().int().min(1).max(100).default(3),
      /** …for this long, before one call may try it again. */
      cooldownMs: z.number().int().min(0).max(3_600_000).default(30_000),
    })
    .default({ failureThreshold: 3, cooldownMs: 30_000 }),
});

export type RouteConfig = z.output<typeof routeConfigSchema>;

export const DEFAULT_ROUTES: RouteConfig['routes'] = { default: [{ provider: 'echo' }] };

/** Parses a configuration, adding the built-in `default` route unless it names its own. */
export function parseRouteConfig(value: unknown): RouteConfig {
  const config = routeConfigSchema.parse(value ?? {});
  return { ...config, routes: { ...DEFAULT_ROUTES, ...config.routes } };
}

/** Bedrock models a configuration may call: what IAM must allow. */
export function bedrockModelsOf(config: RouteConfig): string[] {
  return [
    ...new Set([
      ...config.bedrockModels,
      ...Object.values(config.routes)
        .flat()
        .flatMap((target) => (target.provider === 'bedrock' ? [target.model] : [])),
    ]),
  ];
}
