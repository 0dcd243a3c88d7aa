/** BedrockTitanEmbedder against a mocked Bedrock Runtime client: request body, answers, errors. */
import {
  AccessDeniedException,
  BedrockRuntimeClient,
  InternalServerException,
  InvokeModelCommand,
  ModelTimeoutException,
  ResourceNotFoundException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BedrockTitanEmbedder,
  TITAN_V2_MODEL_ID,
} from '../../shared/adapters/embeddings/bedrock-titan-embedder.js';
import { ModelCallError } from '../../shared/core/models/model-error.js';

const client = new BedrockRuntimeClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIATESTONLY', secretAccessKey: 'test-secret-never-shown' },
});
const bedrock = mockClient(client);
afterEach(() => {
  bedrock.reset();
});

/** The SDK hands the body over as bytes (a Uint8Array subclass). */
const bytes = (text: string) => new TextEncoder().encode(text) as never;

const answer = (embedding: number[], extra: Record<string, unknown> = {}) => ({
  body: bytes(JSON.stringify({ embedding, inputTextTokenCount: 7, ...extra })),
  contentType: 'application/json',
  $metadata: { httpStatusCode: 200 },
});

const vectorOf = (dimensions: number, value = 0.5) => new Array(dimensions).fill(value);

async function failureOf(promise: Promise<unknown>): Promise<ModelCallError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ModelCallError);
    return error as ModelCallError;
  }
  throw new Error('expected the call to fail');
}

