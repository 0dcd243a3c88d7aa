import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  analyzeSource,
  CODE_ANALYSIS_LIMITS,
  type CodeAnalysis,
  codeAnalyzeTool,
} from '../../shared/core/tools/code-analysis.js';
import { analyzeInThread } from '../../shared/core/tools/code-analysis-threads.js';
import { directoryWorkspaces } from '../../shared/core/tools/local-workspace.js';
import { type ToolContext, ToolInputError } from '../../shared/core/tools/tool.js';

/** Source lines joined with LF, so tests read as the files they stand for. */
const source = (...lines: string[]) => lines.join('\n');

/** The complexity of the only function (or the one named) in a snippet. */
async function complexity(code: string, name?: string): Promise<number> {
  const { functions } = await analyzeSource('snippet.ts', code);
  const fn = name === undefined ? functions[0] : functions.find((f) => f.name === name);
  if (!fn || (name === undefined && functions.length !== 1)) {
    throw new Error(`expected one function, got ${JSON.stringify(functions)}`);
  }
  return fn.cyclomaticComplexity;
}

describe('code.analyze: cyclomatic complexity', () => {
  it.each([
    ['an empty function', 'function f() {}', 1],
    ['a straight line', 'function f(a) { const b = a + 1; return b * 2; }', 1],
    ['if', 'function f(a) { if (a) { return 1; } return 2; }', 2],
    ['if / else if / else', 'function f(a) { if (a > 1) {} else if (a > 0) {} else {} }', 3],
    ['a conditional expression', 'function f(a) { return a ? 1 : 2; }', 2],
    ['nested conditionals', 'function f(a, b) { return a ? (b ? 1 : 2) : 3; }', 3],
    ['for', 'function f() { for (let i = 0; i < 3; i++) {} }', 2],
    ['for-in', 'function f(o) { for (const k in o) {} }', 2],
    ['for-of', 'function f(xs) { for (const x of xs) {} }', 2],
    ['while', 'function f(a) { while (a) { a--; } }', 2],
    ['do-while', 'function f(a) { do { a--; } while (a); }', 2],
    [
      'switch: each case, not default',
      'function f(a) { switch (a) { case 1: return 1; case 2: case 3: return 2; default: return 0; } }',
      4,
    ],
    ['a switch with default only', 'function f(a) { switch (a) { default: return 0; } }', 1],
    ['try / catch', 'function f() { try { g(); } catch (e) { h(); } }', 2],
    ['try / finally, no catch', 'function f() { try { g(); } finally { h(); } }', 1],
    ['&&', 'function f(a, b) { return a && b; }', 2],
    ['||', 'function f(a, b) { return a || b; }', 2],
    ['??', 'function f(a, b) { return a ?? b; }', 2],
    ['a chain of && and ||', 'function f(a, b, c, d) { return (a && b) || (c && d); }', 4],
    ['logical assignments', 'function f(o) { o.a &&= 1; o.b ||= 2; o.c ??= 3; }', 4],
    [
      'what is not a decision: ?. & | === ! and types',
      'function f(a: { b?: { c: number } }, n: number): number | string { return (a?.b?.c ?? 0) & n | (n === 1 ? 0 : 1) + (!n ? 1 : 0); }',
      4,
    ],
    ['a condition inside a loop condition', 'function f(a, b) { while (a && b) {} }', 3],
    ['a default parameter that decides', 'function f(a, b = a || 1) { return b; }', 2],
    ['an arrow with an expression body', 'const f = (a) => (a ? 1 : 2);', 2],
    ['an arrow with a logical expression body', 'const f = (a, b) => a && b;', 2],
  ])('counts %s', async (_label, code, expected) => {
    // Prepare: the table row.
    // Act
    const counted = await complexity(code);
    // Assess
    expect(counted).toBe(expected);
  });

  it('gives nested functions their own count and leaves them out of the outer one', async () => {
    // Prepare
    const code = source(
      'function outer(a, b) {',
      '  if (a) { b++; }',
      '  function inner(x) {',
      '    if (x) {}',
      '    for (const y of x) { if (y && x) {} }',
      '  }',
      '  const arrow = (z) => (z ? 1 : 2);',
      '  const callback = [1].map((v) => v || 0);',
      '  return inner(a) && arrow(b);',
      '}',
    );
    // Act
    const { functions, maxComplexity } = await analyzeSource('nested.ts', code);
    // Assess
    expect(functions.map((f) => [f.name, f.cyclomaticComplexity])).toEqual([
      ['outer', 3],
      ['inner', 5],
      ['arrow', 2],
      ['<anonymous>', 2],
    ]);
    expect(maxComplexity).toBe(5);
  });

  it('reports 0 as the maximum of a file without functions', async () => {
    // Prepare
    const code = 'const a = 1;\nexport { a };\n';
    // Act
    const analysis = await analyzeSource('plain.ts', code);
    // Assess
    expect(analysis.functions).toEqual([]);
    expect(analysis.maxComplexity).toBe(0);
  });
});

