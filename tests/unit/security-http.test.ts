/**
 * Scoping at the HTTP edge: keysApi, observabilityApi, agentsApi and tasksApi wrapped in a real middy
 * handler with httpErrorHandler, fed API Gateway v2 events labelled by the authorizer. An
 * `agent:<id>` key works with its own agent and tasks only; every refusal is a 403 `Forbidden`,
 * one `security.denied` event, and nothing written.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { agentsApi } from '../../functions/kernel/agents-api.js';
import { observabilityApi } from '../../functions/observability/observability-api.js';
import { tasksApi } from '../../functions/scheduler/tasks-api.js';
import { keysApi } from '../../functions/security/keys-api.js';
import { NotFoundError } from '../../shared/core/errors.js';
import type { EventLog, MetricStore } from '../../shared/core/observability/ports.js';
import type {
  ApiKeyRecord,
  ApiKeyStore,
  AuditEntry,
  AuditQuery,
  AuditStore,
  Page,
  PageRequest,
  TraceEntry,
  TraceOwner,
  TraceStore,
} from '../../shared/core/ports.js';
import type { AuthorizerContext } from '../../shared/core/security/principal.js';
import {
  type HttpEvent,
  type HttpResponse,
  httpErrorHandler,
} from '../../shared/runtime/http-api.js';
import {
  buildAgent,
  buildTask,
  InMemoryAgentStore,
  InMemoryIdempotencyStore,
  InMemoryTaskQueue,
  InMemoryTaskStore,
  RecordingEventPublisher,
} from '../helpers/in-memory.js';

// ---------------------------------------------------------------------------------------------
// Fakes of the ports the in-memory helpers do not have
// ---------------------------------------------------------------------------------------------

class FakeApiKeyStore implements ApiKeyStore {
  readonly byHash = new Map<string, ApiKeyRecord>();

  async create(record: ApiKeyRecord, secretHash: string): Promise<void> {
    this.byHash.set(secretHash, structuredClone(record));
  }

  async findByHash(secretHash: string): Promise<ApiKeyRecord | undefined> {
    const record = this.byHash.get(secretHash);
    return record ? structuredClone(record) : undefined;
  }

  async list(request: PageRequest): Promise<Page<ApiKeyRecord>> {
    const items = [...this.byHash.values()].sort((a, b) => (a.keyId < b.keyId ? 1 : -1));
    return {
      items: items.slice(0, request.limit).map((r) => structuredClone(r)),
      nextCursor: null,
    };
  }

  async revoke(keyId: string, at: string): Promise<ApiKeyRecord> {
    const record = [...this.byHash.values()].find((r) => r.keyId === keyId);
    if (!record) throw new NotFoundError(`API key '${keyId}' not found`);
    record.revokedAt ??= at;
    return structuredClone(record);
  }
}

class FakeAuditStore implements AuditStore {
  readonly queries: AuditQuery[] = [];
  entries: AuditEntry[] = [];

  async record(entries: AuditEntry[]): Promise<void> {
    this.entries.push(...entries);
  }

  async list(query: AuditQuery): Promise<Page<AuditEntry>> {
    this.queries.push({ ...query });
    return { items: this.entries.slice(0, query.limit), nextCursor: null };
  }
}

class FakeTraceStore implements TraceStore {
  readonly entries = new Map<string, TraceEntry[]>();

  async record(taskId: string, entries: TraceEntry[]): Promise<void> {
    this.entries.set(taskId, [...(this.entries.get(taskId) ?? []), ...entries]);
  }

  async recordMany(items: { owner: TraceOwner; entry: TraceEntry }[]): Promise<void> {
    for (const { owner, entry } of items) await this.record(owner.id, [entry]);
  }

  async list(taskId: string, request: PageRequest): Promise<Page<TraceEntry>> {
    return { items: (this.entries.get(taskId) ?? []).slice(0, request.limit), nextCursor: null };
  }
}

// ---------------------------------------------------------------------------------------------
// The world each test starts from
// ---------------------------------------------------------------------------------------------

const ulid = (prefix: string) => prefix.padEnd(26, '0');
const ALICE_TASK = ulid('01JA1');
const BOB_TASK = ulid('01JB1');
const BOB_DEAD = ulid('01JB2');
const BOB_KEY_ID = ulid('01JK1');
const UNKNOWN_TASK = ulid('01JZ9');

let agents: InMemoryAgentStore;
let tasks: InMemoryTaskStore;
let queue: InMemoryTaskQueue;
let events: RecordingEventPublisher;
let traces: FakeTraceStore;
let idempotency: InMemoryIdempotencyStore;
let keys: FakeApiKeyStore;
let audit: FakeAuditStore;

beforeEach(async () => {
  agents = new InMemoryAgentStore().seed(
    buildAgent({ id: 'alice' }),
    buildAgent({ id: 'bob' }),
    buildAgent({ id: 'paused-one' }, 'paused'),
  );
  tasks = new InMemoryTaskStore().seed(
    buildTask({ id: ALICE_TASK, agentId: 'alice' }),
    buildTask({ id: BOB_TASK, agentId: 'bob' }),
    buildTask({ id: BOB_DEAD, agentId: 'bob', status: 'failed', deadLettered: true }),
  );
  queue = new InMemoryTaskQueue();
  events = new RecordingEventPublisher();
  traces = new FakeTraceStore();
  for (const taskId of [ALICE_TASK, BOB_TASK]) {
    await traces.record(taskId, [
      {
        eventId: `ev-${taskId}`,
        type: 'task.queued',
        time: '2025-01-01T00:00:00.000Z',
        source: 'agent-core.scheduler',
        data: { taskId },
      },
    ]);
  }
  idempotency = new InMemoryIdempotencyStore();
  keys = new FakeApiKeyStore();
  await keys.create(
    {
      keyId: BOB_KEY_ID,
      scope: 'agent:bob',
      hint: 'abcd',
      createdAt: '2025-01-01T00:00:00.000Z',
      createdBy: 'admin',
      revokedAt: null,
    },
    'b'.repeat(64),
  );
  audit = new FakeAuditStore();
});

/** Everything a request could write, to compare before and after a refusal. */
const written = () =>
  structuredClone({
    agents: [...agents.agents.entries()],
    tasks: [...tasks.tasks.entries()],
    parked: [...tasks.parked.entries()],
    sent: queue.sent,
    traces: [...traces.entries.entries()],
    idempotency: [...idempotency.records.entries()],
    keys: [...keys.byHash.entries()],
    audit: { entries: audit.entries, queries: audit.queries },
  });

