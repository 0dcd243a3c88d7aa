/**
 * The typed client against the product as a user runs it (`npm start`): agents, tasks with
 * Idempotency-Key and waiting, lists walked page by page, typed errors, and the live feed; and
 * `agent-core/client` imported by name, as a dependent package would, in a plain Node process.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentCoreClient, AgentCoreError, type Feed, type FeedEvent } from '../../client/index.js';
import { OpenAiTestServer } from '../helpers/openai-server.js';
import { eventually, type RuntimeHandle, removeDataDir, startRuntime } from '../helpers/runtime.js';

let runtime: RuntimeHandle;
let ac: AgentCoreClient;
const model = new OpenAiTestServer();
let modelUrl: string;
const uid = Math.random().toString(36).slice(2, 8);
const agentId = `client-${uid}`;

beforeAll(async () => {
  modelUrl = await model.start();
  runtime = await startRuntime();
  ac = new AgentCoreClient({ baseUrl: runtime.url, apiKey: runtime.key });
  await ac.agents.register({
    id: agentId,
    model: { provider: 'scripted', turns: [{ text: 'done: {{input}}', delayMs: 300 }] },
    tags: [`client-${uid}`],
  });
});

afterAll(async () => {
  expect(await runtime?.stop()).toBe(true);
  removeDataDir(runtime.dataDir);
  await model.stop();
});

describe('the typed client against npm start', () => {
  it('submits a task once per Idempotency-Key and waits for it', async () => {
    const key = `submit-${uid}`;
    const first = await ac.tasks.submit({ agentId, input: 'one' }, { idempotencyKey: key });
    const again = await ac.tasks.submit({ agentId, input: 'one' }, { idempotencyKey: key });
    expect(again.id).toBe(first.id);
    const seen: string[] = [];
    const done = await ac.tasks.wait(first.id, {
      timeoutMs: 30_000,
      onUpdate: (t) => seen.push(t.status),
    });
    expect(done).toMatchObject({ status: 'succeeded', output: 'done: one' });
    expect(seen.at(-1)).toBe('succeeded');
    const conflict = await ac.tasks
      .submit({ agentId, input: 'other' }, { idempotencyKey: key })
      .catch((e: unknown) => e);
    expect(conflict).toMatchObject({ status: 409, code: 'Conflict' });
  });

  it('walks a list across pages', async () => {
    await Promise.all([1, 2, 3].map((n) => ac.tasks.submit({ agentId, input: `page ${n}` })));
    const ids: string[] = [];
    for await (const task of ac.tasks.iterate({ agentId, limit: 2 })) ids.push(task.id);
    expect(ids.length).toBeGreaterThanOrEqual(4);
    expect(new Set(ids).size).toBe(ids.length);
    const agents: string[] = [];
    for await (const agent of ac.agents.iterate({ tag: `client-${uid}`, limit: 1 })) {
      agents.push(agent.id);
    }
    expect(agents).toEqual([agentId]);
  });

  it('throws typed errors with the field paths, and auth errors', async () => {
    const invalid = await ac.tasks
      .submit({ agentId, input: 'x', priority: 'urgent' as never })
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(AgentCoreError);
    expect(invalid).toMatchObject({ status: 400, code: 'ValidationError' });
    expect((invalid as AgentCoreError).details.map((d) => d.path)).toEqual(['priority']);
    const missing = await ac.agents.get('no-such-agent').catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, code: 'NotFound' });
    const anonymous = new AgentCoreClient({ baseUrl: runtime.url, apiKey: 'wrong' });
    await expect(anonymous.agents.list()).rejects.toMatchObject({
      status: 401,
      isAuthError: true,
    });
    // The public routes need no key.
    expect(await anonymous.health()).toMatchObject({ status: 'ok', runtime: 'local' });
    expect((await anonymous.openapi()).openapi).toBe('3.1.0');
  });

  it('receives a task live from the feed, by type', async () => {
    let feed: Feed | undefined;
    try {
      feed = ac.feed({ types: ['task.*'] });
      const types: string[] = [];
      let taskId = '';
      feed.on('event', (event) => {
        if (event.detail.data.taskId === taskId) types.push(event.type);
      });
      // Listening for the acknowledgement before the connection opens: nothing is missed.
      const subscribed = new Promise<void>((resolveSubscribed) => {
        const off = feed?.on('subscribed', () => {
          off?.();
          resolveSubscribed();
        });
      });
      await feed.opened();
      await subscribed;
      taskId = (await ac.tasks.submit({ agentId, input: 'live' })).id;
      await eventually(async () => (types.includes('task.succeeded') ? true : undefined), {
        what: 'task.succeeded on the feed',
      });
      expect(types).toContain('task.queued');
    } finally {
      feed?.close();
    }
  });

  it('follows a task: its events replayed then live, and the answer streamed as deltas', async () => {
    const streamer = `streamer-${uid}`;
    await ac.agents.register({
      id: streamer,
      model: { provider: 'openai', model: 'test-model', baseUrl: modelUrl },
    });
    // Paused, so that the task waits until it is followed (the worker looks for followers as
    // the model call starts).
    await ac.agents.pause(streamer);
    const chunks = ['Typed ', 'clients ', 'follow ', 'answers ', 'as ', 'they ', 'come.'];
    model.answer({ chunks, chunkDelayMs: 40 });
    const task = await ac.tasks.submit({ agentId: streamer, input: 'hi' });
    let feed: Feed | undefined;
    try {
      feed = ac.feed({ taskId: task.id, after: null });
      const events: FeedEvent[] = [];
      let text = '';
      feed.on('event', (event) => events.push(event));
      feed.on('delta', (delta) => {
        text = delta.reset ? delta.text : text + delta.text;
      });
      const followed = new Promise<void>((resolveFollowed) => {
        feed?.on('subscribed', () => resolveFollowed());
      });
      await followed;
      await ac.agents.resume(streamer);
      const done = await ac.tasks.wait(task.id, { timeoutMs: 30_000 });
      expect(done.output).toBe(chunks.join(''));
      await eventually(async () => (text === done.output ? true : undefined), {
        what: 'the deltas to add up to the output',
      });
      await eventually(
        async () => (events.some((e) => e.type === 'task.succeeded') ? true : undefined),
        { what: 'task.succeeded, live' },
      );
      // What happened before the subscription came too (replayed or live), each event once.
      expect(events.map((e) => e.type)).toContain('task.queued');
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    } finally {
      feed?.close();
    }
  });

  it('is importable as agent-core/client from a plain Node process', () => {
    const script = `
      const { AgentCoreClient } = await import('agent-core/client');
      const ac = new AgentCoreClient({ baseUrl: process.env.URL, apiKey: process.env.KEY });
      const page = await ac.agents.list({ limit: 1 });
      process.stdout.write(JSON.stringify({ health: (await ac.health()).status, items: page.items.length }));
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: resolve(import.meta.dirname, '../..'),
      env: { ...process.env, URL: runtime.url, KEY: runtime.key },
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ health: 'ok', items: 1 });
  });
});
