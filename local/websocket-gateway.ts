/**
 * The local stand-in for the dashboard's API Gateway WebSocket API, on the HTTP server's own port
 * (path `/ws`). An upgrade runs the `$connect` authorizer function (denied: 401, no socket), then
 * the `$connect` route; frames become `$default` events and a close `$disconnect`, each invoked
 * as API Gateway would. `post` and `close` are what the local Management API endpoint calls for
 * PostToConnection and DeleteConnection.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayRequestAuthorizerEvent, PolicyDocument } from 'aws-lambda';
import { type WebSocket, WebSocketServer } from 'ws';
import type { WebSocketRouteKey } from '../infra/topology.js';
import type { LambdaHost } from './lambda-host.js';
import type { LocalWebSocketRoute } from './wiring.js';

/** API Gateway's limit on a client message (frames of 32 KB, messages of up to 128 KB). */
const MAX_MESSAGE_BYTES = 128 * 1024;

export interface WebSocketGatewayOptions {
  routes: LocalWebSocketRoute[];
  authorizer: string | undefined;
  host: Pick<LambdaHost, 'invoke'>;
  onError: (error: unknown) => void;
  /** The path the API answers on. */
  path?: string;
}

export interface ConnectionInfo {
  connectedAt: Date;
  lastActiveAt: Date;
  sourceIp: string;
  userAgent: string;
}

interface Connection extends ConnectionInfo {
  socket: WebSocket;
  authorizer: Record<string, unknown>;
  /** Frames are handed to the `$default` route one after another, then `$disconnect`. */
  queue: Promise<void>;
  /** Settles once `$disconnect` has run. */
  gone: Promise<void>;
}

interface AuthorizerAnswer {
  principalId?: string;
  policyDocument?: PolicyDocument;
  context?: Record<string, unknown> | null;
}

const STAGE = 'local';

/** API Gateway's connection ids look like `L0SM9cOFvHcCIhw=`: base64, so they need URL-encoding. */
const newConnectionId = (): string => randomBytes(10).toString('base64');

function allowed(answer: AuthorizerAnswer | undefined): boolean {
  const statements = answer?.policyDocument?.Statement ?? [];
  return (
    statements.length > 0 &&
    statements.every((s) => s.Effect === 'Allow') &&
    statements.some((s) => {
      const actions = 'Action' in s ? [s.Action].flat() : [];
      return actions.some((a) => a === 'execute-api:Invoke' || a === '*' || a === 'execute-api:*');
    })
  );
}

export class WebSocketGateway {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  private readonly connections = new Map<string, Connection>();
  private readonly functionFor = new Map<WebSocketRouteKey, string>();
  private readonly path: string;

  constructor(private readonly options: WebSocketGatewayOptions) {
    for (const route of options.routes) this.functionFor.set(route.routeKey, route.functionName);
    this.path = options.path ?? '/ws';
  }

