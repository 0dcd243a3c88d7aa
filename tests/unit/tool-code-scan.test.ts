/**
 * code.scan over a real folder: the figures of a fixture project known by hand, and the fs tools'
 * sandbox: no links followed, installed packages and hidden folders skipped, size, count and
 * depth limits, the abort signal, paths that would leave the workspace.
 */
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CODE_SCAN_LIMITS,
  codeScanTool,
  scanWorkspace,
} from '../../shared/core/tools/code-scan.js';
import { directoryWorkspaces } from '../../shared/core/tools/local-workspace.js';
import { type ToolContext, ToolInputError } from '../../shared/core/tools/tool.js';

const AGENT = 'scanner';
const fixtures = resolve(import.meta.dirname, '../fixtures/code-analysis');

let temp: string;
let workspace: string;

beforeEach(async () => {
  temp = await mkdtemp(join(tmpdir(), 'tool-code-scan-'));
  workspace = join(temp, 'workspaces', AGENT);
  await mkdir(workspace, { recursive: true });
});

afterEach(async () => {
  await rm(temp, { recursive: true, force: true });
});

function contextFor(signal = new AbortController().signal): ToolContext {
  return {
    agentId: AGENT,
    taskId: '01HZZZZZZZZZZZZZZZZZZZZZZZ',
    allowedHosts: [],
    signal,
    services: {
      workspace: directoryWorkspaces(join(temp, 'workspaces')),
      resolveHost: async () => [],
    },
  };
}

const scan = (input: Record<string, unknown> = {}, signal?: AbortSignal) =>
  codeScanTool.run(codeScanTool.input.parse(input), contextFor(signal)) as ReturnType<
    typeof scanWorkspace
  >;

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the scan to fail');
}

describe('code.scan: the figures of a known project', () => {
  beforeEach(async () => {
    await cp(join(fixtures, 'shop'), workspace, { recursive: true });
  });

  it('totals every TypeScript and JavaScript file, and lists each', async () => {
    // Act
    const result = await scan();

    // Assess
    expect(result.totals).toEqual({
      files: 5,
      lines: 95,
      codeLines: 82,
      commentLines: 5,
      blankLines: 8,
      functions: 8,
      complexFunctions: 1,
      meanComplexity: 4.6,
      imports: 5,
      todos: 3,
    });
    expect(result.files.map((f) => [f.path, f.functions, f.maxComplexity, f.todos])).toEqual([
      ['src/cart.ts', 4, 8, 1],
      ['src/checkout.js', 1, 8, 1],
      ['src/shipping.ts', 1, 11, 1],
      ['src/types.ts', 0, 0, 0],
      ['src/util/format.ts', 2, 2, 0],
    ]);
    expect(result.files[1]).toMatchObject({
      language: 'javascript',
      lines: { total: 24, code: 21, comment: 1, blank: 2 },
      imports: 3,
    });
    expect(result.dependencies).toEqual([
      { module: 'node:crypto', files: 1 },
      { module: 'node:util', files: 1 },
      { module: 'stripe', files: 1 },
    ]);
    expect(result.todos).toEqual([
      {
        path: 'src/cart.ts',
        line: 27,
        kind: 'TODO',
        text: 'read discount codes from the pricing service',
      },
      {
        path: 'src/checkout.js',
        line: 5,
        kind: 'FIXME',
        text: 'retries double-charge when the gateway times out',
      },
      { path: 'src/shipping.ts', line: 16, kind: 'TODO', text: 'free shipping over 50 euros' },
    ]);
    expect(result).toMatchObject({ path: '.', skipped: [], truncated: false });
  });

  it('ranks the hotspots by complexity, the longer first on a tie, each with its source', async () => {
    // Act
    const result = await scan({ hotspots: 3 });

    // Assess
    expect(
      result.hotspots.map((h) => [h.path, h.name, h.cyclomaticComplexity, h.line, h.endLine]),
    ).toEqual([
      ['src/shipping.ts', 'shippingCost', 11, 2, 18],
      ['src/checkout.js', 'checkout', 8, 6, 22],
      ['src/cart.ts', 'applyDiscount', 8, 28, 40],
    ]);
    const [first] = result.hotspots;
    expect(first?.source.split('\n')).toHaveLength(17);
    expect(first?.source.startsWith('export function shippingCost(')).toBe(true);
    expect(first?.source.endsWith('}')).toBe(true);
    expect(first?.sourceTruncated).toBe(false);
  });

  it('scans one folder when asked, and returns no hotspots when asked for none', async () => {
    // Act
    const result = await scan({ path: 'src/util', hotspots: 0 });

    // Assess
    expect(result.files.map((f) => f.path)).toEqual(['src/util/format.ts']);
    expect(result.hotspots).toEqual([]);
    expect(result.totals.functions).toBe(2);
  });

  it('cuts a long hotspot at its line limit and says so', async () => {
    // Prepare
    const body = Array.from({ length: 120 }, (_, i) => `  if (x === ${i}) return ${i};`);
    await writeFile(
      join(workspace, 'long.ts'),
      ['export function long(x: number) {', ...body, '  return -1;', '}'].join('\n'),
    );

    // Act
    const [hotspot] = (await scan({ hotspots: 1 })).hotspots;

    // Assess
    expect(hotspot).toMatchObject({
      name: 'long',
      cyclomaticComplexity: 121,
      sourceTruncated: true,
    });
    expect(hotspot?.source.split('\n')).toHaveLength(CODE_SCAN_LIMITS.maxSourceLines);
  });
});