// ---------------------------------------------------------------------------------------------
// Handlers and events
// ---------------------------------------------------------------------------------------------

const ADMIN: AuthorizerContext = { principal: 'admin', keyId: 'admin' };
const ALICE: AuthorizerContext = { principal: 'agent:alice', keyId: 'k1' };
const ANONYMOUS: AuthorizerContext = { principal: '', reason: 'missing API key' };

type ApiName = 'agents' | 'tasks' | 'keys' | 'audit';

const logger = new Logger({ serviceName: 'security-http-test', logLevel: 'SILENT' });

/** A real middy handler with the one error handler, as each function module builds it. */
const wrap = (plain: (event: HttpEvent) => Promise<HttpResponse>) =>
  middy<HttpEvent, HttpResponse, Error, Context>(plain).use(httpErrorHandler({ logger }));

const handlers = {
  agents: wrap(agentsApi(() => ({ agents, events }))),
  tasks: wrap(tasksApi(() => ({ agents, tasks, queue, events, traces, idempotency }))),
  keys: wrap(keysApi(() => ({ keys, agents, events }))),
  audit: wrap(
    observabilityApi(() => ({
      audit,
      events,
      tasks,
      queue,
      eventLog: noEventLog,
      metrics: noMetrics,
    })),
  ),
} satisfies Record<ApiName, unknown>;

const lambdaContext: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'security-http-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:security-http-test',
  memoryLimitInMB: '128',
  awsRequestId: 'aws-req-1',
  logGroupName: '/aws/lambda/security-http-test',
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 10_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
};

interface Call {
  as: AuthorizerContext;
  routeKey: string;
  path?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
}

