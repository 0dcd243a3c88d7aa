import { describe, expect, it } from 'vitest';
import { registerAgentSchema } from '../../shared/core/agents/agent.js';
import { ValidationError } from '../../shared/core/errors.js';
import { modelSpecSchema } from '../../shared/core/kernel/model-spec.js';
import { DEFAULT_ROUTES } from '../../shared/core/models/route-config.js';
import { parseInput } from '../../shared/core/validation.js';

function details(value: unknown) {
  try {
    parseInput(modelSpecSchema, value, 'model');
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be refused`);
}

describe('modelSpecSchema', () => {
  it.each([
    [{ route: 'default' }, { route: 'default' }],
    [{ provider: 'echo' }, { provider: 'echo' }],
    [
      { provider: 'scripted', turns: [{ text: 'hi {{input}}' }], failUntilAttempt: 2 },
      { provider: 'scripted', turns: [{ text: 'hi {{input}}' }], failUntilAttempt: 2 },
    ],
    [
      // A tool call's input defaults to {}.
      { provider: 'scripted', turns: [{ toolCalls: [{ name: 'math.eval' }] }] },
      { provider: 'scripted', turns: [{ toolCalls: [{ name: 'math.eval', input: {} }] }] },
    ],
    [
      { provider: 'scripted', turns: [{ text: 'x' }], failUntilAttempt: 11 },
      { provider: 'scripted', turns: [{ text: 'x' }], failUntilAttempt: 11 },
    ],
    // Only the shape of a route name is checked here; ModelResolver.check knows which exist.
    [{ route: 'fast' }, { route: 'fast' }],
    [{ route: '0' }, { route: '0' }],
    [{ route: `a${'-'.repeat(62)}` }, { route: `a${'-'.repeat(62)}` }],
    [
      { provider: 'bedrock', model: 'anthropic.claude-3-haiku-20240307-v1:0' },
      { provider: 'bedrock', model: 'anthropic.claude-3-haiku-20240307-v1:0' },
    ],
    [
      { provider: 'bedrock', model: 'us.amazon.nova-lite-v1:0', region: 'eu-central-1' },
      { provider: 'bedrock', model: 'us.amazon.nova-lite-v1:0', region: 'eu-central-1' },
    ],
    [
      // An inference profile ARN.
      {
        provider: 'bedrock',
        model: 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0',
      },
      {
        provider: 'bedrock',
        model: 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0',
      },
    ],
    [
      { provider: 'openai', model: 'gpt-4o-mini' },
      {
        provider: 'openai',
        model: 'gpt-4o-mini',
        baseUrl: 'https://api.openai.com/v1',
        apiKeyEnv: 'AGENT_CORE_OPENAI_API_KEY',
      },
    ],
    [
      {
        provider: 'openai',
        model: 'llama3.1',
        baseUrl: 'http://localhost:11434/v1',
        apiKeyEnv: 'OLLAMA_KEY',
      },
      {
        provider: 'openai',
        model: 'llama3.1',
        baseUrl: 'http://localhost:11434/v1',
        apiKeyEnv: 'OLLAMA_KEY',
      },
    ],
  ])('accepts %j', (value, expected) => {
    // Act
    const spec = parseInput(modelSpecSchema, value, 'model');

    // Assess
    expect(spec).toEqual(expected);
  });

  it('knows the default route, which runs echo', () => {
    // Assess
    expect(DEFAULT_ROUTES.default).toEqual([{ provider: 'echo' }]);
  });

  it.each([
    [
      'a route name with capitals',
      { route: 'Fast' },
      [{ path: 'route', message: 'a route name (a-z 0-9 -)' }],
    ],
    [
      'an empty route name',
      { route: '' },
      [{ path: 'route', message: 'a route name (a-z 0-9 -)' }],
    ],
    [
      'a route name starting with a dash',
      { route: '-fast' },
      [{ path: 'route', message: 'a route name (a-z 0-9 -)' }],
    ],
    [
      'a route name of 64 characters',
      { route: 'a'.repeat(64) },
      [{ path: 'route', message: 'a route name (a-z 0-9 -)' }],
    ],
    [
      'a route named __proto__',
      { route: '__proto__' },
      [{ path: 'route', message: 'a route name (a-z 0-9 -)' }],
    ],
    [
      'a route that is not a string',
      { route: 7 },
      [{ path: 'route', message: expect.stringContaining('expected string') }],
    ],
    [
      'an extra key beside a route',
      { route: 'default', provider: 'echo' },
      [{ path: 'provider', message: 'unknown field' }],
    ],
    [
      'an unknown provider',
      { provider: 'gpt' },
      [{ path: 'provider', message: 'provider must be one of: echo, scripted, bedrock, openai' }],
    ],
    [
      'neither route nor provider',
      {},
      [{ path: 'provider', message: 'provider must be one of: echo, scripted, bedrock, openai' }],
    ],
    [
      'a string instead of an object',
      'echo',
      [{ path: '', message: 'provider must be one of: echo, scripted, bedrock, openai' }],
    ],
    [
      'an extra key on echo',
      { provider: 'echo', model: 'x' },
      [{ path: 'model', message: 'unknown field' }],
    ],
    [
      'scripted with no turns',
      { provider: 'scripted', turns: [] },
      [{ path: 'turns', message: expect.stringContaining('>=1') }],
    ],
    [
      'a turn of the wrong shape',
      { provider: 'scripted', turns: [{ text: 'ok' }, { say: 'x' }] },
      [{ path: 'turns.1', message: 'a turn is {"text": ...} or {"toolCalls": [...]}' }],
    ],
    [
      'a turn with no tool calls',
      { provider: 'scripted', turns: [{ toolCalls: [] }] },
      [{ path: 'turns.0.toolCalls', message: expect.stringContaining('>=1') }],
    ],
    [
      'failUntilAttempt below 1',
      { provider: 'scripted', turns: [{ text: 'x' }], failUntilAttempt: 0 },
      [{ path: 'failUntilAttempt', message: expect.stringContaining('>=1') }],
    ],
    ['bedrock without a model', { provider: 'bedrock' }, [{ path: 'model', message: 'required' }]],
    [
      'a Bedrock model id with a space',
      { provider: 'bedrock', model: 'amazon nova' },
      [{ path: 'model', message: 'a Bedrock model id or inference profile id' }],
    ],
    [
      'a region that is not an AWS region',
      { provider: 'bedrock', model: 'm', region: 'mars' },
      [{ path: 'region', message: 'an AWS region such as us-east-1' }],
    ],
    [
      'an openai base URL that is not http(s)',
      { provider: 'openai', model: 'x', baseUrl: 'ftp://models.example.com' },
      [{ path: 'baseUrl', message: 'Invalid URL' }],
    ],
    [
      'an API key variable that is not a variable name',
      { provider: 'openai', model: 'x', apiKeyEnv: 'sk-live-123' },
      [{ path: 'apiKeyEnv', message: 'an environment variable name' }],
    ],
    [
      'an API key itself instead of its variable',
      { provider: 'openai', model: 'x', apiKey: 'sk-live-123' },
      [{ path: 'apiKey', message: 'unknown field' }],
    ],
    [
      'openai with an empty model',
      { provider: 'openai', model: '' },
      [{ path: 'model', message: expect.stringContaining('>=1') }],
    ],
    [
      'failUntilAttempt past the attempt limit + 1',
      { provider: 'scripted', turns: [{ text: 'x' }], failUntilAttempt: 12 },
      [{ path: 'failUntilAttempt', message: expect.stringContaining('<=11') }],
    ],
  ])('refuses %s, naming the field', (_label, value, expected) => {
    // Act
    const issues = details(value);

    // Assess
    expect(issues).toEqual(expected);
  });

  it('names model errors under `model` inside an agent registration', () => {
    // Act
    const result = registerAgentSchema.safeParse({ id: 'abc', model: { route: 'No Route' } });

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['model.route']);
  });

  it('names a missing field inside the model as required, like anywhere else', () => {
    // Act
    const issues = details({ provider: 'scripted' });

    // Assess
    expect(issues).toEqual([{ path: 'turns', message: 'required' }]);
  });
});