describe('code.scan: the sandbox', () => {
  it('skips installed packages and hidden folders, and analyses only code files', async () => {
    // Prepare
    await mkdir(join(workspace, 'node_modules/left-pad'), { recursive: true });
    await mkdir(join(workspace, '.cache'), { recursive: true });
    await writeFile(join(workspace, 'node_modules/left-pad/index.js'), 'function leftPad() {}');
    await writeFile(join(workspace, '.cache/built.js'), 'function built() {}');
    await writeFile(join(workspace, 'notes.md'), '# not code');
    await writeFile(join(workspace, 'main.mjs'), 'export function main() { return 1; }');

    // Act
    const result = await scan();

    // Assess
    expect(result.files.map((f) => f.path)).toEqual(['main.mjs']);
    expect(result.truncated).toBe(false);
  });

  it('follows no symbolic link, to a file or to a folder outside the workspace', async () => {
    // Prepare
    const outside = join(temp, 'outside');
    await mkdir(outside);
    await writeFile(
      join(outside, 'secret.ts'),
      'export function secret() { return "top secret"; }',
    );
    await symlink(join(outside, 'secret.ts'), join(workspace, 'linked.ts'));
    await symlink(outside, join(workspace, 'linked-folder'));
    await writeFile(join(workspace, 'own.ts'), 'export function own() {}');

    // Act
    const result = await scan({ hotspots: 10 });

    // Assess
    expect(result.files.map((f) => f.path)).toEqual(['own.ts']);
    expect(JSON.stringify(result)).not.toContain('secret');
  });

  it('refuses a path that leaves the workspace, or a folder through a link', async () => {
    // Prepare
    await symlink(temp, join(workspace, 'up'));

    // Act + Assess
    for (const path of ['..', '../outside', '/etc', 'up']) {
      expect(await errorOf(scan({ path }))).toBeInstanceOf(ToolInputError);
    }
  });

  it('leaves out a file over the size limit, saying why', async () => {
    // Prepare
    await writeFile(join(workspace, 'big.js'), `// ${'x'.repeat(256 * 1024)}\n`);
    await writeFile(join(workspace, 'small.js'), 'function small() {}');

    // Act
    const result = await scan();

    // Assess
    expect(result.files.map((f) => f.path)).toEqual(['small.js']);
    expect(result.skipped).toEqual([{ path: 'big.js', reason: 'larger than 256 KiB' }]);
    expect(result.truncated).toBe(true);
  });

  it(`analyses at most ${CODE_SCAN_LIMITS.maxFiles} files and says how many it left out`, async () => {
    // Prepare
    await Promise.all(
      Array.from({ length: CODE_SCAN_LIMITS.maxFiles + 2 }, (_, i) =>
        writeFile(join(workspace, `f${String(i).padStart(4, '0')}.js`), `function f${i}() {}`),
      ),
    );

    // Act
    const result = await scan({ hotspots: 0 });

    // Assess
    expect(result.totals.files).toBe(CODE_SCAN_LIMITS.maxFiles);
    expect(result.skipped).toEqual([
      { path: 'f1000.js', reason: 'this and 1 more file(s) are past the 1000-file limit' },
    ]);
    expect(result.truncated).toBe(true);
  });

  it(`walks at most ${CODE_SCAN_LIMITS.maxDepth} folders deep`, async () => {
    // Prepare
    const deep = Array.from({ length: CODE_SCAN_LIMITS.maxDepth + 1 }, (_, i) => `d${i}`);
    await mkdir(join(workspace, ...deep), { recursive: true });
    await writeFile(join(workspace, ...deep.slice(0, -1), 'last.ts'), 'export const a = 1;');
    await writeFile(join(workspace, ...deep, 'too-deep.ts'), 'export const b = 2;');

    // Act
    const result = await scan();

    // Assess
    expect(result.files.map((f) => f.path)).toEqual([[...deep.slice(0, -1), 'last.ts'].join('/')]);
    expect(result.skipped).toEqual([{ path: deep.join('/'), reason: 'deeper than 32 folders' }]);
  });

  it('stops when its signal is aborted', async () => {
    // Prepare
    await writeFile(join(workspace, 'a.ts'), 'export function a() {}');
    const controller = new AbortController();
    controller.abort(new Error('the task timed out'));

    // Act
    const error = await errorOf(scan({}, controller.signal));

    // Assess
    expect(error.message).toBe('the task timed out');
  });

  it('leaves out a file whose analysis outlives its time limit, and still reports the others', async () => {
    // Prepare: about 256 KiB of nested literals, seconds of the compiler's work.
    const heavy = '({a:{b:{c:1}}});\n'.repeat(Math.floor(250_000 / 17));
    // The light file first: after the heavy one its thread is gone, and a new thread's start
    // alone takes longer than 500 ms. The light file's analysis takes a few ms, the heavy's
    // seconds: 500 ms tells them apart on a loaded machine too.
    await writeFile(join(workspace, 'a-light.ts'), 'export const f = (a?: number) => a ?? 0;\n');
    await writeFile(join(workspace, 'b-heavy.ts'), heavy);
    const run = (fileTimeoutMs?: number) =>
      scanWorkspace(directoryWorkspaces(join(temp, 'workspaces'))(AGENT), '.', {
        hotspots: 1,
        signal: new AbortController().signal,
        fileTimeoutMs,
      });
    await run(); // threads started, so that a start is not what runs out of time below

    // Act
    const result = await run(500);

    // Assess
    expect(result.skipped).toEqual([
      { path: 'b-heavy.ts', reason: 'the analysis was stopped after 500 ms' },
    ]);
    expect(result.files.map((f) => f.path)).toEqual(['a-light.ts']);
    expect(result.hotspots[0]).toMatchObject({ name: 'f', cyclomaticComplexity: 2 });
  }, 120_000);

  it('reports an empty scan for a workspace without code', async () => {
    // Prepare
    await cp(join(fixtures, 'no-code'), workspace, { recursive: true });

    // Act
    const result = await scanWorkspace(directoryWorkspaces(join(temp, 'workspaces'))(AGENT), '.', {
      hotspots: 5,
      signal: new AbortController().signal,
    });

    // Assess
    expect(result.totals).toMatchObject({ files: 0, functions: 0, meanComplexity: 0 });
    expect(result.files).toEqual([]);
    expect(result.hotspots).toEqual([]);
  });
});