function httpEvent(call: Call): HttpEvent {
  const [method = 'GET', template = '/'] = call.routeKey.split(' ');
  const rawPath = template.replace(/\{(\w+)\}/g, (_, name: string) => call.path?.[name] ?? '');
  return {
    version: '2.0',
    routeKey: call.routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(call.query ?? {}).toString(),
    headers: call.headers ?? {},
    ...(call.query ? { queryStringParameters: call.query } : {}),
    ...(call.path ? { pathParameters: call.path } : {}),
    ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'vitest',
      },
      requestId: 'req-sec-1',
      routeKey: call.routeKey,
      stage: '$default',
      time: '01/Jan/2025:00:00:00 +0000',
      timeEpoch: 1_735_689_600_000,
      authorizer: { lambda: call.as },
    } as HttpEvent['requestContext'],
  };
}

async function send(api: ApiName, call: Call) {
  const response = await handlers[api](httpEvent(call), lambdaContext);
  const text = response.body ?? '';
  return { ...response, json: text ? JSON.parse(text) : undefined };
}

const deniedEvents = () => events.ofType('security.denied');

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

interface Row extends Omit<Call, 'as'> {
  api: ApiName;
  status: number;
}

interface RefusedRow extends Omit<Row, 'status'> {
  /** What the security.denied event names as the resource. */
  resource: string;
}

const refusedToAlice: [string, RefusedRow][] = [
  // agentsApi
  [
    'read another agent',
    { api: 'agents', routeKey: 'GET /v1/agents/{id}', path: { id: 'bob' }, resource: 'agent:bob' },
  ],
  [
    'read an unknown agent',
    {
      api: 'agents',
      routeKey: 'GET /v1/agents/{id}',
      path: { id: 'nobody' },
      resource: 'agent:nobody',
    },
  ],
  ['list agents', { api: 'agents', routeKey: 'GET /v1/agents', resource: 'agents' }],
  [
    'register an agent',
    {
      api: 'agents',
      routeKey: 'POST /v1/agents',
      body: { id: 'carol', model: { provider: 'echo' } },
      resource: 'agents',
    },
  ],
  [
    'patch its own agent',
    {
      api: 'agents',
      routeKey: 'PATCH /v1/agents/{id}',
      path: { id: 'alice' },
      body: { name: 'Mallory' },
      resource: 'agent:alice',
    },
  ],
  [
    'patch another agent',
    {
      api: 'agents',
      routeKey: 'PATCH /v1/agents/{id}',
      path: { id: 'bob' },
      body: { name: 'Mallory' },
      resource: 'agent:bob',
    },
  ],
  [
    'retire its own agent',
    {
      api: 'agents',
      routeKey: 'DELETE /v1/agents/{id}',
      path: { id: 'alice' },
      resource: 'agent:alice',
    },
  ],
  [
    'pause its own agent',
    {
      api: 'agents',
      routeKey: 'POST /v1/agents/{id}/pause',
      path: { id: 'alice' },
      resource: 'agent:alice',
    },
  ],
  [
    'resume a paused agent',
    {
      api: 'agents',
      routeKey: 'POST /v1/agents/{id}/resume',
      path: { id: 'paused-one' },
      resource: 'agent:paused-one',
    },
  ],
  // tasksApi
  [
    'submit a task for another agent',
    {
      api: 'tasks',
      routeKey: 'POST /v1/tasks',
      body: { agentId: 'bob', input: 'x' },
      resource: 'agent:bob',
    },
  ],
  [
    'submit a task for another agent with an Idempotency-Key',
    {
      api: 'tasks',
      routeKey: 'POST /v1/tasks',
      body: { agentId: 'bob', input: 'x' },
      headers: { 'idempotency-key': 'once-1' },
      resource: 'agent:bob',
    },
  ],
  [
    'list the tasks of another agent',
    { api: 'tasks', routeKey: 'GET /v1/tasks', query: { agentId: 'bob' }, resource: 'agent:bob' },
  ],
  [
    'get a task of another agent',
    {
      api: 'tasks',
      routeKey: 'GET /v1/tasks/{id}',
      path: { id: BOB_TASK },
      resource: `task:${BOB_TASK}`,
    },
  ],
  [
    'cancel a task of another agent',
    {
      api: 'tasks',
      routeKey: 'POST /v1/tasks/{id}/cancel',
      path: { id: BOB_TASK },
      resource: `task:${BOB_TASK}`,
    },
  ],
  [
    'trace a task of another agent',
    {
      api: 'tasks',
      routeKey: 'GET /v1/tasks/{id}/trace',
      path: { id: BOB_TASK },
      resource: `task:${BOB_TASK}`,
    },
  ],
  ['read the queue', { api: 'tasks', routeKey: 'GET /v1/queue', resource: 'queue' }],
  ['list the DLQ', { api: 'tasks', routeKey: 'GET /v1/queue/dlq', resource: 'queue' }],
  [
    'redrive the DLQ',
    {
      api: 'tasks',
      routeKey: 'POST /v1/queue/dlq/redrive',
      body: { taskIds: [BOB_DEAD] },
      resource: 'queue',
    },
  ],
  [
    'redrive the whole DLQ',
    { api: 'tasks', routeKey: 'POST /v1/queue/dlq/redrive', resource: 'queue' },
  ],
  // keysApi
  [
    'mint a key for itself',
    { api: 'keys', routeKey: 'POST /v1/keys', body: { scope: 'agent:alice' }, resource: 'keys' },
  ],
  ['list keys', { api: 'keys', routeKey: 'GET /v1/keys', resource: 'keys' }],
  [
    'revoke a key',
    { api: 'keys', routeKey: 'DELETE /v1/keys/{id}', path: { id: BOB_KEY_ID }, resource: 'keys' },
  ],
  // observabilityApi
  ['read the audit log', { api: 'audit', routeKey: 'GET /v1/audit', resource: 'audit' }],
  [
    'read the audit log of itself',
    { api: 'audit', routeKey: 'GET /v1/audit', query: { actor: 'agent:alice' }, resource: 'audit' },
  ],
  [
    'read the audit log with a bad query',
    { api: 'audit', routeKey: 'GET /v1/audit', query: { since: 'yesterday' }, resource: 'audit' },
  ],
];

