import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ValidationError } from '../../shared/core/errors.js';
import { issuesOf, parseInput } from '../../shared/core/validation.js';

const schema = z.strictObject({
  name: z.string().min(1),
  count: z.number().int().default(1),
  limits: z.strictObject({ maxSteps: z.number().max(10) }).optional(),
  tags: z.array(z.string()).optional(),
});

/** Runs parseInput expecting a ValidationError; returns it. */
function validationError(value: unknown, prefix?: string): ValidationError {
  try {
    parseInput(schema, value, 'thing', prefix);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected parseInput to throw');
}

describe('parseInput', () => {
  it('returns the parsed value with defaults applied', () => {
    // Act
    const value = parseInput(schema, { name: 'x' }, 'thing');

    // Assess
    expect(value).toEqual({ name: 'x', count: 1 });
  });

  it.each([
    ['a missing field', {}, [{ path: 'name', message: 'required' }]],
    [
      'a wrong type',
      { name: 5 },
      [{ path: 'name', message: 'Invalid input: expected string, received number' }],
    ],
    [
      'a nested field, dotted',
      { name: 'x', limits: { maxSteps: 11 } },
      [{ path: 'limits.maxSteps', message: expect.stringContaining('<=10') }],
    ],
    [
      'a missing nested field',
      { name: 'x', limits: {} },
      [{ path: 'limits.maxSteps', message: 'required' }],
    ],
    [
      'an array item, by index',
      { name: 'x', tags: ['ok', 7] },
      [{ path: 'tags.1', message: expect.stringContaining('expected string') }],
    ],
    [
      'each unknown key on its own',
      { name: 'x', alpha: 1, beta: 2 },
      [
        { path: 'alpha', message: 'unknown field' },
        { path: 'beta', message: 'unknown field' },
      ],
    ],
    [
      'an unknown nested key',
      { name: 'x', limits: { maxSteps: 1, extra: true } },
      [{ path: 'limits.extra', message: 'unknown field' }],
    ],
    [
      'a body that is not an object',
      'text',
      [{ path: '', message: 'Invalid input: expected object, received string' }],
    ],
    [
      'several problems at once',
      { name: '', count: 'x', zeta: 0 },
      [
        { path: 'name', message: expect.any(String) },
        { path: 'count', message: expect.stringContaining('expected number') },
        { path: 'zeta', message: 'unknown field' },
      ],
    ],
  ])('names %s', (_label, value, details) => {
    // Act
    const error = validationError(value);

    // Assess
    expect(error.details).toEqual(details);
    expect(error.status).toBe(400);
    expect(error.code).toBe('ValidationError');
  });

  it('treats an explicit null as a wrong type, not as missing', () => {
    // Act
    const error = validationError({ name: null });

    // Assess
    expect(error.details).toEqual([
      { path: 'name', message: 'Invalid input: expected string, received null' },
    ]);
  });

  it('lists the bad fields in its message, the whole body as (body)', () => {
    // Act
    const fields = validationError({ name: 5, limits: { maxSteps: 99 }, x: 1 });
    const body = validationError(42);

    // Assess
    expect(fields.message).toBe('invalid thing: name, limits.maxSteps, x');
    expect(body.message).toBe('invalid thing: (body)');
  });

  it('puts a prefix in front of every path', () => {
    // Act
    const error = validationError({ limits: { maxSteps: 99 }, x: 1 }, 'steps.0');

    // Assess
    expect(error.details?.map((d) => d.path)).toEqual([
      'steps.0.name',
      'steps.0.limits.maxSteps',
      'steps.0.x',
    ]);
  });
});

describe('issuesOf', () => {
  it('names missing fields and unknown keys of an error parsed with reportInput', () => {
    // Prepare
    const result = schema.safeParse({ extra: 1 }, { reportInput: true });

    // Act
    const issues = issuesOf(result.error!);

    // Assess
    expect(issues).toEqual([
      { path: 'name', message: 'required' },
      { path: 'extra', message: 'unknown field' },
    ]);
  });

  it('prefixes paths and unknown keys', () => {
    // Prepare
    const result = schema.safeParse({ name: 'x', limits: { maxSteps: 1, odd: 1 } });

    // Act
    const issues = issuesOf(result.error!, 'body');

    // Assess
    expect(issues).toEqual([{ path: 'body.limits.odd', message: 'unknown field' }]);
  });

  it('reports a wrong type as a wrong type for an error parsed without reportInput', () => {
    // Prepare
    const result = schema.safeParse({ name: 5 });

    // Act
    const issues = issuesOf(result.error!);

    // Assess
    expect(issues).toEqual([{ path: 'name', message: expect.not.stringMatching(/^required$/) }]);
  });
});
