/**
 * Starts the product as a user would: `npm start` in a separate process group, on a free port,
 * with a temporary data folder (cli/local-runtime.ts, as the command-line tools do). Tests then
 * talk to it over HTTP only. A runtime that dies while in use says so on stderr, with its exit
 * code or signal and the tail of its output, and a call that fails because of it carries the
 * same diagnosis.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRuntime } from '../../cli/local-runtime.js';

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
  const runtime = await startLocalRuntime({
    dataDir,
    env: { AGENT_CORE_API_KEY: key, AGENT_CORE_RETRY_BASE_SECONDS: '1', ...options.env },
    timeoutMs: options.timeoutMs ?? 60_000,
  });
  const { url } = runtime;

  return {
    url,
    key,
    dataDir,
    output: runtime.output,
    exitStatus: runtime.exitStatus,
    async api(method, path, body, headers = {}) {
      let response: Response;
      try {
        response = await fetch(`${url}${path}`, {
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
        await Promise.race([runtime.exited, new Promise((r) => setTimeout(r, 2000))]);
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
        throw new Error(`${method} ${path} failed (${cause}); ${runtime.diagnosis()}`, {
          cause: error,
        });
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
      await runtime.stop(signal);
      return runtime.output().includes('[agent-core] stopped');
    },
    kill: runtime.kill,
  };
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
