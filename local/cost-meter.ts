/**
 * Counts, while the local runtime runs, what AWS would bill for the same work, by the function
 * that caused it: `npm run cost` (bench/cost) prices these counts. Off unless the runtime is
 * started with AGENT_CORE_COST_METER=1; the handlers never know.
 *
 * Where each count comes from:
 * - AWS SDK calls: a middleware on every client built in shared/adapters/clients (installed
 *   through shared/adapters/clients/metering.ts), attributed to the function whose invocation
 *   made the call (AsyncLocalStorage around each invocation by the Lambda host).
 *   DynamoDB: every request asks for ReturnConsumedCapacity INDEXES; dynalite reports the table's
 *   units, and the emulator computes the indexes' from the old and new item and each index's
 *   projection (local/dynalite-capacity.ts), as it does for a failed conditional write (the
 *   existing item's size). SQS: one request per 64 KB of payload. EventBridge: one event per
 *   64 KB of entry. API Gateway Management: one WebSocket message per 32 KB posted.
 *   Secrets Manager: one API call each.
 * - What the runtime does as AWS itself would: Lambda invocations and their durations (GB-s at
 *   the topology's memory) from the Lambda host; the event source mappings' receives and deletes
 *   from the queue poller; EventBridge rule deliveries (one SendMessage per matched target) from
 *   the bus; Step Functions state transitions from the interpreter's event log; HTTP API requests
 *   and WebSocket messages and connection minutes from the gateways.
 * - CloudWatch Logs: the bytes each function writes (at the log level the runtime runs with),
 *   Lambda's own START/REPORT records, API Gateway access-log lines and Step Functions' execution
 *   log (level ALL with data), each with CloudWatch's 26 bytes of overhead per event.
 * - X-Ray: traces Lambda's sampling would record (the first invocation of each function in each
 *   second, then 5%) for functions with active tracing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClientMeter, MeterableClient } from '../shared/adapters/clients/metering.js';

/** Billing dimensions; bench/cost/prices.ts prices each. */
export type PricedDimension =
  | 'dynamodb.read'
  | 'dynamodb.write'
  | 'sqs.request'
  | 'eventbridge.event'
  | 'sfn.transition'
  | 'lambda.request'
  | 'lambda.gbSecond'
  | 'http.request'
  | 'ws.message'
  | 'ws.connectionMinute'
  | 'logs.byte'
  | 'xray.trace'
  | 'secrets.call';

/** Figures shown beside the priced ones, never priced themselves. */
export type InfoDimension =
  /** Write units of secondary indexes (included in dynamodb.write). */
  | 'dynamodb.indexWrite'
  /** Units dynalite did not report and the emulator or the meter computed. */
  | 'dynamodb.computed'
  | 'dynamodb.failedCondition'
  | 'lambda.ms';

export type Dimension = PricedDimension | InfoDimension;

export interface MeterRow {
  /** The function that caused it (`rule:<id>`, `esm:<fn>`, `states:<machine>` for AWS's own). */
  fn: string;
  service: string;
  operation: string;
  calls: number;
  units: Partial<Record<Dimension, number>>;
}

export interface MeterSnapshot {
  since: string;
  until: string;
  /** Operations seen so far, counted or not: it stops growing once the runtime is idle. */
  activity: number;
  rows: MeterRow[];
}

export interface TracingSpec {
  memoryMb: number;
  /** Active X-Ray tracing: Lambda samples invocations itself. */
  activeTracing: boolean;
}

const KB64 = 64 * 1024;
const KB32 = 32 * 1024;
/** CloudWatch Logs bills each event's message plus 26 bytes. */
const LOG_EVENT_OVERHEAD = 26;
/**
 * Lambda's platform records per invocation in the JSON log format: `platform.start` (~130 B) and
 * `platform.report` (~420 B with a tracing section), as AWS documents them.
 */
const PLATFORM_LOG_BYTES = 130 + 420 + 2 * LOG_EVENT_OVERHEAD;
/** Lambda's X-Ray sampling: a reservoir of one a second, then this share of the rest. */
const XRAY_FIXED_RATE = 0.05;

const DYNAMO_WRITES = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);
const DYNAMO_CAPACITY_OPERATIONS = new Set([
  ...DYNAMO_WRITES,
  'GetItem',
  'BatchGetItem',
  'Query',
  'Scan',
  'TransactGetItems',
]);

