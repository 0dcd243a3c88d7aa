/**
 * The load runner against an HTTP server in the test whose tasks each take 3 s: submissions go
 * out on schedule whatever the latency (open loop), maxInFlight caps the unfinished tasks
 * (skipped submissions are counted, never late-shifted), latency is the tasks' own
 * createdAt → finishedAt, and a task that never finishes is `lost` and fails the run.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chartPage, chartPathOf, summaryLines } from '../../cli/load/report.js';
import { type LoadOptions, runLoad, slopePerHour, summarise } from '../../cli/load/runner.js';
import { AgentCoreClient } from '../../client/index.js';

const TASK_MS = 3000;
let server: Server;
let baseUrl: string;
/** Tasks by id: when created, and whether they ever finish. */
const tasks = new Map<string, { createdAt: number; never: boolean }>();
let neverFinish = new Set<number>();
let maxUnfinished = 0;
let submissions = 0;
const bodies: unknown[] = [];

const unfinished = (now: number) =>
  [...tasks.values()].filter((t) => t.never || now - t.createdAt < TASK_MS).length;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const now = Date.now();
      const answer = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.method === 'POST' && req.url === '/v1/tasks') {
        const sequence = submissions++;
        const id = `task-${sequence}`;
        tasks.set(id, { createdAt: now, never: neverFinish.has(sequence) });
        maxUnfinished = Math.max(maxUnfinished, unfinished(now));
        bodies.push(JSON.parse(body));
        return answer(202, { id, status: 'queued' });
      }
      const id = /^\/v1\/tasks\/([\w-]+)$/.exec(req.url ?? '')?.[1];
      const task = id ? tasks.get(id) : undefined;
      if (!task || !id) return answer(404, { error: { code: 'NotFound', message: 'no' } });
      const done = !task.never && now - task.createdAt >= TASK_MS;
      return answer(200, {
        id,
        status: done ? 'succeeded' : 'running',
        createdAt: new Date(task.createdAt).toISOString(),
        finishedAt: done ? new Date(task.createdAt + TASK_MS).toISOString() : null,
        error: null,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  tasks.clear();
  neverFinish = new Set();
  maxUnfinished = 0;
  submissions = 0;
  bodies.length = 0;
});

const options = (over: Partial<LoadOptions>): LoadOptions => ({
  kind: 'load',
  ratePerMin: 120,
  durationSec: 6,
  maxInFlight: 100,
  graceSec: 10,
  maxErrorRate: 0.01,
  priority: 'low',
  agentId: 'loader',
  input: 'x',
  bucketSec: 1,
  memoryEverySec: 1,
  ...over,
});

describe('the open-loop load runner', () => {
  it('submits on schedule while earlier tasks still run, and measures their own latency', async () => {
    const client = new AgentCoreClient({ baseUrl, apiKey: 'k' });
    const report = await runLoad(client, options({}), { readMemoryMb: async () => 100 });
    // Every 0.5 s for 6 s: 12 planned. A closed loop (wait for one, send the next) would
    // have sent 2 or 3, each task taking 3 s.
    expect(report.planned).toBe(12);
    expect(report.submitted).toBeGreaterThanOrEqual(10);
    expect(maxUnfinished).toBeGreaterThanOrEqual(5);
    expect(report).toMatchObject({ skippedAtCap: 0, lost: 0, failed: 0, passed: true });
    expect(report.succeeded).toBe(report.submitted);
    expect(report.latencyMs).toMatchObject({
      p50: TASK_MS,
      p95: TASK_MS,
      p99: TASK_MS,
      max: TASK_MS,
    });
    expect(report.memory).toMatchObject({
      startMb: 100,
      endMb: 100,
      maxMb: 100,
      // Six seconds of samples say nothing of a trend.
      slopeMbPerHour: null,
    });
    expect(report.timeline.reduce((n, p) => n + p.submitted, 0)).toBe(report.submitted);
    // Over the run so far (under a minute): about the rate asked, 120 a minute.
    expect(report.timeline.at(-1)?.submittedPerMin).toBeGreaterThan(60);
    expect(report.achievedRatePerMin).toBeGreaterThan(90);
    expect(bodies[0]).toMatchObject({ agentId: 'loader', priority: 'low', input: 'x' });
  });

  it('caps the tasks in flight, counting the submissions it skips', async () => {
    const client = new AgentCoreClient({ baseUrl, apiKey: 'k' });
    const report = await runLoad(client, options({ maxInFlight: 2 }));
    expect(maxUnfinished).toBeLessThanOrEqual(2);
    expect(report.skippedAtCap).toBeGreaterThan(0);
    expect(report.submitted + report.skippedAtCap).toBeLessThanOrEqual(report.planned);
    expect(report.passed).toBe(true);
    expect(report.memory).toBeNull();
  });

  it('calls a task that never finishes lost, and fails the run', async () => {
    neverFinish = new Set([1]);
    const client = new AgentCoreClient({ baseUrl, apiKey: 'k' });
    const report = await runLoad(client, options({ durationSec: 2, graceSec: 4 }));
    expect(report.lost).toBe(1);
    expect(report.lostTaskIds).toEqual(['task-1']);
    expect(report.passed).toBe(false);
    expect(report.reasons[0]).toMatch(/1 task\(s\) accepted and not finished/);
    expect(summaryLines(report).at(-1)).toMatch(/^ {2}FAILED: /);
  });
});

describe('the report', () => {
  it('summarises latencies by nearest rank, and memory by its trend', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(summarise(values)).toEqual({ p50: 50, p95: 95, p99: 99, max: 100, mean: 51 });
    expect(summarise([])).toEqual({ p50: null, p95: null, p99: null, max: null, mean: null });
    expect(
      slopePerHour([
        { t: 0, rssMb: 100 },
        { t: 1800, rssMb: 110 },
        { t: 3600, rssMb: 120 },
      ]),
    ).toBe(20);
    expect(slopePerHour([{ t: 0, rssMb: 100 }])).toBeNull();
  });

  it('puts the chart beside the JSON and keeps the data from closing its script element', () => {
    expect(chartPathOf('/tmp/run.json')).toBe('/tmp/run.html');
    expect(chartPathOf('/tmp/run')).toBe('/tmp/run.html');
    const page = chartPage({
      kind: 'load',
      url: 'http://x',
      agentId: '</script><script>alert(1)</script>',
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:01:00.000Z',
      config: { ...options({}) },
      planned: 0,
      submitted: 0,
      skippedAtCap: 0,
      submitErrors: {},
      succeeded: 0,
      failed: 0,
      failedByCode: {},
      lost: 0,
      lostTaskIds: [],
      achievedRatePerMin: 0,
      errorRate: 0,
      latencyMs: summarise([]),
      timeline: [],
      memory: null,
      passed: false,
      reasons: ['nothing was submitted'],
    });
    expect(page).not.toContain('<script>alert(1)');
    expect(page).toContain('uPlot');
  });
});