  /** Answers upgrades on the path; other upgrades are refused (nothing else speaks WebSocket). */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // Node's HTTP server takes its own 'error' listener off an upgraded socket, and ws adds
      // one only once the upgrade is accepted: in between (the authorizer and `$connect` run),
      // a client that resets its connection would make the next write's error uncaught, and
      // stop the runtime. A client gone is nothing to report.
      socket.on('error', ignoreClientGone);
      this.upgrade(req, socket, head).catch((error) => {
        this.options.onError(error);
        refuse(socket, 500, 'Internal Server Error');
      });
    });
  }

  /** Sends a text frame; false when the connection is not open (the Management API's 410). */
  post(connectionId: string, data: Buffer | string): boolean {
    const connection = this.connections.get(connectionId);
    if (!connection || connection.socket.readyState !== connection.socket.OPEN) return false;
    connection.socket.send(typeof data === 'string' ? data : data.toString('utf8'));
    return true;
  }

  /** Closes a connection (DeleteConnection); `$disconnect` follows. False when unknown. */
  close(connectionId: string): boolean {
    const connection = this.connections.get(connectionId);
    if (!connection) return false;
    connection.socket.close(1000, 'closed by the server');
    return true;
  }

  describe(connectionId: string): ConnectionInfo | undefined {
    const connection = this.connections.get(connectionId);
    if (!connection) return undefined;
    const { connectedAt, lastActiveAt, sourceIp, userAgent } = connection;
    return { connectedAt, lastActiveAt, sourceIp, userAgent };
  }

  get size(): number {
    return this.connections.size;
  }

  /** Closes every socket (going away) and waits a little for their `$disconnect` routes. */
  async stop(graceMs = 5_000): Promise<void> {
    const pending = [...this.connections.values()].map((connection) => {
      connection.socket.close(1001, 'server stopping');
      return connection.gone;
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(pending),
      new Promise((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
    for (const connection of this.connections.values()) connection.socket.terminate();
    this.server.close();
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname !== this.path) {
      refuse(socket, 404, 'Not Found');
      return;
    }
    const connectionId = newConnectionId();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) query[name] = value;
    const sourceIp = req.socket.remoteAddress ?? '127.0.0.1';
    const userAgent = headers['user-agent'] ?? '';
    const connectedAt = new Date();

    let authorizer: Record<string, unknown> = {};
    if (this.options.authorizer) {
      // API Gateway answers 401 itself when the identity source (the token) is missing.
      if (!query.token) {
        refuse(socket, 401, 'Unauthorized');
        return;
      }
      const event: APIGatewayRequestAuthorizerEvent = {
        type: 'REQUEST',
        methodArn: `arn:aws:execute-api:local:000000000000:local/${STAGE}/$connect`,
        resource: '$connect',
        path: url.pathname,
        httpMethod: 'GET',
        headers,
        multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
        pathParameters: null,
        queryStringParameters: query,
        multiValueQueryStringParameters: Object.fromEntries(
          Object.entries(query).map(([k, v]) => [k, [v]]),
        ),
        stageVariables: null,
        requestContext: this.requestContext('$connect', 'CONNECT', connectionId, connectedAt, {
          sourceIp,
          userAgent,
        }) as unknown as APIGatewayRequestAuthorizerEvent['requestContext'],
      };
      const answer = await this.options.host.invoke<AuthorizerAnswer>(
        this.options.authorizer,
        event,
      );
      if (!allowed(answer)) {
        refuse(socket, 401, 'Unauthorized');
        return;
      }
      authorizer = { ...(answer.context ?? {}), principalId: answer.principalId ?? '' };
    }

    const connected = await this.invokeRoute('$connect', {
      connectionId,
      connectedAt,
      authorizer,
      eventType: 'CONNECT',
      identity: { sourceIp, userAgent },
      extra: { headers, queryStringParameters: query },
    });
    if (!connected) {
      refuse(socket, 403, 'Forbidden');
      return;
    }

    // Connected, so it will be disconnected, as API Gateway does: also when the client went away
    // while it was authorized and connected, or ws refuses the handshake (no WebSocket opens).
    const disconnect = () =>
      this.invokeRoute('$disconnect', {
        connectionId,
        connectedAt,
        authorizer,
        eventType: 'DISCONNECT',
        identity: { sourceIp, userAgent },
        extra: {},
      });
    if (socket.destroyed || !socket.writable) {
      socket.destroy();
      await disconnect();
      return;
    }
    let opened = false;
    socket.once('close', () => {
      if (!opened) void disconnect();
    });
    this.server.handleUpgrade(req, socket, head, (ws) => {
      opened = true;
      // From here the WebSocket handles its socket's errors (reported through ws.on('error')).
      socket.off('error', ignoreClientGone);
      let markGone: () => void = () => undefined;
      const connection: Connection = {
        socket: ws,
        authorizer,
        connectedAt,
        lastActiveAt: connectedAt,
        sourceIp,
        userAgent,
        queue: Promise.resolve(),
        gone: new Promise<void>((resolve) => {
          markGone = resolve;
        }),
      };
      this.connections.set(connectionId, connection);
      ws.on('message', (data, isBinary) => {
        connection.lastActiveAt = new Date();
        const body = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        connection.queue = connection.queue.then(() =>
          this.invokeRoute('$default', {
            connectionId,
            connectedAt,
            authorizer,
            eventType: 'MESSAGE',
            identity: { sourceIp, userAgent },
            extra: isBinary
              ? { body: body.toString('base64'), isBase64Encoded: true }
              : { body: body.toString('utf8'), isBase64Encoded: false },
          }).then(() => undefined),
        );
      });
      ws.on('error', this.options.onError);
      ws.on('close', () => {
        connection.queue = connection.queue
          .then(disconnect)
          .then(() => undefined)
          .finally(() => {
            this.connections.delete(connectionId);
            markGone();
          });
      });
    });
  }

  /** Invokes a route's function; true when it answered 2xx (what `$connect` needs to open). */
  private async invokeRoute(
    routeKey: WebSocketRouteKey,
    call: {
      connectionId: string;
      connectedAt: Date;
      authorizer: Record<string, unknown>;
      eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
      identity: { sourceIp: string; userAgent: string };
      extra: Record<string, unknown>;
    },
  ): Promise<boolean> {
    const functionName = this.functionFor.get(routeKey) ?? this.functionFor.get('$default');
    // A WebSocket API without a $connect route accepts every (authorized) connection.
    if (!functionName) return routeKey !== '$default';
    try {
      const answer = await this.options.host.invoke<{ statusCode?: number } | undefined>(
        functionName,
        {
          requestContext: {
            ...this.requestContext(
              routeKey,
              call.eventType,
              call.connectionId,
              call.connectedAt,
              call.identity,
            ),
            authorizer: call.authorizer,
          },
          isBase64Encoded: false,
          ...call.extra,
        },
      );
      const status = answer?.statusCode ?? 200;
      return status >= 200 && status < 300;
    } catch (error) {
      this.options.onError(error);
      return false;
    }
  }

  private requestContext(
    routeKey: string,
    eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT',
    connectionId: string,
    connectedAt: Date,
    identity: { sourceIp: string; userAgent: string },
  ) {
    const now = new Date();
    return {
      routeKey,
      eventType,
      messageId: eventType === 'MESSAGE' ? randomUUID() : undefined,
      extendedRequestId: randomUUID(),
      requestTime: now.toUTCString(),
      messageDirection: 'IN',
      stage: STAGE,
      connectedAt: connectedAt.getTime(),
      requestTimeEpoch: now.getTime(),
      requestId: randomUUID(),
      domainName: 'localhost',
      connectionId,
      apiId: 'local',
      identity,
    };
  }
}

const ignoreClientGone = (): void => undefined;

function refuse(socket: Duplex, status: number, reason: string): void {
  if (socket.destroyed) return;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () =>
    socket.destroy(),
  );
}