interface ConsumedCapacity {
  CapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
  LocalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

type Handler = (args: { input: Record<string, unknown> }) => Promise<{ output: unknown }>;
interface HandlerContext {
  commandName?: string;
}

const utf8 = (value: unknown): number =>
  typeof value === 'string'
    ? Buffer.byteLength(value)
    : value instanceof Uint8Array
      ? value.byteLength
      : value === undefined
        ? 0
        : Buffer.byteLength(JSON.stringify(value));

const chunks = (bytes: number, size: number): number => Math.max(1, Math.ceil(bytes / size));

export class CostMeter implements ClientMeter {
  private readonly context = new AsyncLocalStorage<string>();
  /** Work that is not the product's: the measuring tool's own polling requests. */
  private readonly excluded = new AsyncLocalStorage<true>();
  private rows = new Map<string, MeterRow>();
  /**
   * Counting starts at the first reset: what comes before (a warm-up that fills the learning
   * windows) runs at full speed and uncounted.
   */
  private counting = false;
  private activity = 0;
  private since = new Date();
  /** Per function: the second of its last sampled invocation, and the 5% carried over. */
  private readonly sampling = new Map<string, { second: number; carry: number }>();
  private restoreStreams: (() => void) | undefined;

  constructor(private readonly functions: ReadonlyMap<string, TracingSpec>) {}

  /** Runs `work` as an invocation of `fn`: what it calls is attributed to `fn`. */
  run<T>(fn: string, work: () => Promise<T>): Promise<T> {
    return this.context.run(fn, work);
  }

  /** Runs `work` uncounted, and everything it causes. */
  exclude<T>(work: () => Promise<T>): Promise<T> {
    return this.excluded.run(true, work);
  }

  /** The function whose invocation is running, or `runtime` outside of one. */
  current(): string {
    return this.context.getStore() ?? 'runtime';
  }

  add(
    fn: string,
    service: string,
    operation: string,
    units: Partial<Record<Dimension, number>>,
    calls = 1,
  ): void {
    if (this.excluded.getStore()) return;
    this.activity++;
    if (!this.counting) return;
    const key = `${fn}\u0000${service}\u0000${operation}`;
    let row = this.rows.get(key);
    if (!row) {
      row = { fn, service, operation, calls: 0, units: {} };
      this.rows.set(key, row);
    }
    row.calls += calls;
    for (const [dimension, value] of Object.entries(units) as [Dimension, number][]) {
      if (value) row.units[dimension] = (row.units[dimension] ?? 0) + value;
    }
  }

  snapshot(): MeterSnapshot {
    return {
      since: this.since.toISOString(),
      until: new Date().toISOString(),
      activity: this.activity,
      rows: [...this.rows.values()].map((row) => ({ ...row, units: { ...row.units } })),
    };
  }

  /** Whether counting has started (see `reset`). */
  get active(): boolean {
    return this.counting;
  }

  /** Starts counting afresh. */
  reset(): void {
    this.counting = true;
    this.rows = new Map();
    this.since = new Date();
  }

  /** A Lambda invocation: the request, its duration at the function's memory, its platform logs. */
  invocation(fn: string, durationMs: number, at = Date.now()): void {
    const spec = this.functions.get(fn);
    const billedMs = Math.max(1, Math.ceil(durationMs));
    this.add(fn, 'lambda', 'Invoke', {
      'lambda.request': 1,
      'lambda.gbSecond': (billedMs / 1000) * ((spec?.memoryMb ?? 128) / 1024),
      'lambda.ms': durationMs,
    });
    this.add(fn, 'logs', 'platform', { 'logs.byte': PLATFORM_LOG_BYTES }, 2);
    if (spec?.activeTracing) this.sample(fn, at);
  }

  private sample(fn: string, at: number): void {
    const second = Math.floor(at / 1000);
    const state = this.sampling.get(fn) ?? { second: -1, carry: 0 };
    let traces = 0;
    if (state.second !== second) {
      state.second = second;
      traces = 1;
    } else {
      state.carry += XRAY_FIXED_RATE;
      if (state.carry >= 1) {
        state.carry -= 1;
        traces = 1;
      }
    }
    this.sampling.set(fn, state);
    this.add(fn, 'xray', 'sampled', { 'xray.trace': traces });
  }

