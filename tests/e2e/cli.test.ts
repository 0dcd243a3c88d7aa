/**
 * The CLI as a user runs it: `node cli/agent-core.js …` (what `npx agent-core` starts) as a
 * separate process, against `npm start`. Exit codes (0 ok, 1 failed, 2 usage, 3 auth), --json,
 * field paths in errors, --wait, tail from the feed, a workflow's steps, events live, the DLQ,
 * keys, the configuration (the local runtime's generated key, a 0600 profile), and a short load
 * test with its report.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiTestServer } from '../helpers/openai-server.js';
import { type RuntimeHandle, removeDataDir, startRuntime } from '../helpers/runtime.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const BIN = join(repoRoot, 'cli/agent-core.js');
const uid = Math.random().toString(36).slice(2, 8);
const scratch = mkdtempSync(join(tmpdir(), 'agent-core-cli-'));
/** The admin key the runtime generates on first start is in its data folder; this one is. */
const generatedKey = `ac_generated_${uid}`;

let runtime: RuntimeHandle;
/** An OpenAI-compatible model that streams: what `tasks tail` shows as it is written. */
const model = new OpenAiTestServer();
const streamed = ['The ', 'answer ', 'arrives ', 'piece ', 'by ', 'piece.'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in a process. By default it finds the runtime as a user's shell would after
 * `npm start` in the repository: by the data folder alone (runtime.json, admin-api-key).
 */
function cli(
  args: string[],
  options: {
    env?: Record<string, string>;
    stdin?: string;
    /** Called on every output (and by `control.check()`); true sends Ctrl-C (SIGINT). */
    until?: (stdout: string, stderr: string) => boolean;
    control?: { check?: () => void };
  } = {},
): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: scratch,
        XDG_CONFIG_HOME: join(scratch, 'config'),
        AGENT_CORE_DATA_DIR: runtime.dataDir,
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`agent-core ${args.join(' ')} timed out:\n${stdout}\n${stderr}`));
    }, 120_000);
    const check = () => {
      if (options.until?.(stdout, stderr)) child.kill('SIGINT');
    };
    if (options.control) options.control.check = check;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      check();
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      check();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

