/**
 * Threads end to end, over HTTP against `npm start`: a conversation of several turns with tool
 * calls whose history reaches an OpenAI-compatible server (run here, on loopback) in OpenAI's
 * form; turns one at a time in order, `reject` refused with 409 writing nothing; agent keys kept
 * to their own agent's threads; bad input refused naming the field; thread events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FeedClient, openFeed } from '../helpers/feed-client.js';
import { OpenAiTestServer, type ScriptedAnswer } from '../helpers/openai-server.js';
import {
  eventually,
  type RuntimeHandle,
  removeDataDir,
  startRuntime,
  waitForTask,
} from '../helpers/runtime.js';

let runtime: RuntimeHandle;
let modelUrl = '';
let calls = 0;
const feeds: FeedClient[] = [];

/** A model that computes with math.eval: asks the tool for each question, then answers. */
function respond(body: Record<string, any>): ScriptedAnswer {
  const last = body.messages.at(-1);
  if (last?.role === 'tool') return { chunks: ['The answer ', `is ${last.content}`] };
  const question = String(last?.content ?? '');
  const expression = question.replace(/^what is /, '').replace(/\?$/, '');
  calls += 1;
  return {
    toolCalls: [
      { id: `call_${calls}`, name: 'math__eval', arguments: JSON.stringify({ expression }) },
    ],
  };
}
const model = new OpenAiTestServer(respond);
const chatsOf = () => model.requests.map((r) => r.body);

beforeAll(async () => {
  modelUrl = await model.start();
  runtime = await startRuntime();
  const agents = [
    {
      id: 'calculator',
      instructions: 'You compute.',
      tools: ['math.eval'],
      model: { provider: 'openai', model: 'test-model', baseUrl: modelUrl },
    },
    // Each turn takes a while: long enough to send messages while one runs.
    {
      id: 'slow-echo',
      model: { provider: 'scripted', turns: [{ text: 'echo: {{input}}', delayMs: 700 }] },
    },
    { id: 'echo', model: { provider: 'echo' } },
  ];
  for (const agent of agents) {
    const { status } = await runtime.api('POST', '/v1/agents', agent);
    expect(status).toBe(201);
  }
});

afterAll(async () => {
  for (const feed of feeds) feed.socket.terminate();
  expect(await runtime?.stop()).toBe(true);
  removeDataDir(runtime.dataDir);
  await model.stop();
});

async function newThread(agentId: string, extra: Record<string, unknown> = {}) {
  const { status, body } = await runtime.api('POST', '/v1/threads', { agentId, ...extra });
  expect(status).toBe(201);
  return body as { id: string };
}

async function say(threadId: string, content: unknown, extra: Record<string, unknown> = {}) {
  return runtime.api('POST', `/v1/threads/${threadId}/messages`, { content, ...extra });
}

