/**
 * The route fuzz against `npm start` over HTTP, with fewer runs a route than in-process
 * (tests/integration/route-fuzz.test.ts): the same generated requests and the same properties
 * of every answer, `/health` after each route, and nothing written on a 4xx, seen from outside:
 * the collections no background work changes (agents, keys, budgets, schedules, the fixture
 * agents' memories and grants) are the same after a 4xx as before it, and at the end the event
 * log has no event of a refused request (by its correlation id) but `security.denied`.
 *
 * `FUZZ_RUNS=<n>` sets the in-process runs a route; this pass makes a third of them.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRoutes } from '../../functions/kernel/openapi-contract.js';
import { routeKeyOf } from '../../shared/runtime/http-contract.js';
import {
  answerProblems,
  createFixtures,
  type Fixtures,
  fuzzOrder,
  fuzzParameters,
  fuzzRuns,
  fuzzSeed,
  routeTimeoutMs,
  StatusTally,
  sendRaw,
} from '../helpers/route-fuzz.js';
import { requestsFor } from '../helpers/route-requests.js';
import {
  type ApiResponse,
  eventually,
  type RuntimeHandle,
  removeDataDir,
  startRuntime,
} from '../helpers/runtime.js';

const runs = Math.max(1, Math.round(fuzzRuns(12) / 3));
const seed = fuzzSeed();
const tally = new StatusTally();

let runtime: RuntimeHandle;
let fixtures: Fixtures;
/** Correlation ids of the requests answered with a 4xx. */
const refused = new Set<string>();
let sequence = 0;

beforeAll(async () => {
  runtime = await startRuntime();
  fixtures = await createFixtures(
    (method, path, body) => runtime.api(method, path, body),
    runtime.key,
  );
});

afterAll(async () => {
  if (!runtime) return;
  process.stdout.write(
    `route fuzz (npm start), seed ${seed}, ${runs} runs a route:\n${tally.summary()}\n`,
  );
  await runtime.stop();
  removeDataDir(runtime.dataDir);
});

/** Fields that background work changes (spending, firings, key use): left out of the fingerprint. */
const VOLATILE = /^(spent|reserved|unpriced|lastFiredAt|nextFireAt|lastRuns|runs|lastUsedAt)/;

/** Every page of a list, as the admin sees it, hashed. */
async function fingerprint(): Promise<string> {
  const hash = createHash('sha256');
  const agents = fixtures.ids.agents ?? [];
  const lists = [
    '/v1/agents',
    '/v1/keys',
    '/v1/budgets',
    '/v1/schedules',
    ...agents.flatMap((id) => [`/v1/agents/${id}/memories`, `/v1/agents/${id}/grants`]),
  ];
  for (const list of lists) {
    let cursor: string | null = null;
    do {
      const page: ApiResponse = await runtime.api(
        'GET',
        `${list}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      hash.update(`${list} ${page.status}`);
      for (const item of page.body?.items ?? []) {
        hash.update(JSON.stringify(item, (key, value) => (VOLATILE.test(key) ? undefined : value)));
      }
      cursor = page.body?.nextCursor ?? null;
    } while (cursor);
  }
  return hash.digest('hex');
}

const contracts = fuzzOrder(allRoutes);

describe('the route fuzz against npm start', () => {
  let before = '';

  for (const contract of contracts) {
    const routeKey = routeKeyOf(contract);
    it(
      routeKey,
      async () => {
        before = await fingerprint();
        const property = fc.asyncProperty(requestsFor(contract, fixtures), async (generated) => {
          // A correlation id of its own, to find its events later (in-process fuzzes this header).
          const correlationId = `fuzz-${seed}-${++sequence}`;
          const request = {
            ...generated,
            headers: { ...generated.headers, 'x-correlation-id': correlationId },
          };
          const answer = await sendRaw(runtime.url, request);
          tally.add(routeKey, answer.status);
          const problems = answerProblems(request, answer);
          const after = await fingerprint();
          if (answer.status >= 400) {
            refused.add(correlationId);
            if (after !== before) problems.push(`a collection changed on a ${answer.status}`);
          }
          before = after;
          if (problems.length > 0) {
            throw new Error(
              `${request.kind}: ${answer.status} ${answer.text.slice(0, 400)}\n${problems.join('\n')}\n${runtime.output().slice(-2000)}`,
            );
          }
        });
        await fc.assert(property, fuzzParameters(runs, seed, routeKey));
        expect((await runtime.api('GET', '/health')).status).toBe(200);
      },
      routeTimeoutMs(runs),
    );
  }

  it('recorded no event of a refused request but security.denied', async () => {
    // Prepare: an event made after every fuzzed request; once the log has it, it has theirs.
    const sentinel = `fuzz-sentinel-${seed}`;
    const registered = await runtime.api(
      'POST',
      '/v1/agents',
      { id: `sentinel-${seed % 100000}`, model: { provider: 'echo' } },
      { 'x-correlation-id': sentinel },
    );
    expect(registered.status).toBe(201);

    // Act
    const events = await eventually(
      async () => {
        const all = await allEvents();
        return all.some((e) => e.correlationId === sentinel) ? all : undefined;
      },
      { timeoutMs: 60_000, what: 'the sentinel event in the event log' },
    );

    // Assess
    const written = events.filter(
      (e) => refused.has(e.correlationId) && e.type !== 'security.denied',
    );
    expect(written.map((e) => `${e.type} (${e.correlationId})`)).toEqual([]);
    expect(refused.size).toBeGreaterThan(0);
  });
});

async function allEvents(): Promise<{ type: string; correlationId: string }[]> {
  const events: { type: string; correlationId: string }[] = [];
  let cursor: string | null = null;
  do {
    const page: ApiResponse = await runtime.api(
      'GET',
      `/v1/events?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    events.push(...(page.body?.items ?? []));
    cursor = page.body?.nextCursor ?? null;
  } while (cursor);
  return events;
}
