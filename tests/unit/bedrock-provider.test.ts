/**
 * BedrockConverseProvider against a mocked Bedrock Runtime client: request and response shapes,
 * errors, and ConverseStream (text deltas handed on, tool input assembled, the same response).
 */
import {
  AccessDeniedException,
  BedrockRuntimeClient,
  BedrockRuntimeServiceException,
  ConverseCommand,
  type ConverseCommandOutput,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  InternalServerException,
  ModelErrorException,
  ModelNotReadyException,
  ModelStreamErrorException,
  ModelTimeoutException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { bedrockClient } from '../../shared/adapters/clients/bedrock.js';
import { sharedClientConfig } from '../../shared/adapters/clients/request-handler.js';
import { BedrockConverseProvider } from '../../shared/adapters/models/bedrock-provider.js';
import {
  ToolNames,
  toWireToolName,
  WIRE_TOOL_NAME,
} from '../../shared/adapters/models/tool-names.js';
import type {
  ModelMessage,
  ModelRequest,
  ToolDescriptor,
} from '../../shared/core/kernel/model-provider.js';
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

const mathEval: ToolDescriptor = {
  name: 'math.eval',
  description: 'Evaluates an arithmetic expression.',
  inputSchema: {
    type: 'object',
    properties: { expression: { type: 'string' } },
    required: ['expression'],
    additionalProperties: false,
  },
};
const githubSearch: ToolDescriptor = {
  name: 'mcp.github.search',
  description: 'Searches GitHub.',
  inputSchema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
};

function request(overrides: Partial<ModelRequest> = {}): ModelRequest {
  return {
    messages: [{ role: 'user', content: 'What is 6*7?' }],
    tools: [],
    maxTokens: 512,
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** A Converse answer as the SDK returns it, metadata included. */
function converseOutput(
  content: NonNullable<NonNullable<ConverseCommandOutput['output']>['message']>['content'],
  stopReason: ConverseCommandOutput['stopReason'],
  usage = { inputTokens: 812, outputTokens: 64, totalTokens: 876 },
): ConverseCommandOutput {
  return {
    $metadata: {
      httpStatusCode: 200,
      requestId: 'b7e8c3f0-0000-4000-8000-000000000001',
      attempts: 1,
    },
    output: { message: { role: 'assistant', content } },
    stopReason,
    usage,
    metrics: { latencyMs: 1234 },
  };
}

async function failureOf(promise: Promise<unknown>): Promise<ModelCallError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelCallError);
  return error as ModelCallError;
}

describe('BedrockConverseProvider: the Converse request', () => {
  it('maps system, user, an assistant tool use and two tool results to one exact Converse input', async () => {
    // Prepare
    bedrock
      .on(ConverseCommand)
      .resolves(converseOutput([{ text: 'Both: 42 and 3 repositories.' }], 'end_turn'));
    const messages: ModelMessage[] = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Compute 6*7 and search for agent-core.' },
      {
        role: 'assistant',
        content: 'Let me check.',
        toolCalls: [
          { id: 'tooluse_a1', name: 'math.eval', input: { expression: '6*7' } },
          { id: 'tooluse_b2', name: 'mcp.github.search', input: { q: 'agent-core' } },
        ],
      },
      { role: 'tool', toolCallId: 'tooluse_a1', name: 'math.eval', content: '42', isError: false },
      {
        role: 'tool',
        toolCallId: 'tooluse_b2',
        name: 'mcp.github.search',
        content: 'tool mcp.github.search failed: rate limited',
        isError: true,
      },
    ];
    const signal = new AbortController().signal;
    // Act
    await provider().complete(request({ messages, tools: [mathEval, githubSearch], signal }));
    // Assess
    const calls = bedrock.commandCalls(ConverseCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      modelId: MODEL_ID,
      system: [{ text: 'You are terse.' }],
      messages: [
        { role: 'user', content: [{ text: 'Compute 6*7 and search for agent-core.' }] },
        {
          role: 'assistant',
          content: [
            { text: 'Let me check.' },
            {
              toolUse: {
                toolUseId: 'tooluse_a1',
                name: 'math__eval',
                input: { expression: '6*7' },
              },
            },
            {
              toolUse: {
                toolUseId: 'tooluse_b2',
                name: 'mcp__github__search',
                input: { q: 'agent-core' },
              },
            },
          ],
        },
        {
          role: 'user',
          content: [
            {
              toolResult: {
                toolUseId: 'tooluse_a1',
                content: [{ text: '42' }],
                status: 'success',
              },
            },
            {
              toolResult: {
                toolUseId: 'tooluse_b2',
                content: [{ text: 'tool mcp.github.search failed: rate limited' }],
                status: 'error',
              },
            },
          ],
        },
      ],
      inferenceConfig: { maxTokens: 512 },
      toolConfig: {
        tools: [
          {
            toolSpec: {
              name: 'math__eval',
              description: 'Evaluates an arithmetic expression.',
              inputSchema: { json: mathEval.inputSchema },
            },
          },
          {
            toolSpec: {
              name: 'mcp__github__search',
              description: 'Searches GitHub.',
              inputSchema: { json: githubSearch.inputSchema },
            },
          },
        ],
      },
    });
    // The caller's signal reaches the HTTP handler; the shared handler's warning does not apply.
    const options = (calls[0]!.args as unknown[])[1];
    expect(options).toEqual({ abortSignal: signal, requestTimeout: 0 });
    expect((options as { abortSignal: AbortSignal }).abortSignal).toBe(signal);
  });

  it('sends neither system nor toolConfig when there are none, and no blank text for a tool-only turn', async () => {
    // Prepare
    bedrock.on(ConverseCommand).resolves(converseOutput([{ text: 'ok' }], 'end_turn'));
    // Act
    await provider().complete(
      request({
        messages: [
          { role: 'user', content: 'go' },
          {
            role: 'assistant',
            content: '',
            toolCalls: [{ id: 't1', name: 'math.eval', input: { expression: '1+1' } }],
          },
          { role: 'tool', toolCallId: 't1', name: 'math.eval', content: '2', isError: false },
          { role: 'user', content: 'and now?' },
        ],
        maxTokens: 100,
      }),
    );
    // Assess
    const input = bedrock.commandCalls(ConverseCommand)[0]!.args[0].input;
    expect(input).not.toHaveProperty('system');
    expect(input).not.toHaveProperty('toolConfig');
    expect(input.inferenceConfig).toEqual({ maxTokens: 100 });
    expect(input.messages).toEqual([
      { role: 'user', content: [{ text: 'go' }] },
      {
        role: 'assistant',
        content: [
          { toolUse: { toolUseId: 't1', name: 'math__eval', input: { expression: '1+1' } } },
        ],
      },
      // A user message after a tool result joins it: Converse needs roles to alternate.
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 't1', content: [{ text: '2' }], status: 'success' } },
          { text: 'and now?' },
        ],
      },
    ]);
  });

  it('refuses maxTokens below 1 without calling Bedrock', async () => {
    // Act
    const error = await failureOf(provider().complete(request({ maxTokens: 0 })));
    // Assess
    expect(error.reason).toBe('invalid-request');
    expect(error.retryable).toBe(false);
    expect(bedrock.commandCalls(ConverseCommand)).toHaveLength(0);
  });
});