const allowed: [string, AuthorizerContext, Row][] = [
  [
    'alice reads her own agent',
    ALICE,
    { api: 'agents', routeKey: 'GET /v1/agents/{id}', path: { id: 'alice' }, status: 200 },
  ],
  [
    'alice submits a task for herself',
    ALICE,
    {
      api: 'tasks',
      routeKey: 'POST /v1/tasks',
      body: { agentId: 'alice', input: 'x' },
      status: 202,
    },
  ],
  ['alice lists her tasks', ALICE, { api: 'tasks', routeKey: 'GET /v1/tasks', status: 200 }],
  [
    'alice lists her tasks by name',
    ALICE,
    { api: 'tasks', routeKey: 'GET /v1/tasks', query: { agentId: 'alice' }, status: 200 },
  ],
  [
    'alice gets her task',
    ALICE,
    { api: 'tasks', routeKey: 'GET /v1/tasks/{id}', path: { id: ALICE_TASK }, status: 200 },
  ],
  [
    'alice cancels her task',
    ALICE,
    { api: 'tasks', routeKey: 'POST /v1/tasks/{id}/cancel', path: { id: ALICE_TASK }, status: 200 },
  ],
  [
    'alice traces her task',
    ALICE,
    { api: 'tasks', routeKey: 'GET /v1/tasks/{id}/trace', path: { id: ALICE_TASK }, status: 200 },
  ],
  ['alice checks health', ALICE, { api: 'agents', routeKey: 'GET /health', status: 200 }],
  [
    'admin reads any agent',
    ADMIN,
    { api: 'agents', routeKey: 'GET /v1/agents/{id}', path: { id: 'bob' }, status: 200 },
  ],
  ['admin lists agents', ADMIN, { api: 'agents', routeKey: 'GET /v1/agents', status: 200 }],
  [
    'admin registers an agent',
    ADMIN,
    {
      api: 'agents',
      routeKey: 'POST /v1/agents',
      body: { id: 'carol', model: { provider: 'echo' } },
      status: 201,
    },
  ],
  [
    'admin patches an agent',
    ADMIN,
    {
      api: 'agents',
      routeKey: 'PATCH /v1/agents/{id}',
      path: { id: 'bob' },
      body: { name: 'Robert' },
      status: 200,
    },
  ],
  [
    'admin retires an agent',
    ADMIN,
    { api: 'agents', routeKey: 'DELETE /v1/agents/{id}', path: { id: 'bob' }, status: 200 },
  ],
  [
    'admin pauses an agent',
    ADMIN,
    { api: 'agents', routeKey: 'POST /v1/agents/{id}/pause', path: { id: 'bob' }, status: 200 },
  ],
  [
    'admin resumes an agent',
    ADMIN,
    {
      api: 'agents',
      routeKey: 'POST /v1/agents/{id}/resume',
      path: { id: 'paused-one' },
      status: 200,
    },
  ],
  [
    'admin submits a task for any agent',
    ADMIN,
    { api: 'tasks', routeKey: 'POST /v1/tasks', body: { agentId: 'bob', input: 'x' }, status: 202 },
  ],
  [
    'admin submits a task without agentId',
    ADMIN,
    { api: 'tasks', routeKey: 'POST /v1/tasks', body: { input: 'x' }, status: 400 },
  ],
  [
    'admin lists the tasks of any agent',
    ADMIN,
    { api: 'tasks', routeKey: 'GET /v1/tasks', query: { agentId: 'bob' }, status: 200 },
  ],
  [
    'admin gets any task',
    ADMIN,
    { api: 'tasks', routeKey: 'GET /v1/tasks/{id}', path: { id: BOB_TASK }, status: 200 },
  ],
  [
    'admin cancels any task',
    ADMIN,
    { api: 'tasks', routeKey: 'POST /v1/tasks/{id}/cancel', path: { id: BOB_TASK }, status: 200 },
  ],
  [
    'admin traces any task',
    ADMIN,
    { api: 'tasks', routeKey: 'GET /v1/tasks/{id}/trace', path: { id: BOB_TASK }, status: 200 },
  ],
  ['admin reads the queue', ADMIN, { api: 'tasks', routeKey: 'GET /v1/queue', status: 200 }],
  ['admin lists the DLQ', ADMIN, { api: 'tasks', routeKey: 'GET /v1/queue/dlq', status: 200 }],
  [
    'admin redrives the DLQ',
    ADMIN,
    {
      api: 'tasks',
      routeKey: 'POST /v1/queue/dlq/redrive',
      body: { taskIds: [BOB_DEAD] },
      status: 200,
    },
  ],
  [
    'admin mints a key',
    ADMIN,
    { api: 'keys', routeKey: 'POST /v1/keys', body: { scope: 'agent:alice' }, status: 201 },
  ],
  ['admin lists keys', ADMIN, { api: 'keys', routeKey: 'GET /v1/keys', status: 200 }],
  [
    'admin revokes a key',
    ADMIN,
    { api: 'keys', routeKey: 'DELETE /v1/keys/{id}', path: { id: BOB_KEY_ID }, status: 200 },
  ],
  ['admin reads the audit log', ADMIN, { api: 'audit', routeKey: 'GET /v1/audit', status: 200 }],
];