describe('a conversation', () => {
  it('gives every turn the history, tool calls and results included, in OpenAI form', async () => {
    // Prepare
    const thread = await newThread('calculator', { metadata: { user: 'ada' } });

    // Act: three turns, each waited for.
    const turns: string[] = [];
    for (const question of ['what is 6*7?', 'what is 42*2?', 'what is 84+1?']) {
      const { status, body } = await say(thread.id, question);
      expect(status).toBe(202);
      expect(body.message).toMatchObject({ threadId: thread.id, role: 'user', content: question });
      turns.push(body.taskId);
      await waitForTask(runtime, body.taskId, ['succeeded']);
    }

    // Assess: the third turn's first call received the whole conversation before it.
    const third = chatsOf().at(-2) as { messages: Record<string, any>[] };
    expect(third.messages.map((m) => m.role)).toEqual([
      'system',
      'user',
      'assistant',
      'tool',
      'assistant',
      'user',
      'assistant',
      'tool',
      'assistant',
      'user',
    ]);
    expect(third.messages[0]?.content).toBe('You compute.');
    expect(third.messages[2]?.tool_calls?.[0]?.function).toEqual({
      name: 'math__eval',
      arguments: JSON.stringify({ expression: '6*7' }),
    });
    expect(third.messages[3]).toMatchObject({
      role: 'tool',
      tool_call_id: third.messages[2]?.tool_calls?.[0]?.id,
      content: '{"value":42}',
    });
    expect(third.messages[4]?.content).toBe('The answer is {"value":42}');
    expect(third.messages[9]?.content).toBe('what is 84+1?');

    // The thread holds every message once, each turn right after its question.
    const { body: listed } = await runtime.api(
      'GET',
      `/v1/threads/${thread.id}/messages?limit=100`,
    );
    expect(listed.items.map((m: { role: string }) => m.role)).toEqual(
      Array.from({ length: 3 }, () => ['user', 'assistant', 'tool', 'assistant']).flat(),
    );
    expect(listed.items[1].toolCalls[0]).toMatchObject({ name: 'math.eval' });
    expect(listed.items.at(-1)).toMatchObject({
      role: 'assistant',
      content: 'The answer is {"value":85}',
      taskId: turns[2],
    });
    const { body: got } = await runtime.api('GET', `/v1/threads/${thread.id}`);
    expect(got).toMatchObject({
      id: thread.id,
      agentId: 'calculator',
      status: 'idle',
      messageCount: 12,
      metadata: { user: 'ada' },
    });
    expect(got.usage.modelCalls).toBe(6);
    // A turn is a task that names its thread, and says what its model calls received.
    const { body: task } = await runtime.api('GET', `/v1/tasks/${turns[2]}`);
    expect(task).toMatchObject({ threadId: thread.id, status: 'succeeded' });
    expect(task.context).toEqual({ messages: 11, omitted: 0 });
    const { body: listedTasks } = await runtime.api('GET', '/v1/tasks?agentId=calculator');
    expect(listedTasks.items[0].threadId).toBe(thread.id);
  });

  it('echo answers the newest message', async () => {
    // Prepare
    const thread = await newThread('echo');
    await waitForTask(runtime, (await say(thread.id, 'first')).body.taskId, ['succeeded']);

    // Act
    const { body } = await say(thread.id, { second: true });
    const task = await waitForTask(runtime, body.taskId, ['succeeded']);

    // Assess
    expect(task.output).toBe('{"second":true}');
  });
});

describe('one turn at a time', () => {
  it('queues messages sent while a turn runs, runs them in order, and rejects on request', async () => {
    // Prepare
    const thread = await newThread('slow-echo');

    // Act: three messages at once (queue), then one that must not wait (reject).
    const sent = [];
    for (const content of ['one', 'two', 'three']) sent.push((await say(thread.id, content)).body);
    const busy = await runtime.api('GET', `/v1/threads/${thread.id}`);
    const refused = await say(thread.id, 'now!', { ifBusy: 'reject' });

    // Assess: 409 in the contract's shape, and nothing written.
    expect(busy.body.status).toBe('busy');
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('Conflict');
    const tasks = [];
    for (const { taskId } of sent) tasks.push(await waitForTask(runtime, taskId, ['succeeded']));
    for (let i = 1; i < tasks.length; i++) {
      expect(Date.parse(tasks[i].startedAt)).toBeGreaterThanOrEqual(
        Date.parse(tasks[i - 1].finishedAt),
      );
    }
    const { body: listed } = await runtime.api('GET', `/v1/threads/${thread.id}/messages`);
    expect(listed.items.map((m: { content: string }) => m.content)).toEqual([
      'one',
      'echo: one',
      'two',
      'echo: two',
      'three',
      'echo: three',
    ]);
    const { body: idle } = await eventually(async () => {
      const response = await runtime.api('GET', `/v1/threads/${thread.id}`);
      return response.body.status === 'idle' ? response : undefined;
    });
    expect(idle.messageCount).toBe(6);
  });
});

