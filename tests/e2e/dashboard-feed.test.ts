/**
 * The dashboard feed as a browser uses it: `npm start`, a WebSocket to `/ws?token=<key>` on the
 * HTTP port, subscribe by event-type patterns, ping/pong, and keys scoped to their agent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { type FeedClient, type Frame, openFeed } from '../helpers/feed-client.js';
import {
  type RuntimeHandle,
  removeDataDir,
  startRuntime,
  waitForTask,
} from '../helpers/runtime.js';

let runtime: RuntimeHandle;
let aliceKey: string;
const sockets: WebSocket[] = [];

const wsUrl = (token: string | undefined) =>
  `${runtime.url.replace(/^http/, 'ws')}/ws${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;

/** Opens a connection; resolves with the client, or rejects with the refused status. */
async function connect(token: string | undefined): Promise<FeedClient> {
  const client = await openFeed(wsUrl(token));
  sockets.push(client.socket);
  return client;
}

async function subscribe(client: FeedClient, types: string[]): Promise<void> {
  client.send({ action: 'subscribe', types });
  await client.waitFor(
    (f) => f.type === 'subscribed' && JSON.stringify(f.types) === JSON.stringify(types),
  );
}

const isEvent = (type: string, taskId: string) => (f: Frame) =>
  f.type === 'event' && f.event.type === type && f.event.detail.data.taskId === taskId;

beforeAll(async () => {
  runtime = await startRuntime();
  for (const id of ['feed-alice', 'feed-bob']) {
    const agent = await runtime.api('POST', '/v1/agents', {
      id,
      model: { provider: 'scripted', turns: [{ text: 'done: {{input}}', delayMs: 150 }] },
    });
    expect(agent.status).toBe(201);
  }
  const minted = await runtime.api('POST', '/v1/keys', { scope: 'agent:feed-alice' });
  expect(minted.status).toBe(201);
  aliceKey = minted.body.key;
}, 90_000);

afterAll(async () => {
  if (!runtime) return;
  // A connection still open when the runtime stops is closed by it (1001: going away).
  const open = await connect(runtime.key);
  const closed = new Promise<number>((resolve) => open.socket.once('close', resolve));
  for (const socket of sockets) if (socket !== open.socket) socket.terminate();
  expect(await runtime.stop()).toBe(true);
  expect(await closed).toBe(1001);
  removeDataDir(runtime.dataDir);
});

describe('dashboard feed', () => {
  it('pushes a task’s events, in order, to an admin subscribed to task.*', async () => {
    const client = await connect(runtime.key);
    await subscribe(client, ['task.*']);

    const submitted = await runtime.api('POST', '/v1/tasks', {
      agentId: 'feed-alice',
      input: 'hello',
    });
    expect(submitted.status).toBe(202);
    const taskId = submitted.body.id as string;
    await waitForTask(runtime, taskId, ['succeeded']);

    const frames = await client.waitFor(isEvent('task.succeeded', taskId));
    const forTask = client.frames.filter(
      (f) => f.type === 'event' && f.event.detail.data.taskId === taskId,
    );
    const types = forTask.map((f) => f.event.type);
    expect(
      types.filter((t) => ['task.queued', 'task.started', 'task.succeeded'].includes(t)),
    ).toEqual(['task.queued', 'task.started', 'task.succeeded']);
    // Only task events: the subscription replaced the default (everything).
    expect(
      client.frames
        .filter((f) => f.type === 'event')
        .every((f) => f.event.type.startsWith('task.')),
    ).toBe(true);
    const [succeeded] = frames;
    expect(succeeded?.event).toMatchObject({
      id: expect.stringMatching(/^[0-9A-Z]{26}$/),
      time: expect.any(String),
      type: 'task.succeeded',
      source: expect.stringMatching(/^agent-core\./),
      detail: { version: 1, data: { taskId, agentId: 'feed-alice' } },
    });
    expect(succeeded?.event.detail.id).toBe(succeeded?.event.id);
  });

  it('answers ping with pong, and a bad message with an error frame', async () => {
    const client = await connect(runtime.key);
    client.send({ action: 'ping' });
    await client.waitFor((f) => f.type === 'pong');
    client.socket.send('not json');
    client.send({ action: 'subscribe', types: ['Task!'] });
    client.send({ action: 'dance' });
    const errors = await client.waitFor((f) => f.type === 'error', 3);
    expect(errors.map((f) => typeof f.message)).toEqual(['string', 'string', 'string']);
    expect(errors[1]?.message).toContain('types.0');
    // Still connected and answering.
    client.send({ action: 'ping' });
    await client.waitFor((f) => f.type === 'pong', 2);
  });

  it('refuses a bad or missing token at connect', async () => {
    await expect(connect('ac_not_a_key')).rejects.toMatchObject({ status: 401 });
    await expect(connect(undefined)).rejects.toMatchObject({ status: 401 });
    await expect(connect('')).rejects.toMatchObject({ status: 401 });
  });

  it('gives an agent key only its agent’s events', async () => {
    const alice = await connect(aliceKey);
    const admin = await connect(runtime.key);
    await subscribe(alice, ['*']);
    await subscribe(admin, ['task.succeeded']);

    const bobTask = await runtime.api('POST', '/v1/tasks', { agentId: 'feed-bob', input: 'b' });
    const aliceTask = await runtime.api('POST', '/v1/tasks', { agentId: 'feed-alice', input: 'a' });
    expect([bobTask.status, aliceTask.status]).toEqual([202, 202]);

    // The admin sees both; by then the feed has pushed bob's events too.
    await admin.waitFor(isEvent('task.succeeded', bobTask.body.id));
    await admin.waitFor(isEvent('task.succeeded', aliceTask.body.id));
    await alice.waitFor(isEvent('task.succeeded', aliceTask.body.id));

    const aliceEvents = alice.frames.filter((f) => f.type === 'event');
    expect(aliceEvents.length).toBeGreaterThanOrEqual(3);
    for (const frame of aliceEvents) expect(frame.event.detail.data.agentId).toBe('feed-alice');
    expect(aliceEvents.some((f) => f.event.detail.data.taskId === bobTask.body.id)).toBe(false);
  });
});
