/**
 * The local dashboard feed for real: an HTTP server with the WebSocket gateway on `/ws`, the
 * local AWS endpoint answering the API Gateway Management API, the dashboard handlers on
 * dynalite, a `ws` client, and the unchanged AWS SDK Management API client.
 */
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect as netConnect } from 'node:net';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { taskQueued } from '../../events/task-events.js';
import { authorizeConnection } from '../../functions/dashboard/authorize-connection.js';
import { handleConnection } from '../../functions/dashboard/connections.js';
import { pushEvents } from '../../functions/dashboard/push-events.js';
import { topology } from '../../infra/topology.js';
import { LocalAwsEndpoint } from '../../local/aws-endpoint.js';
import { WebSocketGateway } from '../../local/websocket-gateway.js';
import { buildLocalWiring } from '../../local/wiring.js';
import { DynamoConnectionStore } from '../../shared/adapters/dynamo-connection-store.js';
import { ApiGatewayConnectionPoster } from '../../shared/adapters/websocket-poster.js';
import { createEvent } from '../../shared/core/events.js';
import { newId } from '../../shared/core/ids.js';
import { systemClock } from '../../shared/core/ports.js';
import { hashKey } from '../../shared/core/security/api-keys.js';
import { CREDENTIALS, REGION, useLocalAws } from '../helpers/aws-local.js';
import { busRecord, sqsEvent } from '../helpers/lambda-events.js';

const aws = useLocalAws();
const ADMIN_KEY = 'ac_test_dashboard_gateway';

let server: Server;
let endpoint: LocalAwsEndpoint;
let gateway: WebSocketGateway;
let management: ApiGatewayManagementApiClient;
let wsBase: string;
const errors: unknown[] = [];
const sockets: WebSocket[] = [];
/** When set, the authorizer waits for it: what a test does while an upgrade is authorized. */
let authorizerGate: ((event: unknown) => Promise<void>) | undefined;

const store = () => new DynamoConnectionStore(aws().dynamo, aws().tableName);

beforeAll(async () => {
  const wiring = buildLocalWiring(topology);
  let managementUrl = '';
  const deps = () => ({
    connections: store(),
    poster: new ApiGatewayConnectionPoster(management),
    clock: systemClock,
  });
  const handlers: Record<string, (event: never) => Promise<unknown>> = {
    'dashboard-authorizer': authorizeConnection(() => ({
      admin: { adminKeyHash: async () => hashKey(ADMIN_KEY) },
    })) as never,
    'dashboard-connections': handleConnection(deps) as never,
  };
  gateway = new WebSocketGateway({
    routes: wiring.websocketRoutes,
    authorizer: wiring.websocketAuthorizer,
    host: {
      invoke: async <R>(name: string, event: unknown) => {
        const handler = handlers[name];
        if (!handler) throw new Error(`no handler ${name}`);
        if (name === 'dashboard-authorizer' && authorizerGate) await authorizerGate(event);
        return (await handler(event as never)) as R;
      },
    },
    onError: (error) => errors.push(error),
  });
  endpoint = new LocalAwsEndpoint({
    credentials: CREDENTIALS,
    busName: topology.eventBus.name,
    rules: [],
    queueUrls: new Map(),
    sqs: aws().sqs,
    secrets: new Map(),
    region: REGION,
    connections: gateway,
  });
  managementUrl = await endpoint.start();
  // The SDK client exactly as the handlers build it, pointed at the local endpoint.
  management = new ApiGatewayManagementApiClient({
    region: REGION,
    credentials: CREDENTIALS,
    endpoint: managementUrl,
  });
  server = createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  gateway.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  wsBase = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  await gateway?.stop();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await endpoint?.stop();
  management?.destroy();
});

interface Client {
  socket: WebSocket;
  frames: any[];
  next(filter: (frame: any) => boolean): Promise<any>;
}

