/**
 * The observability HTTP API (`observabilityApi`) in a real middy handler with httpErrorHandler:
 * what each route asks of its stores, who may ask it (an agent key sees its own agent's events
 * and nothing else; metrics and the audit log are the admin's), and bad queries as 400s.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { observabilityApi } from '../../functions/observability/observability-api.js';
import {
  addToSketch,
  emptySketch,
  sketchQuantile,
} from '../../shared/core/observability/latency-sketch.js';
import type {
  AppendOutcome,
  EventLog,
  EventLogQuery,
  LoggedEvent,
  MetricBucket,
  MetricStore,
} from '../../shared/core/observability/ports.js';
import type { AuditEntry, AuditQuery, AuditStore, Page } from '../../shared/core/ports.js';
import type { AuthorizerContext } from '../../shared/core/security/principal.js';
import {
  type HttpEvent,
  type HttpResponse,
  httpErrorHandler,
} from '../../shared/runtime/http-api.js';
import {
  buildTask,
  InMemoryTaskQueue,
  InMemoryTaskStore,
  RecordingEventPublisher,
} from '../helpers/in-memory.js';

class FakeEventLog implements EventLog {
  readonly queries: EventLogQuery[] = [];
  items: LoggedEvent[] = [];
  async append(): Promise<AppendOutcome> {
    return { added: [], existing: [], failed: [] };
  }
  async remove(): Promise<void> {}
  async list(query: EventLogQuery): Promise<Page<LoggedEvent>> {
    this.queries.push(structuredClone(query));
    return { items: this.items, nextCursor: 'next' };
  }
}

class FakeMetricStore implements MetricStore {
  readonly reads: string[][] = [];
  buckets: MetricBucket[] = [];
  async add(): Promise<void> {}
  async read(minutes: readonly string[]): Promise<MetricBucket[]> {
    this.reads.push([...minutes]);
    return this.buckets.filter((bucket) => minutes.includes(bucket.minute));
  }
}

class FakeAuditStore implements AuditStore {
  readonly queries: AuditQuery[] = [];
  async record(): Promise<void> {}
  async list(query: AuditQuery): Promise<Page<AuditEntry>> {
    this.queries.push({ ...query });
    return { items: [], nextCursor: null };
  }
}

const ADMIN: AuthorizerContext = { principal: 'admin', keyId: 'admin' };
const ALICE: AuthorizerContext = { principal: 'agent:alice', keyId: 'k1' };
const ANONYMOUS: AuthorizerContext = { principal: '', reason: 'missing API key' };

let eventLog: FakeEventLog;
let metrics: FakeMetricStore;
let audit: FakeAuditStore;
let tasks: InMemoryTaskStore;
let queue: InMemoryTaskQueue;
let events: RecordingEventPublisher;
let handler: ReturnType<typeof wrap>;

const logger = new Logger({ serviceName: 'observability-api-test', logLevel: 'SILENT' });
const wrap = (plain: (event: HttpEvent) => Promise<HttpResponse>) =>
  middy<HttpEvent, HttpResponse, Error, Context>(plain).use(httpErrorHandler({ logger }));

beforeEach(() => {
  eventLog = new FakeEventLog();
  metrics = new FakeMetricStore();
  audit = new FakeAuditStore();
  tasks = new InMemoryTaskStore().seed(
    buildTask({
      id: '01JB2000000000000000000000',
      agentId: 'bob',
      status: 'failed',
      deadLettered: true,
    }),
  );
  queue = new InMemoryTaskQueue();
  events = new RecordingEventPublisher();
  handler = wrap(observabilityApi(() => ({ eventLog, metrics, audit, tasks, queue, events })));
});

const lambdaContext = { awsRequestId: 'aws-req-1' } as Context;

async function get(routeKey: string, as: AuthorizerContext, query?: Record<string, string>) {
  const rawPath = routeKey.split(' ')[1] ?? '/';
  const event = {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(query ?? {}).toString(),
    headers: {},
    ...(query ? { queryStringParameters: query } : {}),
    isBase64Encoded: false,
    requestContext: {
      http: { method: 'GET', path: rawPath },
      requestId: 'req-obs-1',
      routeKey,
      authorizer: { lambda: as },
    },
  } as unknown as HttpEvent;
  const response = await handler(event, lambdaContext);
  return { status: response.statusCode, json: response.body ? JSON.parse(response.body) : null };
}

const EVENT: LoggedEvent = {
  id: '01JQ0000000000000000000001',
  time: '2025-03-01T10:00:00.000Z',
  type: 'task.queued',
  source: 'agent-core.scheduler',
  correlationId: 'corr-1',
  agentId: 'alice',
  version: 1,
  data: { taskId: 't1', agentId: 'alice', priority: 'normal', reason: 'submitted' },
};

describe('GET /v1/events', () => {
  it('hands the admin’s filters and page to the log and shows items with their detail', async () => {
    // Prepare
    eventLog.items = [EVENT];

    // Act
    const response = await get('GET /v1/events', ADMIN, {
      type: 'task.*',
      since: '2025-03-01T11:00:00+01:00',
      agentId: 'bob',
      limit: '10',
      cursor: 'c1',
    });

    // Assess
    expect(response.status).toBe(200);
    expect(eventLog.queries).toEqual([
      {
        limit: 10,
        cursor: 'c1',
        type: { prefix: 'task.' },
        since: '2025-03-01T11:00:00+01:00',
        after: undefined,
        agentId: 'bob',
      },
    ]);
    expect(response.json).toEqual({
      items: [
        {
          id: EVENT.id,
          time: EVENT.time,
          type: 'task.queued',
          source: 'agent-core.scheduler',
          correlationId: 'corr-1',
          detail: {
            version: 1,
            id: EVENT.id,
            time: EVENT.time,
            correlationId: 'corr-1',
            data: EVENT.data,
          },
        },
      ],
      nextCursor: 'next',
    });
  });

  it('passes an exact type and `after` on', async () => {
    // Act
    const response = await get('GET /v1/events', ADMIN, {
      type: 'task.failed',
      after: EVENT.id,
    });

    // Assess
    expect(response.status).toBe(200);
    expect(eventLog.queries[0]).toMatchObject({ type: { exact: 'task.failed' }, after: EVENT.id });
  });

  it('shows an agent key only its own agent’s events', async () => {
    // Act
    const plain = await get('GET /v1/events', ALICE);
    const named = await get('GET /v1/events', ALICE, { agentId: 'alice', type: 'task.*' });

    // Assess
    expect([plain.status, named.status]).toEqual([200, 200]);
    expect(eventLog.queries.map((q) => q.agentId)).toEqual(['alice', 'alice']);
    expect(events.ofType('security.denied')).toEqual([]);
  });

  it('refuses an agent key another agent’s events with 403 and a security.denied event', async () => {
    // Act
    const response = await get('GET /v1/events', ALICE, { agentId: 'bob' });

    // Assess
    expect(response.status).toBe(403);
    expect(response.json.error.code).toBe('Forbidden');
    expect(eventLog.queries).toEqual([]);
    expect(events.ofType('security.denied').map((e) => e.detail.data)).toEqual([
      {
        principal: 'agent:alice',
        action: 'GET /v1/events',
        resource: 'agent:bob',
        reason: "this key does not act as agent 'bob'",
      },
    ]);
  });

  it('answers 401 without a key', async () => {
    // Act
    const response = await get('GET /v1/events', ANONYMOUS);

    // Assess
    expect(response.status).toBe(401);
    expect(eventLog.queries).toEqual([]);
  });

  it.each([
    ['type', { type: 'task*' }],
    ['type', { type: 'Task.*' }],
    ['since', { since: 'an hour ago' }],
    ['since', { since: '2025-03-01T10:00:00Z', after: EVENT.id }],
    ['after', { after: 'not-an-id' }],
    ['agentId', { agentId: 'Not An Agent' }],
    ['limit', { limit: '0' }],
    ['limit', { limit: '101' }],
    ['cursor', { cursor: '' }],
  ])('answers 400 naming %s for %j', async (path, query) => {
    // Act
    const response = await get('GET /v1/events', ADMIN, query);

    // Assess
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('ValidationError');
    expect(response.json.error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(eventLog.queries).toEqual([]);
  });
});

describe('GET /v1/metrics', () => {
  it('answers the window’s figures and the queue, reading the minutes of the window', async () => {
    // Prepare: a bucket of the current minute.
    const minute = new Date().toISOString().slice(0, 16);
    const latencyOf = (ms: number) => {
      const sketch = emptySketch();
      addToSketch(sketch, ms);
      return sketch;
    };
    metrics.buckets = [
      { minute, key: 'all', counters: { submitted: 3, succeeded: 1 }, latency: latencyOf(25) },
      {
        minute,
        key: 'agent#alice',
        counters: { submitted: 3, succeeded: 1 },
        latency: latencyOf(25),
      },
      {
        minute,
        key: 'model#echo',
        counters: { calls: 1, errors: 0, inputTokens: 2, outputTokens: 2, costUsd: 0 },
        latency: latencyOf(5),
      },
    ];
    const [p25, p5] = [25, 5].map((ms) => sketchQuantile(latencyOf(ms), 0.5));
    queue.inFlight = 2;

    // Act
    const response = await get('GET /v1/metrics', ADMIN);

    // Assess
    expect(response.status).toBe(200);
    expect(metrics.reads).toHaveLength(1);
    expect(metrics.reads[0]).toHaveLength(6);
    expect(metrics.reads[0]).toContain(minute);
    expect(response.json).toMatchObject({
      windowSeconds: 300,
      tasks: {
        submitted: 3,
        succeeded: 1,
        failed: 0,
        perMinute: expect.any(Number),
        latencyMs: { p50: p25, p95: p25, p99: p25 },
      },
      byAgent: { alice: { submitted: 3, succeeded: 1, latencyMs: { p50: p25 } } },
      byModel: {
        echo: { calls: 1, errors: 0, inputTokens: 2, outputTokens: 2, latencyMs: { p50: p5 } },
      },
      queue: {
        depth: { critical: 0, normal: 0, low: 0 },
        inFlight: 2,
        deadLettered: 1,
        inDeadLetterQueues: 0,
      },
    });
    expect(Date.parse(response.json.to) - Date.parse(response.json.from)).toBeGreaterThanOrEqual(
      300_000,
    );
  });

  it.each([
    ['60', 2],
    ['86400', 1441],
  ])('takes windowSeconds=%s (%i minutes read)', async (windowSeconds, minutes) => {
    // Act
    const response = await get('GET /v1/metrics', ADMIN, { windowSeconds });

    // Assess
    expect(response.status).toBe(200);
    expect(response.json.windowSeconds).toBe(Number(windowSeconds));
    expect(metrics.reads[0]).toHaveLength(minutes);
  });

  it.each(['59', '86401', 'abc', '300.5', ''])(
    'answers 400 for windowSeconds=%j',
    async (windowSeconds) => {
      // Act
      const response = await get('GET /v1/metrics', ADMIN, { windowSeconds });

      // Assess
      expect(response.status).toBe(400);
      expect(response.json.error.details[0].path).toBe('windowSeconds');
      expect(metrics.reads).toEqual([]);
    },
  );

  it('refuses an agent key with 403 and a security.denied event', async () => {
    // Act
    const response = await get('GET /v1/metrics', ALICE);

    // Assess
    expect(response.status).toBe(403);
    expect(metrics.reads).toEqual([]);
    expect(events.ofType('security.denied').map((e) => e.detail.data.resource)).toEqual([
      'metrics',
    ]);
  });
});

describe('GET /v1/audit', () => {
  it('hands the admin’s filters to the audit store', async () => {
    // Act
    const response = await get('GET /v1/audit', ADMIN, { actor: 'agent:alice', limit: '5' });

    // Assess
    expect(response.status).toBe(200);
    expect(audit.queries).toEqual([
      { limit: 5, cursor: undefined, actor: 'agent:alice', action: undefined, since: undefined },
    ]);
  });

  it('refuses an agent key with 403 and a security.denied event', async () => {
    // Act
    const response = await get('GET /v1/audit', ALICE);

    // Assess
    expect(response.status).toBe(403);
    expect(audit.queries).toEqual([]);
    expect(events.ofType('security.denied').map((e) => e.detail.data.resource)).toEqual(['audit']);
  });
});
