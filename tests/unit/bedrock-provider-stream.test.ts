/**
 * BedrockConverseProvider with ConverseStream, against a mocked Bedrock Runtime client (the SDK
 * boundary): text deltas handed on in order, tool-use input assembled from its JSON pieces, stop
 * reason and usage from the closing events, the same response as Converse for the same answer,
 * and the failures a stream can carry.
 */
import {
  BedrockRuntimeClient,
  ConverseCommand,
  type ConverseCommandOutput,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  ModelStreamErrorException,
  ThrottlingException,
} from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { BedrockConverseProvider } from '../../shared/adapters/models/bedrock-provider.js';
import type { AnswerStream, ModelRequest } from '../../shared/core/kernel/model-provider.js';
import { ModelCallError } from '../../shared/core/models/model-error.js';

const MODEL_ID = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const client = new BedrockRuntimeClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIATESTONLY', secretAccessKey: 'test-secret-never-shown' },
});
const bedrock = mockClient(client);
afterEach(() => {
  bedrock.reset();
});

const provider = () => new BedrockConverseProvider({ client, modelId: MODEL_ID });

const request = (stream?: AnswerStream): ModelRequest => ({
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'what is (2+3)*7?' },
  ],
  tools: [
    {
      name: 'math.eval',
      description: 'Evaluates an arithmetic expression.',
      inputSchema: { type: 'object', properties: { expression: { type: 'string' } } },
    },
  ],
  maxTokens: 200,
  signal: new AbortController().signal,
  ...(stream ? { stream } : {}),
});

async function* events(...items: ConverseStreamOutput[]): AsyncIterable<ConverseStreamOutput> {
  for (const item of items) yield item;
}

function recorder() {
  const chunks: string[] = [];
  return { chunks, stream: { text: (c: string) => chunks.push(c), restart: () => undefined } };
}

/** A text block, then a tool use whose input arrives in three pieces. */
const streamedAnswer = (): ConverseStreamOutput[] => [
  { messageStart: { role: 'assistant' } },
  { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'Let me ' } } },
  { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'compute.' } } },
  { contentBlockStop: { contentBlockIndex: 0 } },
  {
    contentBlockStart: {
      contentBlockIndex: 1,
      start: { toolUse: { toolUseId: 'tooluse_1', name: 'math__eval' } },
    },
  },
  { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '{"expre' } } } },
  { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: 'ssion": "(2' } } } },
  { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '+3)*7"}' } } } },
  { contentBlockStop: { contentBlockIndex: 1 } },
  { messageStop: { stopReason: 'tool_use' } },
  {
    metadata: {
      usage: { inputTokens: 120, outputTokens: 31, totalTokens: 151 },
      metrics: { latencyMs: 400 },
    },
  },
];

/** What Converse answers for the same turn. */
const converseAnswer: ConverseCommandOutput = {
  output: {
    message: {
      role: 'assistant',
      content: [
        { text: 'Let me compute.' },
        {
          toolUse: { toolUseId: 'tooluse_1', name: 'math__eval', input: { expression: '(2+3)*7' } },
        },
      ],
    },
  },
  stopReason: 'tool_use',
  usage: { inputTokens: 120, outputTokens: 31, totalTokens: 151 },
  metrics: { latencyMs: 400 },
  $metadata: {},
};

describe('BedrockConverseProvider streaming', () => {
  it('streams text deltas and answers what Converse answers for the same turn', async () => {
    bedrock.on(ConverseStreamCommand).resolves({ stream: events(...streamedAnswer()) });
    bedrock.on(ConverseCommand).resolves(converseAnswer);
    const seen = recorder();

    const streamed = await provider().complete(request(seen.stream));
    const plain = await provider().complete(request());

    expect(seen.chunks).toEqual(['Let me ', 'compute.']);
    expect(streamed).toEqual(plain);
    expect(streamed).toEqual({
      text: 'Let me compute.',
      toolCalls: [{ id: 'tooluse_1', name: 'math.eval', input: { expression: '(2+3)*7' } }],
      stopReason: 'tool_use',
      usage: { inputTokens: 120, outputTokens: 31, costUsd: 0 },
    });
    // The streamed call sends Converse's own input, and only a streamed request streams.
    const [streamCall] = bedrock.commandCalls(ConverseStreamCommand);
    const [converseCall] = bedrock.commandCalls(ConverseCommand);
    expect(streamCall?.args[0].input).toEqual(converseCall?.args[0].input);
    expect(bedrock.commandCalls(ConverseStreamCommand)).toHaveLength(1);
  });

  it('gives an empty tool input as {} and a final text answer as end_turn', async () => {
    bedrock.on(ConverseStreamCommand).resolves({
      stream: events(
        {
          contentBlockStart: {
            contentBlockIndex: 0,
            start: { toolUse: { toolUseId: 't0', name: 'math__eval' } },
          },
        },
        { contentBlockStop: { contentBlockIndex: 0 } },
        { messageStop: { stopReason: 'tool_use' } },
      ),
    });
    const response = await provider().complete(request(recorder().stream));
    expect(response.toolCalls).toEqual([{ id: 't0', name: 'math.eval', input: {} }]);
    expect(response.usage).toEqual({ inputTokens: 0, outputTokens: 0, costUsd: 0 });
  });

  it('fails as the exception a stream carries says: throttled, retryable', async () => {
    bedrock.on(ConverseStreamCommand).resolves({
      stream: events(
        { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'par' } } },
        {
          throttlingException: new ThrottlingException({ message: 'slow down', $metadata: {} }),
        },
      ),
    });
    const error = await provider()
      .complete(request(recorder().stream))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCallError);
    expect(error).toMatchObject({ reason: 'throttled', retryable: true });
  });

  it('fails on a model stream error and on a stream that stops short', async () => {
    bedrock
      .on(ConverseStreamCommand)
      .resolvesOnce({
        stream: events({
          modelStreamErrorException: new ModelStreamErrorException({
            message: 'model broke',
            $metadata: {},
          }),
        }),
      })
      .resolves({
        stream: events({ contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'cut' } } }),
      });
    const broke = await provider()
      .complete(request(recorder().stream))
      .catch((e: unknown) => e);
    expect(broke).toBeInstanceOf(ModelCallError);
    expect((broke as Error).message).toMatch(/model broke/);
    const cut = await provider()
      .complete(request(recorder().stream))
      .catch((e: unknown) => e);
    expect(cut).toMatchObject({ reason: 'network', retryable: true });
  });
});