describe('BedrockConverseProvider: the Converse response', () => {
  it('maps a text answer with its usage, at no cost of its own', async () => {
    // Prepare
    bedrock.on(ConverseCommand).resolves(
      converseOutput([{ text: 'The answer ' }, { text: 'is 42.' }], 'end_turn', {
        inputTokens: 20,
        outputTokens: 7,
        totalTokens: 27,
      }),
    );
    // Act
    const response = await provider().complete(request());
    // Assess
    expect(response).toEqual({
      text: 'The answer is 42.',
      toolCalls: [],
      stopReason: 'end_turn',
      usage: { inputTokens: 20, outputTokens: 7, costUsd: 0 },
    });
  });

  it('maps toolUse blocks to tool calls under our names, with the text beside them', async () => {
    // Prepare
    bedrock.on(ConverseCommand).resolves(
      converseOutput(
        [
          { text: 'I will compute it and search.' },
          {
            toolUse: {
              toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q',
              name: 'math__eval',
              input: { expression: '6*7' },
            },
          },
          {
            toolUse: {
              toolUseId: 'tooluse_9x',
              name: 'mcp__github__search',
              input: { q: 'agent-core' },
            },
          },
        ],
        'tool_use',
      ),
    );
    // Act
    const response = await provider().complete(request({ tools: [mathEval, githubSearch] }));
    // Assess
    expect(response.text).toBe('I will compute it and search.');
    expect(response.stopReason).toBe('tool_use');
    expect(response.toolCalls).toEqual([
      { id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'math.eval', input: { expression: '6*7' } },
      { id: 'tooluse_9x', name: 'mcp.github.search', input: { q: 'agent-core' } },
    ]);
  });

  it.each([
    ['max_tokens', 'max_tokens'],
    ['model_context_window_exceeded', 'max_tokens'],
    ['stop_sequence', 'end_turn'],
    ['guardrail_intervened', 'end_turn'],
    ['content_filtered', 'end_turn'],
  ] as const)('maps stopReason %s to %s', async (stopReason, expected) => {
    // Prepare
    bedrock.on(ConverseCommand).resolves(converseOutput([{ text: 'partial' }], stopReason));
    // Act
    const response = await provider().complete(request());
    // Assess
    expect(response.stopReason).toBe(expected);
  });

  it('counts 0 tokens when usage is absent', async () => {
    // Prepare
    bedrock.on(ConverseCommand).resolves({
      $metadata: {},
      output: { message: { role: 'assistant', content: [{ text: 'hi' }] } },
      stopReason: 'end_turn',
      usage: undefined,
      metrics: undefined,
    });
    // Act
    const response = await provider().complete(request());
    // Assess
    expect(response.usage).toEqual({ inputTokens: 0, outputTokens: 0, costUsd: 0 });
  });

  it('fails with reason other when the answer has no message', async () => {
    // Prepare
    bedrock.on(ConverseCommand).resolves({
      $metadata: { httpStatusCode: 200 },
      output: undefined,
      stopReason: 'end_turn',
      usage: { inputTokens: 1, outputTokens: 0, totalTokens: 1 },
      metrics: { latencyMs: 3 },
    });
    // Act
    const error = await failureOf(provider().complete(request()));
    // Assess
    expect([error.reason, error.retryable]).toEqual(['other', false]);
  });
});

