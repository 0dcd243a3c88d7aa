import { describe, expect, it } from 'vitest';
import {
  evaluateExpression,
  MATH_EVAL_LIMITS,
  MathEvalError,
} from '../../shared/core/tools/math-eval.js';

/** Runs the evaluator and returns the MathEvalError it throws; fails the test if it does not. */
function captureError(expression: string): MathEvalError {
  try {
    evaluateExpression(expression);
  } catch (error) {
    expect(error).toBeInstanceOf(MathEvalError);
    return error as MathEvalError;
  }
  throw new Error(`expected ${JSON.stringify(expression)} to throw a MathEvalError`);
}

describe('evaluateExpression: numbers and whitespace', () => {
  it.each([
    ['42', 42],
    ['3.25', 3.25],
    ['.5', 0.5],
    ['5.', 5],
    ['1e-3', 0.001],
    ['1E3', 1000],
    ['2.5e+2', 250],
    ['  7  ', 7],
    ['\t1 +\n2\r', 3],
    ['0', 0],
  ])('evaluates %j to %d', (expression, expected) => {
    // Prepare: the expression comes from the table.
    // Act
    const result = evaluateExpression(expression);
    // Assess
    expect(result).toBe(expected);
  });
});

describe('evaluateExpression: precedence and associativity', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['100 / 10 / 5', 2],
    ['7 % 4 * 3', 9],
    ['2 * 7 % 4', 2],
    ['-7 % 3', -1],
    ['2 ^ 3 ^ 2', 512],
    ['2 ** 3 ** 2', 512],
    ['(2 ^ 3) ^ 2', 64],
    ['-2 ^ 2', -4],
    ['-2 ** 2', -4],
    ['(-2) ^ 2', 4],
    ['2 ^ -1', 0.5],
    ['2 ^ -1 ^ 2', 0.5],
    ['-3 * -2', 6],
    ['--3', 3],
    ['+-+3', -3],
    ['1 - -1', 2],
    ['2 * 3 ^ 2', 18],
    ['2 ^ 3 * 2', 16],
    ['1 + 2 ^ 2 * 3 - 4 / 2', 11],
    ['((((1))))', 1],
    ['-0', 0],
  ])('evaluates %j to %d', (expression, expected) => {
    // Prepare: the expression comes from the table.
    // Act
    const result = evaluateExpression(expression);
    // Assess
    expect(result).toBe(expected);
  });
});

describe('evaluateExpression: functions and constants', () => {
  it.each([
    ['pi', Math.PI],
    ['e', Math.E],
    ['2 * pi', 2 * Math.PI],
    ['sqrt(16)', 4],
    ['abs(-3.5)', 3.5],
    ['min(4, 2, 8)', 2],
    ['max(4, 2, 8)', 8],
    ['min(5)', 5],
    ['floor(-1.5)', -2],
    ['ceil(1.2)', 2],
    ['round(2.5)', 3],
    ['round(-2.5)', -3],
    ['round(1.4)', 1],
    ['sin(0)', 0],
    ['cos(0)', 1],
    ['tan(0)', 0],
    ['asin(1)', Math.PI / 2],
    ['acos(1)', 0],
    ['atan(1)', Math.PI / 4],
    ['log(e)', 1],
    ['log10(1000)', 3],
    ['log2(8)', 3],
    ['exp(0)', 1],
    ['pow(2, 10)', 1024],
    ['pow(2, -2)', 0.25],
    ['sqrt(abs(-4)) + max(1, min(3, 2))', 4],
    ['-sqrt(4)', -2],
    ['sqrt(4)^2', 4],
    ['max(1 + 1, 2 * 3, (4))', 6],
  ])('evaluates %j to %d', (expression, expected) => {
    // Prepare: the expression comes from the table.
    // Act
    const result = evaluateExpression(expression);
    // Assess
    expect(result).toBeCloseTo(expected, 12);
  });
});