describe('refusals to an agent-scoped key', () => {
  it.each(refusedToAlice)(
    'alice may not %s: 403, one security.denied, nothing written',
    async (_label, { api, resource, ...call }) => {
      // Prepare
      const before = written();

      // Act
      const response = await send(api, { as: ALICE, ...call });

      // Assess
      expect(response.statusCode).toBe(403);
      expect(response.json).toEqual({
        error: { code: 'Forbidden', message: expect.stringMatching(/^forbidden: /) },
        requestId: 'req-sec-1',
      });
      expect(events.events).toHaveLength(1);
      expect(events.events[0]).toMatchObject({
        type: 'security.denied',
        source: 'agent-core.security',
        detail: {
          correlationId: 'req-sec-1',
          data: {
            principal: 'agent:alice',
            action: call.routeKey,
            resource,
            reason: expect.any(String),
          },
        },
      });
      expect(written()).toEqual(before);
    },
  );
});

describe('what each key may do', () => {
  it.each(allowed)('%s: %i', async (_label, as, { api, status, ...call }) => {
    // Act
    const response = await send(api, { as, ...call });

    // Assess
    expect(response.statusCode).toBe(status);
    expect(deniedEvents()).toEqual([]);
  });
});

describe('without a key', () => {
  it.each([
    ['agents', 'GET /v1/agents/{id}', { id: 'alice' }],
    ['tasks', 'GET /v1/tasks', undefined],
    ['keys', 'GET /v1/keys', undefined],
    ['audit', 'GET /v1/audit', undefined],
  ] as const)('%s %s is a 401 and publishes no denial', async (api, routeKey, path) => {
    // Prepare
    const before = written();

    // Act
    const response = await send(api, { as: ANONYMOUS, routeKey, ...(path ? { path } : {}) });

    // Assess
    expect(response.statusCode).toBe(401);
    expect(response.json.error).toEqual({ code: 'Unauthorized', message: 'missing API key' });
    expect(events.calls).toBe(0);
    expect(written()).toEqual(before);
  });
});

