/**
 * Following a task on the feed, against `npm start`: subscribe mid-task, lose the connection,
 * come back with `after` = the last event seen, and between the two connections every event of
 * the task's trace arrives exactly once, in order. Then streamed answers: an `openai` agent
 * against a streaming server run here sends `delta` frames to the task's follower, whose text
 * adds up to the task's output, which is what the same server gives without streaming.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FeedClient, type Frame, openFeed } from '../helpers/feed-client.js';
import { OpenAiTestServer } from '../helpers/openai-server.js';
import {
  eventually,
  type RuntimeHandle,
  removeDataDir,
  startRuntime,
  waitForTask,
} from '../helpers/runtime.js';

let runtime: RuntimeHandle;
const model = new OpenAiTestServer();
let modelUrl: string;
const clients: FeedClient[] = [];

beforeAll(async () => {
  modelUrl = await model.start();
  runtime = await startRuntime();
}, 90_000);

afterAll(async () => {
  for (const client of clients) client.socket.terminate();
  if (runtime) {
    await runtime.stop();
    removeDataDir(runtime.dataDir);
  }
  await model.stop();
});

async function connect(token = runtime.key): Promise<FeedClient> {
  const client = await openFeed(`${runtime.url.replace(/^http/, 'ws')}/ws?token=${token}`);
  clients.push(client);
  // Nothing but what it follows: the type feed off.
  client.send({ action: 'subscribe', types: [] });
  await client.waitFor((f) => f.type === 'subscribed' && Array.isArray(f.types));
  return client;
}

const eventsOf = (client: FeedClient, taskId: string): string[] =>
  client.frames
    .filter((f) => f.type === 'event' && f.event.detail.data.taskId === taskId)
    .map((f) => f.event.id as string);

async function traceIds(taskId: string, count?: number): Promise<{ id: string; type: string }[]> {
  return eventually(
    async () => {
      const { body } = await runtime.api('GET', `/v1/tasks/${taskId}/trace?limit=100`);
      const items = (body.items as { eventId: string; type: string }[]).map((e) => ({
        id: e.eventId,
        type: e.type,
      }));
      return count === undefined || items.length >= count ? items : undefined;
    },
    { what: `the trace of ${taskId}` },
  );
}

describe('following a task across a reconnect', () => {
  it('gets every event of the trace exactly once, in order, over two connections', async () => {
    // Three attempts a second or two apart: events before, during and after the disconnect.
    const agent = await runtime.api('POST', '/v1/agents', {
      id: 'replayer',
      model: {
        provider: 'scripted',
        failUntilAttempt: 3,
        turns: [{ text: 'third time lucky', delayMs: 1500 }],
      },
    });
    expect(agent.status).toBe(201);
    const submitted = await runtime.api('POST', '/v1/tasks', {
      agentId: 'replayer',
      input: 'go',
      maxAttempts: 3,
    });
    const taskId = submitted.body.id as string;
    await eventually(
      async () =>
        (await traceIds(taskId)).some((e) => e.type === 'task.retrying') ? true : undefined,
      { what: 'the first retry' },
    );

    const first = await connect();
    first.send({ action: 'subscribe', taskId, after: null });
    await first.waitFor((f) => f.type === 'subscribed' && f.taskId === taskId);
    const seen = eventsOf(first, taskId);
    expect(seen.length).toBeGreaterThan(0);
    first.socket.close();
    await new Promise((resolve) => first.socket.once('close', resolve));

    // The second attempt fails while no one is connected.
    await eventually(
      async () =>
        (await traceIds(taskId)).filter((e) => e.type === 'task.retrying').length >= 2
          ? true
          : undefined,
      { what: 'the second retry' },
    );
    const second = await connect();
    second.send({ action: 'subscribe', taskId, after: seen.at(-1) });
    await second.waitFor((f) => f.type === 'event' && f.event.type === 'task.succeeded', 1, 30_000);
    await waitForTask(runtime, taskId, ['succeeded']);

    const trace = await traceIds(taskId);
    const union = [...seen, ...eventsOf(second, taskId)];
    expect(union).toEqual(trace.map((e) => e.id));
    expect(trace.filter((e) => e.type === 'task.started')).toHaveLength(3);
    const ack = second.frames.find((f) => f.type === 'subscribed' && f.taskId === taskId);
    expect(ack?.replayed).toBeGreaterThan(0);

    // The task has ended: following it still replays its whole trace.
    const late = await connect();
    late.send({ action: 'subscribe', taskId, after: null });
    await late.waitFor((f) => f.type === 'subscribed' && f.taskId === taskId);
    expect(eventsOf(late, taskId)).toEqual(trace.map((e) => e.id));
  }, 60_000);

  it('refuses another agent’s task to an agent key, and keeps the connection open', async () => {
    for (const id of ['owner-agent', 'other-agent']) {
      await runtime.api('POST', '/v1/agents', { id, model: { provider: 'echo' } });
    }
    const key = (await runtime.api('POST', '/v1/keys', { scope: 'agent:other-agent' })).body.key;
    const task = await runtime.api('POST', '/v1/tasks', { agentId: 'owner-agent', input: 'x' });
    const client = await connect(key);
    client.send({ action: 'subscribe', taskId: task.body.id, after: null });
    const [error] = await client.waitFor((f) => f.type === 'error');
    expect(error?.message).toMatch(/only its own agent's tasks/);
    client.send({ action: 'subscribe', taskId: 'not-an-id' });
    const errors = await client.waitFor((f: Frame) => f.type === 'error', 2);
    expect(errors[1]?.message).toMatch(/taskId/);
    client.send({ action: 'ping' });
    await client.waitFor((f) => f.type === 'pong');
  });
});

describe('streamed answers', () => {
  const chunks = [
    'Streaming ',
    'is ',
    'a ',
    'way ',
    'to ',
    'watch ',
    'an ',
    'answer ',
    'be ',
    'written.',
  ];

  it('sends deltas to the task’s follower that add up to its output, the same as unstreamed', async () => {
    const registered = await runtime.api('POST', '/v1/agents', {
      id: 'streamer',
      model: { provider: 'openai', model: 'test-model', baseUrl: modelUrl },
    });
    expect(registered.status).toBe(201);
    // Paused, so that the task waits while the test subscribes: the worker looks for followers
    // when the model call starts.
    await runtime.api('POST', '/v1/agents/streamer/pause');
    const answer = {
      chunks,
      chunkDelayMs: 40,
      usage: { prompt_tokens: 12, completion_tokens: 10 },
    };
    model.answer(answer, answer);
    const watched = (await runtime.api('POST', '/v1/tasks', { agentId: 'streamer', input: 'hi' }))
      .body.id as string;
    const client = await connect();
    client.send({ action: 'subscribe', taskId: watched, after: null });
    await client.waitFor((f) => f.type === 'subscribed' && f.taskId === watched);
    await runtime.api('POST', '/v1/agents/streamer/resume');

    const done = await waitForTask(runtime, watched, ['succeeded']);
    expect(done.output).toBe(chunks.join(''));
    const deltas = await eventually(
      async () => {
        const found = client.frames.filter((f) => f.type === 'delta' && f.taskId === watched);
        return found.map((f) => f.text).join('') === done.output ? found : undefined;
      },
      { what: 'deltas adding up to the output', timeoutMs: 10_000 },
    );
    expect(deltas[0]).toMatchObject({ threadId: null, attempt: 1, call: 0 });
    // Batched: fewer frames than chunks.
    expect(deltas.length).toBeLessThan(chunks.length);
    expect(model.requests.at(-1)?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });

    // Nobody follows this one: no streaming asked, no deltas, the same result.
    const plain = (await runtime.api('POST', '/v1/tasks', { agentId: 'streamer', input: 'hi' }))
      .body.id as string;
    const unwatched = await waitForTask(runtime, plain, ['succeeded']);
    expect(model.requests.at(-1)?.body.stream).toBeUndefined();
    expect(unwatched.output).toBe(done.output);
    expect(unwatched.usage).toEqual(done.usage);
    expect(client.frames.some((f) => f.type === 'delta' && f.taskId === plain)).toBe(false);
    // Deltas are not events: the trace has none.
    expect((await traceIds(watched)).some((e) => e.type.includes('delta'))).toBe(false);
  }, 60_000);
});