describe('code.analyze: functions, names, lines, parameters', () => {
  it('names functions by where they are', async () => {
    // Prepare
    const code = source(
      'export function declared(a: number, ...rest: number[]) {}', // 1
      'export default function () {}', // 2
      'const assigned = function named(x) {};', // 3
      'const arrow = async ({ a, b }: { a: number; b: number }) => a + b;', // 4
      'class Shape {', // 5
      '  constructor(private readonly side: number) {}', // 6
      '  get area() { return this.side ** 2; }', // 7
      '  set area(value: number) {}', // 8
      '  scale(this: Shape, by: number) { return by; }', // 9
      '  static create() { return new Shape(1); }', // 10
      '  #secret() {}', // 11
      '  [Symbol.iterator]() {}', // 12
      '  onClick = (event: unknown) => event;', // 13
      '  abstractLike(): void;', // 14: an overload without body
      '  abstractLike() {}', // 15
      '}', // 16
      'const api = {', // 17
      '  list() {},', // 18
      '  get: function () {},', // 19
      '  remove: () => 1,', // 20
      '};', // 21
      'const Anonymous = class {', // 22
      '  run() {}', // 23
      '};', // 24
      'module.exports.handler = function () {};', // 25
      '[1, 2].forEach(function () {});', // 26
      'declare function ambient(a: number): void;', // 27
    );
    // Act
    const { functions } = await analyzeSource('names.ts', code);
    // Assess
    expect(functions.map(({ name, line, params }) => [name, line, params])).toEqual([
      ['declared', 1, 2],
      ['<anonymous>', 2, 0],
      ['named', 3, 1],
      ['arrow', 4, 1],
      ['Shape.constructor', 6, 1],
      ['Shape.get area', 7, 0],
      ['Shape.set area', 8, 1],
      ['Shape.scale', 9, 1],
      ['Shape.create', 10, 0],
      ['Shape.#secret', 11, 0],
      ['Shape.[Symbol.iterator]', 12, 0],
      ['Shape.onClick', 13, 1],
      ['Shape.abstractLike', 15, 0],
      ['api.list', 18, 0],
      ['api.get', 19, 0],
      ['api.remove', 20, 0],
      ['Anonymous.run', 23, 0],
      ['module.exports.handler', 25, 0],
      ['<anonymous>', 26, 0],
    ]);
  });

  it('counts total, code, comment and blank lines', async () => {
    // Prepare
    const code = source(
      '#!/usr/bin/env node', // code (not blank, not a comment)
      '// a line comment', // comment
      '', // blank
      '/**', // comment
      ' * a block', // comment
      '', // blank, though inside the block comment
      ' */', // comment
      'const a = 1; // trailing comment', // code
      '   ', // blank
      'const t = `template', // code
      'still the template`;', // code
      '/* before */ const b = 2;', // code
      'const s = "// not a comment";', // code
      '\t', // blank
    );
    // Act
    const { lines } = await analyzeSource('lines.ts', `${code}\n`);
    // Assess
    expect(lines).toEqual({ total: 14, code: 6, comment: 4, blank: 4 });
  });

  it('counts CRLF line ends and a last line without a line end', async () => {
    // Prepare
    const code = 'const a = 1;\r\n// note\r\n\r\nconst b = 2;';
    // Act
    const { lines } = await analyzeSource('crlf.js', code);
    // Assess
    expect(lines).toEqual({ total: 4, code: 2, comment: 1, blank: 1 });
  });

  it('counts an empty file as no lines', async () => {
    // Prepare
    const code = '';
    // Act
    const analysis = await analyzeSource('empty.ts', code);
    // Assess
    expect(analysis.lines).toEqual({ total: 0, code: 0, comment: 0, blank: 0 });
  });

  it('does not take JSX text for a comment, but sees a comment inside braces', async () => {
    // Prepare
    const code = source(
      'export const Page = () => (', // code
      '  <div>', // code
      '    // this is text on the page', // code (JSX text)
      '    {/* TODO: a real comment */}', // code (braces)
      '    {', // code
      '      // FIXME: comment alone on its line', // comment
      '    }', // code
      '  </div>', // code
      ');', // code
    );
    // Act
    const analysis = await analyzeSource('page.tsx', code);
    // Assess
    expect(analysis.language).toBe('typescript');
    expect(analysis.lines).toEqual({ total: 9, code: 8, comment: 1, blank: 0 });
    expect(analysis.todos).toEqual([
      { line: 4, kind: 'TODO', text: 'a real comment' },
      { line: 6, kind: 'FIXME', text: 'comment alone on its line' },
    ]);
  });
});