// ---------------------------------------------------------------------------------------------
// Details the table does not show
// ---------------------------------------------------------------------------------------------

describe('tasksApi for an agent-scoped key', () => {
  it('lists only its own tasks when it names no agent', async () => {
    // Prepare
    await tasks.create(buildTask({ id: ulid('01JA2'), agentId: 'alice', status: 'succeeded' }));

    // Act
    const all = await send('tasks', { as: ALICE, routeKey: 'GET /v1/tasks' });
    const queued = await send('tasks', {
      as: ALICE,
      routeKey: 'GET /v1/tasks',
      query: { status: 'queued' },
    });

    // Assess
    expect(all.json.items.map((t: { id: string }) => t.id).sort()).toEqual(
      [ALICE_TASK, ulid('01JA2')].sort(),
    );
    expect(queued.json.items.map((t: { id: string }) => t.id)).toEqual([ALICE_TASK]);
  });

  it("lists every agent's tasks for the admin", async () => {
    // Act
    const response = await send('tasks', { as: ADMIN, routeKey: 'GET /v1/tasks' });

    // Assess
    expect(response.json.items.map((t: { id: string }) => t.id).sort()).toEqual(
      [ALICE_TASK, BOB_TASK, BOB_DEAD].sort(),
    );
  });

  it('submits a task for its own agent: stored, queued, announced, no denial', async () => {
    // Act
    const response = await send('tasks', {
      as: ALICE,
      routeKey: 'POST /v1/tasks',
      body: { agentId: 'alice', input: 'mine' },
    });

    // Assess
    expect(response.statusCode).toBe(202);
    expect(response.json).toMatchObject({ agentId: 'alice', status: 'queued', input: 'mine' });
    expect(queue.sentIds()).toEqual([response.json.id]);
    expect(events.types()).toEqual(['task.queued']);
  });

  it('cancels its own task', async () => {
    // Act
    const response = await send('tasks', {
      as: ALICE,
      routeKey: 'POST /v1/tasks/{id}/cancel',
      path: { id: ALICE_TASK },
    });

    // Assess
    expect(response.json).toMatchObject({ id: ALICE_TASK, status: 'cancelled' });
    expect(tasks.stored(ALICE_TASK).status).toBe('cancelled');
    expect(events.types()).toEqual(['task.cancelled']);
  });

  it("traces its own task and gets that task's entries", async () => {
    // Act
    const response = await send('tasks', {
      as: ALICE,
      routeKey: 'GET /v1/tasks/{id}/trace',
      path: { id: ALICE_TASK },
    });

    // Assess
    expect(response.json.items.map((e: TraceEntry) => e.eventId)).toEqual([`ev-${ALICE_TASK}`]);
  });

  it('answers 404, not a denial, for a task that does not exist', async () => {
    // Act
    const response = await send('tasks', {
      as: ALICE,
      routeKey: 'GET /v1/tasks/{id}',
      path: { id: UNKNOWN_TASK },
    });

    // Assess
    expect(response.statusCode).toBe(404);
    expect(events.calls).toBe(0);
  });

  it('releases an Idempotency-Key claimed by a refused submission, so it can be used again', async () => {
    // Prepare
    const refused = await send('tasks', {
      as: ALICE,
      routeKey: 'POST /v1/tasks',
      body: { agentId: 'bob', input: 'x' },
      headers: { 'idempotency-key': 'retry-me' },
    });

    // Act
    const retried = await send('tasks', {
      as: ALICE,
      routeKey: 'POST /v1/tasks',
      body: { agentId: 'alice', input: 'x' },
      headers: { 'idempotency-key': 'retry-me' },
    });

    // Assess
    expect(refused.statusCode).toBe(403);
    expect(idempotency.released).toEqual(['agent:alice#POST /v1/tasks#retry-me']);
    expect(retried.statusCode).toBe(202);
  });

  it.each([
    ['no agentId', { input: 'x' }],
    ['a numeric agentId', { agentId: 7, input: 'x' }],
  ])('refuses a submission with %s and writes nothing', async (_label, body) => {
    // Prepare
    const before = written();

    // Act
    const response = await send('tasks', { as: ALICE, routeKey: 'POST /v1/tasks', body });

    // Assess
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(written()).toEqual(before);
  });

  it("never replays the admin's answer to an agent key using the same Idempotency-Key", async () => {
    // Prepare: the admin submits for bob under a key; alice sends the very same request.
    const request = {
      routeKey: 'POST /v1/tasks',
      body: { agentId: 'bob', input: 'x' },
      headers: { 'idempotency-key': 'shared-key' },
    };
    const byAdmin = await send('tasks', { as: ADMIN, ...request });

    // Act
    const byAlice = await send('tasks', { as: ALICE, ...request });

    // Assess
    expect(byAdmin.statusCode).toBe(202);
    expect(byAlice.statusCode).toBe(403);
    expect(byAlice.headers?.['idempotent-replayed']).toBeUndefined();
    expect(byAlice.body).not.toContain(byAdmin.json.id);
  });

  it('answers a submission without agentId as a ValidationError on `agentId`, as for the admin', async () => {
    // Act
    const response = await send('tasks', {
      as: ALICE,
      routeKey: 'POST /v1/tasks',
      body: { input: 'x' },
    });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json.error.details.map((d: { path: string }) => d.path)).toContain('agentId');
    expect(events.calls).toBe(0);
  });

  it("carries the caller's correlation id on the denial", async () => {
    // Act
    await send('tasks', {
      as: ALICE,
      routeKey: 'GET /v1/queue',
      headers: { 'x-correlation-id': 'corr-from-client' },
    });

    // Assess
    expect(deniedEvents().map((e) => e.detail.correlationId)).toEqual(['corr-from-client']);
  });

  it('leaves a dead-lettered task alone when a redrive is refused', async () => {
    // Act
    await send('tasks', { as: ALICE, routeKey: 'POST /v1/queue/dlq/redrive' });

    // Assess
    expect(tasks.stored(BOB_DEAD)).toMatchObject({ status: 'failed', deadLettered: true });
    expect(queue.sent).toEqual([]);
  });
});

