import { describe, expect, it } from 'vitest';
import { registerAgentSchema } from '../../shared/core/agents/agent.js';
import { ValidationError } from '../../shared/core/errors.js';
import { builtInRoutes, modelSpecSchema } from '../../shared/core/kernel/model-spec.js';
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
  ])('accepts %j', (value, expected) => {
    // Act
    const spec = parseInput(modelSpecSchema, value, 'model');

    // Assess
    expect(spec).toEqual(expected);
  });

  it('knows the default route, which runs echo', () => {
    // Assess
    expect(builtInRoutes.default).toEqual([{ provider: 'echo' }]);
  });

  it.each([
    [
      'an unknown route',
      { route: 'fast' },
      [{ path: 'route', message: "unknown route 'fast' (known: default)" }],
    ],
    [
      'a route inherited from Object.prototype',
      { route: 'toString' },
      [{ path: 'route', message: expect.stringContaining("unknown route 'toString'") }],
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
      [{ path: 'provider', message: 'provider must be one of: echo, scripted' }],
    ],
    [
      'neither route nor provider',
      {},
      [{ path: 'provider', message: 'provider must be one of: echo, scripted' }],
    ],
    [
      'a string instead of an object',
      'echo',
      [{ path: '', message: 'provider must be one of: echo, scripted' }],
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
    const result = registerAgentSchema.safeParse({ id: 'abc', model: { route: 'nope' } });

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
