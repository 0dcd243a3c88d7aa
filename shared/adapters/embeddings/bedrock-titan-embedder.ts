/**
 * Amazon Titan Text Embeddings v2 on Bedrock: one `InvokeModel` per text with
 * `{inputText, dimensions, normalize: true}` (the model takes one text a call). Failures are
 * `ModelCallError`s classified as the Converse provider classifies them: throttling, 5xx,
 * timeouts and dropped connections are retryable; bad requests, credentials and unknown models
 * are not.
 */
import { type BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import * as z from 'zod';
import { type Embedder, normaliseInPlace } from '../../core/memory/embedder.js';
import type { ModelCallError, ModelFailureReason } from '../../core/models/model-error.js';
import { bedrockCallError, bedrockError } from '../models/bedrock-errors.js';

export const TITAN_V2_MODEL_ID = 'amazon.titan-embed-text-v2:0';
export const TITAN_V2_DIMENSIONS = [256, 512, 1024] as const;

export interface BedrockTitanEmbedderOptions {
  client: BedrockRuntimeClient;
  modelId?: string;
  /** 256, 512 or 1024 (the model's default). */
  dimensions?: number;
  /** Calls in flight at once when embedding several texts. */
  concurrency?: number;
}

const responseSchema = z.object({
  embedding: z.array(z.number()).min(1),
  inputTextTokenCount: z.number().optional(),
});

export class BedrockTitanEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  private readonly client: BedrockRuntimeClient;
  private readonly modelId: string;
  private readonly concurrency: number;

  constructor(options: BedrockTitanEmbedderOptions) {
    this.client = options.client;
    this.modelId = options.modelId ?? TITAN_V2_MODEL_ID;
    this.dimensions = options.dimensions ?? 1024;
    if (!(TITAN_V2_DIMENSIONS as readonly number[]).includes(this.dimensions)) {
      throw new Error(`Titan v2 embeds in 256, 512 or 1024 dimensions, not ${this.dimensions}`);
    }
    this.concurrency = options.concurrency ?? 4;
    this.id = `bedrock:${this.modelId}:${this.dimensions}`;
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out = new Array<Float32Array>(texts.length);
    let next = 0;
    const worker = async () => {
      while (next < texts.length) {
        const index = next++;
        out[index] = await this.embedOne(texts[index] as string, signal);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, texts.length) }, worker));
    return out;
  }

  private async embedOne(text: string, signal: AbortSignal | undefined): Promise<Float32Array> {
    let body: Uint8Array | undefined;
    try {
      const output = await this.client.send(
        new InvokeModelCommand({
          modelId: this.modelId,
          contentType: 'application/json',
          accept: 'application/json',
          body: JSON.stringify({ inputText: text, dimensions: this.dimensions, normalize: true }),
        }),
        signal ? { abortSignal: signal } : {},
      );
      body = output.body;
    } catch (error) {
      throw this.callError(error, signal);
    }
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(body ?? new Uint8Array()));
    } catch {
      throw this.error('answered with a body that is not JSON', 'other');
    }
    const parsed = responseSchema.safeParse(json);
    if (!parsed.success) throw this.error('answered without an embedding', 'other');
    const { embedding } = parsed.data;
    if (embedding.length !== this.dimensions) {
      throw this.error(
        `answered ${embedding.length} dimensions where ${this.dimensions} were asked for`,
        'other',
      );
    }
    return normaliseInPlace(Float32Array.from(embedding));
  }

  /** Only the error's name, its status and the service's own short message: never the text. */
  private callError(error: unknown, signal: AbortSignal | undefined): ModelCallError {
    return bedrockCallError(this.id, error, signal);
  }

  private error(message: string, reason: ModelFailureReason, status?: number): ModelCallError {
    return bedrockError(this.id, message, reason, status);
  }
}
