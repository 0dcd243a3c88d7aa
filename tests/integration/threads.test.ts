/**
 * Threads against a real DynamoDB protocol server (dynalite): the turn lock under concurrency,
 * turns that run one at a time and in order however fast messages come, `reject` writing
 * nothing, history read newest first within the budget (the same reads for 50 messages as for
 * 10,000), retention, and a waiting turn cancelled. The worker runs turns in-process (echo).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoTaskStore } from '../../shared/adapters/dynamo-task-store.js';
import { DynamoThreadStore } from '../../shared/adapters/dynamo-thread-store.js';
import { DynamoTraceStore } from '../../shared/adapters/dynamo-trace-store.js';
import { ConflictError } from '../../shared/core/errors.js';
import { newId } from '../../shared/core/ids.js';
import { runTaskMessage, type WorkerDeps } from '../../shared/core/kernel/run-task.js';
import type { Task } from '../../shared/core/tasks/task.js';
import { cancelTask } from '../../shared/core/tasks/task-service.js';
import {
  createThread,
  listMessages,
  postMessage,
  type ThreadDeps,
} from '../../shared/core/threads/thread-service.js';
import { endTurn } from '../../shared/core/threads/turns.js';
import { toolCatalogue } from '../../shared/core/tools/catalogue.js';
import { CREDENTIALS, REGION, uniqueId, useLocalAws } from '../helpers/aws-local.js';
import {
  buildAgent,
  InMemoryAgentStore,
  InMemoryTaskQueue,
  RecordingEventPublisher,
} from '../helpers/in-memory.js';
import { seedHistory } from '../helpers/thread-history.js';

const aws = useLocalAws();
const clock = { now: () => new Date() };

/** The DynamoDB commands a client sends, by name, while counting is on. */
function countingClient() {
  // A client of its own: middleware added to a shared one would count every test's commands.
  const raw = new DynamoDBClient({
    region: REGION,
    endpoint: aws().emulators.dynamoEndpoint,
    credentials: CREDENTIALS,
  });
  const client = DynamoDBDocumentClient.from(raw, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const sent: string[] = [];
  let on = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (on) sent.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return {
    client,
    sent,
    count<T>(work: () => Promise<T>): Promise<T> {
      sent.length = 0;
      on = true;
      return work().finally(() => {
        on = false;
      });
    },
  };
}

function world(agentLimits: Record<string, number> = {}) {
  const counting = countingClient();
  const threads = new DynamoThreadStore(counting.client, aws().tableName);
  const tasks = new DynamoTaskStore(counting.client, aws().tableName);
  const agentId = uniqueId('chat');
  const agents = new InMemoryAgentStore().seed(
    buildAgent({ id: agentId, model: { provider: 'echo' }, limits: agentLimits }),
  );
  const queue = new InMemoryTaskQueue();
  const events = new RecordingEventPublisher();
  const turnDeps = { threads, tasks, queue, clock };
  const deps: ThreadDeps = { threads, agents, tasks, queue, events };
  const worker: WorkerDeps = {
    agents,
    tasks,
    events,
    clock,
    tools: toolCatalogue,
    retry: { baseSeconds: 1, maxSeconds: 1 },
    threads,
    queue,
    onFinished: (task) => endTurn(turnDeps, task),
  };
  const ctx = { correlationId: 'corr-threads', clock };
  /** Runs every task message the queue holds, one after another, until it is empty. */
  const drain = async () => {
    let done = 0;
    while (done < queue.sent.length) {
      const envelope = queue.sent[done++];
      if (!envelope) break;
      await runTaskMessage(worker, envelope);
    }
  };
  return { counting, threads, tasks, agents, agentId, queue, events, deps, worker, ctx, drain };
}

describe('the turn lock', () => {
  it('goes to exactly one of many tasks asking at once', async () => {
    // Prepare
    const w = world();
    const thread = await createThread(w.deps, { agentId: w.agentId }, w.ctx);

    // Act
    const asks = Array.from({ length: 12 }, (_, i) =>
      w.threads.lock(thread.id, `task-${i}`, { messages: 1, settled: 1 }),
    );
    const turns = await Promise.all(asks);

    // Assess
    const holders = turns.filter((t) => t !== undefined);
    expect(holders).toHaveLength(1);
    const record = await w.threads.get(thread.id);
    expect(record?.turn.taskId).toBe(holders[0]?.taskId);
    expect(record?.thread).toMatchObject({ status: 'busy', messageCount: 1 });
    expect(await w.threads.unlock(thread.id, 'task-other', { messages: 0, settled: 0 })).toBe(
      false,
    );
    expect(
      await w.threads.unlock(thread.id, String(holders[0]?.taskId), { messages: 0, settled: 0 }),
    ).toBe(true);
    expect((await w.threads.get(thread.id))?.thread.status).toBe('idle');
  });
});

describe('turns', () => {
  it('run one at a time, in the order their messages came, each after its own question', async () => {
    // Prepare
    const w = world();
    const thread = await createThread(w.deps, { agentId: w.agentId }, w.ctx);

    // Act: eight messages at once, then the worker runs whatever is sent to it.
    const posted = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        postMessage(w.deps, thread, { content: `message ${i}` }, w.ctx),
      ),
    );
    expect(w.queue.sent).toHaveLength(1);
    await w.drain();

    // Assess: every turn ran, once, in the order of its question's id.
    const byQuestion = [...posted].sort((a, b) => (a.message.id < b.message.id ? -1 : 1));
    const tasks = (await Promise.all(byQuestion.map((p) => w.tasks.get(p.taskId)))) as Task[];
    expect(tasks.map((t) => t.status)).toEqual(Array(8).fill('succeeded'));
    expect(w.queue.sentIds()).toEqual(byQuestion.map((p) => p.taskId));
    for (let i = 1; i < tasks.length; i++) {
      expect(Date.parse(tasks[i]?.startedAt ?? '')).toBeGreaterThanOrEqual(
        Date.parse(tasks[i - 1]?.finishedAt ?? ''),
      );
    }
    // The thread reads question, answer, question, answer…: each answer right after its own.
    const messages = await listMessages(w.deps, thread, { limit: 100 });
    expect(messages.items.map((m) => m.role)).toEqual(
      Array.from({ length: 8 }, () => ['user', 'assistant']).flat(),
    );
    for (let i = 0; i < 16; i += 2) {
      expect(messages.items[i + 1]?.content).toBe(messages.items[i]?.content);
      expect(messages.items[i + 1]?.taskId).toBe(messages.items[i]?.taskId);
    }
    // Each turn saw the turns before it.
    expect(tasks.map((t) => t.context?.messages)).toEqual([1, 3, 5, 7, 9, 11, 13, 15]);
    const record = await w.threads.get(thread.id);
    expect(record?.thread).toMatchObject({ status: 'idle', messageCount: 16 });
    expect(record?.thread.usage.modelCalls).toBe(8);
  });

  it('reject: a message to a busy thread is refused and nothing is written', async () => {
    // Prepare: a turn holds the thread.
    const w = world();
    const thread = await createThread(w.deps, { agentId: w.agentId }, w.ctx);
    await postMessage(w.deps, thread, { content: 'first' }, w.ctx);
    const before = await w.threads.get(thread.id);

    // Act
    const refused = postMessage(w.deps, thread, { content: 'second', ifBusy: 'reject' }, w.ctx);

    // Assess
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    expect(await w.threads.get(thread.id)).toEqual(before);
    expect((await listMessages(w.deps, thread, { limit: 10 })).items).toHaveLength(1);
    expect(w.queue.sent).toHaveLength(1);
    expect(w.events.ofType('task.queued')).toHaveLength(1);
  });

  it('a turn cancelled while it waits leaves the queue; the next one runs', async () => {
    // Prepare: one turn holds the thread, two wait.
    const w = world();
    const thread = await createThread(w.deps, { agentId: w.agentId }, w.ctx);
    const [, second, third] = [
      await postMessage(w.deps, thread, { content: 'one' }, w.ctx),
      await postMessage(w.deps, thread, { content: 'two' }, w.ctx),
      await postMessage(w.deps, thread, { content: 'three' }, w.ctx),
    ];

    // Act
    await cancelTask(
      { tasks: w.tasks, events: w.events, onFinished: w.worker.onFinished },
      second?.taskId ?? '',
      w.ctx,
    );
    await w.drain();

    // Assess
    expect((await w.tasks.get(third?.taskId ?? ''))?.status).toBe('succeeded');
    expect(w.queue.sentIds()).not.toContain(second?.taskId);
    expect((await w.threads.get(thread.id))?.thread.status).toBe('idle');
    // The third turn's history has the cancelled question, with no answer.
    expect((await w.tasks.get(third?.taskId ?? ''))?.context).toEqual({ messages: 4, omitted: 0 });
  });
});

