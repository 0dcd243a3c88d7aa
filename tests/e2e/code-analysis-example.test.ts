/**
 * The code-analysis example against `npm start`: the report's figures checked against the known
 * ones of the fixture folders (tests/fixtures/code-analysis), with scripted reviewers; with the
 * default route answered by echo, no review at all and every figure still there; files that
 * cannot be copied said so; and `npm run example:code-analysis` run as a user runs it, starting
 * and stopping its own runtime.
 */
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentCoreClient } from '../../cli/api-client.js';
import { runCodeAnalysis } from '../../examples/code-analysis/pipeline.js';
import { runNpmScript } from '../helpers/npm-script.js';
import { type RuntimeHandle, removeDataDir, startRuntime } from '../helpers/runtime.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const fixtures = resolve(repoRoot, 'tests/fixtures/code-analysis');
let runtime: RuntimeHandle;
let client: AgentCoreClient;

beforeAll(async () => {
  runtime = await startRuntime();
  client = new AgentCoreClient(runtime.url, runtime.key);
});

afterAll(async () => {
  expect(await runtime?.stop()).toBe(true);
  removeDataDir(runtime.dataDir);
});

const SHOP_SUMMARY = [
  '- **5 files** analysed (TypeScript 4, JavaScript 1): 95 lines (82 code, 5 comment, 8 blank).',
  '- **8 functions**, mean cyclomatic complexity 4.6; **1** at 10 or more.',
  '- **3 TODO/FIXME** comments; 5 imports.',
  '- Packages imported most: `node:crypto` (1), `node:util` (1), `stripe` (1).',
];

const SHOP_WORST = [
  '| 1 | `shippingCost` | src/shipping.ts | 2 | 11 | 17 |',
  '| 2 | `checkout` | src/checkout.js | 6 | 8 | 17 |',
  '| 3 | `applyDiscount` | src/cart.ts | 28 | 8 | 13 |',
  '| 4 | `total` | src/cart.ts | 18 | 4 | 8 |',
];

const SHOP_FILES = [
  '| src/cart.ts | 40 (34) | 4 | 8 | 1 | 1 |',
  '| src/checkout.js | 24 (21) | 1 | 8 | 3 | 1 |',
  '| src/shipping.ts | 18 (16) | 1 | 11 ⚠ | 0 | 1 |',
  '| src/types.ts | 5 (5) | 0 | 0 | 0 | 0 |',
  '| src/util/format.ts | 8 (6) | 2 | 2 | 1 | 0 |',
  '- FIXME (line 5): retries double-charge when the gateway times out',
  '- complex function `shippingCost` (line 2): cyclomatic complexity 11',
];

const lines = (report: string) => report.split('\n');