describe('agentsApi for an agent-scoped key', () => {
  it('answers its own agent as the registry has it', async () => {
    // Act
    const response = await send('agents', {
      as: ALICE,
      routeKey: 'GET /v1/agents/{id}',
      path: { id: 'alice' },
    });

    // Assess
    expect(response.json).toMatchObject({ id: 'alice', status: 'active' });
  });

  it('answers 404 for its own agent once it is gone from the registry', async () => {
    // Prepare
    agents.agents.delete('alice');

    // Act
    const response = await send('agents', {
      as: ALICE,
      routeKey: 'GET /v1/agents/{id}',
      path: { id: 'alice' },
    });

    // Assess
    expect(response.statusCode).toBe(404);
    expect(events.calls).toBe(0);
  });

  it('keeps its agent active when a pause is refused', async () => {
    // Act
    await send('agents', {
      as: ALICE,
      routeKey: 'POST /v1/agents/{id}/pause',
      path: { id: 'alice' },
    });

    // Assess
    expect((await agents.get('alice'))?.status).toBe('active');
    expect(events.types()).toEqual(['security.denied']);
  });
});

describe('keysApi for the admin', () => {
  it('mints a key shown once: the listing has the record but never the key', async () => {
    // Act
    const minted = await send('keys', {
      as: ADMIN,
      routeKey: 'POST /v1/keys',
      body: { scope: 'agent:alice' },
    });
    const listed = await send('keys', { as: ADMIN, routeKey: 'GET /v1/keys' });

    // Assess
    expect(minted.statusCode).toBe(201);
    expect(minted.json).toMatchObject({
      scope: 'agent:alice',
      createdBy: 'admin',
      revokedAt: null,
    });
    expect(minted.json.key).toMatch(/^ac_agent_/);
    expect(listed.json.items.map((k: ApiKeyRecord) => k.keyId)).toContain(minted.json.keyId);
    expect(listed.body).not.toContain(minted.json.key);
    expect(events.types()).toEqual(['security.key-created']);
  });

  it('revokes a key, naming the admin as who did it', async () => {
    // Act
    const response = await send('keys', {
      as: ADMIN,
      routeKey: 'DELETE /v1/keys/{id}',
      path: { id: BOB_KEY_ID },
    });

    // Assess
    expect(response.json).toMatchObject({ keyId: BOB_KEY_ID, revokedAt: expect.any(String) });
    expect(events.ofType('security.key-revoked').map((e) => e.detail.data)).toEqual([
      { keyId: BOB_KEY_ID, scope: 'agent:bob', by: 'admin' },
    ]);
  });

  it.each([
    ['a scope that is not agent:<id>', { scope: 'admin' }, 400, 'ValidationError', 'scope'],
    ['no body', undefined, 400, 'ValidationError', ''],
    ['an unknown agent', { scope: 'agent:nobody' }, 404, 'NotFound', 'scope'],
  ])('refuses to mint with %s', async (_label, body, status, code, path) => {
    // Act
    const response = await send('keys', { as: ADMIN, routeKey: 'POST /v1/keys', body });

    // Assess
    expect(response.statusCode).toBe(status);
    expect(response.json.error.code).toBe(code);
    expect(response.json.error.details[0].path).toBe(path);
    expect(keys.byHash.size).toBe(1);
    expect(events.calls).toBe(0);
  });

  it('answers 404 for revoking an unknown key', async () => {
    // Act
    const response = await send('keys', {
      as: ADMIN,
      routeKey: 'DELETE /v1/keys/{id}',
      path: { id: ulid('01JK9') },
    });

    // Assess
    expect(response.statusCode).toBe(404);
    expect(events.calls).toBe(0);
  });
});

