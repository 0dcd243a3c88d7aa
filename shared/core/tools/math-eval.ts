/**
 * Safe arithmetic evaluator behind the `math.eval` agent tool.
 *
 * A hand-written tokenizer, a recursive-descent parser that builds a small tree, and a tree
 * evaluator. Nothing here reaches `eval`, `Function` or any object property chosen by the input:
 * names are looked up in `Map`s, so `__proto__`, `constructor` and friends are simply unknown.
 *
 * Grammar (lowest to highest precedence):
 *
 *   expression := additive
 *   additive   := multiplicative (('+' | '-') multiplicative)*        left-associative
 *   multiply   := unary (('*' | '/' | '%') unary)*                     left-associative
 *   unary      := ('+' | '-') unary | power
 *   power      := primary (('^' | '**') unary)?                        right-associative
 *   primary    := number | constant | name '(' args ')' | '(' expression ')'
 *
 * So power binds tighter than unary minus (`-2^2` is -4) and `2^-1` is 0.5. `%` is the
 * remainder with the sign of the dividend (as in JavaScript). Positions in messages are 0-based
 * character offsets into the input.
 */

/** Input and parse limits that keep a single call cheap whatever the caller sends. */
export const MATH_EVAL_LIMITS = Object.freeze({
  maxLength: 1000,
  maxTokens: 500,
  /** Counts parentheses, function calls, prefix signs and exponents nested inside each other. */
  maxDepth: 64,
});

export class MathEvalError extends Error {
  /** 0-based character offset the error refers to, or undefined when it concerns the whole input. */
  readonly position: number | undefined;

  constructor(message: string, position?: number) {
    super(message);
    this.name = 'MathEvalError';
    this.position = position;
  }
}

const CONSTANTS: ReadonlyMap<string, number> = new Map([
  ['pi', Math.PI],
  ['e', Math.E],
]);

interface MathFunction {
  /** Minimum number of arguments. */
  readonly min: number;
  /** Maximum number of arguments; `Infinity` for variadic functions. */
  readonly max: number;
  readonly apply: (args: readonly number[]) => number;
}

const unary = (fn: (x: number) => number): MathFunction => ({
  min: 1,
  max: 1,
  apply: (args) => fn(args[0] as number),
});

/** Rounds half away from zero, which is what people mean by rounding (`round(-2.5)` is -3). */
const roundHalfAwayFromZero = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

const FUNCTIONS: ReadonlyMap<string, MathFunction> = new Map<string, MathFunction>([
  ['sqrt', unary(Math.sqrt)],
  ['abs', unary(Math.abs)],
  ['floor', unary(Math.floor)],
  ['ceil', unary(Math.ceil)],
  ['round', unary(roundHalfAwayFromZero)],
  ['sin', unary(Math.sin)],
  ['cos', unary(Math.cos)],
  ['tan', unary(Math.tan)],
  ['asin', unary(Math.asin)],
  ['acos', unary(Math.acos)],
  ['atan', unary(Math.atan)],
  ['log', unary(Math.log)],
  ['log10', unary(Math.log10)],
  ['log2', unary(Math.log2)],
  ['exp', unary(Math.exp)],
  ['min', { min: 1, max: Number.POSITIVE_INFINITY, apply: (args) => Math.min(...args) }],
  ['max', { min: 1, max: Number.POSITIVE_INFINITY, apply: (args) => Math.max(...args) }],
  ['pow', { min: 2, max: 2, apply: (args) => (args[0] as number) ** (args[1] as number) }],
]);

// ---------------------------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------------------------

type TokenKind = 'number' | 'name' | 'op' | '(' | ')' | ',' | 'end';

interface Token {
  readonly kind: TokenKind;
  /** The source text of the token (empty for `end`). */
  readonly text: string;
  readonly pos: number;
  /** Parsed value, for `number` tokens only. */
  readonly value: number;
}

const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';
const isNameStart = (ch: string | undefined): boolean =>
  ch !== undefined && ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch === '_');
const isNamePart = (ch: string | undefined): boolean => isNameStart(ch) || isDigit(ch);
const isSpace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';

