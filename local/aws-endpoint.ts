/**
 * The AWS operations the adapters use beyond DynamoDB and SQS, answered on an internal loopback
 * port: EventBridge PutEvents (routed to queues by the topology's rules) and Secrets Manager
 * GetSecretValue (the admin key) in the AWS JSON 1.1 protocol, Step Functions (handed to
 * local/step-functions.ts) in AWS JSON 1.0, and the API Gateway Management API
 * (`POST|GET|DELETE /@connections/{id}`, REST) on the local WebSocket gateway's connections,
 * and EventBridge Scheduler (`/schedules/{name}`, REST) on local/scheduler.ts. Only requests
 * signed with the runtime's credentials are answered (signed-requests.ts).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import type { EventRuleSpec } from '../infra/topology.js';
import type { ResourceCredentials } from '../shared/adapters/clients/resource-credentials.js';
import { sendBatches } from '../shared/adapters/sqs-task-queue.js';
import { matchesPattern } from './event-pattern.js';
import type { LocalScheduler } from './scheduler.js';
import { readBody, SignatureVerifier, sendRefusal } from './signed-requests.js';

/** Far above what any operation here takes (PutEvents: 256 KB; PostToConnection: 128 KB). */
const MAX_BODY_BYTES = 1024 * 1024;

export interface AwsEndpointOptions {
  /** The only credentials whose signatures are answered. */
  credentials: ResourceCredentials;
  busName: string;
  rules: EventRuleSpec[];
  queueUrls: Map<string, string>;
  sqs: SQSClient;
  secrets: Map<string, string>;
  region: string;
  /** Called with every event put on the bus. */
  onEvent?: (event: BusEnvelope) => void;
  /** The WebSocket connections the Management API acts on (local/websocket-gateway.ts). */
  connections?: ManagedConnections;
  /** Answers `AWSStepFunctions.*` operations (local/step-functions.ts). */
  stepFunctions?: StepFunctionsApi;
  /** Answers EventBridge Scheduler's `/schedules/{Name}` operations (local/scheduler.ts). */
  scheduler?: Pick<LocalScheduler, 'handle'>;
}

/**
 * A Step Functions implementation: takes the operation (the part of `x-amz-target` after
 * `AWSStepFunctions.`) and the request body, returns the response body. An error it throws with
 * a string `type` is the caller's fault and is answered 400 with that type as `__type`.
 */
export interface StepFunctionsApi {
  handle(operation: string, body: unknown): Promise<unknown>;
}

const STEP_FUNCTIONS_TARGET = 'AWSStepFunctions.';

/** What the API Gateway Management API needs from a WebSocket gateway. */
export interface ManagedConnections {
  /** Sends one frame; false when the connection is not open. */
  post(connectionId: string, data: Buffer): boolean;
  /** Closes the connection; false when it is not open. */
  close(connectionId: string): boolean;
  describe(
    connectionId: string,
  ): { connectedAt: Date; lastActiveAt: Date; sourceIp: string; userAgent: string } | undefined;
}

/** EventBridge Scheduler's REST JSON operations on one schedule. */
const SCHEDULE_PATH = /^\/schedules\/([^/]+)$/;

/** `[/<stage>]/@connections/<id>`: the endpoint may carry the stage, as API Gateway's does. */
const CONNECTION_PATH = /^(?:\/[^/@][^/]*)*\/@connections\/([^/]+)$/;
/** PostToConnection's limit on Data. */
const MAX_POST_BYTES = 128 * 1024;

export interface BusEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