describe('agent keys', () => {
  it('see and use only their own agent’s threads', async () => {
    // Prepare
    const mine = await newThread('echo');
    const theirs = await newThread('calculator');
    const { body: key } = await runtime.api('POST', '/v1/keys', { scope: 'agent:echo' });
    const as = { authorization: `Bearer ${key.key}` };

    // Act
    const own = await runtime.api('GET', `/v1/threads/${mine.id}`, undefined, as);
    const other = await runtime.api('GET', `/v1/threads/${theirs.id}`, undefined, as);
    const post = await runtime.api(
      'POST',
      `/v1/threads/${theirs.id}/messages`,
      { content: 'hi' },
      as,
    );
    const list = await runtime.api('GET', '/v1/threads', undefined, as);
    const listOther = await runtime.api('GET', '/v1/threads?agentId=calculator', undefined, as);
    const create = await runtime.api('POST', '/v1/threads', { agentId: 'no-such-agent' }, as);
    const messages = await runtime.api('GET', `/v1/threads/${theirs.id}/messages`, undefined, as);

    // Assess
    expect(own.status).toBe(200);
    for (const refused of [other, post, listOther, create, messages]) {
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('Forbidden');
    }
    expect(list.body.items.every((t: { agentId: string }) => t.agentId === 'echo')).toBe(true);
    expect(list.body.items.map((t: { id: string }) => t.id)).toContain(mine.id);
  });
});

describe('bad input', () => {
  it.each([
    ['POST', '/v1/threads', { agentId: 'Not An Id' }, 'agentId'],
    ['POST', '/v1/threads', { agentId: 'echo', ttlSeconds: -1 }, 'ttlSeconds'],
    ['POST', '/v1/threads', { agentId: 'echo', colour: 'red' }, 'colour'],
  ])('%s %s %j is 400 naming %s', async (method, path, body, field) => {
    // Act
    const { status, body: answer } = await runtime.api(method, path, body);

    // Assess
    expect(status).toBe(400);
    expect(answer.error.details.map((d: { path: string }) => d.path)).toContain(field);
  });

  it('a bad message is 400 naming the field, and writes nothing', async () => {
    // Prepare
    const thread = await newThread('echo');

    // Act
    const missing = await say(thread.id, undefined);
    const busyMode = await say(thread.id, 'x', { ifBusy: 'later' });
    const priority = await say(thread.id, 'x', { priority: 'urgent' });
    const after = await runtime.api('GET', `/v1/threads/${thread.id}/messages?after=nope`);

    // Assess
    expect(missing.body.error.details[0].path).toBe('content');
    expect(busyMode.body.error.details[0].path).toBe('ifBusy');
    expect(priority.body.error.details[0].path).toBe('priority');
    expect(after.status).toBe(400);
    for (const r of [missing, busyMode, priority]) expect(r.status).toBe(400);
    const { body } = await runtime.api('GET', `/v1/threads/${thread.id}`);
    expect(body.messageCount).toBe(0);
  });

  it('unknown and malformed thread ids are 404', async () => {
    // Act
    const unknown = await runtime.api('GET', '/v1/threads/01JAAAAAAAAAAAAAAAAAAAAAAA');
    const malformed = await runtime.api('POST', '/v1/threads/../x/messages', { content: 'x' });

    // Assess
    expect(unknown.status).toBe(404);
    expect(malformed.status).toBe(404);
  });
});