describe('code.analyze: imports', () => {
  it('finds ES imports, re-exports, require and dynamic import, with lines and names', async () => {
    // Prepare
    const code = source(
      "import fs, { readFile as read, writeFile } from 'node:fs';", // 1
      "import * as path from 'node:path';", // 2
      "import type { Agent } from './agent.js';", // 3
      "import './polyfill.js';", // 4
      "export * from './all.js';", // 5
      "export * as ns from './ns.js';", // 6
      "export { a, b as c } from './ab.js';", // 7
      'export { local };', // 8: no module, not an import
      "const cp = require('node:child_process');", // 9
      "const { spawn, exec: run } = require('node:child_process');", // 10
      "const version = require('./package.json').version;", // 11
      'async function load() {', // 12
      "  const lazy = await import('./lazy.js');", // 13
      '  await import(`./template.js`);', // 14
      '  const name = "x";', // 15
      '  require(name);', // 16: not a literal, not knowable
      '  await import(name);', // 17
      '}', // 18
      "import cfg = require('./config');", // 19
      "const notRequire = other('./x.js');", // 20
    );
    // Act
    const { imports } = await analyzeSource('imports.ts', code);
    // Assess
    expect(imports).toEqual([
      { module: 'node:fs', line: 1, names: ['default', 'readFile', 'writeFile'] },
      { module: 'node:path', line: 2, names: ['*'] },
      { module: './agent.js', line: 3, names: ['Agent'] },
      { module: './polyfill.js', line: 4, names: [] },
      { module: './all.js', line: 5, names: ['*'] },
      { module: './ns.js', line: 6, names: ['*'] },
      { module: './ab.js', line: 7, names: ['a', 'b'] },
      { module: 'node:child_process', line: 9, names: ['*'] },
      { module: 'node:child_process', line: 10, names: ['spawn', 'exec'] },
      { module: './package.json', line: 11, names: ['version'] },
      { module: './lazy.js', line: 13, names: ['*'] },
      { module: './template.js', line: 14, names: [] },
      { module: './config', line: 19, names: ['*'] },
    ]);
  });
});

describe('code.analyze: TODO and FIXME', () => {
  it('finds them in comments only, on the line they are on', async () => {
    // Prepare
    const code = source(
      '// TODO: first', // 1
      'const s = "TODO: in a string, not a comment";', // 2
      '/*', // 3
      ' * FIXME(alice): inside a block', // 4
      ' */', // 5
      'const x = 1; // TODO trailing without colon', // 6
      '// todo: lower case is prose, not a marker', // 7
      '/* FIXME one-line block */', // 8
      '// TODOS are not TODO markers either', // 9
    );
    // Act
    const { todos } = await analyzeSource('todos.js', code);
    // Assess
    expect(todos).toEqual([
      { line: 1, kind: 'TODO', text: 'first' },
      { line: 4, kind: 'FIXME', text: 'inside a block' },
      { line: 6, kind: 'TODO', text: 'trailing without colon' },
      { line: 8, kind: 'FIXME', text: 'one-line block' },
      { line: 9, kind: 'TODO', text: 'markers either' },
    ]);
  });
});

