/**
 * Which embedder a process uses, from `AGENT_CORE_EMBEDDINGS` (JSON):
 *
 *   {"provider": "local"}                  (the default: lexical search, BM25 over words; no vectors)
 *   {"provider": "local", "model": "hash-v1", "dimensions": 256}     (hashed word vectors, cosine)
 *   {"provider": "bedrock", "model": "amazon.titan-embed-text-v2:0", "dimensions": 1024}
 *   {"provider": "openai", "model": "text-embedding-3-small", "baseUrl": "https://api.openai.com/v1",
 *    "apiKeyEnv": "AGENT_CORE_OPENAI_API_KEY", "dimensions": 512}
 *
 * Plain zod, no SDK: the CDK app reads it too (to grant `bedrock:InvokeModel` on the model).
 */
import * as z from 'zod';

export const EMBEDDINGS_VARIABLE = 'AGENT_CORE_EMBEDDINGS';

const modelName = z
  .string()
  .regex(/^[A-Za-z0-9._:/-]{1,150}$/, 'a model name (letters, digits and . _ : / -)');

export const embeddingsConfigSchema = z.discriminatedUnion('provider', [
  z.strictObject({
    provider: z.literal('local'),
    /** `lexical-v1` ranks memories by their words (BM25); `hash-v1` by hashed word vectors. */
    model: z.enum(['lexical-v1', 'hash-v1']).default('lexical-v1'),
    /** Of `hash-v1` vectors; lexical search has none. */
    dimensions: z.number().int().min(16).max(4096).default(256),
  }),
  z.strictObject({
    provider: z.literal('bedrock'),
    model: z
      .string()
      .regex(
        /^amazon\.titan-embed-text-v2[A-Za-z0-9._:-]*$/,
        'a Titan Text Embeddings v2 model id (amazon.titan-embed-text-v2:0)',
      )
      .default('amazon.titan-embed-text-v2:0'),
    dimensions: z.union([z.literal(256), z.literal(512), z.literal(1024)]).default(1024),
    /** A region other than the process's own. */
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region, e.g. us-east-1')
      .optional(),
  }),
  z.strictObject({
    provider: z.literal('openai'),
    model: modelName.default('text-embedding-3-small'),
    dimensions: z.number().int().min(1).max(8192).optional(),
    baseUrl: z.url({ protocol: /^https?$/ }).default('https://api.openai.com/v1'),
    apiKeyEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'an environment variable name')
      .default('AGENT_CORE_OPENAI_API_KEY'),
  }),
]);

export type EmbeddingsConfig = z.output<typeof embeddingsConfigSchema>;

export const DEFAULT_EMBEDDINGS: EmbeddingsConfig = {
  provider: 'local',
  model: 'lexical-v1',
  dimensions: 256,
};

/**
 * Parses the variable's value (unset or blank: the local default). A problem comes back as a
 * sentence naming the variable and the field, for the caller to raise as its configuration error.
 */
export function parseEmbeddingsConfig(
  value: string | undefined,
): { config: EmbeddingsConfig } | { problem: string } {
  if (value === undefined || value.trim() === '') return { config: DEFAULT_EMBEDDINGS };
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch (error) {
    return { problem: `${EMBEDDINGS_VARIABLE} is not valid JSON: ${(error as Error).message}` };
  }
  const parsed = embeddingsConfigSchema.safeParse(raw);
  if (parsed.success) return { config: parsed.data };
  const issue = parsed.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    return { problem: `${EMBEDDINGS_VARIABLE}: ${issue.keys.join(', ')}: unknown field` };
  }
  const path = issue?.path.join('.') || '(the whole value)';
  return { problem: `${EMBEDDINGS_VARIABLE}: ${path}: ${issue?.message}` };
}
