/**
 * Embeddings from any server that speaks OpenAI's `POST /v1/embeddings` (OpenAI, Ollama, vLLM,
 * LM Studio, text-embeddings-inference): several texts a call, vectors put back in input order
 * and scaled to length 1 (not every server normalises). Failures are `ModelCallError`s,
 * classified as the Chat Completions provider classifies them. No retries of its own.
 */
import * as z from 'zod';
import { type Embedder, normaliseInPlace } from '../../core/memory/embedder.js';
import type { ModelCallError, ModelFailureReason } from '../../core/models/model-error.js';
import { openAiError, openAiStatusError, parseOkBody } from '../models/openai-errors.js';

export interface OpenAiEmbedderOptions {
  /** The API root, usually ending in `/v1`. */
  baseUrl: string;
  model: string;
  /** Asked of the server (models that can shorten their vectors); else the model's own size. */
  dimensions?: number | undefined;
  /** Sent as a bearer token when set. */
  apiKey?: string | undefined;
  fetchImpl?: typeof fetch;
  timeoutMs?: number;
  /** Texts per request. */
  batchSize?: number;
}

const responseSchema = z.object({
  data: z
    .array(z.object({ embedding: z.array(z.number()).min(1), index: z.number().int().min(0) }))
    .min(1),
});

export class OpenAiEmbedder implements Embedder {
  readonly id: string;
  private knownDimensions: number | undefined;
  private readonly url: string;
  private readonly host: string;
  private readonly model: string;
  private readonly requestedDimensions: number | undefined;
  private readonly apiKey: string | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly batchSize: number;

  constructor(options: OpenAiEmbedderOptions) {
    const base = new URL(options.baseUrl);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new Error(`baseUrl must be an http(s) URL, got '${base.protocol}'`);
    }
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/embeddings`;
    this.host = base.host;
    this.model = options.model;
    this.requestedDimensions = options.dimensions;
    this.knownDimensions = options.dimensions;
    this.apiKey = options.apiKey || undefined;
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.batchSize = options.batchSize ?? 64;
    this.id = `openai:${options.model}${options.dimensions ? `:${options.dimensions}` : ''}`;
  }

  /** The configured size, or the size of the first vector received (0 before any). */
  get dimensions(): number {
    return this.knownDimensions ?? 0;
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      out.push(...(await this.embedBatch(texts.slice(i, i + this.batchSize), signal)));
    }
    return out;
  }

  private async embedBatch(texts: string[], callerSignal?: AbortSignal): Promise<Float32Array[]> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    let status: number;
    let text: string;
    try {
      const response = await this.fetchImpl(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          model: this.model,
          input: texts,
          encoding_format: 'float',
          ...(this.requestedDimensions ? { dimensions: this.requestedDimensions } : {}),
        }),
        signal,
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (callerSignal?.aborted) throw this.error('the call was aborted by its caller', 'timeout');
      if (signal.aborted) throw this.error(`no answer within ${this.timeoutMs} ms`, 'timeout');
      const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
      const detail =
        typeof cause?.code === 'string'
          ? cause.code
          : typeof cause?.message === 'string'
            ? cause.message
            : error instanceof Error
              ? error.message
              : String(error);
      throw this.error(`network error calling ${this.host}: ${detail}`, 'network');
    }
    if (status < 200 || status > 299) throw this.statusError(status, text);
    return this.toVectors(text, texts.length);
  }

  private toVectors(text: string, expected: number): Float32Array[] {
    const body = parseOkBody(text, responseSchema, (message) => this.error(message, 'other'));
    const out = new Array<Float32Array | undefined>(expected);
    for (const { embedding, index } of body.data) {
      if (index >= expected) throw this.error(`answered an embedding for input ${index}`, 'other');
      this.knownDimensions ??= embedding.length;
      if (embedding.length !== this.knownDimensions) {
        throw this.error(
          `answered ${embedding.length} dimensions where ${this.knownDimensions} were expected`,
          'other',
        );
      }
      out[index] = normaliseInPlace(Float32Array.from(embedding));
    }
    // A loop, not `some`: `some` skips the holes of the array, which are what is missing.
    for (let i = 0; i < expected; i++) {
      if (out[i] === undefined) {
        throw this.error(`answered fewer embeddings than the ${expected} texts sent`, 'other');
      }
    }
    return out as Float32Array[];
  }

  private statusError(status: number, body: string): ModelCallError {
    return openAiStatusError(this.id, status, body, this.apiKey);
  }

  private error(message: string, reason: ModelFailureReason, status?: number): ModelCallError {
    return openAiError(this.id, message, reason, status, this.apiKey);
  }
}
