/**
 * Starts the product as a user would: `npm start` in a separate process group, on a free port,
 * with a temporary data folder. Tests then talk to it over HTTP only. A runtime that dies while
 * in use says so on stderr, with its exit code or signal and the tail of its output, and a call
 * that fails because of it carries the same diagnosis.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '../..');

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RuntimeHandle {
  url: string;
  key: string;
  dataDir: string;
  output(): string;
  /** How the runtime ended, once it has (`exited with code 1`, `killed by SIGKILL`). */
  exitStatus(): string | undefined;
  /** Calls the API with the admin key unless `headers.authorization` says otherwise. */
  api<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse<T>>;
  /**
   * Ctrl-C: SIGINT to the whole process group, as a terminal sends it (or SIGTERM, as a service
   * manager does). Resolves once every process of the group is gone; true when the runtime
   * reported a clean stop.
   */
  stop(signal?: 'SIGINT' | 'SIGTERM'): Promise<boolean>;
  /** A crash: SIGKILL to every process of the runtime at once. */
  kill(): Promise<void>;
}

export interface StartOptions {
  dataDir?: string;
  key?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export async function startRuntime(options: StartOptions = {}): Promise<RuntimeHandle> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'agent-core-e2e-'));
  const key = options.key ?? `ac_test_${randomBytes(12).toString('hex')}`;
  const child: ChildProcess = spawn('npm', ['start', '--silent'], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: '0',
      AGENT_CORE_DATA_DIR: dataDir,
      AGENT_CORE_API_KEY: key,
      AGENT_CORE_RETRY_BASE_SECONDS: '1',
      ...options.env,
    },
  });
  let output = '';
  let url: string | undefined;
  let exitStatus: string | undefined;
  // Set by stop() and kill(): an exit after them is expected, any other is a death in use.
  let ending = false;
  let listening = false;
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code, signal) => {
      exitStatus = signal ? `killed by ${signal}` : `exited with code ${code}`;
      if (listening && !ending) process.stderr.write(`${diagnosis()}\n`);
      resolveExit(code);
    }),
  );
  // npm may exit before the runtime below it has written its last lines ('stopped'): those are
  // read once every process holding the output pipes is gone and the pipes are drained.
  const drained = new Promise<void>((resolveClose) => child.once('close', () => resolveClose()));
  const diagnosis = () =>
    `[agent-core runtime ${url ?? '(not listening)'}] ${exitStatus ?? 'still running'}; ` +
    `its last output:\n${tail(output)}`;
  url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`runtime did not start in time:\n${output}`)),
      options.timeoutMs ?? 60_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // The whole address: a chunk may end inside it.
      const match = /listening on (http:\/\/\S+)\s/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`runtime ${exitStatus} before listening:\n${output}`));
    });
  });
  listening = true;
  const base = url;

  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      // already gone
    }
  };

  return {
    url: base,
    key,
    dataDir,
    output: () => output,
    exitStatus: () => exitStatus,
    async api(method, path, body, headers = {}) {
      let response: Response;
      try {
        response = await fetch(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${key}`,
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...headers,
          },
          body:
            body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        });
      } catch (error) {
        // A refused or dropped connection is most often the runtime dying: give it a moment to
        // be reaped, then say how it ended and what it printed last.
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
        throw new Error(`${method} ${path} failed (${cause}); ${diagnosis()}`, { cause: error });
      }
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed as never, headers: response.headers };
    },
    async stop(signal = 'SIGINT') {
      ending = true;
      signalGroup(signal);
      await exited;
      await groupGone(child.pid as number, 15_000);
      await Promise.race([drained, new Promise((r) => setTimeout(r, 5_000).unref())]);
      return output.includes('[agent-core] stopped');
    },
    async kill() {
      ending = true;
      signalGroup('SIGKILL');
      await exited;
      await groupGone(child.pid as number, 15_000);
    },
  };
}

/** The last lines a process printed: enough to show a stack trace, not a whole run's log. */
function tail(output: string, lines = 60): string {
  const all = output.trimEnd().split('\n');
  const kept = all.slice(-lines).join('\n');
  return all.length > lines ? `… (${all.length - lines} earlier lines)\n${kept}` : kept;
}

/** Waits until no process of the group is left (the emulators' child included). */
async function groupGone(pgid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`processes of group ${pgid} still running ${timeoutMs} ms after the signal`);
}

export function removeDataDir(dataDir: string): void {
  rmSync(dataDir, { recursive: true, force: true });
}

/** Polls `probe` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  { timeoutMs = 30_000, intervalMs = 100, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Waits for a task to reach one of `statuses` and returns it. */
export function waitForTask(
  runtime: RuntimeHandle,
  taskId: string,
  statuses: string[],
  timeoutMs = 30_000,
): Promise<any> {
  return eventually(
    async () => {
      const { body } = await runtime.api('GET', `/v1/tasks/${taskId}`);
      return statuses.includes(body?.status) ? body : undefined;
    },
    { timeoutMs, what: `task ${taskId} to be ${statuses.join('|')}` },
  );
}