function describeToken(token: Token): string {
  return token.kind === 'end' ? 'end of expression' : `'${token.text}'`;
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  const push = (kind: TokenKind, text: string, pos: number, value = Number.NaN): void => {
    if (tokens.length >= MATH_EVAL_LIMITS.maxTokens) {
      throw new MathEvalError(
        `expression has too many tokens (max ${MATH_EVAL_LIMITS.maxTokens}) at position ${pos}`,
        pos,
      );
    }
    tokens.push({ kind, text, pos, value });
  };

  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    const start = i;

    if (isSpace(ch)) {
      i++;
      continue;
    }

    if (isDigit(ch) || ch === '.') {
      while (isDigit(input[i])) i++;
      if (input[i] === '.') {
        i++;
        while (isDigit(input[i])) i++;
      }
      const mantissa = input.slice(start, i);
      if (mantissa === '.') {
        throw new MathEvalError(`malformed number '.' at position ${start}`, start);
      }
      if (input[i] === 'e' || input[i] === 'E') {
        // `2e` or `2e+` is a typo for a number, not `2 * e`: there is no implicit multiplication.
        let j = i + 1;
        if (input[j] === '+' || input[j] === '-') j++;
        if (isDigit(input[j])) {
          while (isDigit(input[j])) j++;
          i = j;
        } else {
          const bad = input.slice(start, j);
          throw new MathEvalError(
            `malformed number '${bad}' at position ${start}: exponent has no digits`,
            start,
          );
        }
      }
      const text = input.slice(start, i);
      const value = Number(text);
      if (!Number.isFinite(value)) {
        throw new MathEvalError(`number '${text}' at position ${start} is too large`, start);
      }
      push('number', text, start, value);
      continue;
    }

    if (isNameStart(ch)) {
      while (isNamePart(input[i])) i++;
      push('name', input.slice(start, i), start);
      continue;
    }

    if (ch === '*' && input[i + 1] === '*') {
      i += 2;
      push('op', '**', start);
      continue;
    }

    if (ch === '+' || ch === '-' || ch === '*' || ch === '/' || ch === '%' || ch === '^') {
      i++;
      push('op', ch, start);
      continue;
    }

    if (ch === '(' || ch === ')' || ch === ',') {
      i++;
      push(ch, ch, start);
      continue;
    }

    const shown = JSON.stringify(String.fromCodePoint(input.codePointAt(i) ?? 0)).slice(1, -1);
    throw new MathEvalError(`unexpected character '${shown}' at position ${start}`, start);
  }
  tokens.push({ kind: 'end', text: '', pos: input.length, value: Number.NaN });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^';

type Node =
  | { readonly kind: 'number'; readonly value: number; readonly pos: number }
  | { readonly kind: 'negate'; readonly operand: Node; readonly pos: number }
  | {
      readonly kind: 'binary';
      readonly op: BinaryOp;
      /** Operator text as written (`**` or `^` for power), for messages. */
      readonly text: string;
      readonly left: Node;
      readonly right: Node;
      readonly pos: number;
    }
  | {
      readonly kind: 'call';
      readonly name: string;
      readonly fn: MathFunction;
      readonly args: readonly Node[];
      readonly pos: number;
    };

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): Node {
    const node = this.parseAdditive();
    const next = this.peek();
    if (next.kind === ')') {
      throw new MathEvalError(
        `unbalanced parentheses: unexpected ')' at position ${next.pos} with no matching '('`,
        next.pos,
      );
    }
    if (next.kind !== 'end') {
      throw new MathEvalError(
        `unexpected ${describeToken(next)} at position ${next.pos} after a complete expression`,
        next.pos,
      );
    }
    return node;
  }

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }

  private advance(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private isOp(...ops: string[]): boolean {
    const token = this.peek();
    return token.kind === 'op' && ops.includes(token.text);
  }

  private enter(pos: number): void {
    this.depth++;
    if (this.depth > MATH_EVAL_LIMITS.maxDepth) {
      throw new MathEvalError(
        `expression nests too deeply (max depth ${MATH_EVAL_LIMITS.maxDepth}) at position ${pos}`,
        pos,
      );
    }
  }

  private leave(): void {
    this.depth--;
  }

  private parseAdditive(): Node {
    let left = this.parseMultiplicative();
    while (this.isOp('+', '-')) {
      const op = this.advance();
      const right = this.parseMultiplicative();
      left = { kind: 'binary', op: op.text as BinaryOp, text: op.text, left, right, pos: op.pos };
    }
    return left;
  }

  private parseMultiplicative(): Node {
    let left = this.parseUnary();
    while (this.isOp('*', '/', '%')) {
      const op = this.advance();
      const right = this.parseUnary();
      left = { kind: 'binary', op: op.text as BinaryOp, text: op.text, left, right, pos: op.pos };
    }
    return left;
  }

  private parseUnary(): Node {
    if (this.isOp('+', '-')) {
      const op = this.advance();
      this.enter(op.pos);
      const operand = this.parseUnary();
      this.leave();
      return op.text === '-' ? { kind: 'negate', operand, pos: op.pos } : operand;
    }
    return this.parsePower();
  }

  private parsePower(): Node {
    const base = this.parsePrimary();
    if (!this.isOp('^', '**')) return base;
    const op = this.advance();
    this.enter(op.pos);
    // The exponent is a unary expression, which makes `^` right-associative and allows `2^-1`.
    const exponent = this.parseUnary();
    this.leave();
    return { kind: 'binary', op: '^', text: op.text, left: base, right: exponent, pos: op.pos };
  }

  private parsePrimary(): Node {
    const token = this.advance();
    switch (token.kind) {
      case 'number':
        return { kind: 'number', value: token.value, pos: token.pos };
      case 'name':
        return this.parseName(token);
      case '(': {
        this.enter(token.pos);
        const inner = this.parseAdditive();
        this.expectClose(token, 'parenthesis');
        this.leave();
        return inner;
      }
      default:
        throw new MathEvalError(
          `unexpected ${describeToken(token)} at position ${token.pos}; expected a number, name or '('`,
          token.pos,
        );
    }
  }

  private parseName(token: Token): Node {
    const name = token.text;
    if (this.peek().kind === '(') {
      const fn = FUNCTIONS.get(name);
      if (fn === undefined) {
        throw new MathEvalError(`unknown function '${name}' at position ${token.pos}`, token.pos);
      }
      return this.parseCall(token, fn);
    }
    const constant = CONSTANTS.get(name);
    if (constant !== undefined) return { kind: 'number', value: constant, pos: token.pos };
    if (FUNCTIONS.has(name)) {
      throw new MathEvalError(
        `function '${name}' at position ${token.pos} must be called with parentheses, e.g. ${name}(x)`,
        token.pos,
      );
    }
    throw new MathEvalError(`unknown identifier '${name}' at position ${token.pos}`, token.pos);
  }

  private parseCall(nameToken: Token, fn: MathFunction): Node {
    const open = this.advance();
    this.enter(open.pos);
    const args: Node[] = [];
    if (this.peek().kind !== ')') {
      args.push(this.parseAdditive());
      while (this.peek().kind === ',') {
        this.advance();
        args.push(this.parseAdditive());
      }
    }
    this.expectClose(open, `call to '${nameToken.text}'`);
    this.leave();

    if (args.length < fn.min || args.length > fn.max) {
      throw new MathEvalError(
        `wrong number of arguments for '${nameToken.text}' at position ${nameToken.pos}: ` +
          `expected ${arityText(fn)}, got ${args.length}`,
        nameToken.pos,
      );
    }
    return { kind: 'call', name: nameToken.text, fn, args, pos: nameToken.pos };
  }

  private expectClose(open: Token, what: string): void {
    const next = this.peek();
    if (next.kind === ')') {
      this.advance();
      return;
    }
    if (next.kind === 'end') {
      throw new MathEvalError(
        `unbalanced parentheses: '(' at position ${open.pos} is never closed`,
        open.pos,
      );
    }
    throw new MathEvalError(
      `unexpected ${describeToken(next)} at position ${next.pos}; expected ')' to close the ${what} ` +
        `opened at position ${open.pos}`,
      next.pos,
    );
  }
}

