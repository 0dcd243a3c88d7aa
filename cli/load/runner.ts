/**
 * The open-loop load run behind `load-test` and `soak-test`. Tasks are submitted on a fixed
 * schedule (one every 60/ratePerMin seconds from the start), whatever the latency: a submission
 * never waits for an earlier task to finish. `maxInFlight` caps the tasks accepted and not yet
 * finished; a submission due while the cap is reached is skipped and counted, so the schedule
 * never shifts. Each accepted task is polled until it finishes; latency is the task's own
 * createdAt → finishedAt (the server's clock, no polling delay in it). After the duration, the
 * run waits up to `graceSec` for the tasks in flight; any still unfinished is `lost`.
 */
import { randomUUID } from 'node:crypto';
import {
  type AgentCoreClient,
  AgentCoreError,
  TASK_FINISHED,
  type Task,
} from '../../client/index.js';
import { percentile } from '../../shared/core/learning/stats.js';

export interface LoadOptions {
  kind: 'load' | 'soak';
  ratePerMin: number;
  durationSec: number;
  maxInFlight: number;
  graceSec: number;
  maxErrorRate: number;
  priority: 'critical' | 'normal' | 'low';
  agentId: string;
  input: unknown;
  /** Seconds per point of the timeline (the report's charts). */
  bucketSec: number;
  /** How often the runtime's memory is read, when it can be. */
  memoryEverySec: number;
}

