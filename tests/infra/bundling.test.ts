/**
 * Every function bundles with the stack's esbuild settings into an ES module that a fresh Node
 * process can import with the environment the stack gives it (CommonJS dependencies included,
 * through the `require` banner), and that exports `handler`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { lambdaEsbuildOptions } from '../../infra/bundling.js';
import { functionEnvironment } from '../../infra/constructs/function-environment.js';
import { type FunctionSpec, topology } from '../../infra/topology.js';

const outdir = mkdtempSync(join(tmpdir(), 'agent-core-bundling-'));
const bundlePath = (fn: FunctionSpec) => join(outdir, fn.name, 'index.mjs');

beforeAll(async () => {
  await Promise.all(
    topology.functions.map((fn) =>
      build({ ...lambdaEsbuildOptions, entryPoints: [fn.entry], outfile: bundlePath(fn) }),
    ),
  );
}, 60_000);

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