describe('tool names on the wire', () => {
  it('round-trips our dotted names through valid wire names', () => {
    // Prepare
    const ours = ['math.eval', 'mcp.github.search', 'plain_name', 'kebab-name'];
    const names = new ToolNames(ours);
    // Act
    const wire = ours.map((n) => names.toWire(n));
    // Assess
    expect(wire).toEqual(['math__eval', 'mcp__github__search', 'plain_name', 'kebab-name']);
    for (const w of wire) expect(w).toMatch(WIRE_TOOL_NAME);
    expect(wire.map((w) => names.fromWire(w))).toEqual(ours);
  });

  it('hashes names the dot rule cannot carry, and still maps them back', () => {
    // Prepare
    const long = `mcp.${'x'.repeat(80)}.search`;
    const ours = ['a__b', 'a.b', 'tool with spaces!', long];
    const names = new ToolNames(ours);
    // Act
    const wire = ours.map((n) => names.toWire(n));
    // Assess
    for (const w of wire) expect(w).toMatch(WIRE_TOOL_NAME);
    expect(new Set(wire).size).toBe(ours.length);
    expect(wire[1]).toBe('a__b');
    expect(wire[0]).toMatch(/^a__b_[0-9a-f]{8}$/);
    expect(wire.map((w) => names.fromWire(w))).toEqual(ours);
  });

  it('maps a name the model made up back by the dot rule alone', () => {
    expect(new ToolNames(['math.eval']).fromWire('files__delete')).toBe('files.delete');
  });

  it('refuses a request whose two tool names would share a wire name', () => {
    // Prepare: a valid name that happens to equal the hashed form of another
    const long = 'x'.repeat(70);
    // Act
    const build = () => new ToolNames([long, toWireToolName(long)]);
    // Assess
    expect(build).toThrow(ModelCallError);
    expect(build).toThrow(/same wire name/);
  });

  it('maps hashed names in a real Converse exchange', async () => {
    // Prepare
    const odd: ToolDescriptor = { ...mathEval, name: 'ns.tool__v2' };
    const wire = toWireToolName(odd.name);
    bedrock
      .on(ConverseCommand)
      .resolves(
        converseOutput([{ toolUse: { toolUseId: 'tu1', name: wire, input: {} } }], 'tool_use'),
      );
    // Act
    const response = await provider().complete(request({ tools: [odd] }));
    // Assess
    const sent = bedrock.commandCalls(ConverseCommand)[0]!.args[0].input;
    expect(sent.toolConfig?.tools?.[0]?.toolSpec?.name).toBe(wire);
    expect(response.toolCalls).toEqual([{ id: 'tu1', name: 'ns.tool__v2', input: {} }]);
  });
});