describe('BedrockTitanEmbedder', () => {
  it('sends InvokeModel with {inputText, dimensions, normalize: true} as JSON', async () => {
    // Prepare
    bedrock.on(InvokeModelCommand).resolves(answer(vectorOf(256)));
    const embedder = new BedrockTitanEmbedder({ client, dimensions: 256 });

    // Act
    await embedder.embed(['remember the milk']);

    // Assess
    const calls = bedrock.commandCalls(InvokeModelCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input).toMatchObject({
      modelId: 'amazon.titan-embed-text-v2:0',
      contentType: 'application/json',
      accept: 'application/json',
    });
    expect(JSON.parse(String(input?.body))).toEqual({
      inputText: 'remember the milk',
      dimensions: 256,
      normalize: true,
    });
  });

  it('defaults to Titan v2 with 1024 dimensions and names its vector space by model and size', () => {
    // Act
    const embedder = new BedrockTitanEmbedder({ client });

    // Assess
    expect(embedder.dimensions).toBe(1024);
    expect(embedder.id).toBe(`bedrock:${TITAN_V2_MODEL_ID}:1024`);
    expect(new BedrockTitanEmbedder({ client, dimensions: 512 }).id).toBe(
      `bedrock:${TITAN_V2_MODEL_ID}:512`,
    );
  });

  it('refuses a size Titan v2 does not offer', () => {
    // Assess
    expect(() => new BedrockTitanEmbedder({ client, dimensions: 300 })).toThrow(/256, 512 or 1024/);
  });

  it('parses the embedding, as a unit vector, one call per text, answers in input order', async () => {
    // Prepare
    bedrock.on(InvokeModelCommand).callsFake((input: { body: string }) => {
      const { inputText } = JSON.parse(input.body) as { inputText: string };
      const vector = vectorOf(256, 0);
      vector[inputText.length % 256] = 3;
      return answer(vector);
    });
    const embedder = new BedrockTitanEmbedder({ client, dimensions: 256, concurrency: 2 });

    // Act
    const vectors = await embedder.embed(['a', 'bb', 'ccc', 'dddd', 'eeeee']);

    // Assess
    expect(bedrock.commandCalls(InvokeModelCommand)).toHaveLength(5);
    vectors.forEach((vector, i) => {
      expect(vector).toBeInstanceOf(Float32Array);
      expect(vector[i + 1]).toBe(1);
      expect(vector.reduce((sum, x) => sum + x * x, 0)).toBeCloseTo(1, 6);
    });
  });

  it('fails (reason other) when the answer has no embedding, is not JSON, or has the wrong size', async () => {
    // Prepare
    const embedder = new BedrockTitanEmbedder({ client, dimensions: 256 });
    bedrock
      .on(InvokeModelCommand)
      .resolvesOnce({ body: bytes('{"message":"no"}'), $metadata: {} })
      .resolvesOnce({ body: bytes('not json'), $metadata: {} })
      .resolvesOnce(answer(vectorOf(1024)));
    const messages: string[] = [];

    // Act
    for (let i = 0; i < 3; i++) {
      const error = await failureOf(embedder.embed(['x']));
      expect(error.reason).toBe('other');
      expect(error.retryable).toBe(false);
      messages.push(error.message);
    }

    // Assess
    expect(messages[0]).toMatch(/without an embedding/);
    expect(messages[1]).toMatch(/not JSON/);
    expect(messages[2]).toMatch(/1024 dimensions where 256/);
  });

  it.each([
    {
      name: 'ThrottlingException',
      exception: new ThrottlingException({ message: 'slow down', $metadata: {} }),
      reason: 'throttled',
      retryable: true,
    },
    {
      name: 'ServiceUnavailableException',
      exception: new ServiceUnavailableException({ message: 'down', $metadata: {} }),
      reason: 'unavailable',
      retryable: true,
    },
    {
      name: 'InternalServerException',
      exception: new InternalServerException({ message: 'oops', $metadata: {} }),
      reason: 'unavailable',
      retryable: true,
    },
    {
      name: 'ModelTimeoutException',
      exception: new ModelTimeoutException({ message: 'slow', $metadata: {} }),
      reason: 'timeout',
      retryable: true,
    },
    {
      name: 'ValidationException',
      exception: new ValidationException({ message: 'inputText too long', $metadata: {} }),
      reason: 'invalid-request',
      retryable: false,
    },
    {
      name: 'AccessDeniedException',
      exception: new AccessDeniedException({ message: 'no access to model', $metadata: {} }),
      reason: 'auth',
      retryable: false,
    },
    {
      name: 'ResourceNotFoundException',
      exception: new ResourceNotFoundException({ message: 'no such model', $metadata: {} }),
      reason: 'not-found',
      retryable: false,
    },
  ])('$name → $reason, retryable $retryable', async ({ exception, reason, retryable }) => {
    // Prepare
    bedrock.on(InvokeModelCommand).rejects(exception);
    const embedder = new BedrockTitanEmbedder({ client, dimensions: 256 });

    // Act
    const error = await failureOf(embedder.embed(['a secret text that must not leak']));

    // Assess
    expect(error.reason).toBe(reason);
    expect(error.retryable).toBe(retryable);
    expect(error.message).toContain(`bedrock:${TITAN_V2_MODEL_ID}:256`);
    expect(error.message).toContain(exception.name);
    expect(error.message).toContain(exception.message);
    expect(error.message).not.toContain('a secret text');
  });

  it('maps a bare HTTP status and a dropped connection', async () => {
    // Prepare
    const embedder = new BedrockTitanEmbedder({ client, dimensions: 256 });
    const status = Object.assign(new Error('teapot'), {
      name: 'UnknownError',
      $metadata: { httpStatusCode: 503 },
    });
    const dropped = Object.assign(new Error('socket hang up'), {
      name: 'Error',
      code: 'ECONNRESET',
    });

    // Act
    bedrock.on(InvokeModelCommand).rejectsOnce(status).rejectsOnce(dropped);
    const first = await failureOf(embedder.embed(['x']));
    const second = await failureOf(embedder.embed(['x']));

    // Assess
    expect([first.reason, first.retryable, first.status]).toEqual(['unavailable', true, 503]);
    expect([second.reason, second.retryable]).toEqual(['network', true]);
    expect(second.message).toContain('ECONNRESET');
  });

  it("reports the caller's abort as a timeout", async () => {
    // Prepare
    const controller = new AbortController();
    controller.abort();
    bedrock
      .on(InvokeModelCommand)
      .rejects(Object.assign(new Error('aborted'), { name: 'AbortError' }));

    // Act
    const error = await failureOf(
      new BedrockTitanEmbedder({ client, dimensions: 256 }).embed(['x'], controller.signal),
    );

    // Assess
    expect(error.reason).toBe('timeout');
    expect(error.message).toMatch(/aborted by its caller/);
  });
});
