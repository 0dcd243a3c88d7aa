/**
 * Delta latency: from the moment an OpenAI-compatible server writes a chunk of a streamed answer
 * until a WebSocket client following the task has it in a `delta` frame, on `npm start`. The
 * server and the client are both in this process, so both times are one clock
 * (`performance.now()`). Two paces:
 *   - chunks 300 ms apart: each goes out alone, so the figure is the pipeline (provider → worker
 *     → PostToConnection → local gateway → client);
 *   - chunks 20 ms apart: deltas are batched (at most one frame per 250 ms per task), so a chunk
 *     also waits for its frame: up to 250 ms by design.
 *   npx tsx bench/delta-latency.ts [tasks=8] [slowChunks=10] [fastChunks=60]
 */
import { cpus } from 'node:os';
import { openFeed } from '../tests/helpers/feed-client.js';
import { OpenAiTestServer } from '../tests/helpers/openai-server.js';
import {
  type RuntimeHandle,
  removeDataDir,
  startRuntime,
  waitForTask,
} from '../tests/helpers/runtime.js';
import { percentile } from './stats.js';

export interface DeltaLatencyFigures {
  machine: string;
  paces: {
    chunkGapMs: number;
    chunks: number;
    /** Frames the follower got for those chunks. */
    frames: number;
    latencyMs: { p50: number; p99: number; max: number };
  }[];
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export async function benchDeltaLatency(
  tasks = 8,
  slowChunks = 10,
  fastChunks = 60,
): Promise<DeltaLatencyFigures> {
  const model = new OpenAiTestServer();
  const baseUrl = await model.start();
  let runtime: RuntimeHandle | undefined;
  try {
    runtime = await startRuntime({ env: { AGENT_CORE_LOG_LEVEL: 'ERROR' } });
    const rt = runtime;
    await rt.api('POST', '/v1/agents', {
      id: 'bench-streamer',
      model: { provider: 'openai', model: 'bench', baseUrl },
      limits: { maxTokens: 100_000 },
    });
    const client = await openFeed(`${rt.url.replace(/^http/, 'ws')}/ws?token=${rt.key}`);
    client.send({ action: 'subscribe', types: [] });
    await client.waitFor((f) => f.type === 'subscribed');
    const arrivals: { at: number; text: string; taskId: string }[] = [];
    client.socket.on('message', (raw) => {
      const frame = JSON.parse(String(raw));
      if (frame.type === 'delta') {
        arrivals.push({ at: performance.now(), text: frame.text, taskId: frame.taskId });
      }
    });

    const pace = async (chunkGapMs: number, chunkCount: number) => {
      const latencies: number[] = [];
      let frames = 0;
      for (let t = 0; t < tasks; t++) {
        const written = new Map<number, number>();
        const chunks = Array.from({ length: chunkCount }, (_, i) => `<${i}>`);
        model.answer({
          chunks,
          chunkDelayMs: chunkGapMs,
          onChunk: (index, at) => written.set(index, at),
        });
        // Paused while the client follows the task: the worker looks for followers per call.
        await rt.api('POST', '/v1/agents/bench-streamer/pause');
        const taskId = (
          await rt.api('POST', '/v1/tasks', { agentId: 'bench-streamer', input: 'go' })
        ).body.id as string;
        client.send({ action: 'subscribe', taskId, after: null });
        await client.waitFor((f) => f.type === 'subscribed' && f.taskId === taskId);
        await rt.api('POST', '/v1/agents/bench-streamer/resume');
        await waitForTask(rt, taskId, ['succeeded'], 60_000).catch((error: unknown) => {
          // What the runtime said last is the first thing to read when a run goes wrong.
          console.error(rt.output().slice(-3000));
          throw error;
        });
        await client.waitFor(
          (f) =>
            f.type === 'delta' && f.taskId === taskId && f.text.includes(`<${chunkCount - 1}>`),
        );
        client.send({ action: 'unsubscribe', taskId });
        const mine = arrivals.filter((a) => a.taskId === taskId);
        frames += mine.length;
        for (const arrival of mine) {
          for (const match of arrival.text.matchAll(/<(\d+)>/g)) {
            const at = written.get(Number(match[1]));
            if (at !== undefined) latencies.push(arrival.at - at);
          }
        }
      }
      return {
        chunkGapMs,
        chunks: latencies.length,
        frames,
        latencyMs: {
          p50: round(percentile(latencies, 50)),
          p99: round(percentile(latencies, 99)),
          max: round(Math.max(...latencies)),
        },
      };
    };

    // Warm up: handlers compiled, connections open.
    await pace(0, 3);
    const paces = [await pace(300, slowChunks), await pace(20, fastChunks)];
    client.socket.terminate();
    const cpu = cpus();
    return {
      machine: `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}`,
      paces,
    };
  } finally {
    if (runtime) {
      await runtime.stop();
      removeDataDir(runtime.dataDir);
    }
    await model.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [tasks, slow, fast] = process.argv.slice(2).map(Number);
  console.log(JSON.stringify(await benchDeltaLatency(tasks || 8, slow || 10, fast || 60), null, 2));
}
