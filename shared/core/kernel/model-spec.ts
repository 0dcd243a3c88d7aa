/**
 * How an agent names its model (API.md): a configured route (`{"route": "default"}`, see
 * `shared/core/models/route-config.ts`), or a provider spec: `echo`, `scripted`, `bedrock`
 * (Converse API) or `openai` (any OpenAI-compatible Chat Completions server).
 */
import * as z from 'zod';
import { MAX_TASK_ATTEMPTS } from '../tasks/limits.js';

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

const bedrockSpec = z.strictObject({
  provider: z.literal('bedrock'),
  model: z
    .string()
    .regex(/^[A-Za-z0-9._:/-]{1,200}$/, 'a Bedrock model id or inference profile id'),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1')
    .optional(),
});

const openAiSpec = z.strictObject({
  provider: z.literal('openai'),
  model: z.string().min(1).max(200),
  /** e.g. https://api.openai.com/v1 or http://localhost:11434/v1 (Ollama). */
  baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.openai.com/v1'),
  /** The environment variable holding the API key; never the key itself. */
  apiKeyEnv: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{0,127}$/, 'an environment variable name')
    .default('AGENT_CORE_OPENAI_API_KEY'),
});
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

export const providerSpecSchema = z.discriminatedUnion(
  'provider',
  [echoSpec, scriptedSpec, bedrockSpec, openAiSpec],
  { error: 'provider must be one of: echo, scripted, bedrock, openai' },
);

/** Whether the route exists is checked against the configuration by the agent service. */
export const routeSpecSchema = z.strictObject({
  route: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a route name (a-z 0-9 -)'),
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