  /** An HTTP API request: billed per 512 KB, and its access-log line. */
  httpRequest(request: {
    routeKey: string;
    path: string;
    status: number;
    requestBytes: number;
    responseBytes: number;
    latencyMs: number;
  }): void {
    this.add('api-gateway', 'apigateway-http', request.routeKey, {
      'http.request': chunks(request.requestBytes, 512 * 1024),
    });
    // The stack's access-log format (infra/constructs/http-api.ts) with this request's values.
    const line = JSON.stringify({
      requestId: 'AbCdEfGhIjKlMnO=',
      requestTime: '07/Dec/2026:10:00:00 +0000',
      ip: '203.0.113.10',
      routeKey: request.routeKey,
      path: request.path,
      status: String(request.status),
      protocol: 'HTTP/1.1',
      responseLength: String(request.responseBytes),
      responseLatency: String(Math.round(request.latencyMs)),
      integrationLatency: String(Math.round(request.latencyMs)),
      integrationError: '-',
      authorizerError: '-',
    });
    this.log('api-gateway', 'access-log', Buffer.byteLength(line));
  }

  /**
   * A WebSocket API event: a client's message (billed per 32 KB), a connect or a disconnect, each
   * with its access-log line; a disconnect bills the connection's minutes.
   */
  webSocketEvent(
    event:
      | { kind: 'message'; bytes: number }
      | { kind: 'connect' }
      | { kind: 'disconnect'; connectedMs: number },
  ): void {
    const units: Partial<Record<Dimension, number>> =
      event.kind === 'message'
        ? { 'ws.message': chunks(event.bytes, KB32) }
        : event.kind === 'disconnect'
          ? { 'ws.connectionMinute': Math.max(1, Math.ceil(event.connectedMs / 60_000)) }
          : {};
    this.add('api-gateway', 'apigateway-ws', event.kind, units);
    // The stack's access-log format (infra/constructs/websocket-api.ts), typical values.
    const line = JSON.stringify({
      requestId: 'AbCdEfGhIjKlMnO=',
      requestTime: '07/Dec/2026:10:00:00 +0000',
      ip: '203.0.113.10',
      eventType: event.kind.toUpperCase(),
      routeKey: event.kind === 'message' ? '$default' : `$${event.kind}`,
      connectionId: 'L0SM9cOFvHcCIhw=',
      status: '200',
      principal: 'admin',
      integrationError: '-',
      authorizerError: '-',
    });
    this.log('api-gateway', 'access-log', Buffer.byteLength(line));
  }

  /**
   * An entry of a Standard state machine's execution history: a state entered or retried is a
   * billed transition, and every entry is a record of its ALL-level log (with execution data),
   * whose envelope (ids, ARN, time stamps) adds about 200 bytes to what the interpreter reports.
   */
  stateMachineEvent(machine: string, event: { type: string }): void {
    const fn = `states:${machine}`;
    if (event.type === 'StateEntered' || event.type === 'StateRetried') {
      this.add(fn, 'stepfunctions', event.type, { 'sfn.transition': 1 });
    }
    this.log(fn, 'execution-log', Buffer.byteLength(JSON.stringify(event)) + 200);
  }

  /** A log line of `bytes` written by `fn` (or by AWS for it: access logs, execution history). */
  log(fn: string, operation: string, bytes: number, events = 1): void {
    this.add(fn, 'logs', operation, { 'logs.byte': bytes + events * LOG_EVENT_OVERHEAD }, events);
  }

  /** Counts what the process writes to stdout/stderr during an invocation as that function's logs. */
  captureLogs(): void {
    if (this.restoreStreams) return;
    const streams = [process.stdout, process.stderr];
    const originals = streams.map((stream) => stream.write.bind(stream));
    streams.forEach((stream, i) => {
      const original = originals[i] as typeof stream.write;
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        const fn = this.context.getStore();
        if (fn) {
          const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array);
          const lines = (typeof text === 'string' ? text : text.toString('utf8'))
            .split('\n')
            .filter((line) => line.length > 0);
          const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
          if (lines.length) this.log(fn, 'application', bytes, lines.length);
        }
        return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write;
    });
    this.restoreStreams = () =>
      streams.forEach((stream, i) => {
        stream.write = originals[i] as typeof stream.write;
      });
  }