describe('a turn’s events', () => {
  /** Every event about the task, by type, and whether it names the thread. */
  const namesOf = (w: ReturnType<typeof world>, taskId: string, threadId: string) =>
    w.events.events
      .filter((e) => e.detail.data.taskId === taskId)
      .map((e) => [e.type, e.detail.data.threadId === threadId] as const);

  it('all name the thread, so that its followers get them live and in replay', async () => {
    // Prepare: a turn that calls a tool, then answers.
    const w = world();
    const agentId = uniqueId('calc');
    w.agents.seed(
      buildAgent({
        id: agentId,
        tools: ['math.eval'],
        model: {
          provider: 'scripted',
          turns: [
            { toolCalls: [{ name: 'math.eval', input: { expression: '6*7' } }] },
            { text: '{{lastToolResult}}' },
          ],
        },
      }),
    );
    const thread = await createThread(w.deps, { agentId }, w.ctx);

    // Act
    const { taskId } = await postMessage(w.deps, thread, { content: 'six sevens?' }, w.ctx);
    await w.drain();

    // Assess
    expect((await w.tasks.get(taskId))?.output).toBe('{"value":42}');
    const named = namesOf(w, taskId, thread.id);
    expect(named.map(([type]) => type)).toEqual(
      expect.arrayContaining([
        'task.queued',
        'task.started',
        'model.invoked',
        'tool.invoked',
        'task.step',
        'task.succeeded',
        'thread.message',
      ]),
    );
    expect(named.filter(([, names]) => !names)).toEqual([]);
  });

  it('name the thread when the turn fails, too', async () => {
    // Prepare: a script that calls a tool, then has nothing more to say (ScriptExhausted).
    const w = world();
    const agentId = uniqueId('mute');
    w.agents.seed(
      buildAgent({
        id: agentId,
        tools: ['math.eval'],
        model: {
          provider: 'scripted',
          turns: [{ toolCalls: [{ name: 'math.eval', input: { expression: '1+1' } }] }],
        },
      }),
    );
    const thread = await createThread(w.deps, { agentId }, w.ctx);

    // Act
    const { taskId } = await postMessage(w.deps, thread, { content: 'hello?' }, w.ctx);
    await w.drain();

    // Assess
    expect((await w.tasks.get(taskId))?.status).toBe('failed');
    const named = namesOf(w, taskId, thread.id);
    expect(named.map(([type]) => type)).toEqual(
      expect.arrayContaining(['task.started', 'tool.invoked', 'task.step', 'task.failed']),
    );
    expect(named.filter(([, names]) => !names)).toEqual([]);
  });
});

