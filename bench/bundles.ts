/**
 * Bundle size and cold-load time of every Lambda function, bundled exactly as the stack
 * bundles it (infra/bundling.ts). Cold load is the time a fresh Node process takes to import
 * the bundle (module-scope code included: SDK clients, config), with the environment the stack
 * gives that function and dummy values. Measured on this machine's Node, not Lambda's.
 *
 * Run: npx tsx bench/bundles.ts
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { lambdaEsbuildOptions } from '../infra/bundling.js';
import { functionEnvironment } from '../infra/constructs/function-environment.js';
import { type FunctionSpec, topology } from '../infra/topology.js';

/** Issue 13's bar for every Lambda bundle (its moonshot: 200). */
export const TARGET_BUNDLE_KB = 400;
export const TARGET_COLD_LOAD_MS = 150;
const COLD_LOAD_RUNS = 5;

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface BundleFigure {
  name: string;
  layer: string;
  /** Size of the JavaScript bundle (the source map and licence file aside). */
  bundleKb: number;
  /** Median over fresh processes. */
  coldLoadMs: number;
  meetsSizeTarget: boolean;
  meetsColdLoadTarget: boolean;
  /** Bundle size and cold load as multiples of an empty handler's, bundled and loaded alike. */
  bundleRatio: number;
  coldLoadRatio: number;
}

/** An empty handler, bundled and loaded the same way in the same run: what a ratio divides by. */
export interface EmptyHandlerFigure {
  bundleKb: number;
  coldLoadMs: number;
}

let baseline: EmptyHandlerFigure | undefined;
/** The empty handler of the last benchBundles run. */
export const emptyHandlerFigure = (): EmptyHandlerFigure | undefined => baseline;

export async function benchBundles(): Promise<BundleFigure[]> {
  const outdir = await mkdtemp(join(tmpdir(), 'agent-core-bundles-'));
  try {
    const bundles = await Promise.all(
      topology.functions.map(async (fn) => ({ fn, ...(await bundle(fn, outdir)) })),
    );
    const emptyEntry = join(outdir, 'empty-handler.ts');
    await writeFile(emptyEntry, 'export const handler = async () => ({});\n');
    const empty = await bundle(
      { ...(topology.functions[0] as FunctionSpec), name: 'empty-handler', entry: emptyEntry },
      outdir,
    );
    const figures: BundleFigure[] = [];
    // One process at a time, so that the measurements do not compete for the CPU.
    const emptyFn = topology.functions[0] as FunctionSpec;
    baseline = {
      bundleKb: empty.bytes / 1024,
      coldLoadMs: await medianColdLoadMs(emptyFn, empty.path),
    };
    for (const { fn, path, bytes } of bundles) {
      const coldLoadMs = await medianColdLoadMs(fn, path);
      const bundleKb = bytes / 1024;
      figures.push({
        name: fn.name,
        layer: fn.layer,
        bundleKb,
        coldLoadMs,
        meetsSizeTarget: bundleKb <= TARGET_BUNDLE_KB,
        meetsColdLoadTarget: coldLoadMs <= TARGET_COLD_LOAD_MS,
        bundleRatio: bundleKb / baseline.bundleKb,
        coldLoadRatio: coldLoadMs / baseline.coldLoadMs,
      });
    }
    return figures;
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

async function bundle(fn: FunctionSpec, outdir: string): Promise<{ path: string; bytes: number }> {
  const path = join(outdir, fn.name, 'index.mjs');
  const result = await build({
    ...lambdaEsbuildOptions,
    entryPoints: [resolve(PROJECT_ROOT, fn.entry)],
    outfile: path,
    absWorkingDir: PROJECT_ROOT,
    metafile: true,
  });
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
  if (!output) throw new Error(`esbuild reported no bundle for ${fn.name}`);
  return { path, bytes: output.bytes };
}

/** The variables Lambda and the stack would set, with dummy values. */
function lambdaEnvironment(fn: FunctionSpec): Record<string, string> {
  const region = 'us-east-1';
  const account = '000000000000';
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_LAMBDA_FUNCTION_NAME: `${topology.appName}-${fn.name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_FORMAT: 'JSON',
    AWS_LAMBDA_LOG_LEVEL: 'INFO',
    ...functionEnvironment(fn, {
      tableName: `${topology.appName}-bench`,
      eventBusName: topology.eventBus.name,
      modelRoutes: '{}',
      queueUrl: (queueId) => `https://sqs.${region}.amazonaws.com/${account}/${queueId}`,
      secretId: (secretId) => `arn:aws:secretsmanager:${region}:${account}:secret:${secretId}`,
    }),
  };
}

const IMPORT_TIMER =
  'const started = performance.now(); await import(process.argv[1]); ' +
  'process.stdout.write(String(performance.now() - started));';

async function medianColdLoadMs(fn: FunctionSpec, bundlePath: string): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < COLD_LOAD_RUNS; i++) runs.push(await coldLoadMs(fn, bundlePath));
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)]!;
}

function coldLoadMs(fn: FunctionSpec, bundlePath: string): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', IMPORT_TIMER, pathToFileURL(bundlePath).href],
      // Only the function's variables, as in Lambda; nothing leaks in from this shell.
      { env: lambdaEnvironment(fn), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(stdout);
      if (code === 0 && Number.isFinite(ms)) resolvePromise(ms);
      else reject(new Error(`importing the ${fn.name} bundle failed (exit ${code}):\n${stderr}`));
    });
  });
}

export function printTable(figures: BundleFigure[]): void {
  const mark = (ok: boolean) => (ok ? 'yes' : 'NO');
  const rows = [
    [
      'function',
      'layer',
      'bundle KB',
      `<= ${TARGET_BUNDLE_KB}`,
      'cold load ms',
      `<= ${TARGET_COLD_LOAD_MS}`,
      'cold load ÷ empty handler',
    ],
    ...figures.map((f) => [
      f.name,
      f.layer,
      f.bundleKb.toFixed(1),
      mark(f.meetsSizeTarget),
      f.coldLoadMs.toFixed(1),
      mark(f.meetsColdLoadTarget),
      `${f.coldLoadRatio.toFixed(1)}×`,
    ]),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  for (const row of rows) console.log(row.map((cell, col) => cell.padEnd(widths[col]!)).join('  '));
  const empty = emptyHandlerFigure();
  if (empty) {
    console.log(
      `\nEmpty handler, bundled and loaded alike in this run: ${empty.bundleKb.toFixed(1)} KB, ` +
        `${empty.coldLoadMs.toFixed(1)} ms cold load (Node's own start excluded).`,
    );
  }
  console.log(
    `\nCold load: median of ${COLD_LOAD_RUNS} fresh processes on Node ${process.versions.node}; ` +
      'informational, never a failure.',
  );
}

const isEntry =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry) printTable(await benchBundles());