describe('code.analyze: languages and limits', () => {
  it.each([
    ['a.ts', 'typescript'],
    ['a.tsx', 'typescript'],
    ['a.mts', 'typescript'],
    ['a.cts', 'typescript'],
    ['a.js', 'javascript'],
    ['a.jsx', 'javascript'],
    ['a.mjs', 'javascript'],
    ['a.cjs', 'javascript'],
    ['A.JS', 'javascript'],
  ])('analyses %s as %s', async (path, language) => {
    // Prepare
    const code = 'export function f(a) { return a || 1; }\n';
    // Act
    const analysis = await analyzeSource(path, code);
    // Assess
    expect(analysis.language).toBe(language);
    expect(analysis.functions).toHaveLength(1);
  });

  it.each(['a.py', 'a.json', 'Makefile', 'a.ts.bak'])('refuses %s', async (path) => {
    // Prepare
    const code = 'x';
    // Act
    const outcome = analyzeSource(path, code);
    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ToolInputError);
  });

  it('cuts the list of functions at its limit and still reports the true maximum', async () => {
    // Prepare: the most complex function comes after the limit.
    const count = CODE_ANALYSIS_LIMITS.maxFunctions + 1;
    const lines = Array.from({ length: count - 1 }, (_, i) => `function f${i}() {}`);
    lines.push('function last(a, b, c) { return a && b && c; }');
    // Act
    const analysis = await analyzeSource('many.js', lines.join('\n'));
    // Assess
    expect(analysis.functions).toHaveLength(CODE_ANALYSIS_LIMITS.maxFunctions);
    expect(analysis.truncated).toBe(true);
    expect(analysis.maxComplexity).toBe(3);
  });

  it('still answers for a file with syntax errors', async () => {
    // Prepare
    const code = 'function broken(a) { if (a) { return 1;\nconst = ;\n';
    // Act
    const analysis = await analyzeSource('broken.ts', code);
    // Assess
    expect(analysis.functions[0]).toMatchObject({ name: 'broken', cyclomaticComplexity: 2 });
  });
});

/** What the agent loop gives code.analyze, for agent-1 on these workspaces. */
const contextOn = (workspaces: ToolContext['services']['workspace']): ToolContext => ({
  agentId: 'agent-1',
  taskId: '01HZZZZZZZZZZZZZZZZZZZZZZZ',
  allowedHosts: [],
  signal: new AbortController().signal,
  services: {
    workspace: workspaces,
    resolveHost: () => Promise.reject(new Error('code.analyze must not resolve hosts')),
  },
});

describe('code.analyze as a tool on the agent workspace', () => {
  let temp: string;
  let context: ToolContext;

  beforeAll(async () => {
    temp = await mkdtemp(join(tmpdir(), 'tool-code-'));
    const workspaces = directoryWorkspaces(join(temp, 'workspaces'));
    context = contextOn(workspaces);
    await workspaces('agent-1').write('src/app.ts', 'export const f = (a: number) => a ?? 0;\n');
    await workspaces('agent-1').write('big.js', `// ${'x'.repeat(256 * 1024)}\n`);
    await writeFile(join(temp, 'outside.ts'), 'function secret() {}\n');
    await symlink(join(temp, 'outside.ts'), join(temp, 'workspaces', 'agent-1', 'link.ts'));
  });

  afterAll(async () => {
    await rm(temp, { recursive: true, force: true });
  });

  const run = (input: unknown) =>
    codeAnalyzeTool.run(codeAnalyzeTool.input.parse(input), context) as Promise<CodeAnalysis>;

  it('analyses a file of the workspace', async () => {
    // Prepare: written above.
    // Act
    const analysis = await run({ path: './src//app.ts' });
    // Assess
    expect(analysis).toEqual({
      path: 'src/app.ts',
      language: 'typescript',
      lines: { total: 1, code: 1, comment: 0, blank: 0 },
      functions: [{ name: 'f', line: 1, params: 1, cyclomaticComplexity: 2 }],
      imports: [],
      todos: [],
      maxComplexity: 2,
      truncated: false,
    });
  });

  it.each([
    [{ path: 'missing.ts' }, /no such file/],
    [{ path: 'big.js' }, /larger than 262144 bytes/],
    [{ path: '../outside.ts' }, /leaves the workspace/],
    [{ path: 'link.ts' }, /symbolic link/],
    [{ path: 'notes.txt' }, /must end with/],
  ])('refuses %j', async (input, reason) => {
    // Prepare: the workspace above.
    // Act
    const outcome = run(input);
    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ToolInputError);
    await expect(outcome).rejects.toThrow(reason);
  });
});