describe('events and deletion', () => {
  it('announce thread.created and each thread.message with the thread, agent and role', async () => {
    // Prepare
    const thread = await newThread('echo');
    const { body } = await say(thread.id, 'ping');
    await waitForTask(runtime, body.taskId, ['succeeded']);

    // Act
    const events = await eventually(async () => {
      const { body: page } = await runtime.api('GET', '/v1/events?type=thread.*&limit=100');
      const ours = page.items.filter(
        (e: { detail: { data: { threadId: string } } }) => e.detail.data.threadId === thread.id,
      );
      return ours.length >= 3 ? ours : undefined;
    });

    // Assess
    const byType = (type: string) => events.filter((e: { type: string }) => e.type === type);
    expect(byType('thread.created')).toHaveLength(1);
    const messages = byType('thread.message').map(
      (e: { detail: { data: Record<string, unknown> } }) => e.detail.data,
    );
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          role: 'user',
          agentId: 'echo',
          taskId: body.taskId,
          content: 'ping',
        }),
        expect.objectContaining({ role: 'assistant', agentId: 'echo', content: 'ping' }),
      ]),
    );
  });

  it('DELETE removes the thread (200, the thread as it was); it is 404 after', async () => {
    // Prepare
    const thread = await newThread('echo');
    await waitForTask(runtime, (await say(thread.id, 'bye')).body.taskId, ['succeeded']);
    await eventually(async () => {
      const { body } = await runtime.api('GET', `/v1/threads/${thread.id}`);
      return body.status === 'idle' ? true : undefined;
    });

    // Act
    const deleted = await runtime.api('DELETE', `/v1/threads/${thread.id}`);

    // Assess
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id: thread.id, messageCount: 2 });
    expect((await runtime.api('GET', `/v1/threads/${thread.id}`)).status).toBe(404);
    expect((await say(thread.id, 'anyone?')).status).toBe(404);
  });
});

describe('following a thread on the feed', () => {
  async function follow(threadId: string, after: string | null = null): Promise<FeedClient> {
    const feed = await openFeed(`${runtime.url.replace(/^http/, 'ws')}/ws?token=${runtime.key}`);
    feeds.push(feed);
    feed.send({ action: 'subscribe', types: [] });
    feed.send({ action: 'subscribe', threadId, after });
    await feed.waitFor((f) => f.type === 'subscribed' && f.threadId === threadId);
    return feed;
  }
  const eventsIn = (feed: FeedClient, threadId: string) =>
    feed.frames
      .filter((f) => f.type === 'event' && f.event.detail.data.threadId === threadId)
      .map((f) => ({ id: f.event.id as string, type: f.event.type as string }));

  it('gets a turn’s task, model and tool events and its streamed answer, and all again in replay', async () => {
    // Prepare
    const thread = await newThread('calculator');
    const live = await follow(thread.id);

    // Act
    const { body } = await say(thread.id, 'what is 2+3?');
    const done = await waitForTask(runtime, body.taskId, ['succeeded']);

    // Assess: live, every event of the turn, named by the thread.
    const seen = await eventually(
      async () => {
        const types = eventsIn(live, thread.id).map((e) => e.type);
        return types.includes('task.succeeded') && types.includes('thread.message')
          ? eventsIn(live, thread.id)
          : undefined;
      },
      { what: `the turn's events on the feed of ${thread.id}` },
    );
    expect(seen.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'thread.created',
        'thread.message',
        'task.queued',
        'task.started',
        'model.invoked',
        'tool.invoked',
        'task.step',
        'task.succeeded',
      ]),
    );
    // The answer streamed to the thread's follower, adding up to the turn's output.
    expect(done.output).toBe('The answer is {"value":5}');
    const deltas = await eventually(
      async () => {
        const found = live.frames.filter((f) => f.type === 'delta' && f.threadId === thread.id);
        return found.map((f) => f.text).join('') === done.output ? found : undefined;
      },
      { what: 'deltas adding up to the answer' },
    );
    expect(deltas.every((f) => f.taskId === body.taskId)).toBe(true);
    expect(chatsOf().at(-1)?.stream).toBe(true);

    // Act: a follower that comes later replays the same events, in the same order.
    const thread2 = await eventually(async () => {
      const { body: t } = await runtime.api('GET', `/v1/threads/${thread.id}`);
      return t.status === 'idle' ? t : undefined;
    });
    expect(thread2.messageCount).toBe(4);
    const finalCount = eventsIn(live, thread.id).length;
    const late = await follow(thread.id);

    // Assess
    const replayed = await eventually(async () => {
      const found = eventsIn(late, thread.id);
      return found.length >= finalCount ? found : undefined;
    });
    expect(replayed).toEqual(eventsIn(live, thread.id));
  });
});
