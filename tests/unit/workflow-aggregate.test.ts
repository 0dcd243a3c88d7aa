/** Aggregation of step outputs: last, concat, merge, vote; deepMerge; an aggregator's score. */
import { describe, expect, it } from 'vitest';
import {
  AggregationError,
  aggregate,
  deepMerge,
  qualityOf,
  type StepOutput,
} from '../../shared/core/workflows/aggregate.js';

const outs = (...values: unknown[]): StepOutput[] =>
  values.map((output, i) => ({ stepId: `s${i + 1}`, output }));

function captureError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('aggregate: last', () => {
  it('answers the last output in step order', () => {
    expect(aggregate('last', outs('a', { b: 1 }, 'c'))).toBe('c');
    expect(aggregate('last', outs('a', { b: 1 }))).toEqual({ b: 1 });
  });

  it('answers null when there is no output at all', () => {
    expect(aggregate('last', [])).toBeNull();
  });
});

describe('aggregate: concat', () => {
  it('joins string outputs by a blank line, in order', () => {
    expect(aggregate('concat', outs('one', 'two', 'three'))).toBe('one\n\ntwo\n\nthree');
  });

  it('writes non-string outputs as JSON among the strings', () => {
    // Act
    const joined = aggregate('concat', outs('text', { a: [1, 2] }, 3, null, true, ['x']));

    // Assess
    expect(joined).toBe('text\n\n{"a":[1,2]}\n\n3\n\nnull\n\ntrue\n\n["x"]');
  });

  it('answers an empty string for no outputs', () => {
    expect(aggregate('concat', [])).toBe('');
  });
});

describe('aggregate: merge', () => {
  it('deep-merges objects in step order, later steps winning, arrays replaced', () => {
    // Prepare
    const outputs = outs(
      { a: 1, nested: { x: 1, y: { deep: 'first' } }, list: [1, 2, 3] },
      { b: 2, nested: { y: { other: true } }, list: [9] },
      { a: 3, nested: { x: 'last' } },
    );

    // Act
    const merged = aggregate('merge', outputs);

    // Assess
    expect(merged).toEqual({
      a: 3,
      b: 2,
      nested: { x: 'last', y: { deep: 'first', other: true } },
      list: [9],
    });
  });

  it('parses JSON text outputs before merging them', () => {
    expect(aggregate('merge', outs('{"a": {"b": 1}}', { a: { c: 2 } }))).toEqual({
      a: { b: 1, c: 2 },
    });
  });

  it('lets an object replace a scalar and a scalar replace an object', () => {
    expect(aggregate('merge', outs({ a: 1, b: { x: 1 } }, { a: { y: 2 }, b: 'flat' }))).toEqual({
      a: { y: 2 },
      b: 'flat',
    });
  });

  it('answers an empty object for no outputs', () => {
    expect(aggregate('merge', [])).toEqual({});
  });

  it.each([
    ['plain text', 'not json'],
    ['a JSON array', [1, 2]],
    ['JSON text of an array', '[1, 2]'],
    ['a number', 42],
    ['null', null],
    ['JSON text of a string', '"quoted"'],
  ])('fails naming the step when one answers %s', (_what, bad) => {
    // Act
    const error = captureError(() =>
      aggregate('merge', [
        { stepId: 'first', output: { a: 1 } },
        { stepId: 'culprit', output: bad },
      ]),
    );

    // Assess
    expect(error).toBeInstanceOf(AggregationError);
    expect((error as AggregationError).stepId).toBe('culprit');
    expect((error as AggregationError).message).toContain("'culprit'");
  });

  it('keeps a __proto__ key as a key and touches no prototype', () => {
    // Act
    const merged = aggregate(
      'merge',
      outs('{"__proto__": {"polluted": 1}, "b": 1}', { __proto__x: 2 }),
    ) as Record<string, unknown>;

    // Assess
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(merged.polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.parse(JSON.stringify(merged))).toEqual(
      JSON.parse('{"__proto__": {"polluted": 1}, "b": 1, "__proto__x": 2}'),
    );
  });
});

describe('deepMerge', () => {
  it('changes neither of its arguments', () => {
    // Prepare
    const target = { a: { b: 1 } };
    const source = { a: { c: 2 } };

    // Act
    const merged = deepMerge(target, source);

    // Assess
    expect(merged).toEqual({ a: { b: 1, c: 2 } });
    expect(target).toEqual({ a: { b: 1 } });
    expect(source).toEqual({ a: { c: 2 } });
  });
});

describe('aggregate: vote', () => {
  it('answers the output most steps gave', () => {
    expect(aggregate('vote', outs('yes', 'no', 'yes', 'maybe', 'yes', 'no'))).toBe('yes');
  });

  it('breaks a tie by step order: the earliest step among the tied wins', () => {
    // 'b' comes first; 'a' and 'b' both get two votes.
    expect(aggregate('vote', outs('b', 'a', 'a', 'b'))).toBe('b');
    expect(aggregate('vote', outs('a', 'b', 'b', 'a'))).toBe('a');
    expect(aggregate('vote', outs('x', 'y', 'z'))).toBe('x');
  });

  it('a later majority beats an earlier single vote', () => {
    expect(aggregate('vote', outs('lonely', 'b', 'b'))).toBe('b');
  });

  it('compares strings trimmed and answers the first spelling', () => {
    expect(aggregate('vote', outs('no', ' yes', 'yes \n', 'yes'))).toBe(' yes');
    // Two votes each ('no' and 'no '): the tie goes to the first.
    expect(aggregate('vote', outs('no', ' yes', 'yes \n', 'no '))).toBe('no');
    expect(aggregate('vote', outs('a', ' b ', 'b'))).toBe(' b ');
  });

  it('compares JSON values by value, whatever the key order', () => {
    // Prepare
    const outputs = outs({ verdict: 'ok', n: 1 }, { verdict: 'bad' }, { n: 1, verdict: 'ok' });

    // Act / Assess
    expect(aggregate('vote', outputs)).toEqual({ verdict: 'ok', n: 1 });
  });

  it('does not confuse a string with the JSON value it spells', () => {
    // '1' (text) and 1 (number) are different answers: the number has two votes.
    expect(aggregate('vote', outs('1', 1, 1))).toBe(1);
  });

  it('answers null for no outputs', () => {
    expect(aggregate('vote', [])).toBeNull();
  });
});

describe('qualityOf', () => {
  it.each([
    [{ score: 0.8 }, 0.8],
    [{ score: 0 }, 0],
    [{ score: 1, summary: 'x' }, 1],
    ['{"score": 0.25}', 0.25],
    [{ score: 1.5 }, null],
    [{ score: -0.1 }, null],
    [{ score: '0.5' }, null],
    [{ summary: 'no score' }, null],
    ['plain text', null],
    [[{ score: 0.5 }], null],
    [null, null],
    [0.7, null],
  ])('reads %j as %j', (output, expected) => {
    expect(qualityOf(output)).toBe(expected);
  });
});
