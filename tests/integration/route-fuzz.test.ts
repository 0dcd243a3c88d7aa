/**
 * Every route of the topology, fuzzed in-process: requests generated from each route's own
 * contract (valid ones, and ones with something wrong in the path, query, headers or body) go
 * through the local HTTP gateway to the real handlers on dynalite and fauxqs. Properties: never
 * a 5xx; errors in API.md's shape with its code, never a stack trace or an internal name;
 * successes as the OpenAPI document says; on a 4xx nothing written (no DynamoDB item changed, no
 * message sent, no event but `security.denied`, no workflow or schedule started or changed); and
 * `/health` still answers after each route.
 *
 * `FUZZ_RUNS=<n>` sets the runs per route (default 12); `FUZZ_SEED=<seed>` replays a run.
 */
await vi.hoisted(async () => (await import('../helpers/quiet-logs.js')).quietLogs());

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { allRoutes } from '../../functions/kernel/openapi-contract.js';
import { routeKeyOf } from '../../shared/runtime/http-contract.js';
import { openApiDocument } from '../../shared/runtime/openapi.js';
import { useLocalAws } from '../helpers/aws-local.js';
import { type InProcessApi, startInProcessApi } from '../helpers/in-process-api.js';
import { type OpenApiDocument, ResponseValidator } from '../helpers/openapi.js';
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
  topologyRouteKeys,
} from '../helpers/route-fuzz.js';
import { requestsFor } from '../helpers/route-requests.js';

const aws = useLocalAws();
const ADMIN_KEY = 'ac_fuzz_admin_key_0123456789';
const runs = fuzzRuns(12);
const seed = fuzzSeed();
const tally = new StatusTally();
const validator = new ResponseValidator(
  openApiDocument(allRoutes, { version: 'fuzz' }) as unknown as OpenApiDocument,
);

let api: InProcessApi;
let fixtures: Fixtures;

beforeAll(async () => {
  api = await startInProcessApi(aws(), { adminKey: ADMIN_KEY });
  fixtures = await createFixtures(async (method, path, body) => {
    const answer = await sendRaw(api.url, {
      method,
      path,
      query: '',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: Buffer.from(JSON.stringify(body)) } : {}),
      kind: 'fixture',
    });
    return { status: answer.status, body: JSON.parse(answer.text || 'null') };
  }, ADMIN_KEY);
});

afterAll(async () => {
  await api?.stop();
  process.stdout.write(
    `route fuzz (in-process), seed ${seed}, ${runs} runs a route:\n${tally.summary()}\n`,
  );
});

const contracts = fuzzOrder(allRoutes);

describe('the route fuzz', () => {
  it('covers every route the topology wires', () => {
    expect(contracts.map(routeKeyOf).sort()).toEqual(topologyRouteKeys().sort());
  });

  for (const contract of contracts) {
    const routeKey = routeKeyOf(contract);
    it(
      routeKey,
      async () => {
        const property = fc.asyncProperty(requestsFor(contract, fixtures), async (request) => {
          api.writes.begin();
          const answer = await sendRaw(api.url, request);
          const changes = await api.writes.changes();
          tally.add(routeKey, answer.status);
          const problems = answerProblems(request, answer);
          if (answer.status >= 400 && changes.length > 0) {
            problems.push(`wrote on a ${answer.status}: ${changes.join(', ')}`);
          }
          if (answer.status < 300) {
            const body = answer.text ? JSON.parse(answer.text) : undefined;
            problems.push(...validator.problems(contract.operationId, answer.status, body));
          }
          if (problems.length > 0) {
            throw new Error(
              `${request.kind}: ${answer.status} ${answer.text.slice(0, 400)}\n${problems.join('\n')}`,
            );
          }
        });
        await fc.assert(property, fuzzParameters(runs, seed, routeKey));
        const health = await sendRaw(api.url, {
          method: 'GET',
          path: '/health',
          query: '',
          headers: {},
          kind: 'health',
        });
        expect(health.status).toBe(200);
        expect(api.errors).toEqual([]);
      },
      routeTimeoutMs(runs),
    );
  }

  it('made requests that succeed, not only refusals', () => {
    // Valid requests name the fixtures: most routes answer some of them with a 2xx.
    expect(tally.succeeded().length).toBeGreaterThan(contracts.length / 2);
  });
});