describe('the code-analysis pipeline', () => {
  it('reports the known figures of a folder, with a review of each hotspot by scripted reviewers', async () => {
    // Act
    const result = await runCodeAnalysis(client, {
      path: join(fixtures, 'shop'),
      reviewers: 2,
      model: {
        provider: 'scripted',
        turns: [{ text: 'Major: too many branches; split it by country.' }],
      },
      runId: 'ca-scripted',
    });

    // Assess: figures
    const report = lines(result.report);
    expect(report).toEqual(expect.arrayContaining([...SHOP_SUMMARY, ...SHOP_WORST, ...SHOP_FILES]));
    expect(result.report).not.toContain('Reviews skipped');
    // Assess: one review per reviewer, of the worst functions in order, and the assessment
    expect(result.reviews.map((r) => [r.hotspot.name, r.model])).toEqual([
      ['shippingCost', 'scripted'],
      ['checkout', 'scripted'],
    ]);
    expect(report).toEqual(
      expect.arrayContaining([
        '- **2 hotspots reviewed** by scripted.',
        '### 1. `shippingCost` (src/shipping.ts:2, complexity 11)',
        '### 2. `checkout` (src/checkout.js:6, complexity 8)',
        'Major: too many branches; split it by country.',
        '*Reviewed by scripted.*',
        '**Assessment** (scripted): Major: too many branches; split it by country.',
      ]),
    );
    // Assess: the workflow ran as a DAG, and its agents were retired after
    const workflow = await client.get<any>(`/v1/workflows/${result.workflowId}`);
    expect(workflow.strategy).toBe('dag');
    expect(workflow.steps.map((s: any) => [s.id, s.status])).toEqual([
      ['scan', 'succeeded'],
      ['review-1', 'succeeded'],
      ['review-2', 'succeeded'],
      ['summary', 'succeeded'],
    ]);
    const reviewerTask = await client.get<any>(`/v1/tasks/${workflow.steps[1].taskId}`);
    expect(reviewerTask.input).toContain('export function shippingCost(');
    const agents = await client.get<any>('/v1/agents?tag=code-analysis');
    expect(agents.items.map((a: any) => a.status)).toEqual([
      'retired',
      'retired',
      'retired',
      'retired',
    ]);
  });

  it('skips the reviews when the default route has no real model, and keeps every figure', async () => {
    // Act
    const result = await runCodeAnalysis(client, {
      path: join(fixtures, 'shop'),
      runId: 'ca-echo',
    });

    // Assess
    const report = lines(result.report);
    expect(report).toEqual(expect.arrayContaining([...SHOP_SUMMARY, ...SHOP_WORST, ...SHOP_FILES]));
    expect(result.reviews).toEqual([]);
    expect(result.report).toContain(
      '- **Reviews skipped:** the `default` model route answers with echo: no real model is configured',
    );
    expect(result.report).not.toContain('## Reviews');
    const workflow = await client.get<any>(`/v1/workflows/${result.workflowId}`);
    expect(workflow.steps.map((s: any) => s.id)).toEqual(['scan']);
  });

  it('says when a folder has no code', async () => {
    // Act
    const result = await runCodeAnalysis(client, {
      path: join(fixtures, 'no-code'),
      runId: 'ca-none',
    });

    // Assess
    expect(result.report).toContain('- **No TypeScript or JavaScript file** was found to analyse.');
    expect(result.scan.totals.files).toBe(0);
  });

  it('lists what it could not copy, and never follows a link out of the folder', async () => {
    // Prepare
    const folder = await mkdtemp(join(tmpdir(), 'code-analysis-left-'));
    const outside = await mkdtemp(join(tmpdir(), 'code-analysis-outside-'));
    try {
      await writeFile(
        join(folder, 'ok.ts'),
        'export function ok(a: boolean) { return a ? 1 : 2; }\n',
      );
      await writeFile(join(folder, 'huge.js'), `// ${'x'.repeat(300 * 1024)}\n`);
      // Under the analysis limit, but over what one API request can carry once escaped.
      await writeFile(join(folder, 'quoted.js'), `const s = "${'\\"'.repeat(60 * 1024)}";\n`);
      await writeFile(join(outside, 'secret.ts'), 'export function secret() { return 42; }\n');
      await symlink(join(outside, 'secret.ts'), join(folder, 'linked.ts'));

      // Act
      const result = await runCodeAnalysis(client, { path: folder, runId: 'ca-left' });

      // Assess
      expect(result.scan.files.map((f) => f.path)).toEqual(['ok.ts']);
      expect(result.report).toContain('## Left out');
      expect(result.report).toContain(
        "- huge.js: not copied to the scanner's workspace: larger than 256 KiB",
      );
      expect(result.report).toMatch(
        /- quoted\.js: not copied to the scanner's workspace: too large to send through the API/,
      );
      expect(result.report).not.toContain('secret');
    } finally {
      await rm(folder, { recursive: true, force: true });
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe('npm run example:code-analysis', () => {
  it('starts a local runtime, prints the report and where to watch it, and stops the runtime', async () => {
    // Act
    const run = await runNpmScript(
      'example:code-analysis',
      ['--path', 'tests/fixtures/code-analysis/shop'],
      { AGENT_CORE_URL: '', AGENT_CORE_API_KEY: '' },
    );

    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.startsWith('# Code analysis: tests/fixtures/code-analysis/shop\n')).toBe(
      true,
    );
    expect(lines(run.stdout)).toEqual(expect.arrayContaining([...SHOP_SUMMARY, ...SHOP_WORST]));
    const dashboard = /watch it live: (http:\/\/\S+\/dashboard)/.exec(run.stderr)?.[1];
    expect(dashboard).toBeDefined();
    // The runtime it started is gone with it.
    await expect(fetch(dashboard as string)).rejects.toThrow();
  });
});