describe('observabilityApi for the admin', () => {
  it('hands the store the page and filters asked for', async () => {
    // Act
    const response = await send('audit', {
      as: ADMIN,
      routeKey: 'GET /v1/audit',
      query: {
        limit: '10',
        cursor: 'c1',
        actor: 'agent:alice',
        action: 'GET /v1/queue',
        since: '2025-01-01T00:00:00+02:00',
      },
    });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(audit.queries).toEqual([
      {
        limit: 10,
        cursor: 'c1',
        actor: 'agent:alice',
        action: 'GET /v1/queue',
        since: '2025-01-01T00:00:00+02:00',
      },
    ]);
  });

  it('answers the entries as a page', async () => {
    // Prepare
    const entry: AuditEntry = {
      eventId: 'e1',
      time: '2025-01-01T00:00:00.000Z',
      actor: 'agent:alice',
      action: 'GET /v1/queue',
      target: 'queue',
      outcome: 'denied',
      detail: { reason: 'only the admin key may do this' },
    };
    audit.entries = [entry];

    // Act
    const response = await send('audit', { as: ADMIN, routeKey: 'GET /v1/audit' });

    // Assess
    expect(response.json).toEqual({ items: [entry], nextCursor: null });
    expect(audit.queries).toEqual([{ limit: 25, cursor: undefined }]);
  });

  it.each([
    ['a since that is not a timestamp', { since: 'yesterday' }, 'since'],
    ['a date without a time', { since: '2025-01-01' }, 'since'],
    ['an empty actor', { actor: '' }, 'actor'],
    ['an actor too long', { actor: 'a'.repeat(101) }, 'actor'],
    ['an action too long', { action: 'a'.repeat(101) }, 'action'],
    ['a limit of 0', { limit: '0' }, 'limit'],
    ['a limit over 100', { limit: '101' }, 'limit'],
  ])('refuses %s as a ValidationError on `%s`', async (_label, query, path) => {
    // Act
    const response = await send('audit', { as: ADMIN, routeKey: 'GET /v1/audit', query });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json.error.code).toBe('ValidationError');
    expect(response.json.error.details.map((d: { path: string }) => d.path)).toEqual([path]);
    expect(audit.queries).toEqual([]);
  });
});
/** The audit route never reaches the event log or the metrics. */
const unused = async (): Promise<never> => {
  throw new Error('not used by these tests');
};
const noEventLog: EventLog = { append: unused, remove: unused, list: unused };
const noMetrics: MetricStore = { add: unused, read: unused };
