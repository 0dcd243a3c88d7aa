/**
 * Event → page: how long after a task event happens the dashboard shows it. Starts `npm start`,
 * opens `/dashboard` in Debian's Chromium, submits N echo tasks over HTTP, and compares each
 * task event's own `time` (stamped where it was published) with the moment the page rendered it
 * (`window.__agentCoreRendered[eventId]`, taken at the next animation frame after the DOM update).
 * Event times come from a second feed subscriber in this process, so the figure does not depend
 * on the event log. Both clocks are this machine's.
 *   npx tsx bench/event-to-page.ts [tasks=200] [concurrency=1] [pauseMs=100]
 * By default a steady stream (one submitter pausing 100 ms after each task: about 8 tasks/s, the
 * pace a dashboard watches); `200 4 0` is a burst, where the feed's own queueing dominates.
 */
import WebSocket from 'ws';
import { launchChromium } from '../tests/browser/chromium.js';
import { removeDataDir, startRuntime } from '../tests/helpers/runtime.js';
import { percentile } from './stats.js';

export interface EventToPageFigures {
  tasks: number;
  concurrency: number;
  pauseMs: number;
  /** Task events the page rendered, of those the feed delivered to this process. */
  events: number;
  delivered: number;
  /** Event `time` → rendered on the page. */
  eventToPageMs: { p50: number; p99: number; max: number };
  /** Event `time` → this process's own feed subscriber received it: the feed's share. */
  eventToSubscriberMs: { p50: number; p99: number; max: number };
  /** How the page got them: `feed` (WebSocket) or `polling` (no feed: GET /v1/tasks every 2 s). */
  via: 'feed' | 'polling';
}

export async function benchEventToPage(
  tasks = 200,
  concurrency = 1,
  pauseMs = 100,
): Promise<EventToPageFigures> {
  const runtime = await startRuntime({ env: { AGENT_CORE_LOG_LEVEL: 'ERROR' } });
  const chromium = await launchChromium().catch(async (error) => {
    await runtime.stop();
    removeDataDir(runtime.dataDir);
    throw error;
  });
  const times = new Map<string, number>();
  const received = new Map<string, number>();
  let socket: WebSocket | undefined;
  try {
    // Times of every task event, from a subscriber of the same feed.
    socket = new WebSocket(`${runtime.url.replace(/^http/, 'ws')}/ws?token=${runtime.key}`);
    const feed = await new Promise<boolean>((resolveOpen) => {
      socket!.once('open', () => resolveOpen(true));
      socket!.once('error', () => resolveOpen(false));
      socket!.once('unexpected-response', () => resolveOpen(false));
    });
    if (feed) {
      socket.send(JSON.stringify({ action: 'subscribe', types: ['task.*'] }));
      socket.on('message', (raw) => {
        const frame = JSON.parse(String(raw));
        if (frame.type === 'event' && frame.event?.type?.startsWith('task.')) {
          times.set(frame.event.id, Date.parse(frame.event.time));
          received.set(frame.event.id, Date.now());
        }
      });
    }

    const page = await chromium.context.newPage();
    await page.goto(`${runtime.url}/dashboard/`);
    await page.getByLabel('API key').fill(runtime.key);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { name: 'Live tasks', exact: true }).waitFor();
    if (feed)
      await page
        .getByRole('status')
        .filter({ hasText: /^Live$/ })
        .waitFor();

    const agent = await runtime.api('POST', '/v1/agents', {
      id: 'bench-echo',
      model: { provider: 'echo' },
    });
    if (agent.status !== 201) throw new Error(`register: ${agent.status}`);

    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < tasks) {
          next += 1;
          const res = await runtime.api('POST', '/v1/tasks', {
            agentId: 'bench-echo',
            input: `event-to-page ${next}`,
          });
          if (res.status !== 202) throw new Error(`submit: ${res.status}`);
          ids.push(res.body.id);
          if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
        }
      }),
    );

    // Until every task finished on the server and its events had time to reach the page.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { body } = await runtime.api('GET', '/v1/queue');
      if (body.depth.critical + body.depth.normal + body.depth.low + body.inFlight === 0) break;
      if (Date.now() > deadline) throw new Error('tasks did not finish within 2 minutes');
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 3000));

    const rendered: Record<string, number> = await page.evaluate(() => ({
      ...(globalThis as any).__agentCoreRendered,
    }));
    const latencies: number[] = [];
    const feedLatencies: number[] = [];
    for (const [id, time] of times) {
      feedLatencies.push((received.get(id) ?? time) - time);
      const at = rendered[id];
      if (at !== undefined) latencies.push(at - time);
    }
    return {
      tasks,
      concurrency,
      pauseMs,
      events: latencies.length,
      delivered: times.size,
      eventToPageMs: summary(latencies),
      eventToSubscriberMs: summary(feedLatencies),
      via: feed ? 'feed' : 'polling',
    };
  } finally {
    socket?.terminate();
    await chromium.close();
    await runtime.stop();
    removeDataDir(runtime.dataDir);
  }
}

const round = (n: number) => Math.round(n * 10) / 10;
const summary = (values: number[]) => ({
  p50: round(percentile(values, 50)),
  p99: round(percentile(values, 99)),
  max: round(values.length ? Math.max(...values) : 0),
});

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await benchEventToPage(
    Number(process.argv[2] ?? 200),
    Number(process.argv[3] ?? 1),
    Number(process.argv[4] ?? 100),
  );
  console.log(JSON.stringify(figures, null, 2));
  console.log(`event → page p99 ${figures.eventToPageMs.p99} ms   (target < 100)`);
}