describe('BedrockConverseProvider: errors', () => {
  // No HTTP status: the exception's name alone has to decide (the status fallback is below).
  it.each([
    [
      'ThrottlingException',
      new ThrottlingException({
        message: 'Too many requests',
        $metadata: {},
      }),
      'throttled',
      true,
    ],
    [
      'ServiceQuotaExceededException',
      new ServiceQuotaExceededException({ message: 'quota', $metadata: {} }),
      'throttled',
      true,
    ],
    [
      'ServiceUnavailableException',
      new ServiceUnavailableException({
        message: 'unavailable',
        $metadata: {},
      }),
      'unavailable',
      true,
    ],
    [
      'InternalServerException',
      new InternalServerException({ message: 'oops', $metadata: {} }),
      'unavailable',
      true,
    ],
    [
      'ModelNotReadyException',
      new ModelNotReadyException({
        message: 'not ready',
        $metadata: {},
      }),
      'unavailable',
      true,
    ],
    [
      'ModelTimeoutException',
      new ModelTimeoutException({
        message: 'model took too long',
        $metadata: {},
      }),
      'timeout',
      true,
    ],
    [
      'ValidationException',
      new ValidationException({ message: 'messages.0: blank text', $metadata: {} }),
      'invalid-request',
      false,
    ],
    [
      'AccessDeniedException',
      new AccessDeniedException({
        message: 'no access to model',
        $metadata: {},
      }),
      'auth',
      false,
    ],
    [
      'ResourceNotFoundException',
      new ResourceNotFoundException({
        message: 'model not found',
        $metadata: {},
      }),
      'not-found',
      false,
    ],
    [
      'ModelErrorException',
      new ModelErrorException({
        message: 'model failed',
        $metadata: {},
      }),
      'other',
      false,
    ],
  ] as const)('%s → %s, retryable %s', async (_, exception, reason, retryable) => {
    // Prepare
    bedrock.on(ConverseCommand).rejects(exception);
    // Act
    const error = await failureOf(provider().complete(request()));
    // Assess
    expect(error.reason).toBe(reason);
    expect(error.retryable).toBe(retryable);
    expect(error.status).toBeUndefined();
    expect(error.message).toContain(`bedrock:${MODEL_ID}`);
    expect(error.message).toContain(exception.name);
    expect(error.message).toContain(exception.message);
  });

  it.each([
    [503, 'unavailable', true],
    [502, 'unavailable', true],
    [429, 'throttled', true],
    [401, 'auth', false],
    [403, 'auth', false],
    [404, 'not-found', false],
    [418, 'other', false],
  ] as const)('an unmodelled exception with HTTP %i → %s', async (status, reason, retryable) => {
    // Prepare: what the SDK builds for an error code it does not know
    const exception = new BedrockRuntimeServiceException({
      name: 'UnknownError',
      $fault: status >= 500 ? 'server' : 'client',
      message: 'something happened',
      $metadata: { httpStatusCode: status },
    });
    bedrock.on(ConverseCommand).rejects(exception);
    // Act
    const error = await failureOf(provider().complete(request()));
    // Assess
    expect([error.reason, error.retryable, error.status]).toEqual([reason, retryable, status]);
  });

  it('UnrecognizedClientException (bad keys, no modelled class) → auth, not retryable', async () => {
    // Prepare
    bedrock.on(ConverseCommand).rejects(
      new BedrockRuntimeServiceException({
        name: 'UnrecognizedClientException',
        $fault: 'client',
        message: 'The security token included in the request is invalid.',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    // Act
    const error = await failureOf(provider().complete(request()));
    // Assess
    expect([error.reason, error.retryable]).toEqual(['auth', false]);
  });

  it('a missing-credentials error → auth, without any credential in the message', async () => {
    // Prepare
    const missing = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    bedrock.on(ConverseCommand).rejects(missing);
    // Act
    const error = await failureOf(provider().complete(request()));
    // Assess
    expect([error.reason, error.retryable]).toEqual(['auth', false]);
    expect(error.message).not.toContain('test-secret-never-shown');
    expect(error.message).not.toContain('AKIATESTONLY');
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND'])(
    'a network error %s → network, retryable',
    async (code) => {
      // Prepare: what node:http rejects with when a socket fails
      bedrock
        .on(ConverseCommand)
        .rejects(Object.assign(new Error(`read ${code}`), { code, $metadata: {} }));
      // Act
      const error = await failureOf(provider().complete(request()));
      // Assess
      expect([error.reason, error.retryable]).toEqual(['network', true]);
      expect(error.message).toContain(code);
    },
  );

  it('the handler’s socket timeout → timeout, retryable', async () => {
    // Prepare
    bedrock
      .on(ConverseCommand)
      .rejects(Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }));
    // Act
    const error = await failureOf(provider().complete(request()));
    // Assess
    expect([error.reason, error.retryable]).toEqual(['timeout', true]);
  });

  it('the caller’s abort (the task deadline) → timeout, retryable', async () => {
    // Prepare: the handler rejects the way @smithy/node-http-handler does on abort
    const controller = new AbortController();
    bedrock.on(ConverseCommand).callsFake(async () => {
      controller.abort();
      throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    });
    // Act
    const error = await failureOf(provider().complete(request({ signal: controller.signal })));
    // Assess
    expect([error.reason, error.retryable]).toEqual(['timeout', true]);
    expect(error.message).toContain('aborted');
  });

  it('once the caller has aborted, whatever the handler rejects with is the timeout', async () => {
    // Prepare: the socket torn down by the abort may surface first
    const controller = new AbortController();
    bedrock.on(ConverseCommand).callsFake(async () => {
      controller.abort();
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    });
    // Act
    const error = await failureOf(provider().complete(request({ signal: controller.signal })));
    // Assess
    expect([error.reason, error.retryable]).toEqual(['timeout', true]);
  });

  it('any other error → other, not retryable, and the message never carries the request', async () => {
    // Prepare
    bedrock.on(ConverseCommand).rejects(new Error('Deserialization error: something odd'));
    const secretPrompt = 'my-private-prompt-text';
    // Act
    const error = await failureOf(
      provider().complete(request({ messages: [{ role: 'user', content: secretPrompt }] })),
    );
    // Assess
    expect([error.reason, error.retryable]).toEqual(['other', false]);
    expect(error.message).not.toContain(secretPrompt);
  });

  it('truncates a long service message', async () => {
    // Prepare
    bedrock
      .on(ConverseCommand)
      .rejects(new ValidationException({ message: 'v'.repeat(5000), $metadata: {} }));
    // Act
    const error = await failureOf(provider().complete(request()));
    // Assess
    expect(error.message.length).toBeLessThan(400);
  });
});

describe('bedrockClient', () => {
  it('creates one client per region, on the shared keep-alive handler', async () => {
    // Act
    const ireland = bedrockClient('eu-west-1');
    // Assess
    expect(bedrockClient('eu-west-1')).toBe(ireland);
    expect(bedrockClient('us-west-2')).not.toBe(ireland);
    expect(await ireland.config.region()).toBe('eu-west-1');
    expect(ireland.config.requestHandler).toBe(sharedClientConfig().requestHandler);
    expect(bedrockClient()).toBe(bedrockClient());
  });
});

async function* streamOf(...items: ConverseStreamOutput[]): AsyncIterable<ConverseStreamOutput> {
  for (const item of items) yield item;
}

/** A stream hook that keeps the text it is handed. */
function textRecorder() {
  const chunks: string[] = [];
  return { chunks, stream: { text: (c: string) => chunks.push(c), restart: () => undefined } };
}

describe('BedrockConverseProvider: ConverseStream', () => {
  const tools = [mathEval];

  it('streams text deltas and answers what Converse answers for the same turn', async () => {
    // Prepare: a text block, then a tool use whose input arrives in three pieces.
    bedrock.on(ConverseStreamCommand).resolves({
      stream: streamOf(
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
        {
          contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: 'ssion": "6' } } },
        },
        { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: '*7"}' } } } },
        { contentBlockStop: { contentBlockIndex: 1 } },
        { messageStop: { stopReason: 'tool_use' } },
        {
          metadata: {
            usage: { inputTokens: 120, outputTokens: 31, totalTokens: 151 },
            metrics: { latencyMs: 4 },
          },
        },
      ),
    });
    bedrock.on(ConverseCommand).resolves(
      converseOutput(
        [
          { text: 'Let me compute.' },
          {
            toolUse: { toolUseId: 'tooluse_1', name: 'math__eval', input: { expression: '6*7' } },
          },
        ],
        'tool_use',
        { inputTokens: 120, outputTokens: 31, totalTokens: 151 },
      ),
    );
    const seen = textRecorder();

    // Act
    const streamed = await provider().complete(request({ tools, stream: seen.stream }));
    const plain = await provider().complete(request({ tools }));

    // Assess
    expect(seen.chunks).toEqual(['Let me ', 'compute.']);
    expect(streamed).toEqual(plain);
    expect(streamed).toEqual({
      text: 'Let me compute.',
      toolCalls: [{ id: 'tooluse_1', name: 'math.eval', input: { expression: '6*7' } }],
      stopReason: 'tool_use',
      usage: { inputTokens: 120, outputTokens: 31, costUsd: 0 },
    });
    // The streamed call sends Converse's own input; only the streamed request streams.
    const [streamCall] = bedrock.commandCalls(ConverseStreamCommand);
    const [converseCall] = bedrock.commandCalls(ConverseCommand);
    expect(streamCall?.args[0].input).toEqual(converseCall?.args[0].input);
  });

  it('gives an empty tool input as {}', async () => {
    bedrock.on(ConverseStreamCommand).resolves({
      stream: streamOf(
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
    const response = await provider().complete(request({ tools, stream: textRecorder().stream }));
    expect(response.toolCalls).toEqual([{ id: 't0', name: 'math.eval', input: {} }]);
    expect(response.usage).toEqual({ inputTokens: 0, outputTokens: 0, costUsd: 0 });
  });

  it('fails as the exception a stream carries says, and retryably when it stops short', async () => {
    bedrock
      .on(ConverseStreamCommand)
      .resolvesOnce({
        stream: streamOf(
          { contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'par' } } },
          { throttlingException: new ThrottlingException({ message: 'slow down', $metadata: {} }) },
        ),
      })
      .resolvesOnce({
        stream: streamOf({
          modelStreamErrorException: new ModelStreamErrorException({
            message: 'model broke',
            $metadata: {},
          }),
        }),
      })
      .resolves({
        stream: streamOf({ contentBlockDelta: { contentBlockIndex: 0, delta: { text: 'cut' } } }),
      });
    const streamed = () => provider().complete(request({ stream: textRecorder().stream }));
    expect(await failureOf(streamed())).toMatchObject({ reason: 'throttled', retryable: true });
    expect((await failureOf(streamed())).message).toMatch(/model broke/);
    expect(await failureOf(streamed())).toMatchObject({ reason: 'network', retryable: true });
  });
});
