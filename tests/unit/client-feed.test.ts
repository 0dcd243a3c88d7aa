/**
 * The client's feed helper against a WebSocket server in the test that speaks API.md's feed
 * contract: subscription by types, by task with `after` (the server replays what came after),
 * delta frames, duplicates dropped, and reconnection that loses nothing: a task subscription
 * resumes after the last event seen, a type subscription fetches what it missed from
 * `GET /v1/events?after=`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { AgentCoreClient, type Feed, type FeedEvent, type FeedFrame } from '../../client/index.js';
import { eventually } from '../helpers/runtime.js';

const KEY = 'feed-key';
const ulid = (n: number) => `01J00000000000000000000${String(n).padStart(3, '0')}`;
const event = (n: number, type = 'task.step', taskId = 'task-1'): FeedEvent => ({
  id: ulid(n),
  time: new Date(1_700_000_000_000 + n).toISOString(),
  type,
  source: 'agent-core.kernel',
  detail: { version: 1, id: ulid(n), time: '', correlationId: 'c', data: { taskId } },
});

/** The task's events the server knows, and those the event log holds for `?after=`. */
let taskEvents: FeedEvent[] = [];
let logEvents: FeedEvent[] = [];
const received: unknown[] = [];
const sockets: WebSocket[] = [];
let onSubscribe: (socket: WebSocket, message: Record<string, unknown>) => void = () => {};

let server: Server;
let wss: WebSocketServer;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '', 'http://x');
    if (url.pathname === '/v1/events' && req.headers.authorization === `Bearer ${KEY}`) {
      const after = url.searchParams.get('after') ?? '';
      const items = logEvents.filter((e) => e.id > after);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ items, nextCursor: null }));
      return;
    }
    res.writeHead(404).end();
  });
  wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '', 'http://x');
    if (url.pathname !== '/ws' || url.searchParams.get('token') !== KEY) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.push(ws);
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as Record<string, unknown>;
        received.push(message);
        if (message.action === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
        if (message.action === 'subscribe') onSubscribe(ws, message);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  wss.close();
  await new Promise((resolve) => server.close(resolve));
});

let feed: Feed | undefined;
afterEach(() => {
  feed?.close();
  for (const socket of sockets.splice(0)) socket.terminate();
  received.length = 0;
  taskEvents = [];
  logEvents = [];
});

const client = () => new AgentCoreClient({ baseUrl, apiKey: KEY });
const send = (ws: WebSocket, frame: FeedFrame) => ws.send(JSON.stringify(frame));