describe('evaluateExpression: errors', () => {
  it.each([
    // [expression, message pattern, position]
    ['', /^empty expression$/, undefined],
    ['   \t ', /^empty expression$/, undefined],
    ['foo + 1', /unknown identifier 'foo' at position 0/, 0],
    ['2 * PI', /unknown identifier 'PI' at position 4/, 4],
    ['1 + bar(2)', /unknown function 'bar' at position 4/, 4],
    ['pi(2)', /unknown function 'pi' at position 0/, 0],
    ['sqrt + 1', /function 'sqrt' at position 0 must be called with parentheses/, 0],
    ['sqrt()', /wrong number of arguments for 'sqrt' at position 0: expected 1 argument, got 0/, 0],
    ['sqrt(1, 2)', /wrong number of arguments for 'sqrt'.*expected 1 argument, got 2/, 0],
    ['1 + pow(2)', /wrong number of arguments for 'pow' at position 4: expected 2 arguments/, 4],
    ['pow(1, 2, 3)', /'pow'.*expected 2 arguments, got 3/, 0],
    ['max()', /'max'.*expected at least 1 argument, got 0/, 0],
    ['(1 + 2', /unbalanced parentheses: '\(' at position 0 is never closed/, 0],
    ['sqrt(4', /unbalanced parentheses: '\(' at position 4 is never closed/, 4],
    ['1 + 2)', /unbalanced parentheses: unexpected '\)' at position 5/, 5],
    ['()', /unexpected '\)' at position 1/, 1],
    ['(1 2)', /unexpected '2' at position 3; expected '\)'/, 3],
    ['max(1,)', /unexpected '\)' at position 6/, 6],
    ['1 2', /unexpected '2' at position 2 after a complete expression/, 2],
    ['2pi', /unexpected 'pi' at position 1/, 1],
    ['1, 2', /unexpected ',' at position 1/, 1],
    ['0x10', /unexpected 'x10' at position 1/, 1],
    ['1.2.3', /unexpected '.3' at position 3/, 3],
    ['1 +', /unexpected end of expression at position 3/, 3],
    ['* 2', /unexpected '\*' at position 0/, 0],
    ['2 *** 3', /unexpected '\*' at position 4/, 4],
    ['1 & 2', /unexpected character '&' at position 2/, 2],
    ['.', /malformed number '\.' at position 0/, 0],
    ['2e+', /malformed number '2e\+' at position 0: exponent has no digits/, 0],
    ['1 / 0', /^division by zero at position 2$/, 2],
    ['1 / (2 - 2)', /^division by zero at position 2$/, 2],
    ['1 / -0', /division by zero/, 2],
    ['5 % 0', /^modulo by zero at position 2$/, 2],
    ['1e400', /number '1e400' at position 0 is too large/, 0],
    ['10 ^ 400', /result of '\^' at position 3 is not finite \(overflow\)/, 3],
    ['exp(1000)', /result of 'exp' at position 0 is not finite/, 0],
    ['sqrt(-1)', /result of 'sqrt' at position 0 is not a real number \(NaN/, 0],
    ['log(-1)', /result of 'log' .*not a real number/, 0],
    ['asin(2)', /result of 'asin' .*not a real number/, 0],
    ['(-8) ** (1/3)', /result of '\*\*' at position 5 is not a real number/, 5],
    ['0 ^ -1', /not finite/, 2],
    ['log(0)', /result of 'log' .*not finite/, 0],
  ])('rejects %j', (expression, message, position) => {
    // Prepare: the expression comes from the table.
    // Act
    const error = captureError(expression);
    // Assess
    expect(error.name).toBe('MathEvalError');
    expect(error.message).toMatch(message);
    expect(error.position).toBe(position);
  });

  it('rejects input that is not a string at runtime', () => {
    // Prepare: an LLM tool call could hand over anything.
    const input = 42 as unknown as string;
    // Act
    const act = () => evaluateExpression(input);
    // Assess
    expect(act).toThrow(MathEvalError);
    expect(act).toThrow('expression must be a string');
  });
});

describe('evaluateExpression: prototype-pollution identifiers', () => {
  const names = [
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'valueOf',
    'hasOwnProperty',
    '__defineGetter__',
    'isPrototypeOf',
    'Math',
    'globalThis',
    'process',
  ];

  it.each(names)('treats %s as an unknown identifier', (name) => {
    // Prepare
    const expression = `1 + ${name}`;
    // Act
    const error = captureError(expression);
    // Assess
    expect(error.message).toBe(`unknown identifier '${name}' at position 4`);
    expect(error.position).toBe(4);
  });

  it.each(names)('treats %s(...) as an unknown function', (name) => {
    // Prepare
    const expression = `${name}(1)`;
    // Act
    const error = captureError(expression);
    // Assess
    expect(error.message).toBe(`unknown function '${name}' at position 0`);
  });

  it('leaves Object.prototype untouched', () => {
    // Prepare
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    // Act
    for (const name of names) captureError(`${name}(${name})`);
    // Assess
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
  });
});

describe('evaluateExpression: limits', () => {
  const { maxLength, maxTokens, maxDepth } = MATH_EVAL_LIMITS;

  it('uses the documented limits', () => {
    // Prepare / Act / Assess
    expect({ maxLength, maxTokens, maxDepth }).toEqual({
      maxLength: 1000,
      maxTokens: 500,
      maxDepth: 64,
    });
  });

  it('accepts an expression of exactly the maximum length', () => {
    // Prepare: `1` followed by spaces.
    const expression = `1${' '.repeat(maxLength - 1)}`;
    // Act
    const result = evaluateExpression(expression);
    // Assess
    expect(result).toBe(1);
  });

  it('rejects an expression one character over the maximum length', () => {
    // Prepare
    const expression = `1${' '.repeat(maxLength)}`;
    // Act
    const error = captureError(expression);
    // Assess
    expect(error.message).toBe('expression is too long: 1001 characters (max 1000)');
    expect(error.position).toBeUndefined();
  });

  it.each([
    ['parentheses', (n: number) => `${'('.repeat(n)}1${')'.repeat(n)}`],
    ['function calls', (n: number) => `${'abs('.repeat(n)}1${')'.repeat(n)}`],
    ['unary signs', (n: number) => `${'-'.repeat(n)}1`],
    ['exponents', (n: number) => `1${'^1'.repeat(n)}`],
  ])('accepts %s nested exactly to the maximum depth', (_kind, build) => {
    // Prepare
    const expression = build(maxDepth);
    // Act
    const act = () => evaluateExpression(expression);
    // Assess
    expect(act).not.toThrow();
  });

  it.each([
    ['parentheses', (n: number) => `${'('.repeat(n)}1${')'.repeat(n)}`, 64],
    ['function calls', (n: number) => `${'abs('.repeat(n)}1${')'.repeat(n)}`, 259],
    ['unary signs', (n: number) => `${'-'.repeat(n)}1`, 64],
    ['exponents', (n: number) => `1${'^1'.repeat(n)}`, 129],
  ])('rejects %s nested one level too deep', (_kind, build, position) => {
    // Prepare
    const expression = build(maxDepth + 1);
    // Act
    const error = captureError(expression);
    // Assess
    expect(error.message).toBe(
      `expression nests too deeply (max depth 64) at position ${position}`,
    );
    expect(error.position).toBe(position);
  });

  it('rejects deep nesting well below the length limit without overflowing the stack', () => {
    // Prepare: 200 parentheses (401 tokens) would recurse far deeper than the limit allows.
    const expression = `${'('.repeat(200)}1${')'.repeat(200)}`;
    // Act
    const error = captureError(expression);
    // Assess
    expect(error.message).toMatch(/nests too deeply/);
  });

  it('accepts exactly the maximum number of tokens', () => {
    // Prepare: a leading sign plus `1+1+...+1` with 250 ones is 1 + 250 + 249 = 500 tokens.
    const expression = `+${'1+'.repeat(249)}1`;
    // Act
    const result = evaluateExpression(expression);
    // Assess
    expect(result).toBe(250);
  });

  it('rejects one token over the maximum', () => {
    // Prepare: 251 ones and 250 plus signs make 501 tokens in 501 characters.
    const expression = `${'1+'.repeat(250)}1`;
    // Act
    const error = captureError(expression);
    // Assess
    expect(error.message).toBe(`expression has too many tokens (max ${maxTokens}) at position 500`);
    expect(error.position).toBe(500);
  });
});

// -----------------------------------------------------------------------------------------------
// Property test: random integer expressions against a reference evaluator over the same tree.
// -----------------------------------------------------------------------------------------------

type Tree =
  | { kind: 'lit'; value: number }
  | { kind: 'neg'; operand: Tree }
  | { kind: 'bin'; op: '+' | '-' | '*' | '/' | '%' | '^'; left: Tree; right: Tree };

/** mulberry32: a tiny, seeded, deterministic PRNG. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(random: () => number, depth: number): Tree {
  const int = (n: number): number => Math.floor(random() * n);
  const roll = random();
  if (depth === 0 || roll < 0.2) return { kind: 'lit', value: int(10) };
  if (roll < 0.3) return { kind: 'neg', operand: generate(random, depth - 1) };
  if (roll < 0.4) {
    // Small exponents keep values finite; sometimes a chain to exercise right-associativity.
    const exponent: Tree =
      random() < 0.3
        ? {
            kind: 'bin',
            op: '^',
            left: { kind: 'lit', value: int(3) },
            right: { kind: 'lit', value: int(3) },
          }
        : { kind: 'lit', value: int(4) };
    return { kind: 'bin', op: '^', left: generate(random, depth - 1), right: exponent };
  }
  const ops = ['+', '-', '*', '/', '%'] as const;
  const op = ops[int(ops.length)] ?? '+';
  return { kind: 'bin', op, left: generate(random, depth - 1), right: generate(random, depth - 1) };
}

type Outcome = { ok: true; value: number } | { ok: false; reason: string };

/** Reference semantics, computed straight from the tree. */
function reference(tree: Tree): Outcome {
  switch (tree.kind) {
    case 'lit':
      return { ok: true, value: tree.value };
    case 'neg': {
      const inner = reference(tree.operand);
      return inner.ok ? { ok: true, value: -inner.value } : inner;
    }
    case 'bin': {
      const left = reference(tree.left);
      if (!left.ok) return left;
      const right = reference(tree.right);
      if (!right.ok) return right;
      const a = left.value;
      const b = right.value;
      let value: number;
      if (tree.op === '+') value = a + b;
      else if (tree.op === '-') value = a - b;
      else if (tree.op === '*') value = a * b;
      else if (tree.op === '/') {
        if (b === 0) return { ok: false, reason: 'division by zero' };
        value = a / b;
      } else if (tree.op === '%') {
        if (b === 0) return { ok: false, reason: 'modulo by zero' };
        value = a % b;
      } else value = a ** b;
      return Number.isFinite(value) ? { ok: true, value } : { ok: false, reason: 'not' };
    }
  }
}

/** Binding strength of the tree's root as the parser sees it. */
function precedence(tree: Tree): number {
  if (tree.kind === 'lit') return 5;
  if (tree.kind === 'neg') return 3;
  if (tree.op === '^') return 4;
  return tree.op === '+' || tree.op === '-' ? 1 : 2;
}

/** Renders with the fewest parentheses the grammar needs, and random spacing. */
function render(tree: Tree, random: () => number): string {
  const sp = (): string => (random() < 0.3 ? ' ' : '');
  const wrap = (child: Tree, needed: boolean): string =>
    needed ? `(${sp()}${render(child, random)}${sp()})` : render(child, random);
  switch (tree.kind) {
    case 'lit':
      return String(tree.value);
    case 'neg':
      // The operand of a sign is a unary expression: another sign, a power or an atom.
      return `-${sp()}${wrap(tree.operand, precedence(tree.operand) < 3)}`;
    case 'bin': {
      if (tree.op === '^') {
        // The base is a primary; the exponent is a unary expression.
        const op = random() < 0.5 ? '^' : '**';
        const base = wrap(tree.left, precedence(tree.left) < 5);
        const exponent = wrap(tree.right, precedence(tree.right) < 3);
        return `${base}${sp()}${op}${sp()}${exponent}`;
      }
      const p = precedence(tree);
      // Left-associative: equal precedence on the right needs parentheses.
      const left = wrap(tree.left, precedence(tree.left) < p);
      const right = wrap(tree.right, precedence(tree.right) <= p);
      return `${left}${sp()}${tree.op}${sp()}${right}`;
    }
  }
}

describe('evaluateExpression: property test against a reference evaluator', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'agrees with the reference on 100 expressions (seed %i)',
    (seed) => {
      // Prepare
      const random = mulberry32(seed);
      let errors = 0;
      for (let n = 0; n < 100; n++) {
        const tree = generate(random, 5);
        const expression = render(tree, random);
        const expected = reference(tree);

        // Act
        let actual: Outcome;
        try {
          actual = { ok: true, value: evaluateExpression(expression) };
        } catch (error) {
          expect(error, expression).toBeInstanceOf(MathEvalError);
          actual = { ok: false, reason: (error as MathEvalError).message };
        }

        // Assess
        if (expected.ok) {
          const normalised = expected.value === 0 ? 0 : expected.value;
          expect(actual, expression).toEqual({ ok: true, value: normalised });
        } else {
          errors++;
          expect(actual.ok, expression).toBe(false);
          if (!actual.ok) expect(actual.reason, expression).toContain(expected.reason);
        }
      }
      // The generator must mostly produce valid expressions for the test to mean anything.
      expect(errors).toBeLessThan(50);
    },
  );
});