describe('history', () => {
  /** Runs one turn on a thread of `n` messages; answers the reads it made and its task. */
  async function turnOn(n: number) {
    const w = world({ contextTokens: 200 });
    const thread = await createThread(w.deps, { agentId: w.agentId }, w.ctx);
    await seedHistory(w.threads, thread.id, n);
    const { taskId } = await postMessage(w.deps, thread, { content: 'and now?' }, w.ctx);
    await w.counting.count(() => w.drain());
    const reads = w.counting.sent.filter((name) => /^(Get|Query|BatchGet)/.test(name));
    return { reads, task: (await w.tasks.get(taskId)) as Task };
  }

  it('costs the same reads per turn for 10,000 messages as for 50', async () => {
    // Act
    const small = await turnOn(50);
    const large = await turnOn(10_000);

    // Assess
    expect(large.reads).toEqual(small.reads);
    expect(large.task.context?.messages).toBe(small.task.context?.messages);
    expect(small.task.context?.messages).toBeLessThan(50);
    // The task records what it left out: every message it did not send.
    expect(small.task.context).toEqual({
      messages: small.task.context?.messages,
      omitted: 51 - (small.task.context?.messages ?? 0),
    });
    expect(large.task.context?.omitted).toBe(10_001 - (large.task.context?.messages ?? 0));
  }, 240_000);

  it('reads only messages, though the thread’s trace and followers share its partition', async () => {
    // Prepare: a thread with one exchange, and its trace as the event sink writes it.
    const w = world();
    const thread = await createThread(w.deps, { agentId: w.agentId }, w.ctx);
    await postMessage(w.deps, thread, { content: 'first' }, w.ctx);
    await w.drain();
    const traces = new DynamoTraceStore(w.counting.client, aws().tableName, 30);
    await traces.recordMany(
      ['thread.message', 'task.succeeded'].map((type) => ({
        owner: { kind: 'thread' as const, id: thread.id },
        entry: { eventId: newId(), type, time: new Date().toISOString(), source: 's', data: {} },
      })),
    );

    // Act
    const { taskId } = await postMessage(w.deps, thread, { content: 'second' }, w.ctx);
    await w.drain();

    // Assess: the question, the answer before it, and nothing else.
    expect((await w.tasks.get(taskId))?.context).toEqual({ messages: 3, omitted: 0 });
    expect((await w.threads.get(thread.id))?.thread.messageCount).toBe(4);
  });

  it('leaves out messages past the thread’s retention, whether or not DynamoDB deleted them', async () => {
    // Prepare: a thread that keeps messages 60 s; a store that reads two minutes later.
    const w = world();
    const thread = await createThread(w.deps, { agentId: w.agentId, ttlSeconds: 60 }, w.ctx);
    await postMessage(w.deps, thread, { content: 'soon gone' }, w.ctx);
    await w.drain();
    const later = new DynamoThreadStore(
      w.counting.client,
      aws().tableName,
      () => new Date(Date.now() + 120_000),
    );

    // Act
    const now = await w.threads.listMessages(thread.id, { limit: 10 });
    const then = await later.listMessages(thread.id, { limit: 10 });

    // Assess
    expect(now.items).toHaveLength(2);
    expect(then.items).toEqual([]);
  });

  it('lists after a message id, oldest first, a page at a time', async () => {
    // Prepare
    const w = world();
    const thread = await createThread(w.deps, { agentId: w.agentId }, w.ctx);
    for (const content of ['a', 'b', 'c']) {
      await postMessage(w.deps, thread, { content }, w.ctx);
      await w.drain();
    }

    // Act
    const first = await listMessages(w.deps, thread, { limit: 2 });
    const rest = await listMessages(w.deps, thread, { limit: 10, after: first.nextCursor ?? '' });

    // Assess
    expect(first.items.map((m) => m.content)).toEqual(['a', 'a']);
    expect(rest.items.map((m) => m.content)).toEqual(['b', 'b', 'c', 'c']);
    expect(rest.nextCursor).toBeNull();
  });
});