  stopCapturingLogs(): void {
    this.restoreStreams?.();
    this.restoreStreams = undefined;
  }

  /** ClientMeter: counts every call the client makes, by service. */
  attach(client: MeterableClient, service: string): void {
    const add = client.middlewareStack.add as (
      middleware: (next: Handler, context: HandlerContext) => Handler,
      options: { step: string; priority: string; name: string },
    ) => void;
    add.call(
      client.middlewareStack,
      (next, context) => async (args) => {
        const fn = this.current();
        const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        if (service === 'dynamodb' && DYNAMO_CAPACITY_OPERATIONS.has(operation)) {
          args.input.ReturnConsumedCapacity = 'INDEXES';
        }
        try {
          const result = await next(args);
          this.called(fn, service, operation, args.input, result.output as Record<string, unknown>);
          return result;
        } catch (error) {
          this.failed(fn, service, operation, args.input, error);
          throw error;
        }
      },
      // After lib-dynamodb has marshalled the input, around the retries (one count per call).
      { step: 'serialize', priority: 'high', name: 'agentCoreCostMeter' },
    );
  }

  private called(
    fn: string,
    service: string,
    operation: string,
    input: Record<string, unknown>,
    output: Record<string, unknown> | undefined,
  ): void {
    switch (service) {
      case 'dynamodb':
        this.dynamo(fn, operation, input, output?.ConsumedCapacity as ConsumedCapacity | undefined);
        return;
      case 'sqs':
        this.add(fn, service, operation, { 'sqs.request': sqsRequests(operation, input, output) });
        return;
      case 'eventbridge': {
        const entries = (input.Entries as Record<string, unknown>[] | undefined) ?? [];
        const events = entries.reduce((n, entry) => n + chunks(eventEntryBytes(entry), KB64), 0);
        this.add(fn, service, operation, { 'eventbridge.event': events });
        return;
      }
      case 'apigateway-management':
        this.add(fn, service, operation, {
          'ws.message': operation === 'PostToConnection' ? chunks(utf8(input.Data), KB32) : 0,
        });
        return;
      case 'secrets-manager':
        this.add(fn, service, operation, { 'secrets.call': 1 });
        return;
      default:
        // Step Functions' API calls are free (transitions are counted where they run); the
        // others (Scheduler, Bedrock) are outside the scenarios' bill.
        this.add(fn, service, operation, {});
    }
  }

  private failed(
    fn: string,
    service: string,
    operation: string,
    input: Record<string, unknown>,
    error: unknown,
  ): void {
    const name = (error as { name?: string }).name ?? 'Error';
    if (service === 'dynamodb' && name === 'ConditionalCheckFailedException') {
      // The emulator puts what the failed write consumed on the error (the existing item's size).
      const reported = (error as { ConsumedCapacity?: ConsumedCapacity }).ConsumedCapacity;
      const units = reported?.CapacityUnits ?? 1;
      this.add(fn, service, `${operation} (condition failed)`, {
        'dynamodb.write': units,
        'dynamodb.computed': units,
        'dynamodb.failedCondition': 1,
      });
      return;
    }
    // A request the service refused for its input is billed by SQS and EventBridge alike; others
    // (throttles, faults) are rare here and not billed.
    if (service === 'sqs') this.add(fn, service, `${operation} (${name})`, { 'sqs.request': 1 });
    else this.add(fn, service, `${operation} (${name})`, {});
    void input;
  }

