/**
 * How an agent names its model (API.md): a configured route, or a provider spec. This version
 * runs the deterministic providers `echo` and `scripted`, and the built-in route `default`.
 */
import * as z from 'zod';
import { MAX_TASK_ATTEMPTS } from '../../../infra/topology.js';

/** Routes known to this build; a route is an ordered list of provider targets. */
export const builtInRoutes: Readonly<Record<string, readonly ProviderSpec[]>> = {
  default: [{ provider: 'echo' }],
};

const toolCallSchema = z.strictObject({
  name: z.string().min(1).max(128),
  input: z.unknown().default({}),
});

/** `delayMs` makes a turn take that long, like a real model's latency (demos, tests, load). */
const delayMs = z.number().int().min(0).max(60_000).optional();

export const scriptedTurnSchema = z.union(
  [
    z.strictObject({ text: z.string().max(100_000), delayMs }),
    z.strictObject({ toolCalls: z.array(toolCallSchema).min(1).max(20), delayMs }),
  ],
  { error: 'a turn is {"text": ...} or {"toolCalls": [...]}' },
);

const echoSpec = z.strictObject({ provider: z.literal('echo') });
const scriptedSpec = z.strictObject({
  provider: z.literal('scripted'),
  turns: z.array(scriptedTurnSchema).min(1).max(100),
  failUntilAttempt: z
    .number()
    .int()
    .min(1)
    .max(MAX_TASK_ATTEMPTS + 1)
    .optional(),
});

const providerSpecSchema = z.discriminatedUnion('provider', [echoSpec, scriptedSpec], {
  error: 'provider must be one of: echo, scripted',
});

const routeSpecSchema = z.strictObject({
  route: z.string().refine((name) => Object.hasOwn(builtInRoutes, name), {
    error: (issue) =>
      `unknown route '${String(issue.input)}' (known: ${Object.keys(builtInRoutes).join(', ')})`,
  }),
});

/** A route spec or a provider spec, with the error of whichever shape the value is closest to. */
export const modelSpecSchema = z.unknown().transform((value, ctx): ModelSpec => {
  const isRoute = typeof value === 'object' && value !== null && 'route' in value;
  const result = (isRoute ? routeSpecSchema : providerSpecSchema).safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ ...issue } as never);
  return z.NEVER;
});

export type ProviderSpec = z.output<typeof providerSpecSchema>;
export type ScriptedTurn = z.output<typeof scriptedTurnSchema>;
export type ModelSpec = z.output<typeof routeSpecSchema> | ProviderSpec;