const json = (run: Run) => {
  try {
    return JSON.parse(run.stdout);
  } catch {
    throw new Error(`not JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
};

const file = (name: string, content: unknown) => {
  const path = join(scratch, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

let modelUrl = '';
const echo = `echo-${uid}`;
const slow = `slow-${uid}`;
const failing = `failing-${uid}`;

beforeAll(async () => {
  modelUrl = await model.start();
  // Started as `npm start` does it without AGENT_CORE_API_KEY: the key is the data folder's.
  const dataDir = mkdtempSync(join(tmpdir(), 'agent-core-e2e-'));
  writeFileSync(join(dataDir, 'admin-api-key'), `${generatedKey}\n`, { mode: 0o600 });
  runtime = await startRuntime({ dataDir, key: generatedKey, env: { AGENT_CORE_API_KEY: '' } });
});

afterAll(async () => {
  expect(await runtime?.stop()).toBe(true);
  removeDataDir(runtime.dataDir);
  removeDataDir(scratch);
  await model.stop();
});

describe('help and usage', () => {
  it('prints help with examples for the program and each command, exit 0', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('Exit codes: 0 ok');
    for (const command of [
      'agents',
      'tasks',
      'workflows',
      'events',
      'dlq',
      'keys',
      'load-test',
      'soak-test',
      'config',
    ]) {
      expect(top.stdout).toContain(command);
    }
    const submit = await cli(['tasks', 'submit', '--help']);
    expect(submit.code).toBe(0);
    expect(submit.stdout).toMatch(/Examples:\n\s+\$ agent-core tasks submit/);
  });

  it('exits 2 on a usage error: an unknown command, a bad option value, a missing file', async () => {
    expect((await cli(['nope'])).code).toBe(2);
    expect((await cli(['tasks', 'list', '--limit', 'ten'])).code).toBe(2);
    const missing = await cli(['agents', 'create', '-f', join(scratch, 'no-such.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no-such.json');
  });
});

describe('against npm start', () => {
  it('finds the local runtime and its generated key from the data folder', async () => {
    const shown = await cli(['config', 'show', '--json']);
    expect(shown.code).toBe(0);
    expect(json(shown)).toMatchObject({
      url: runtime.url,
      keyFrom: 'the local runtime (admin-api-key)',
    });
    expect(shown.stdout).not.toContain(generatedKey);
    const health = await cli(['health', '--json']);
    expect(json(health)).toMatchObject({ status: 'ok', runtime: 'local', queue: { depth: {} } });
  });

  it('creates agents from files and lists them, as tables and as JSON', async () => {
    for (const agent of [
      { id: echo, model: { provider: 'echo' }, tags: [`cli-${uid}`] },
      { id: slow, model: { provider: 'openai', model: 'test-model', baseUrl: modelUrl } },
      { id: failing, model: { provider: 'scripted', turns: [{ text: 'x' }], failUntilAttempt: 9 } },
    ]) {
      const created = await cli(['agents', 'create', '-f', file(`${agent.id}.json`, agent)]);
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toContain(agent.id);
    }
    const table = await cli(['agents', 'list', '--tag', `cli-${uid}`]);
    expect(table.stdout).toContain(echo);
    expect(table.stdout).toMatch(/id\s+.*status/);
    const listed = json(await cli(['agents', 'list', '--tag', `cli-${uid}`, '--json']));
    expect(listed.items.map((a: { id: string }) => a.id)).toEqual([echo]);
  });

  it('prints the API error with its field paths and exits 2 for invalid input', async () => {
    const bad = await cli([
      'agents',
      'create',
      '-f',
      file('bad.json', { id: 'Bad Id', model: {} }),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('ValidationError');
    expect(bad.stderr).toMatch(/^\s+id: /m);
    const asJson = await cli(['--json', 'agents', 'create', '-f', file('bad.json', { id: 'x' })]);
    expect(asJson.code).toBe(2);
    expect(JSON.parse(asJson.stderr)).toMatchObject({
      status: 400,
      error: {
        code: 'ValidationError',
        details: expect.arrayContaining([{ path: 'model', message: 'required' }]),
      },
    });
  });

  it('exits 3 when the key is wrong, and 1 for a missing thing', async () => {
    const refused = await cli(['agents', 'list'], { env: { AGENT_CORE_API_KEY: 'wrong-key' } });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('Unauthorized');
    expect((await cli(['agents', 'get', 'no-such-agent'])).code).toBe(1);
  });

  it('submits and waits: exit 0 when the task succeeded, 1 when it failed', async () => {
    const done = await cli(['tasks', 'submit', echo, 'hello', '--wait', '--json']);
    expect(done.code, done.stderr).toBe(0);
    expect(json(done)).toMatchObject({ status: 'succeeded', output: 'hello' });
    const failed = await cli([
      'tasks',
      'submit',
      failing,
      'x',
      '--max-attempts',
      '1',
      '--wait',
      '--json',
    ]);
    expect(failed.code).toBe(1);
    // `--wait` ends at the terminal status; the DLQ consumer marks it dead-lettered after.
    expect(json(failed)).toMatchObject({ status: 'failed', error: { code: 'ModelUnavailable' } });
    const human = await cli(['tasks', 'get', json(done).id]);
    expect(human.stdout).toMatch(/status\s+succeeded/);
  });

  it('tails a task from the feed until it ends', async () => {
    // The agent is paused: its task waits until the tail is following it.
    await runtime.api('POST', `/v1/agents/${slow}/pause`);
    model.answer({ chunks: streamed, chunkDelayMs: 40 });
    const task = json(await cli(['tasks', 'submit', slow, 'tail me', '--json']));
    let resumed = false;
    const tail = await cli(['tasks', 'tail', task.id], {
      until: (_stdout, stderr) => {
        if (!resumed && stderr.includes(`following task ${task.id}`)) {
          resumed = true;
          void runtime.api('POST', `/v1/agents/${slow}/resume`);
        }
        return false;
      },
    });
    expect(tail.code, tail.stderr).toBe(0);
    expect(tail.stdout).toContain('task.started');
    expect(tail.stdout).toContain('task.succeeded');
    const answer = streamed.join('');
    expect(tail.stdout).toContain(`${task.id} succeeded: ${answer}`);
    // Written as it came (delta frames), before the final line says it again.
    expect(tail.stdout.split(answer).length - 1).toBe(2);
    // A finished task: its trace, and the same exit code.
    const again = await cli(['tasks', 'tail', task.id]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('task.succeeded');
    const trace = json(await cli(['tasks', 'trace', task.id, '--json']));
    expect(trace.items.map((e: { type: string }) => e.type)).toContain('task.started');
  });

  it('runs a workflow and waits for its steps', async () => {
    const workflow = {
      name: `cli-${uid}`,
      strategy: 'sequential',
      input: 'wf',
      steps: [
        { id: 'first', agentId: echo },
        { id: 'second', agentId: echo },
      ],
    };
    const run = await cli([
      'workflows',
      'run',
      '-f',
      file('wf.json', workflow),
      '--wait',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const done = json(run);
    expect(done.status).toBe('succeeded');
    expect(done.steps.map((s: { status: string }) => s.status)).toEqual(['succeeded', 'succeeded']);
    const table = await cli(['workflows', 'get', done.id]);
    expect(table.stdout).toMatch(/first\s.*succeeded/);
  });

  it('follows events live with events tail, one JSON per line', async () => {
    let taskId = '';
    let submitting: Promise<void> | undefined;
    const control: { check?: () => void } = {};
    const tail = await cli(['events', 'tail', '--type', 'task.*', '--json'], {
      control,
      until: (stdout, stderr) => {
        // Once the tail is subscribed (it says so on stderr), a task is submitted.
        if (!submitting && stderr.includes('following task.*')) {
          submitting = cli(['tasks', 'submit', echo, 'live', '--json']).then((run) => {
            taskId = json(run).id;
            // Its events may all be out already.
            control.check?.();
          });
        }
        return taskId !== '' && stdout.includes(taskId) && stdout.includes('task.succeeded');
      },
    });
    await submitting;
    expect(tail.code).toBe(0);
    const events = tail.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((e) => e.detail.data.taskId === taskId);
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['task.queued', 'task.succeeded']),
    );
  });

  it('lists and redrives the DLQ', async () => {
    const dead = json(await cli(['dlq', 'list', '--json']));
    const ids = dead.items.map((t: { id: string }) => t.id);
    expect(ids.length).toBeGreaterThan(0);
    const redriven = json(await cli(['dlq', 'redrive', ids[0], '--json']));
    expect(redriven.redriven).toEqual([ids[0]]);
  });

  it('creates, lists and revokes keys; the new key works and then does not', async () => {
    const minted = json(await cli(['keys', 'create', echo, '--json']));
    expect(minted.key).toMatch(/^ac_agent_/);
    const own = await cli(['agents', 'get', echo, '--json'], {
      env: { AGENT_CORE_API_KEY: minted.key },
    });
    expect(own.code).toBe(0);
    const other = await cli(['agents', 'list'], { env: { AGENT_CORE_API_KEY: minted.key } });
    expect(other.code).toBe(3);
    const listed = await cli(['keys', 'list']);
    expect(listed.stdout).toContain(minted.keyId);
    expect(listed.stdout).not.toContain(minted.key);
    expect((await cli(['keys', 'revoke', minted.keyId])).code).toBe(0);
  });

  it('creates, changes and deletes budgets and schedules', async () => {
    const budget = { id: `budget-${uid}`, scope: `agent:${echo}`, usdPerDay: 5 };
    const created = await cli(['budgets', 'create', '-f', '-'], { stdin: JSON.stringify(budget) });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/today\s+\$0 spent of \$5/);
    const listed = await cli(['budgets', 'list']);
    expect(listed.stdout).toContain(budget.id);
    const patched = json(
      await cli(['budgets', 'patch', budget.id, '-f', '-', '--json'], {
        stdin: '{"usdPerMonth": 20}',
      }),
    );
    expect(patched).toMatchObject({ usdPerDay: 5, usdPerMonth: 20, spentTodayUsd: 0 });
    expect(
      (await cli(['budgets', 'create', '-f', '-'], { stdin: JSON.stringify(budget) })).code,
    ).toBe(1);
    expect((await cli(['budgets', 'delete', budget.id])).code).toBe(0);

    const schedule = {
      id: `hourly-${uid}`,
      expression: 'rate(1 hour)',
      task: { agentId: echo, input: 'tick' },
    };
    const made = json(
      await cli(['schedules', 'create', '-f', file('schedule.json', schedule), '--json']),
    );
    expect(made).toMatchObject({ id: schedule.id, enabled: true, nextFireAt: expect.any(String) });
    const disabled = await cli(['schedules', 'disable', schedule.id]);
    expect(disabled.stdout).toContain(`${schedule.id} disabled, next (none)`);
    expect(json(await cli(['schedules', 'get', schedule.id, '--json'])).enabled).toBe(false);
    expect((await cli(['schedules', 'delete', schedule.id])).code).toBe(0);
  });

  it('saves a profile with the key from stdin, readable by its owner only', async () => {
    const env = { AGENT_CORE_DATA_DIR: join(scratch, 'no-runtime-here') };
    const set = await cli(['config', 'set', '--url', runtime.url, '--key-stdin'], {
      env,
      stdin: `${generatedKey}\n`,
    });
    expect(set.code, set.stderr).toBe(0);
    const path = join(scratch, 'config', 'agent-core', 'config.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const shown = json(await cli(['config', 'show', '--json'], { env }));
    expect(shown).toMatchObject({ url: runtime.url, keyFrom: "profile 'default'" });
    expect((await cli(['agents', 'list', '--json'], { env })).code).toBe(0);
  });

  it('runs a short load test: nothing lost, a JSON report and a chart beside it', async () => {
    const report = join(scratch, 'load.json');
    const run = await cli([
      'load-test',
      '--ratePerMin=60',
      '--durationSec=20',
      '--maxInFlight=2',
      `--url=${runtime.url}`,
      `--report=${report}`,
    ]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('PASSED');
    const summary = JSON.parse(readFileSync(report, 'utf8'));
    expect(summary).toMatchObject({ kind: 'load', lost: 0, passed: true, failed: 0 });
    expect(summary.submitted).toBeGreaterThanOrEqual(15);
    expect(summary.succeeded).toBe(summary.submitted);
    expect(summary.latencyMs.p50).toBeGreaterThan(0);
    expect(summary.latencyMs.max).toBeGreaterThanOrEqual(summary.latencyMs.p99);
    // The runtime is this machine's: its memory was followed.
    expect(summary.memory.samples.length).toBeGreaterThan(0);
    const chart = readFileSync(report.replace(/\.json$/, '.html'), 'utf8');
    expect(chart).toContain('uPlot');
    expect(existsSync(report.replace(/\.json$/, '.html'))).toBe(true);
  });

  it('fails a load test (exit 1) whose error rate passes --maxErrorRate', async () => {
    const run = await cli([
      'load-test',
      '--ratePerMin=30',
      '--durationSec=5',
      '--maxInFlight=3',
      `--agentId=${failing}`,
      '--maxErrorRate=0',
      '--json',
    ]);
    expect(run.code).toBe(1);
    const summary = json(run);
    expect(summary.passed).toBe(false);
    expect(summary.lost).toBe(0);
    expect(summary.failed).toBeGreaterThan(0);
    expect(Object.keys(summary.failedByCode)).toEqual(['ModelUnavailable']);
  });
});