describe('the feed helper', () => {
  it('subscribes by types and passes each event on once', async () => {
    onSubscribe = (ws, message) => {
      send(ws, { type: 'subscribed', types: message.types as string[] });
      send(ws, { type: 'event', event: event(1, 'task.queued') });
      send(ws, { type: 'event', event: event(1, 'task.queued') }); // delivered twice
      send(ws, { type: 'event', event: event(2, 'task.succeeded') });
    };
    feed = client().feed({ types: ['task.*'] });
    const events: string[] = [];
    feed.on('event', (e) => events.push(`${e.id} ${e.type}`));
    await eventually(async () => (events.length === 2 ? true : undefined), { timeoutMs: 5000 });
    expect(events).toEqual([`${ulid(1)} task.queued`, `${ulid(2)} task.succeeded`]);
    expect(received).toEqual([{ action: 'subscribe', types: ['task.*'] }]);
  });

  it('follows a task from an event id: replay, deltas, then live; iterable with for await', async () => {
    taskEvents = [event(1), event(2), event(3)];
    onSubscribe = (ws, message) => {
      const after = (message.after as string | null) ?? '';
      send(ws, { type: 'subscribed', taskId: message.taskId as string });
      for (const e of taskEvents.filter((t) => t.id > after)) send(ws, { type: 'event', event: e });
      send(ws, { type: 'delta', taskId: 'task-1', threadId: null, text: 'Hel' });
      send(ws, { type: 'delta', taskId: 'task-1', threadId: null, text: 'lo' });
      send(ws, { type: 'event', event: event(4, 'task.succeeded') });
    };
    feed = client().feed({ taskId: 'task-1', after: ulid(1) });
    const frames: string[] = [];
    for await (const frame of feed) {
      if (frame.type === 'event') frames.push(frame.event.id);
      if (frame.type === 'delta') frames.push(`delta:${frame.text}`);
      if (frame.type === 'event' && frame.event.type === 'task.succeeded') break;
    }
    expect(frames).toEqual([ulid(2), ulid(3), 'delta:Hel', 'delta:lo', ulid(4)]);
    expect(received[0]).toEqual({ action: 'subscribe', taskId: 'task-1', after: ulid(1) });
  });

  it('reconnects after a drop and resumes the task after the last event it saw', async () => {
    taskEvents = [event(1), event(2)];
    let connections = 0;
    onSubscribe = (ws, message) => {
      connections += 1;
      const after = (message.after as string | null) ?? '';
      for (const e of taskEvents.filter((t) => t.id > after)) send(ws, { type: 'event', event: e });
      if (connections === 1) {
        // The connection drops; meanwhile the task goes on.
        setTimeout(() => {
          taskEvents.push(event(3), event(4, 'task.succeeded'));
          ws.terminate();
        }, 50);
      }
    };
    feed = client().feed({ taskId: 'task-1' });
    const ids: string[] = [];
    feed.on('event', (e) => ids.push(e.id));
    await eventually(async () => (ids.length === 4 ? true : undefined), { timeoutMs: 10_000 });
    expect(ids).toEqual([ulid(1), ulid(2), ulid(3), ulid(4)]);
    expect(received).toEqual([
      { action: 'subscribe', taskId: 'task-1', after: null },
      { action: 'subscribe', taskId: 'task-1', after: ulid(2) },
    ]);
  });

  it('after a reconnect, a type subscription fetches what it missed from the event log', async () => {
    let connections = 0;
    onSubscribe = (ws) => {
      connections += 1;
      if (connections === 1) {
        send(ws, { type: 'event', event: event(1, 'task.queued') });
        setTimeout(() => {
          // Published while the client was away: only the event log has them.
          logEvents = [
            event(1, 'task.queued'),
            event(2, 'task.started'),
            event(3, 'task.succeeded'),
          ];
          ws.terminate();
        }, 50);
      }
    };
    feed = client().feed({ types: ['task.*'] });
    const ids: string[] = [];
    feed.on('event', (e) => ids.push(e.id));
    await eventually(async () => (ids.length === 3 ? true : undefined), { timeoutMs: 10_000 });
    expect(ids).toEqual([ulid(1), ulid(2), ulid(3)]);
    expect(connections).toBe(2);
  });

  it('asks again after the last event while a replay answers more', async () => {
    taskEvents = [event(1), event(2), event(3), event(4, 'task.succeeded')];
    onSubscribe = (ws, message) => {
      // A replay of at most two events at a time, as the server bounds it.
      const after = (message.after as string | null) ?? '';
      const rest = taskEvents.filter((t) => t.id > after);
      for (const e of rest.slice(0, 2)) send(ws, { type: 'event', event: e });
      send(ws, {
        type: 'subscribed',
        taskId: 'task-1',
        replayed: Math.min(2, rest.length),
        ...(rest.length > 2 ? { more: true } : {}),
      });
    };
    feed = client().feed({ taskId: 'task-1' });
    const ids: string[] = [];
    feed.on('event', (e) => ids.push(e.id));
    await eventually(async () => (ids.length === 4 ? true : undefined), { timeoutMs: 5000 });
    expect(ids).toEqual([ulid(1), ulid(2), ulid(3), ulid(4)]);
    expect(received).toEqual([
      { action: 'subscribe', taskId: 'task-1', after: null },
      { action: 'subscribe', taskId: 'task-1', after: ulid(2) },
    ]);
  });

  it('reports server error frames, and stops for good once closed', async () => {
    onSubscribe = (ws) =>
      send(ws, { type: 'error', message: 'invalid message (types: expected …)' });
    feed = client().feed({ types: ['bad pattern'] });
    const errors: { kind: string; message: string }[] = [];
    feed.on('error', (e) => errors.push({ kind: e.kind, message: e.message }));
    await eventually(async () => (errors.length ? true : undefined), { timeoutMs: 5000 });
    expect(errors[0]).toEqual({
      kind: 'server',
      message: expect.stringMatching(/invalid message/),
    });
    feed.close();
    await eventually(async () => (sockets.every((s) => s.readyState !== 1) ? true : undefined), {
      timeoutMs: 5000,
    });
  });

  it('refuses to open without a key', () => {
    expect(() => new AgentCoreClient({ baseUrl }).feed({ types: ['*'] })).toThrow(/API key/);
  });
});
