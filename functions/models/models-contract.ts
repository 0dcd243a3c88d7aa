/** The HTTP contract of the models layer (handler: models-api.ts). */
import * as z from 'zod';
import { defineRoutes } from '../../shared/runtime/http-contract.js';

export const modelRoutes = defineRoutes({
  list: {
    method: 'GET',
    path: '/v1/models',
    operationId: 'listModels',
    summary: 'Model routes, providers and per-model statistics',
    description:
      "Each route's targets with their circuit breaker's state in the process that answers; " +
      'statistics are summed over every call.',
    tag: 'models',
    access: 'key',
    responses: {
      200: {
        description: 'Routes, providers, statistics.',
        schema: z
          .object({
            routes: z.array(
              z.object({
                name: z.string(),
                targets: z.array(
                  z.looseObject({
                    provider: z.string(),
                    model: z.string().optional(),
                    breaker: z.enum(['closed', 'open', 'half-open']),
                  }),
                ),
              }),
            ),
            providers: z.array(z.string()),
            retry: z.object({ attempts: z.number(), baseDelayMs: z.number() }),
            breaker: z.object({ failureThreshold: z.number(), cooldownMs: z.number() }),
            models: z.array(
              z.object({
                model: z.string(),
                calls: z.number(),
                errors: z.number(),
                inputTokens: z.number(),
                outputTokens: z.number(),
                costUsd: z.number(),
                latencyMs: z.object({ p50: z.number().nullable(), p95: z.number().nullable() }),
                histogram: z.array(z.number()).meta({ description: 'Calls per latency bucket.' }),
                priced: z
                  .boolean()
                  .meta({ description: 'False: not in the price table; its cost is 0.' }),
              }),
            ),
          })
          .meta({ id: 'Models' }),
      },
    },
  },
});
