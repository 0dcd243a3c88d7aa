/**
 * Where the command-line tools and examples run: the agent-core at `AGENT_CORE_URL` (with
 * `AGENT_CORE_API_KEY`) when set, or else a local runtime they start themselves as a user would,
 * `npm start` in its own process group, on a free port, with a temporary (or named) data folder,
 * and stop when they are done.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AgentCoreClient } from './api-client.js';

const repoRoot = resolve(import.meta.dirname, '..');

export interface LocalRuntime {
  url: string;
  dataDir: string;
  /** What the runtime printed so far. */
  output(): string;
  /** How the runtime ended, once it has (`exited with code 1`, `killed by SIGKILL`). */
  exitStatus(): string | undefined;
  /** How it ended (or that it still runs) and the last lines it printed. */
  diagnosis(): string;
  /** Resolves when npm's process has exited, with its exit code. */
  exited: Promise<number | null>;
  /**
   * Ctrl-C (SIGINT, as a terminal sends it) or SIGTERM (as a service manager does) to the whole
   * process group; resolves once every process of it is gone and its output is read.
   */
  stop(signal?: 'SIGINT' | 'SIGTERM'): Promise<void>;
  /** SIGKILL to every process of the runtime at once. */
  kill(): Promise<void>;
}

export interface StartOptions {
  dataDir: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Starts `npm start` in a process group of its own and waits until it says where it listens. A
 * runtime that dies while in use (not stopped or killed through this handle) says so on stderr,
 * with its exit code or signal and the tail of its output.
 */
export async function startLocalRuntime(options: StartOptions): Promise<LocalRuntime> {
  const child: ChildProcess = spawn('npm', ['start', '--silent'], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: '0', AGENT_CORE_DATA_DIR: options.dataDir, ...options.env },
  });
  let output = '';
  let url: string | undefined;
  let exitStatus: string | undefined;
  // Set by stop() and kill(): an exit after them is expected, any other is a death in use.
  let ending = false;
  let listening = false;
  const diagnosis = () =>
    `[agent-core runtime ${url ?? '(not listening)'}] ${exitStatus ?? 'still running'}; ` +
    `its last output:\n${tail(output)}`;
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code, signal) => {
      exitStatus = signal ? `killed by ${signal}` : `exited with code ${code}`;
      if (listening && !ending) process.stderr.write(`${diagnosis()}\n`);
      resolveExit(code);
    }),
  );
  // npm may exit before the runtime below it has written its last lines ('stopped'): those are
  // read once every process holding the output pipes is gone and the pipes are drained ('close').
  const drained = new Promise<void>((resolveClose) => child.once('close', () => resolveClose()));
  url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the local runtime did not start in time:\n${output}`)),
      options.timeoutMs ?? 120_000,
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
      reject(new Error(`the local runtime ${exitStatus} before listening:\n${output}`));
    });
  });
  listening = true;
  const pgid = child.pid as number;
  const signalGroup = async (signal: NodeJS.Signals) => {
    ending = true;
    try {
      process.kill(-pgid, signal);
    } catch {
      // already gone
    }
    await exited;
    await groupGone(pgid, 15_000);
    await Promise.race([drained, new Promise((r) => setTimeout(r, 5_000).unref())]);
  };
  return {
    url,
    dataDir: options.dataDir,
    output: () => output,
    exitStatus: () => exitStatus,
    diagnosis,
    exited,
    stop: (signal = 'SIGINT') => signalGroup(signal),
    kill: () => signalGroup('SIGKILL'),
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

export interface Target {
  client: AgentCoreClient;
  url: string;
  /** The dashboard, where a run can be watched live. */
  dashboardUrl: string;
  /** Where the admin key is to be found (never the key itself: it is not printed). */
  keyHint: string;
  /** Stops the local runtime this started, if it did (and removes its temporary data folder). */
  close(): Promise<void>;
}

export interface TargetOptions {
  /** An agent-core to use; default AGENT_CORE_URL. Without one, a local runtime is started. */
  url?: string | undefined;
  /** The local runtime's data folder; default a temporary one, removed after. */
  dataDir?: string | undefined;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/** The agent-core to talk to: the one named, or a local runtime started for the occasion. */
export async function openTarget(options: TargetOptions = {}): Promise<Target> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const url = options.url ?? env.AGENT_CORE_URL;
  if (url) {
    const key = env.AGENT_CORE_API_KEY;
    if (!key) throw new Error(`set AGENT_CORE_API_KEY to the admin key of ${url}`);
    const base = url.replace(/\/+$/, '');
    const client = new AgentCoreClient(base, key);
    await client.get('/health');
    return {
      client,
      url: base,
      dashboardUrl: `${base}/dashboard`,
      keyHint: 'AGENT_CORE_API_KEY',
      close: async () => undefined,
    };
  }
  const temporary = options.dataDir === undefined;
  const dataDir = temporary
    ? mkdtempSync(join(tmpdir(), 'agent-core-run-'))
    : resolve(options.dataDir as string);
  log(`starting the local runtime (npm start, data in ${dataDir})…`);
  let runtime: LocalRuntime;
  try {
    runtime = await startLocalRuntime({ dataDir });
  } catch (error) {
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  // AGENT_CORE_API_KEY when set; else the key the runtime keeps in its data folder.
  const keyFile = join(dataDir, 'admin-api-key');
  const key =
    env.AGENT_CORE_API_KEY || (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '');
  return {
    client: new AgentCoreClient(runtime.url, key),
    url: runtime.url,
    dashboardUrl: `${runtime.url}/dashboard`,
    keyHint: env.AGENT_CORE_API_KEY ? 'AGENT_CORE_API_KEY' : keyFile,
    close: async () => {
      await runtime.stop();
      if (temporary) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `work` against the target (see openTarget) after saying where to watch it, and closes the
 * target after, also on Ctrl-C.
 */
export async function withTarget<T>(
  options: TargetOptions,
  work: (target: Target) => Promise<T>,
): Promise<T> {
  const target = await openTarget(options);
  const interrupted = () => void target.close().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  try {
    options.log?.(`agent-core at ${target.url}`);
    options.log?.(`watch it live: ${target.dashboardUrl}  (admin key: ${target.keyHint})`);
    return await work(target);
  } finally {
    process.off('SIGINT', interrupted);
    await target.close();
  }
}
