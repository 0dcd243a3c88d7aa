/** `GET /v1/metrics`: the window's task and model figures, and the queue as `GET /v1/queue` shows it. */
import * as z from 'zod';
import type { Clock, TaskQueue, TaskStore } from '../ports.js';
import { queueStatus } from '../tasks/task-service.js';
import { parseInput } from '../validation.js';
import { type MetricsSummary, metricsWindow, summariseMetrics } from './metrics.js';
import type { MetricStore } from './ports.js';

export const metricsQuerySchema = z.object({
  windowSeconds: z.coerce.number().int().min(60).max(86_400).default(300),
});

export interface MetricsReportDeps {
  metrics: MetricStore;
  tasks: TaskStore;
  queue: TaskQueue;
}

export interface MetricsReport extends MetricsSummary {
  windowSeconds: number;
  /** The start of the first minute counted: the window is rounded out to whole minutes. */
  from: string;
  to: string;
  queue: Awaited<ReturnType<typeof queueStatus>>;
}

export async function metricsReport(
  deps: MetricsReportDeps,
  query: Record<string, string>,
  clock: Clock,
): Promise<MetricsReport> {
  const { windowSeconds } = parseInput(
    metricsQuerySchema,
    { windowSeconds: query.windowSeconds },
    'query',
  );
  const window = metricsWindow(clock.now(), windowSeconds);
  const [buckets, queue] = await Promise.all([
    deps.metrics.read(window.minutes),
    queueStatus(deps),
  ]);
  return {
    windowSeconds,
    from: window.from,
    to: window.to,
    ...summariseMetrics(buckets, window),
    queue,
  };
}