export interface LatencySummary {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

export interface TimelinePoint {
  /** Seconds since the start, at the end of the bucket. */
  t: number;
  submitted: number;
  succeeded: number;
  failed: number;
  inFlight: number;
  /** Per minute over the minute (or bucket, if longer) up to `t`: smooth whatever the bucket. */
  submittedPerMin: number;
  succeededPerMin: number;
  failedPerMin: number;
  p50: number | null;
  p95: number | null;
}

export interface MemorySample {
  t: number;
  rssMb: number;
}

export interface LoadReport {
  kind: 'load' | 'soak';
  url: string;
  agentId: string;
  startedAt: string;
  finishedAt: string;
  config: Omit<LoadOptions, 'kind' | 'agentId' | 'input'>;
  /** Submissions the schedule called for. */
  planned: number;
  /** Accepted by the API (202). */
  submitted: number;
  /** Due while maxInFlight tasks were in flight: not sent. */
  skippedAtCap: number;
  /** Refused or unanswered submissions, by error code. */
  submitErrors: Record<string, number>;
  succeeded: number;
  failed: number;
  /** Tasks that failed or were cancelled, and refused submissions, by error code. */
  failedByCode: Record<string, number>;
  /** Accepted but not finished by the end of the run plus the grace period: must be 0. */
  lost: number;
  lostTaskIds: string[];
  achievedRatePerMin: number;
  errorRate: number;
  latencyMs: LatencySummary;
  timeline: TimelinePoint[];
  memory: {
    source: string;
    samples: MemorySample[];
    startMb: number | null;
    endMb: number | null;
    maxMb: number | null;
    /**
     * Linear trend of the samples, in MB per hour (a leak shows as a steady positive slope);
     * null when they span less than MEMORY_TREND_MIN_SEC (garbage collection swamps it).
     */
    slopeMbPerHour: number | null;
  } | null;
  passed: boolean;
  reasons: string[];
}

export interface Progress {
  elapsedSec: number;
  submitted: number;
  succeeded: number;
  failed: number;
  inFlight: number;
  skippedAtCap: number;
  p95: number | null;
}

export interface RunHooks {
  onProgress?: (progress: Progress) => void;
  /** The runtime's resident memory in MB, or undefined when it cannot be read. */
  readMemoryMb?: () => Promise<number | undefined>;
  memorySource?: string;
  /** Stops the schedule early (Ctrl-C); tasks in flight still get their grace. */
  signal?: AbortSignal;
  now?: () => number;
}

interface Tracked {
  id: string;
  acceptedAt: number;
  polledAt: number;
}

interface Finished {
  at: number;
  ok: boolean;
  latencyMs: number | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sortedOf = (values: number[]) => [...values].sort((a, b) => a - b);
const POLL_EVERY_MS = 500;
/** Samples must span this long for a memory trend to mean anything. */
export const MEMORY_TREND_MIN_SEC = 1800;
const POLL_CONCURRENCY = 8;

export function summarise(latencies: number[]): LatencySummary {
  const sorted = sortedOf(latencies);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? (sorted.at(-1) as number) : null,
    mean: sorted.length ? Math.round(sorted.reduce((a, b) => a + b, 0) / sorted.length) : null,
  };
}

/** Least-squares slope of the samples, per hour. */
export function slopePerHour(samples: MemorySample[]): number | null {
  if (samples.length < 2) return null;
  const n = samples.length;
  const mt = samples.reduce((s, p) => s + p.t, 0) / n;
  const mv = samples.reduce((s, p) => s + p.rssMb, 0) / n;
  const sxx = samples.reduce((s, p) => s + (p.t - mt) ** 2, 0);
  if (sxx === 0) return null;
  const sxy = samples.reduce((s, p) => s + (p.t - mt) * (p.rssMb - mv), 0);
  return Math.round((sxy / sxx) * 3600 * 10) / 10;
}

export async function runLoad(
  client: AgentCoreClient,
  options: LoadOptions,
  hooks: RunHooks = {},
): Promise<LoadReport> {
  const now = hooks.now ?? Date.now;
  const runId = randomUUID().slice(0, 8);
  const start = now();
  const startedAt = new Date(start).toISOString();
  const intervalMs = 60_000 / options.ratePerMin;
  const endOfSchedule = start + options.durationSec * 1000;
  const planned = Math.ceil((options.durationSec * 1000) / intervalMs);

  const inFlight = new Map<string, Tracked>();
  const finished: Finished[] = [];
  const submittedAt: number[] = [];
  const failedByCode: Record<string, number> = {};
  const submitErrors: Record<string, number> = {};
  const memory: MemorySample[] = [];
  let submitted = 0;
  let skippedAtCap = 0;
  /** Submissions sent and not yet answered: they hold an in-flight slot too. */
  let sending = 0;
  const count = (bag: Record<string, number>, code: string) => {
    bag[code] = (bag[code] ?? 0) + 1;
  };

  const submit = async (sequence: number) => {
    sending += 1;
    try {
      const task = await client.tasks.submit(
        {
          agentId: options.agentId,
          input: options.input,
          priority: options.priority,
          metadata: { loadRun: runId, sequence },
        },
        // A resend (after a 429) can never make a second task.
        { idempotencyKey: `${options.kind}-${runId}-${sequence}` },
      );
      submitted += 1;
      submittedAt.push(now());
      inFlight.set(task.id, { id: task.id, acceptedAt: now(), polledAt: now() });
    } catch (error) {
      const code = error instanceof AgentCoreError ? error.code : 'Error';
      count(submitErrors, code);
      count(failedByCode, `submit:${code}`);
    } finally {
      sending -= 1;
    }
  };

  const record = (task: Task) => {
    inFlight.delete(task.id);
    const ok = task.status === 'succeeded';
    const latencyMs =
      task.finishedAt && task.createdAt
        ? Date.parse(task.finishedAt) - Date.parse(task.createdAt)
        : null;
    finished.push({ at: now(), ok, latencyMs: ok ? latencyMs : null });
    if (!ok) count(failedByCode, task.error?.code ?? task.status);
  };

  /** One round of polling: the tasks not asked about for POLL_EVERY_MS, a few at once. */
  const pollRound = async () => {
    const due = [...inFlight.values()].filter((t) => now() - t.polledAt >= POLL_EVERY_MS);
    for (let i = 0; i < due.length; i += POLL_CONCURRENCY) {
      await Promise.all(
        due.slice(i, i + POLL_CONCURRENCY).map(async (tracked) => {
          tracked.polledAt = now();
          try {
            const task = await client.tasks.get(tracked.id);
            if (TASK_FINISHED.includes(task.status as never)) record(task);
          } catch {
            // Asked again next round; a task that never answers ends up lost.
          }
        }),
      );
    }
  };

  const progress = (): Progress => {
    const ok = finished.filter((f) => f.ok);
    return {
      elapsedSec: Math.round((now() - start) / 1000),
      submitted,
      succeeded: ok.length,
      failed: finished.length - ok.length,
      inFlight: inFlight.size,
      skippedAtCap,
      p95: summarise(ok.flatMap((f) => (f.latencyMs === null ? [] : [f.latencyMs]))).p95,
    };
  };

  // The memory sampler and the progress reports run beside the schedule.
  let sampling = true;
  const sampler = (async () => {
    if (!hooks.readMemoryMb) return;
    while (sampling) {
      const rss = await hooks.readMemoryMb().catch(() => undefined);
      if (rss !== undefined) memory.push({ t: Math.round((now() - start) / 1000), rssMb: rss });
      const until = now() + options.memoryEverySec * 1000;
      while (sampling && now() < until) await sleep(200);
    }
  })();
  const poller = (async () => {
    let lastReport = 0;
    while (sampling) {
      await pollRound();
      if (now() - lastReport >= 1000) {
        hooks.onProgress?.(progress());
        lastReport = now();
      }
      await sleep(100);
    }
  })();

  // The schedule: submission i is due at start + i × interval, sent or skipped, never late-shifted.
  const sends: Promise<void>[] = [];
  for (let i = 0; i < planned && !hooks.signal?.aborted; i++) {
    const dueAt = start + i * intervalMs;
    const wait = dueAt - now();
    if (wait > 0) await sleep(wait);
    if (hooks.signal?.aborted || now() >= endOfSchedule) break;
    if (inFlight.size + sending >= options.maxInFlight) {
      skippedAtCap += 1;
      continue;
    }
    sends.push(submit(i));
  }
  await Promise.all(sends);
  // The rate is over the run's duration, or up to where Ctrl-C stopped it.
  const scheduleEnded = hooks.signal?.aborted ? Math.min(now(), endOfSchedule) : endOfSchedule;

  // The grace period: the tasks in flight may still finish.
  const graceEnd = now() + options.graceSec * 1000;
  while (inFlight.size > 0 && now() < graceEnd) await sleep(200);
  sampling = false;
  await Promise.all([poller, sampler]);
  // One last look at each task still in flight before calling it lost.
  await Promise.all(
    [...inFlight.values()].map(async (tracked) => {
      const task = await client.tasks.get(tracked.id).catch(() => undefined);
      if (task && TASK_FINISHED.includes(task.status as never)) record(task);
    }),
  );
  hooks.onProgress?.(progress());

  const succeeded = finished.filter((f) => f.ok);
  const latencies = succeeded.flatMap((f) => (f.latencyMs === null ? [] : [f.latencyMs]));
  const attempted = submitted + Object.values(submitErrors).reduce((a, b) => a + b, 0);
  const failedTasks = finished.length - succeeded.length;
  const lost = inFlight.size;
  const errors = failedTasks + lost + (attempted - submitted);
  const errorRate = attempted ? Math.round((errors / attempted) * 10_000) / 10_000 : 0;
  const reasons: string[] = [];
  if (lost > 0)
    reasons.push(`${lost} task(s) accepted and not finished ${options.graceSec}s after the end`);
  if (errorRate > options.maxErrorRate) {
    reasons.push(
      `error rate ${(errorRate * 100).toFixed(2)}% is over ${(options.maxErrorRate * 100).toFixed(2)}%`,
    );
  }
  if (attempted === 0) reasons.push('nothing was submitted');

  const bucketMs = options.bucketSec * 1000;
  const buckets = Math.max(1, Math.ceil((now() - start) / bucketMs));
  const timeline: TimelinePoint[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = start + b * bucketMs;
    const to = from + bucketMs;
    const inBucket = finished.filter((f) => f.at >= from && f.at < to);
    const okLatencies = inBucket.flatMap((f) =>
      f.ok && f.latencyMs !== null ? [f.latencyMs] : [],
    );
    const summary = summarise(okLatencies);
    const windowMs = Math.max(60_000, bucketMs);
    const perMinute = (times: number[]) =>
      Math.round(
        (times.filter((t) => t > to - windowMs && t <= to).length * 60_000 * 100) /
          Math.min(windowMs, to - start),
      ) / 100;
    timeline.push({
      t: Math.round((to - start) / 1000),
      submitted: submittedAt.filter((t) => t >= from && t < to).length,
      succeeded: inBucket.filter((f) => f.ok).length,
      failed: inBucket.filter((f) => !f.ok).length,
      inFlight: submittedAt.filter((t) => t < to).length - finished.filter((f) => f.at < to).length,
      submittedPerMin: perMinute(submittedAt),
      succeededPerMin: perMinute(finished.filter((f) => f.ok).map((f) => f.at)),
      failedPerMin: perMinute(finished.filter((f) => !f.ok).map((f) => f.at)),
      p50: summary.p50,
      p95: summary.p95,
    });
  }

  const rss = memory.map((m) => m.rssMb);
  const { kind: _k, agentId: _a, input: _i, ...config } = options;
  return {
    kind: options.kind,
    url: client.baseUrl,
    agentId: options.agentId,
    startedAt,
    finishedAt: new Date(now()).toISOString(),
    config,
    planned,
    submitted,
    skippedAtCap,
    submitErrors,
    succeeded: succeeded.length,
    failed: failedTasks + (attempted - submitted),
    failedByCode,
    lost,
    lostTaskIds: [...inFlight.keys()],
    achievedRatePerMin:
      scheduleEnded > start
        ? Math.round((submitted / ((scheduleEnded - start) / 60_000)) * 100) / 100
        : 0,
    errorRate,
    latencyMs: summarise(latencies),
    timeline,
    memory: hooks.readMemoryMb
      ? {
          source: hooks.memorySource ?? 'the local runtime',
          samples: memory,
          startMb: rss[0] ?? null,
          endMb: rss.at(-1) ?? null,
          maxMb: rss.length ? Math.max(...rss) : null,
          slopeMbPerHour:
            (memory.at(-1)?.t ?? 0) - (memory[0]?.t ?? 0) >= MEMORY_TREND_MIN_SEC
              ? slopePerHour(memory)
              : null,
        }
      : null,
    passed: reasons.length === 0,
    reasons,
  };
}
