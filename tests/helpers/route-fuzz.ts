/**
 * The route fuzz's shared half: sending a generated request as raw HTTP (paths and headers exactly
 * as generated), the properties every answer must have (API.md Conventions), the fixtures the
 * generated requests name, and the run settings (`FUZZ_RUNS`, `FUZZ_SEED`). Used in-process
 * (tests/integration/route-fuzz.test.ts) and against `npm start` (tests/e2e/route-fuzz.test.ts).
 */
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type fc from 'fast-check';
import { topology } from '../../infra/topology.js';
import { errorSchema } from '../../shared/runtime/openapi.js';
import type { FieldPools, FuzzRequest, IdPools, KeyChoice } from './route-requests.js';

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Sends the request as generated: no URL normalisation, no header or body rewriting. */
export function sendRaw(baseUrl: string, request: FuzzRequest): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: `${request.path}${request.query ? `?${request.query}` : ''}`,
        headers: {
          ...request.headers,
          ...(request.body !== undefined ? { 'content-length': request.body.length } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

/** What API.md says each error status's code is. */
const CODES: Record<number, string[]> = {
  400: ['ValidationError', 'BadJson'],
  401: ['Unauthorized'],
  403: ['Forbidden'],
  404: ['NotFound'],
  409: ['Conflict'],
  413: ['PayloadTooLarge'],
  429: ['TooManyRequests'],
};

/**
 * What an answer must never show: stack frames, source file names, installed modules, and the
 * AWS SDK's exception names. A match the request itself contains is the caller's own text echoed.
 */
const LEAKS = [
  /\bat [\w$.<>]+ \(/,
  /\bat (?:file:\/\/|\/)\S+:\d+/,
  /\.ts:\d*/,
  /\.js:\d+/,
  /node_modules/,
  /\b[A-Z][A-Za-z]+Exception\b/,
  /\bTypeError\b|\bRangeError\b|\bReferenceError\b|\bSyntaxError\b|\bURIError\b/,
  /Maximum call stack/,
  /\/work\/|\/home\/|\/tmp\//,
];

export function requestText(request: FuzzRequest): string {
  return [
    request.path,
    decodeSafely(request.path),
    request.query,
    decodeSafely(request.query),
    JSON.stringify(request.headers),
    request.body?.toString('utf8') ?? '',
  ].join('\n');
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The properties of one answer; empty when it has them all. */
export function answerProblems(request: FuzzRequest, answer: RawAnswer): string[] {
  const problems: string[] = [];
  if (answer.status >= 500 || answer.status < 200) problems.push(`status ${answer.status}`);
  // Node's HTTP server refuses a request head over 16 KiB itself (431, no body), before any
  // route; API Gateway has limits of its own. Neither is the API's answer.
  if (answer.status === 431) return problems;
  if (answer.status >= 400) {
    // Only errors: a success shows the caller's and the product's own text (a tool's description
    // may name node_modules), and the OpenAPI document checks its shape.
    const sent = requestText(request);
    for (const pattern of LEAKS) {
      const match = pattern.exec(answer.text);
      if (match && !sent.includes(match[0])) problems.push(`leaks ${JSON.stringify(match[0])}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      problems.push('error body is not JSON');
    }
    const shape = errorSchema.strict().safeParse(body);
    if (body !== undefined && !shape.success) {
      problems.push(`error body is not the error shape: ${shape.error.issues[0]?.message}`);
    }
    const code = shape.success ? shape.data.error.code : undefined;
    const expected = CODES[answer.status];
    if (code && expected && !expected.includes(code)) {
      problems.push(`code ${code} with status ${answer.status}`);
    }
    if (answer.status === 429 && !answer.headers['retry-after']) {
      problems.push('429 without Retry-After');
    }
  }
  return problems;
}

/** Runs per route and property: `FUZZ_RUNS` when set. */
export function fuzzRuns(fallback: number): number {
  const runs = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(runs) && runs > 0 ? runs : fallback;
}

/** A route's time limit: a minute, or more for many runs (a slow route takes ~300 ms a run). */
export const routeTimeoutMs = (runs: number): number => Math.max(60_000, runs * 1_500);

/**
 * The seed of this run: `FUZZ_SEED` to replay one, else a fresh one. fast-check's failure report
 * names it with the path of the shrunk counterexample (`FUZZ_SEED=<seed>` reruns it).
 */
export function fuzzSeed(): number {
  const seed = Number(process.env.FUZZ_SEED);
  return Number.isInteger(seed) ? seed : Math.floor(Math.random() * 2 ** 31);
}

/**
 * `fc.assert` parameters for one route: seeded by the run's seed and the route, so that routes do
 * not all make the same choices in the same order, and one seed still replays the whole run.
 */
export const fuzzParameters = (
  numRuns: number,
  seed: number,
  routeKey: string,
): fc.Parameters<[FuzzRequest]> => ({
  numRuns,
  seed: createHash('sha256').update(`${seed} ${routeKey}`).digest().readInt32LE(0),
  endOnFailure: false,
  interruptAfterTimeLimit: 5 * 60_000,
  markInterruptAsFailure: false,
  reporter: undefined,
});

/** Every HTTP route the topology wires, as `METHOD /path`. */
export const topologyRouteKeys = (): string[] =>
  topology.functions.flatMap((fn) =>
    fn.triggers.flatMap((t) =>
      t.kind === 'http' ? t.routes.map((r) => `${r.method} ${r.path}`) : [],
    ),
  );

export type Call = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: any }>;

export interface Fixtures {
  keys: Record<KeyChoice, string>;
  ids: IdPools;
  fields: FieldPools;
}

/**
 * What the generated requests refer to, made through the API with the admin key: two agents (an
 * agent key acts as the first), a task, a workflow, a memory, a grant, a budget, a schedule and a
 * second agent key (the one `DELETE /v1/keys/{id}` may revoke).
 */
export async function createFixtures(call: Call, adminKey: string): Promise<Fixtures> {
  const ok = async (method: string, path: string, body?: unknown) => {
    const answer = await call(method, path, body);
    if (answer.status >= 300) {
      throw new Error(`fixture ${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    return answer.body;
  };
  const [a, b] = ['fuzz-a', 'fuzz-b'];
  for (const id of [a, b]) {
    await ok('POST', '/v1/agents', { id, model: { provider: 'echo' }, tags: ['fuzz'] });
  }
  const agentKey = await ok('POST', '/v1/keys', { scope: `agent:${a}` });
  const spareKey = await ok('POST', '/v1/keys', { scope: `agent:${b}` });
  const task = await ok('POST', '/v1/tasks', { agentId: a, input: 'fixture' });
  const workflow = await ok('POST', '/v1/workflows', {
    strategy: 'sequential',
    input: 'fixture',
    steps: [{ id: 'one', agentId: a }],
  });
  const memory = await ok('POST', `/v1/agents/${a}/memories`, { text: 'a fixture memory' });
  const grant = await ok('POST', `/v1/agents/${a}/grants`, {
    namespace: 'default',
    grantee: b,
    access: 'read',
  });
  await ok('POST', '/v1/budgets', { id: 'fuzz-budget', scope: 'all', usdPerDay: 5 });
  await ok('POST', '/v1/schedules', {
    id: 'fuzz-schedule',
    expression: 'rate(1 day)',
    task: { agentId: a, input: 'fixture' },
  });
  return {
    keys: { admin: adminKey, agent: agentKey.key },
    ids: {
      agents: [a, b],
      tasks: [task.id],
      workflows: [workflow.id],
      memories: [memory.id],
      grants: [grant.id],
      keys: [spareKey.keyId],
      budgets: ['fuzz-budget'],
      schedules: ['fuzz-schedule'],
    },
    fields: {
      agentId: [a, b],
      from: [a, b],
      to: [a, b, 'tag:fuzz'],
      grantee: [b, 'tag:fuzz'],
      scope: [`agent:${b}`, 'all', 'tag:fuzz'],
      taskIds: [task.id],
    },
  };
}

/** Routes in the order they are fuzzed: those that delete last, so the fixtures live longest. */
export const fuzzOrder = <T extends { method: string }>(routes: T[]): T[] => [
  ...routes.filter((r) => r.method !== 'DELETE'),
  ...routes.filter((r) => r.method === 'DELETE'),
];

/** Answers by route and status, for the summary a run prints. */
export class StatusTally {
  private readonly byRoute = new Map<string, Map<number, number>>();

  add(routeKey: string, status: number): void {
    const counts = this.byRoute.get(routeKey) ?? new Map<number, number>();
    counts.set(status, (counts.get(status) ?? 0) + 1);
    this.byRoute.set(routeKey, counts);
  }

  /** Routes that answered at least one 2xx. */
  succeeded(): string[] {
    return [...this.byRoute]
      .filter(([, counts]) => [...counts.keys()].some((s) => s < 300))
      .map(([route]) => route);
  }

  summary(): string {
    return [...this.byRoute]
      .map(
        ([route, counts]) =>
          `${route}: ${[...counts]
            .sort(([a], [b]) => a - b)
            .map(([status, n]) => `${status}×${n}`)
            .join(' ')}`,
      )
      .join('\n');
  }
}