function arityText(fn: MathFunction): string {
  const plural = (n: number): string => `${n} argument${n === 1 ? '' : 's'}`;
  if (fn.max === Number.POSITIVE_INFINITY) return `at least ${plural(fn.min)}`;
  if (fn.min === fn.max) return plural(fn.min);
  return `${fn.min} to ${plural(fn.max)}`;
}

// ---------------------------------------------------------------------------------------------
// Evaluator
// ---------------------------------------------------------------------------------------------

function checkFinite(value: number, what: string, pos: number): number {
  if (Number.isNaN(value)) {
    throw new MathEvalError(
      `${what} at position ${pos} is not a real number (NaN, e.g. sqrt or log of a negative ` +
        'number)',
      pos,
    );
  }
  if (!Number.isFinite(value)) {
    throw new MathEvalError(`${what} at position ${pos} is not finite (overflow)`, pos);
  }
  return value;
}

function evaluate(node: Node): number {
  switch (node.kind) {
    case 'number':
      return node.value;
    case 'negate':
      return -evaluate(node.operand);
    case 'call': {
      const args = node.args.map(evaluate);
      return checkFinite(node.fn.apply(args), `result of '${node.name}'`, node.pos);
    }
    case 'binary': {
      const left = evaluate(node.left);
      const right = evaluate(node.right);
      return checkFinite(
        applyBinary(node.op, left, right, node.pos),
        `result of '${node.text}'`,
        node.pos,
      );
    }
  }
}

function applyBinary(op: BinaryOp, left: number, right: number, pos: number): number {
  switch (op) {
    case '+':
      return left + right;
    case '-':
      return left - right;
    case '*':
      return left * right;
    case '/':
      if (right === 0) throw new MathEvalError(`division by zero at position ${pos}`, pos);
      return left / right;
    case '%':
      if (right === 0) throw new MathEvalError(`modulo by zero at position ${pos}`, pos);
      return left % right;
    case '^':
      return left ** right;
  }
}

/**
 * Evaluates an arithmetic expression such as `2 * (3 + 4) ^ 2 - sqrt(16)`.
 *
 * @throws MathEvalError for any malformed input, exceeded limit, division or modulo by zero,
 *   or a result (final or intermediate) that is not a finite number.
 */
export function evaluateExpression(expression: string): number {
  if (typeof expression !== 'string') {
    throw new MathEvalError('expression must be a string');
  }
  if (expression.length > MATH_EVAL_LIMITS.maxLength) {
    throw new MathEvalError(
      `expression is too long: ${expression.length} characters (max ${MATH_EVAL_LIMITS.maxLength})`,
    );
  }
  if (expression.trim() === '') {
    throw new MathEvalError('empty expression');
  }
  const tree = new Parser(tokenize(expression)).parse();
  const result = evaluate(tree);
  // Report -0 as 0: callers print or serialise the result, and `-0` only confuses.
  return result === 0 ? 0 : result;
}