interface PutEventsEntry {
  EventBusName?: string;
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Time?: number | string;
  Resources?: string[];
}

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export class LocalAwsEndpoint {
  private server: Server | undefined;
  private readonly verifier: SignatureVerifier;

  constructor(private readonly options: AwsEndpointOptions) {
    this.verifier = new SignatureVerifier(options.credentials);
  }

  async start(): Promise<string> {
    // A client that goes away mid-request gets no answer; nothing else can fail here.
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === undefined) {
      res.writeHead(413, { connection: 'close' });
      res.end();
      return;
    }
    const { method = 'GET', headers } = req;
    const refused = await this.verifier.verify({ method, url: req.url ?? '/', headers, body });
    if (refused) {
      sendRefusal(req, res, refused);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://local');
    const connectionPath = CONNECTION_PATH.exec(url.pathname);
    if (connectionPath?.[1]) {
      this.manageConnection(method, connectionPath[1], body, res);
      return;
    }
    const schedulePath = SCHEDULE_PATH.exec(url.pathname);
    if (schedulePath?.[1] && this.options.scheduler) {
      await this.manageSchedule(method, schedulePath[1], url, body, res);
      return;
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    const isStepFunctions = target.startsWith(STEP_FUNCTIONS_TARGET);
    const stepFunctions = isStepFunctions ? this.options.stepFunctions : undefined;
    // Step Functions speaks AWS JSON 1.0, the others here 1.1; the SDK checks neither, but a
    // client that does sees the protocol it asked for.
    const contentType = isStepFunctions
      ? 'application/x-amz-json-1.0'
      : 'application/x-amz-json-1.1';
    try {
      const request = JSON.parse(body.toString('utf8') || '{}');
      let result: unknown;
      if (target === 'AWSEvents.PutEvents') result = await this.putEvents(request.Entries ?? []);
      else if (target === 'secretsmanager.GetSecretValue')
        result = this.getSecretValue(request.SecretId);
      else if (stepFunctions)
        result = await stepFunctions.handle(target.slice(STEP_FUNCTIONS_TARGET.length), request);
      else throw new AwsError('UnknownOperationException', `operation ${target} is not emulated`);
      res.writeHead(200, { 'content-type': contentType });
      res.end(JSON.stringify(result));
    } catch (error) {
      const type = clientErrorType(error);
      res.writeHead(type ? 400 : 500, { 'content-type': contentType });
      res.end(
        JSON.stringify({
          __type: type ?? 'InternalException',
          message: error instanceof Error ? error.message : String(error),
        }),
      );
    }
  }

  /** EventBridge Scheduler (REST JSON): errors name their type in x-amzn-errortype. */
  private async manageSchedule(
    method: string,
    encodedName: string,
    url: URL,
    body: Buffer,
    res: ServerResponse,
  ): Promise<void> {
    const reply = (status: number, value: unknown, errorType?: string) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      res.end(JSON.stringify(value));
    };
    try {
      const text = body.toString('utf8');
      const request = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      const name = decodeURIComponent(encodedName);
      reply(200, await this.options.scheduler?.handle(method, name, url.searchParams, request));
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      const type = clientErrorType(error);
      reply(
        typeof status === 'number' ? status : type ? 400 : 500,
        { Message: error instanceof Error ? error.message : String(error) },
        type ?? 'InternalServerException',
      );
    }
  }

  /** The API Gateway Management API (REST JSON): errors name their type in x-amzn-errortype. */
  private manageConnection(
    method: string,
    encodedId: string,
    body: Buffer,
    res: ServerResponse,
  ): void {
    const reply = (status: number, value?: unknown, errorType?: string) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      res.end(value === undefined ? '' : JSON.stringify(value));
    };
    let connectionId: string;
    try {
      connectionId = decodeURIComponent(encodedId);
    } catch {
      reply(400, { message: 'malformed connection id' }, 'BadRequestException');
      return;
    }
    const gone = () =>
      reply(410, { message: `connection ${connectionId} is gone` }, 'GoneException');
    const connections = this.options.connections;
    if (!connections) {
      gone();
      return;
    }
    if (method === 'POST') {
      if (body.length > MAX_POST_BYTES) {
        reply(413, { message: 'data is larger than 128 KB' }, 'PayloadTooLargeException');
        return;
      }
      if (connections.post(connectionId, body)) reply(200);
      else gone();
      return;
    }
    if (method === 'DELETE') {
      if (connections.close(connectionId)) reply(204);
      else gone();
      return;
    }
    if (method === 'GET') {
      const info = connections.describe(connectionId);
      if (!info) {
        gone();
        return;
      }
      reply(200, {
        connectedAt: info.connectedAt.toISOString(),
        lastActiveAt: info.lastActiveAt.toISOString(),
        identity: { sourceIp: info.sourceIp, userAgent: info.userAgent },
      });
      return;
    }
    reply(405, { message: `method ${method} is not supported` }, 'ForbiddenException');
  }

  private getSecretValue(secretId: string): unknown {
    const value = this.options.secrets.get(secretId);
    if (value === undefined)
      throw new AwsError('ResourceNotFoundException', `secret ${secretId} not found`);
    return {
      ARN: `arn:aws:secretsmanager:local:000000000000:secret:${secretId}`,
      Name: secretId,
      SecretString: value,
    };
  }

  /** Routes each entry to the queues of the rules it matches, batching sends per queue. */
  private async putEvents(entries: PutEventsEntry[]): Promise<unknown> {
    if (entries.length === 0 || entries.length > 10) {
      throw new AwsError('ValidationException', 'PutEvents takes 1 to 10 entries');
    }
    const results: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[] = [];
    const byQueue = new Map<string, SendMessageBatchRequestEntry[]>();
    for (const entry of entries) {
      if (
        entry.EventBusName !== this.options.busName ||
        !entry.Source ||
        !entry.DetailType ||
        !entry.Detail
      ) {
        results.push({
          ErrorCode: 'MalformedDetail',
          ErrorMessage: 'bus, source, detail-type and detail are required',
        });
        continue;
      }
      const event: BusEnvelope = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: '000000000000',
        time: toIso(entry.Time),
        region: this.options.region,
        resources: entry.Resources ?? [],
        detail: JSON.parse(entry.Detail),
      };
      for (const rule of this.options.rules) {
        if (!matchesPattern(rule.pattern, event)) continue;
        const sends = byQueue.get(rule.targetQueue) ?? [];
        sends.push({ Id: String(sends.length), MessageBody: JSON.stringify(event) });
        byQueue.set(rule.targetQueue, sends);
      }
      this.options.onEvent?.(event);
      results.push({ EventId: event.id });
    }
    await Promise.all(
      [...byQueue].map(([queueId, sends]) => {
        const url = this.options.queueUrls.get(queueId);
        if (!url) throw new Error(`rule target queue ${queueId} does not exist`);
        return sendBatches(this.options.sqs, url, sends);
      }),
    );
    return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
  }
}

/** The AWS error type of an error that is the caller's fault; undefined for a fault of ours. */
function clientErrorType(error: unknown): string | undefined {
  if (error instanceof AwsError) return error.type;
  const type = error instanceof Error ? (error as { type?: unknown }).type : undefined;
  return typeof type === 'string' && type ? type : undefined;
}

function toIso(time: number | string | undefined): string {
  if (time === undefined) return new Date().toISOString();
  // The SDK sends epoch seconds (possibly fractional) in the JSON protocol.
  const date = typeof time === 'number' ? new Date(time * 1000) : new Date(time);
  return Number.isNaN(date.getTime())
    ? new Date().toISOString()
    : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