describe('code.analyze runs in a worker thread', () => {
  let temp: string;
  let context: ToolContext;
  /** About 256 KiB of nested object literals: seconds of work for the compiler's walk. */
  const pathological = '({a:{b:{c:1}}});\n'.repeat(
    Math.floor(CODE_ANALYSIS_LIMITS.maxFileBytes / 17),
  );

  beforeAll(async () => {
    temp = await mkdtemp(join(tmpdir(), 'tool-code-thread-'));
    const workspaces = directoryWorkspaces(join(temp, 'workspaces'));
    context = contextOn(workspaces);
    await workspaces('agent-1').write('heavy.ts', pathological);
    await workspaces('agent-1').write('light.ts', 'export const f = (a: number) => a ?? 0;\n');
    // A first analysis, so that starting a thread is not part of what is measured below.
    await codeAnalyzeTool.run({ path: 'light.ts' }, context);
  }, 120_000);

  afterAll(async () => {
    await rm(temp, { recursive: true, force: true });
  });

  it('keeps the main thread free while a pathological 256 KiB file is analysed', async () => {
    // Prepare: the event loop's delay, as a timer on the main thread feels it.
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = performance.now();

    // Act
    const analysis = (await codeAnalyzeTool.run({ path: 'heavy.ts' }, context)) as CodeAnalysis;
    const elapsedMs = performance.now() - started;
    // The monitor samples on a timer: let it run once more, so that a block that just ended
    // is counted (the await above resumes before any timer does).
    await new Promise((resolve) => setTimeout(resolve, 50));
    delay.disable();

    // Assess: the analysis took its time, and the main thread was never held for a part of it
    // (analysed here, it would be held for all of it).
    expect(analysis.lines.total).toBeGreaterThan(15_000);
    const maxDelayMs = delay.max / 1e6;
    expect(maxDelayMs, `max delay ${maxDelayMs} ms over ${elapsedMs} ms`).toBeLessThan(
      elapsedMs / 4,
    );
  }, 120_000);

  it('stops the analysis when its signal aborts, and answers the next one', async () => {
    // Prepare
    const controller = new AbortController();
    const aborting = { ...context, signal: controller.signal };

    // Act
    const analysis = codeAnalyzeTool.run({ path: 'heavy.ts' }, aborting);
    setTimeout(() => controller.abort(new Error('deadline')), 50);

    // Assess
    await expect(analysis).rejects.toThrow(/deadline|stopped/);
    await expect(codeAnalyzeTool.run({ path: 'light.ts' }, context)).resolves.toMatchObject({
      maxComplexity: 2,
    });
  }, 120_000);

  it('stops an analysis that outlives its own time limit', async () => {
    // Act
    const analysis = analyzeInThread('heavy.ts', pathological, { timeoutMs: 50 });

    // Assess
    await expect(analysis).rejects.toThrow(/50 ms/);
  }, 120_000);
});

describe('the tools load the TypeScript compiler lazily', () => {
  it('no tool module imports typescript at the top, other than for types', async () => {
    // Prepare
    const folder = join(import.meta.dirname, '../../shared/core/tools');
    const files = (await readdir(folder)).filter((name) => name.endsWith('.ts'));
    // Act
    const eager: string[] = [];
    for (const file of files) {
      const text = await readFile(join(folder, file), 'utf8');
      const parsed = ts.createSourceFile(file, text, ts.ScriptTarget.Latest);
      for (const statement of parsed.statements) {
        if (
          ts.isImportDeclaration(statement) &&
          ts.isStringLiteral(statement.moduleSpecifier) &&
          statement.moduleSpecifier.text === 'typescript' &&
          !statement.importClause?.isTypeOnly
        ) {
          eager.push(file);
        }
      }
    }
    // Assess
    expect(files).toContain('code-analysis.ts');
    expect(eager).toEqual([]);
  });
});
