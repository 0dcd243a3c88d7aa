/**
 * Every function bundles with the stack's esbuild settings into an ES module that a fresh Node
 * process can import with the environment the stack gives it (CommonJS dependencies included,
 * through the `require` banner), and that exports `handler`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { lambdaBundlingFor, lambdaEsbuildOptions } from '../../infra/bundling.js';
import { functionEnvironment } from '../../infra/constructs/function-environment.js';
import { type FunctionSpec, topology } from '../../infra/topology.js';

const outdir = mkdtempSync(join(tmpdir(), 'agent-core-bundling-'));
const bundlePath = (fn: FunctionSpec) => join(outdir, fn.name, 'index.mjs');

const repoRoot = resolve(import.meta.dirname, '../..');

/** What the stack's bundling does after esbuild: ship modules, bundle worker threads. */
function afterBundling(fn: FunctionSpec): void {
  const hooks = lambdaBundlingFor(fn.shippedModules, fn.workerThreads).commandHooks;
  const commands = hooks?.afterBundling(repoRoot, join(outdir, fn.name)) ?? [];
  if (commands.length === 0) return;
  const run = spawnSync('bash', ['-c', commands.join(' && ')], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`after-bundling commands of ${fn.name}: ${run.stderr}`);
}

beforeAll(async () => {
  await Promise.all(
    topology.functions.map((fn) =>
      build({ ...lambdaEsbuildOptions, entryPoints: [fn.entry], outfile: bundlePath(fn) }),
    ),
  );
  for (const fn of topology.functions) afterBundling(fn);
}, 120_000);

describe('Lambda bundles', () => {
  it.each(topology.functions)('$name imports in a fresh process and exports handler', (fn) => {
    const env = {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      ...functionEnvironment(fn, {
        tableName: 'table',
        eventBusName: 'bus',
        modelRoutes: '{}',
        queueUrl: (id) => `https://sqs.us-east-1.amazonaws.com/000000000000/${id}`,
        secretId: (id) => id,
      }),
    };
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        'const m = await import(process.argv[1]); process.stdout.write(typeof m.handler);',
        pathToFileURL(bundlePath(fn)).href,
      ],
      { env, encoding: 'utf8' },
    );
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout).toBe('function');
  });
});

describe('worker threads from a bundle', () => {
  it('runs code.analyze from the task worker bundle folder, with what the stack ships there', async () => {
    // Prepare: the worker's folder holds its bundle, the TypeScript compiler and the analysis
    // thread's bundle; a probe calling code.analyze is bundled into it the same way.
    const worker = topology.functions.find((fn) => fn.name === 'task-worker');
    if (!worker) throw new Error('no task-worker in the topology');
    const folder = join(outdir, worker.name);
    for (const file of Object.keys(worker.workerThreads ?? {})) {
      expect(existsSync(join(folder, file)), file).toBe(true);
    }
    await build({
      ...lambdaEsbuildOptions,
      entryPoints: ['tests/infra/fixtures/code-analyze-probe.ts'],
      outfile: join(folder, 'probe.mjs'),
    });

    // Act
    const probe = spawnSync(
      process.execPath,
      [join(folder, 'probe.mjs'), mkdtempSync(join(tmpdir(), 'agent-core-probe-'))],
      { cwd: tmpdir(), encoding: 'utf8', timeout: 60_000 },
    );

    // Assess
    expect(probe.status, probe.stderr).toBe(0);
    expect(JSON.parse(probe.stdout)).toMatchObject({
      path: 'app.ts',
      language: 'typescript',
      functions: [{ name: 'f', cyclomaticComplexity: 2 }],
    });
  }, 120_000);
});