describe('removing messages', () => {
  it('removes the messages named, and no other', async () => {
    // Prepare: 60 messages (more than one batch of 25 to delete).
    const w = world();
    const thread = await createThread(w.deps, { agentId: w.agentId }, w.ctx);
    await seedHistory(w.threads, thread.id, 60);
    const all = (await w.threads.listMessages(thread.id, { limit: 100 })).items;

    // Act
    await w.threads.removeMessages(
      thread.id,
      all.slice(0, 30).map((m) => m.id),
    );

    // Assess
    const left = (await w.threads.listMessages(thread.id, { limit: 100 })).items;
    expect(left.map((m) => m.id)).toEqual(all.slice(30).map((m) => m.id));
  });

  it('purges a deleted thread a round at a time, then says nothing is left', async () => {
    // Prepare
    const w = world();
    const thread = await createThread(w.deps, { agentId: w.agentId }, w.ctx);
    await seedHistory(w.threads, thread.id, 230);

    // Act
    const rounds: boolean[] = [];
    for (let more = true; more && rounds.length < 10; ) {
      more = await w.threads.purge(thread.id, 100);
      rounds.push(more);
    }

    // Assess: 230 messages and the thread's record, 100 a round.
    expect(rounds).toEqual([true, true, false]);
    expect((await w.threads.listMessages(thread.id, { limit: 100 })).items).toEqual([]);
    expect(await w.threads.get(thread.id)).toBeUndefined();
  });
});
