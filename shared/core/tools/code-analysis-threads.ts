/**
 * Runs `code.analyze` in worker threads, so that a pathological file (the compiler walks every
 * node of up to 256 KiB) never holds the thread that answers requests and polls queues. Each
 * analysis has a hard time limit and a memory limit; past either, or when its signal aborts
 * (the tool's deadline), its thread is terminated, which stops the work at once. Idle threads
 * are kept for the next analyses (loading the compiler costs a few hundred milliseconds) and
 * never keep the process alive.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CodeAnalysis } from './code-analysis.js';
import type { AnalysisAnswer, AnalysisRequest } from './code-analysis-thread.js';
import { ToolInputError } from './tool.js';

/** The thread's script: beside this module from source, beside the bundle in Lambda. */
const THREAD_SCRIPT = new URL('./code-analysis-worker.mjs', import.meta.url);

export const ANALYSIS_THREAD_LIMITS = {
  /** Heap of one thread; a file that needs more stops its analysis, not the process. */
  maxOldGenerationSizeMb: 256,
  maxYoungGenerationSizeMb: 32,
  stackSizeMb: 8,
} as const;

/** Threads at most, busy or idle: the compiler is CPU work, one thread per core is plenty. */
const MAX_THREADS = Math.max(1, Math.min(4, availableParallelism()));

const idle: Worker[] = [];
let running = 0;
const waiting: (() => void)[] = [];
let nextId = 0;

export interface AnalysisOptions {
  /** Stops the analysis (the tool's deadline): its thread is terminated. */
  signal?: AbortSignal;
  /** A hard limit of its own, whatever the signal does. */
  timeoutMs: number;
  /** Each function also says the line it ends on. */
  spans?: boolean;
}

/** Analyses `text` (the file at `path`) in a worker thread; see analyzeSource. */
export async function analyzeInThread(
  path: string,
  text: string,
  options: AnalysisOptions,
): Promise<CodeAnalysis> {
  const { signal } = options;
  signal?.throwIfAborted();
  const worker = await acquire(signal);
  const id = ++nextId;
  let healthy = false;
  try {
    const answer = await new Promise<AnalysisAnswer>((resolve, reject) => {
      const fail = (error: Error) => {
        cleanUp();
        reject(error);
      };
      const onMessage = (message: AnalysisAnswer) => {
        if (message.id !== id) return;
        cleanUp();
        resolve(message);
      };
      const onError = (error: Error & { code?: string }) =>
        fail(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new Error(
                `the analysis needed more than ${ANALYSIS_THREAD_LIMITS.maxOldGenerationSizeMb} MB and was stopped`,
              )
            : new Error(`the analysis thread failed: ${error.message}`),
        );
      const onExit = (code: number) => fail(new Error(`the analysis thread stopped (${code})`));
      const onAbort = () =>
        fail(
          signal?.reason instanceof Error ? signal.reason : new Error('the analysis was stopped'),
        );
      const timer = setTimeout(
        () => fail(new Error(`the analysis was stopped after ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      const cleanUp = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage({ id, path, text, spans: options.spans } satisfies AnalysisRequest);
    });
    healthy = true;
    if (answer.ok) return answer.analysis;
    throw answer.inputError ? new ToolInputError(answer.message) : new Error(answer.message);
  } finally {
    release(worker, healthy);
  }
}

/**
 * Starts a thread ahead of the first analysis, if none is idle and there is room: loading the
 * compiler takes a few seconds on a busy machine, and this way the model's turn pays for it.
 */
export function warmUpAnalysisThread(): void {
  if (idle.length > 0 || running >= MAX_THREADS) return;
  const worker = startThread();
  worker.unref();
  idle.push(worker);
}

function startThread(): Worker {
  const worker = new Worker(THREAD_SCRIPT, { resourceLimits: ANALYSIS_THREAD_LIMITS });
  // A thread that dies while idle (out of memory loading the compiler) is forgotten.
  worker.once('exit', () => {
    const index = idle.indexOf(worker);
    if (index >= 0) idle.splice(index, 1);
  });
  return worker;
}

/** An idle thread, a new one if there is room, or the next one released. */
async function acquire(signal: AbortSignal | undefined): Promise<Worker> {
  while (idle.length === 0 && running >= MAX_THREADS) {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        waiting.splice(waiting.indexOf(ready), 1);
        reject(signal?.reason);
      };
      const ready = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      waiting.push(ready);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
  running += 1;
  const worker = idle.pop() ?? startThread();
  worker.ref();
  return worker;
}

/** A thread that answered goes back to the idle ones; any other is terminated. */
function release(worker: Worker, healthy: boolean): void {
  running -= 1;
  if (healthy) {
    worker.unref();
    idle.push(worker);
  } else {
    void worker.terminate();
  }
  waiting.shift()?.();
}
