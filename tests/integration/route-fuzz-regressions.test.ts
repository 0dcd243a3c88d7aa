/**
 * The route fuzz's findings (tests/integration/route-fuzz.test.ts), each shrunk to its minimal
 * request and kept as a plain test on the same in-process API: the real handlers behind the
 * local HTTP gateway, on dynalite and fauxqs.
 */
await vi.hoisted(async () => (await import('../helpers/quiet-logs.js')).quietLogs());

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { allRoutes } from '../../functions/kernel/openapi-contract.js';
import { observabilityRoutes } from '../../functions/observability/observability-contract.js';
import { openApiDocument } from '../../shared/runtime/openapi.js';
import { useLocalAws } from '../helpers/aws-local.js';
import { type InProcessApi, startInProcessApi } from '../helpers/in-process-api.js';
import { type OpenApiDocument, ResponseValidator } from '../helpers/openapi.js';
import { answerProblems, sendRaw } from '../helpers/route-fuzz.js';
import type { FuzzRequest } from '../helpers/route-requests.js';

const aws = useLocalAws();
const ADMIN_KEY = 'ac_fuzz_regressions_0123456789';

let api: InProcessApi;

beforeAll(async () => {
  api = await startInProcessApi(aws(), { adminKey: ADMIN_KEY });
});

afterAll(async () => {
  await api?.stop();
});

const request = (method: string, path: string, body?: string): FuzzRequest => ({
  method,
  path,
  query: '',
  headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
  ...(body !== undefined ? { body: Buffer.from(body) } : {}),
  kind: 'regression',
});

/** Sends one request, recording what it wrote; answers the status, body and writes. */
async function send(method: string, path: string, body?: string) {
  const sent = request(method, path, body);
  api.writes.begin();
  const answer = await sendRaw(api.url, sent);
  const writes = await api.writes.changes();
  return {
    ...answer,
    json: JSON.parse(answer.text),
    writes,
    problems: answerProblems(sent, answer),
  };
}

describe('budget limits DynamoDB cannot store', () => {
  it('refuses a limit below a nano-dollar with 400 naming it, and writes nothing', async () => {
    // Prepare: 5e-324 (the smallest double) was a DynamoDB "Number underflow": a 500.
    const body = '{"id":"tiny","scope":"all","usdPerDay":5e-324}';

    // Act
    const created = await send('POST', '/v1/budgets', body);

    // Assess
    expect(created.status).toBe(400);
    expect(created.problems).toEqual([]);
    expect(created.json.error.details.map((d: { path: string }) => d.path)).toEqual(['usdPerDay']);
    expect(created.writes).toEqual([]);
  });

  it('refuses the same limit in a change, and keeps the budget as it was', async () => {
    // Prepare
    const ok = await send('POST', '/v1/budgets', '{"id":"small","scope":"all","usdPerDay":1}');
    expect(ok.status).toBe(201);

    // Act
    const patched = await send('PATCH', '/v1/budgets/small', '{"usdPerMonth":1e-320}');

    // Assess
    expect(patched.status).toBe(400);
    expect(patched.json.error.details.map((d: { path: string }) => d.path)).toEqual([
      'usdPerMonth',
    ]);
    expect(patched.writes).toEqual([]);
    expect((await send('GET', '/v1/budgets/small')).json).toMatchObject({ usdPerMonth: null });
  });

  it('still takes a nano-dollar and zero', async () => {
    const nano = await send('POST', '/v1/budgets', '{"id":"nano","scope":"all","usdPerDay":1e-9}');
    const zero = await send('POST', '/v1/budgets', '{"id":"zero","scope":"all","usdPerMonth":0}');
    expect([nano.status, zero.status]).toEqual([201, 201]);
  });
});

describe('the metrics of a quiet window', () => {
  it('answers null percentiles, as the OpenAPI document says they may be', async () => {
    // Prepare: no task has finished, so there is no latency to take a percentile of.
    const validator = new ResponseValidator(
      openApiDocument(allRoutes, { version: 'test' }) as unknown as OpenApiDocument,
    );

    // Act
    const metrics = await send('GET', '/v1/metrics');

    // Assess
    expect(metrics.status).toBe(200);
    expect(metrics.json.tasks.latencyMs).toEqual({ p50: null, p95: null, p99: null });
    expect(validator.problems(observabilityRoutes.metrics.operationId, 200, metrics.json)).toEqual(
      [],
    );
  });

  it("answers a day's window (windowSeconds=86400) within the function's 10 s, not a 500", async () => {
    // Act: one query per minute of the day (1,441) took longer than the function may run.
    const day = await send('GET', '/v1/metrics?windowSeconds=86400');

    // Assess
    expect(day.status).toBe(200);
    expect(day.json.windowSeconds).toBe(86_400);
  });
});

describe('path ids with bad % escapes', () => {
  it('answers 400 naming each bad parameter, never a 500 from decodeURIComponent', async () => {
    // Act: the shrunk counterexample, with no key at all.
    const answer = await sendRaw(api.url, {
      method: 'POST',
      path: '/v1/agents/%zz/inbox/%zz/ack',
      query: '',
      headers: {},
      kind: 'regression',
    });

    // Assess
    expect(answer.status).toBe(400);
    const details = JSON.parse(answer.text).error.details.map((d: { path: string }) => d.path);
    expect(details).toEqual(['id', 'messageId']);
    expect(api.errors).toEqual([]);
  });
});

describe('the event log after an id from the future', () => {
  it('answers an empty page at once for an id past the year 9999, not a timeout (500)', async () => {
    // Prepare: a ULID's 48-bit time reaches the year 10889; ISO writes such a year as +010889.
    const farFuture = '7ZZZZZZZZZZZZZZZZZZZZZZZZZ';

    // Act
    const answer = await sendRaw(api.url, {
      ...request('GET', '/v1/events'),
      query: `after=${farFuture}`,
    });

    // Assess
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ items: [], nextCursor: null });
  });
});