  private dynamo(
    fn: string,
    operation: string,
    input: Record<string, unknown>,
    consumed: ConsumedCapacity | undefined,
  ): void {
    if (!DYNAMO_CAPACITY_OPERATIONS.has(operation)) {
      this.add(fn, 'dynamodb', operation, {});
      return;
    }
    const list = Array.isArray(consumed)
      ? (consumed as ConsumedCapacity[])
      : consumed
        ? [consumed]
        : [];
    const write = DYNAMO_WRITES.has(operation);
    if (list.length === 0) {
      // dynalite answered without a figure: one unit, the least any request costs.
      this.add(fn, 'dynamodb', operation, {
        [write ? 'dynamodb.write' : 'dynamodb.read']: 1,
        'dynamodb.computed': 1,
      });
      return;
    }
    let total = 0;
    let index = 0;
    for (const c of list) {
      total += c.CapacityUnits ?? 0;
      for (const group of [c.GlobalSecondaryIndexes, c.LocalSecondaryIndexes]) {
        for (const units of Object.values(group ?? {})) index += units.CapacityUnits ?? 0;
      }
    }
    if (!write && total === 0) {
      // dynalite reports 0 for a query or scan that read nothing; DynamoDB bills such a request
      // its minimum: one read unit, half of one when eventually consistent.
      const minimum = input.ConsistentRead === true ? 1 : 0.5;
      this.add(fn, 'dynamodb', operation, {
        'dynamodb.read': minimum,
        'dynamodb.computed': minimum,
      });
      return;
    }
    this.add(fn, 'dynamodb', operation, {
      [write ? 'dynamodb.write' : 'dynamodb.read']: total,
      ...(write ? { 'dynamodb.indexWrite': index, 'dynamodb.computed': index } : {}),
    });
  }
}

/** SQS bills a request per 64 KB of its payload (message bodies and attributes). */
function sqsRequests(
  operation: string,
  input: Record<string, unknown>,
  output: Record<string, unknown> | undefined,
): number {
  const messageBytes = (message: Record<string, unknown>) =>
    utf8(message.MessageBody ?? message.Body) + utf8(message.MessageAttributes);
  switch (operation) {
    case 'SendMessage':
      return chunks(messageBytes(input), KB64);
    case 'SendMessageBatch':
      return chunks(
        ((input.Entries as Record<string, unknown>[]) ?? []).reduce(
          (n, e) => n + messageBytes(e),
          0,
        ),
        KB64,
      );
    case 'ReceiveMessage':
      return chunks(
        ((output?.Messages as Record<string, unknown>[]) ?? []).reduce(
          (n, m) => n + messageBytes(m),
          0,
        ),
        KB64,
      );
    default:
      return 1;
  }
}

/** An EventBridge entry's billed size: its time stamp, source, detail-type, detail, resources. */
function eventEntryBytes(entry: Record<string, unknown>): number {
  return (
    14 +
    utf8(entry.Source) +
    utf8(entry.DetailType) +
    utf8(entry.Detail) +
    ((entry.Resources as string[] | undefined) ?? []).reduce((n, r) => n + utf8(r), 0)
  );
}

/** SQS's billing of a receive or send done by AWS on a function's behalf. */
export function sqsPayloadRequests(bodies: string[]): number {
  return chunks(
    bodies.reduce((n, body) => n + Buffer.byteLength(body), 0),
    KB64,
  );
}

export const METER_PATH = '/_local/meter';
/**
 * A request with this header set to `exclude` is not counted, nor anything it causes: `npm run
 * cost` polls for its tasks' ends with it. Honoured only while the runtime meters.
 */
export const METER_HEADER = 'x-agent-core-meter';

/**
 * `GET /_local/meter` (the counts so far) and `POST /_local/meter/reset`, with the admin key, on
 * the runtime's port: only while it meters. Answers and returns true for those paths.
 */
export function serveMeter(
  req: IncomingMessage,
  res: ServerResponse,
  meter: CostMeter,
  adminKey: string,
): boolean {
  const path = new URL(req.url ?? '/', 'http://local').pathname;
  if (path !== METER_PATH && path !== `${METER_PATH}/reset`) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  if (!timingSafeEqual(digest(given), digest(adminKey))) {
    reply(401, { error: { code: 'Unauthorized', message: 'the admin key is required' } });
  } else if (path === METER_PATH && req.method === 'GET') {
    reply(200, meter.snapshot());
  } else if (path === `${METER_PATH}/reset` && req.method === 'POST') {
    meter.reset();
    reply(200, { reset: true });
  } else {
    reply(405, { error: { code: 'MethodNotAllowed', message: `${req.method} ${path}` } });
  }
  return true;
}

/** `npm run cost` starts the runtime with AGENT_CORE_COST_METER=1. */
export const COST_METER_ENV = 'AGENT_CORE_COST_METER';
export const costMeterEnabled = (): boolean => process.env[COST_METER_ENV] === '1';
