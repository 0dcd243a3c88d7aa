/**
 * Local end to end: starts `npm start`, submits N echo tasks over HTTP at a fixed concurrency,
 * and reports tasks/s and submit→succeeded latency from the tasks' own timestamps.
 * First figure to beat (issue 2): 100 tasks/s with p99 under 1 s on 2 cores.
 */
import { removeDataDir, startRuntime } from '../tests/helpers/runtime.js';
import { percentile } from './stats.js';

export interface ThroughputFigures {
  tasks: number;
  concurrency: number;
  tasksPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number };
  submitMs: { p50: number; p99: number };
}

export async function benchLocalThroughput(
  tasks = 2000,
  concurrency = 32,
): Promise<ThroughputFigures> {
  const runtime = await startRuntime({ env: { AGENT_CORE_LOG_LEVEL: 'ERROR' } });
  try {
    await runtime.api('POST', '/v1/agents', { id: 'bench-echo', model: { provider: 'echo' } });
    // Warm up: the first requests compile and open connections.
    for (let i = 0; i < 20; i++)
      await runtime.api('POST', '/v1/tasks', { agentId: 'bench-echo', input: 'warm' });
    await drain(runtime);

    const submitMs: number[] = [];
    const ids: string[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < tasks) {
          const i = next++;
          const t0 = performance.now();
          const response = await runtime.api('POST', '/v1/tasks', {
            agentId: 'bench-echo',
            input: `task ${i}`,
          });
          submitMs.push(performance.now() - t0);
          if (response.status !== 202) throw new Error(`submit answered ${response.status}`);
          ids.push(response.body.id);
        }
      }),
    );
    await drain(runtime);
    const wallSeconds = (performance.now() - started) / 1000;

    const wanted = new Set(ids);
    const latencies: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/v1/tasks?agentId=bench-echo&limit=100${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await runtime.api('GET', query);
      for (const task of page.body.items) {
        if (!wanted.has(task.id)) continue;
        if (task.status !== 'succeeded') throw new Error(`task ${task.id} ended ${task.status}`);
        latencies.push(Date.parse(task.finishedAt) - Date.parse(task.createdAt));
      }
      cursor = page.body.nextCursor;
    } while (cursor);
    if (latencies.length !== tasks) throw new Error(`found ${latencies.length} of ${tasks} tasks`);

    return {
      tasks,
      concurrency,
      tasksPerSecond: Math.round(tasks / wallSeconds),
      latencyMs: {
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        p99: percentile(latencies, 99),
      },
      submitMs: { p50: round(percentile(submitMs, 50)), p99: round(percentile(submitMs, 99)) },
    };
  } finally {
    await runtime.stop();
    removeDataDir(runtime.dataDir);
  }
}

/** Waits until no task waits or runs (bounded). */
async function drain(runtime: Awaited<ReturnType<typeof startRuntime>>): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const [queued, running, retrying] = await Promise.all(
      ['queued', 'running', 'retrying'].map(
        async (status) =>
          (await runtime.api('GET', `/v1/tasks?status=${status}&limit=1`)).body.items.length,
      ),
    );
    if (queued + running + retrying === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('tasks did not drain within 5 minutes');
}

const round = (n: number) => Math.round(n * 10) / 10;

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await benchLocalThroughput(
    Number(process.argv[2] ?? 2000),
    Number(process.argv[3] ?? 32),
  );
  console.log(JSON.stringify(figures, null, 2));
}