function open(path: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${wsBase}${path}`);
    sockets.push(socket);
    const frames: any[] = [];
    const listeners = new Set<() => void>();
    socket.on('message', (data) => {
      frames.push(JSON.parse(data.toString()));
      for (const listener of listeners) listener();
    });
    const next = (filter: (frame: any) => boolean) =>
      new Promise<any>((resolveFrame, rejectFrame) => {
        const check = () => {
          const found = frames.find(filter);
          if (!found) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolveFrame(found);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          rejectFrame(new Error(`no such frame; got ${JSON.stringify(frames)}`));
        }, 5_000);
        listeners.add(check);
        check();
      });
    socket.once('open', () => resolve({ socket, frames, next }));
    socket.once('unexpected-response', (_req, res) =>
      reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode })),
    );
    socket.once('error', reject);
  });
}

/** The connection id the gateway gave the newest connection, from the store. */
async function connectionIdOf(before: Set<string>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const ids = (await store().listActive(now)).map((c) => c.connectionId);
  const fresh = ids.filter((id) => !before.has(id));
  expect(fresh).toHaveLength(1);
  return fresh[0]!;
}

const knownIds = async () => new Set((await store().listActive(0)).map((c) => c.connectionId));

const waitUntil = async (probe: () => Promise<boolean>, what: string) => {
  const deadline = Date.now() + 5_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('local dashboard WebSocket', () => {
  it('refuses a bad, missing or empty token with 401, and other paths with 404', async () => {
    await expect(open('/ws?token=wrong')).rejects.toMatchObject({ status: 401 });
    await expect(open('/ws')).rejects.toMatchObject({ status: 401 });
    await expect(open('/ws?token=')).rejects.toMatchObject({ status: 401 });
    await expect(open(`/other?token=${ADMIN_KEY}`)).rejects.toMatchObject({ status: 404 });
  });

  it('connects, subscribes, pings, receives pushed events, and is managed through the SDK', async () => {
    const before = await knownIds();
    const client = await open(`/ws?token=${ADMIN_KEY}`);
    const connectionId = await connectionIdOf(before);
    expect(
      (await store().listActive(0)).find((c) => c.connectionId === connectionId),
    ).toMatchObject({ principal: 'admin', patterns: ['*'] });

    client.socket.send(JSON.stringify({ action: 'subscribe', types: ['task.queued'] }));
    await client.next((f) => f.type === 'subscribed');
    client.socket.send(JSON.stringify({ action: 'ping' }));
    await client.next((f) => f.type === 'pong');
    client.socket.send('{"action":');
    expect((await client.next((f) => f.type === 'error')).message).toMatch(/JSON/);

    // The push handler, through the SDK's PostToConnection to the local endpoint.
    const event = createEvent(
      taskQueued,
      { taskId: newId(), agentId: 'someone', priority: 'normal', reason: 'submitted' },
      { correlationId: 'c', clock: systemClock },
    );
    const push = pushEvents(() => ({
      connections: {
        put: (c) => store().put(c),
        refresh: (id, fields) => store().refresh(id, fields),
        remove: (id) => store().remove(id),
        get: (id) => store().get(id),
        listActive: async (now) =>
          (await store().listActive(now)).filter((c) => c.connectionId === connectionId),
      },
      poster: new ApiGatewayConnectionPoster(management),
      clock: systemClock,
    }));
    expect(await push(sqsEvent(busRecord(event, { messageId: 'm1' })))).toEqual({
      batchItemFailures: [],
    });
    const pushed = await client.next((f) => f.type === 'event');
    expect(pushed.event).toMatchObject({ id: event.detail.id, type: 'task.queued' });

    // GetConnection and a raw PostToConnection, as the SDK sends them.
    const info = await management.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(info.ConnectedAt).toBeInstanceOf(Date);
    expect(info.Identity?.SourceIp).toBe('127.0.0.1');
    await management.send(
      new PostToConnectionCommand({
        ConnectionId: connectionId,
        Data: Buffer.from('{"type":"hello"}'),
      }),
    );
    await client.next((f) => f.type === 'hello');

    // DeleteConnection closes the socket, and $disconnect forgets the connection.
    const closed = new Promise((resolve) => client.socket.once('close', resolve));
    await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    await closed;
    await waitUntil(
      async () => !(await knownIds()).has(connectionId),
      'the connection to be deleted',
    );

    // Now it is gone: 410 GoneException, as API Gateway answers.
    const gone = await management
      .send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from('x') }))
      .catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(GoneException);
    expect((gone as GoneException).$metadata.httpStatusCode).toBe(410);
    expect(await new ApiGatewayConnectionPoster(management).post(connectionId, 'x')).toBe('gone');
  });

  it('a client that resets its connection while being authorized does not take the gateway down, and is disconnected', async () => {
    // Without a listener on the upgrading socket, the refusal written to a reset connection
    // raised an uncaught ECONNRESET, which stops the local runtime.
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    const before = await knownIds();
    try {
      for (const token of ['wrong', ADMIN_KEY]) {
        let entered: () => void = () => undefined;
        const authorizing = new Promise<void>((resolve) => {
          entered = resolve;
        });
        let release: () => void = () => undefined;
        const released = new Promise<void>((resolve) => {
          release = resolve;
        });
        authorizerGate = async () => {
          entered();
          await released;
        };
        const client = netConnect(Number(new URL(wsBase).port), '127.0.0.1');
        const closed = new Promise((resolve) => client.once('close', resolve));
        client.on('error', () => undefined);
        client.write(
          `GET /ws?token=${token} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n` +
            'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
            'Sec-WebSocket-Version: 13\r\n\r\n',
        );
        await authorizing;
        client.resetAndDestroy();
        await closed;
        authorizerGate = undefined;
        release();
      }
      // The gateway still serves, and nothing went uncaught meanwhile.
      const client = await open(`/ws?token=${ADMIN_KEY}`);
      client.socket.send(JSON.stringify({ action: 'ping' }));
      await client.next((f) => f.type === 'pong');
      client.socket.close();
      expect(uncaught).toEqual([]);
      // The admin's connection was connected before its client went: it is disconnected too.
      await waitUntil(
        async () => [...(await knownIds())].every((id) => before.has(id)),
        'every connection of this test to be disconnected',
      );
    } finally {
      authorizerGate = undefined;
      process.off('uncaughtException', onUncaught);
    }
  });

  it('a client closing its socket is forgotten ($disconnect)', async () => {
    const before = await knownIds();
    const client = await open(`/ws?token=${ADMIN_KEY}`);
    const connectionId = await connectionIdOf(before);
    client.socket.close();
    await waitUntil(async () => !(await knownIds()).has(connectionId), '$disconnect');
    // The gateway forgets it once $disconnect has returned, a moment after the record went.
    await waitUntil(async () => gateway.describe(connectionId) === undefined, 'forgotten');
    expect(errors).toEqual([]);
  });
});
