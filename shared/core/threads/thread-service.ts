/**
 * Use cases of threads' API: create, look at, list and delete threads, send a message (a turn),
 * list messages. Authorization (an agent key uses only its agent's threads) is the caller's,
 * made before anything here is looked up beyond the thread itself.
 */
import { taskQueued } from '../../../events/task-events.js';
import { threadCreated, threadDeleted } from '../../../events/thread-events.js';
import {
  ConflictError,
  NotFoundError,
  TransitionConflictError,
  ValidationError,
} from '../errors.js';
import { createEvent, type EventContext } from '../events.js';
import { newId, ULID_PATTERN } from '../ids.js';
import type {
  AgentStore,
  EventPublisher,
  Page,
  PageRequest,
  TaskQueue,
  TaskStore,
} from '../ports.js';
import { emptyUsage, queuedTask, type Task, taskRefOf } from '../tasks/task.js';
import { envelopeOf } from '../tasks/task-service.js';
import { parseInput } from '../validation.js';
import type { ThreadStore } from './ports.js';
import {
  createThreadSchema,
  newQuestionId,
  postMessageSchema,
  publicMessage,
  type StoredMessage,
  type Thread,
  type ThreadMessage,
  userMessage,
} from './thread.js';
import { messageEvents, promote } from './turns.js';

export interface ThreadDeps {
  threads: ThreadStore;
  agents: AgentStore;
  tasks: TaskStore;
  queue: TaskQueue;
  events: EventPublisher;
}

export async function createThread(
  deps: Pick<ThreadDeps, 'threads' | 'agents' | 'events'>,
  body: unknown,
  ctx: EventContext,
): Promise<Thread> {
  const input = parseInput(createThreadSchema, body, 'thread');
  const agent = await deps.agents.get(input.agentId);
  if (!agent) {
    throw new NotFoundError(`agent '${input.agentId}' not found`, [
      { path: 'agentId', message: 'no such agent' },
    ]);
  }
  if (agent.status === 'retired') {
    throw new ConflictError(`agent '${input.agentId}' is retired and takes no threads`);
  }
  const thread: Thread = {
    id: newId(),
    agentId: agent.id,
    status: 'idle',
    messageCount: 0,
    usage: emptyUsage(),
    createdAt: ctx.clock.now().toISOString(),
    lastMessageAt: null,
    metadata: input.metadata,
    ttlSeconds: input.ttlSeconds,
  };
  await deps.threads.create(thread);
  await deps.events.publish([
    createEvent(threadCreated, { threadId: thread.id, agentId: thread.agentId }, ctx),
  ]);
  return thread;
}

export async function getThread(deps: Pick<ThreadDeps, 'threads'>, id: string): Promise<Thread> {
  const record = ULID_PATTERN.test(id) ? await deps.threads.get(id) : undefined;
  if (!record) throw new NotFoundError(`thread '${id}' not found`);
  return record.thread;
}

export function listThreads(
  deps: Pick<ThreadDeps, 'threads'>,
  filter: PageRequest & { agentId?: string | undefined },
): Promise<Page<Thread>> {
  return deps.threads.list(filter);
}

/** Deletes a thread and, in the background, its messages; 409 while a turn runs or waits. */
export async function deleteThread(
  deps: Pick<ThreadDeps, 'threads' | 'events'>,
  thread: Thread,
  ctx: EventContext,
): Promise<void> {
  try {
    await deps.threads.remove(thread.id);
  } catch (error) {
    if (!(error instanceof TransitionConflictError)) throw error;
    throw new ConflictError(`thread '${thread.id}' has a turn running; cancel its task first`);
  }
  // The messages go in the background (thread-cleanup): a long thread is many items.
  await deps.events.publish([
    createEvent(threadDeleted, { threadId: thread.id, agentId: thread.agentId }, ctx),
  ]);
}

export interface PostedMessage {
  message: ThreadMessage;
  taskId: string;
}

/**
 * A message starts a turn: a task with `threadId` whose model calls get the thread's history.
 * An idle thread's turn is taken at once; a busy one's message waits for its turn (`queue`) or is
 * refused with nothing written (`reject`, 409).
 */
export async function postMessage(
  deps: ThreadDeps,
  thread: Thread,
  body: unknown,
  ctx: EventContext,
): Promise<PostedMessage> {
  const input = parseInput(postMessageSchema, body, 'message');
  const agent = await deps.agents.get(thread.agentId);
  if (!agent || agent.status === 'retired') {
    throw new ConflictError(`agent '${thread.agentId}' is retired and takes no messages`);
  }
  const now = ctx.clock.now().toISOString();
  const messageId = newQuestionId();
  const task = queuedTask({
    id: newId(),
    agentId: thread.agentId,
    priority: input.priority,
    input: input.content,
    maxAttempts: 3,
    timeoutMs: null,
    metadata: {},
    correlationId: ctx.correlationId,
    createdAt: now,
    threadId: thread.id,
    turn: { messageId, added: 0 },
  });
  const message = userMessage({
    id: messageId,
    content: input.content,
    taskId: task.id,
    createdAt: now,
  });
  const turn = await deps.threads.lock(thread.id, task.id, { messages: 1, settled: 1, at: now });
  if (!turn && input.ifBusy === 'reject') {
    throw new ConflictError(`thread '${thread.id}' is busy with another turn (ifBusy: reject)`);
  }
  if (turn) {
    await writeTurn(deps, thread, task, message, async () => {
      await deps.threads.unlock(thread.id, task.id, { messages: -1, settled: -1 });
    });
    await deps.queue.enqueue([envelopeOf(task)]).catch(async (error) => {
      await undoTurn(deps, thread, task, message);
      await deps.threads.unlock(thread.id, task.id, { messages: -1, settled: -1 });
      throw error;
    });
  } else {
    // Waits: written first, then counted, so that whoever ends the running turn finds it.
    await writeTurn(deps, thread, task, message, async () => undefined, true);
    let after: Awaited<ReturnType<ThreadStore['count']>>;
    try {
      after = await deps.threads.count(thread.id, { messages: 1, settled: 0, at: now });
    } catch (error) {
      await undoTurn(deps, thread, task, message, true);
      if (error instanceof NotFoundError)
        throw new NotFoundError(`thread '${thread.id}' not found`);
      throw error;
    }
    // The running turn ended between our lock attempt and now: nobody else will hand it on.
    if (after.taskId === null) await promote({ ...deps, clock: ctx.clock }, thread.id);
  }
  await deps.events.publish([
    ...messageEvents(thread, [message], ctx),
    createEvent(
      taskQueued,
      {
        ...taskRefOf(task),
        priority: task.priority,
        reason: 'submitted',
      },
      ctx,
    ),
  ]);
  return { message: publicMessage(thread.id, message), taskId: task.id };
}

/** The question and its task (and its place in the queue); undone whole if any write fails. */
async function writeTurn(
  deps: ThreadDeps,
  thread: Thread,
  task: Task,
  message: StoredMessage,
  onFailure: () => Promise<void>,
  waits = false,
): Promise<void> {
  const writes = await Promise.allSettled([
    deps.threads.putMessages(thread.id, [message], thread.ttlSeconds),
    deps.tasks.create(task),
    waits
      ? deps.threads.addWaiting(thread.id, { messageId: message.id, taskId: task.id })
      : undefined,
  ]);
  const failed = writes.find((w) => w.status === 'rejected');
  if (!failed) return;
  await undoTurn(deps, thread, task, message, waits);
  await onFailure();
  throw failed.reason;
}

async function undoTurn(
  deps: ThreadDeps,
  thread: Thread,
  task: Task,
  message: StoredMessage,
  waits = false,
): Promise<void> {
  await Promise.allSettled([
    deps.threads.removeMessages(thread.id, [message.id]),
    deps.tasks.discard(task.id),
    waits ? deps.threads.removeWaiting(thread.id, message.id) : undefined,
  ]);
}

/** Messages oldest first, after `after` (a message id) or the cursor of the previous page. */
export async function listMessages(
  deps: Pick<ThreadDeps, 'threads'>,
  thread: Thread,
  request: { after?: string | undefined; cursor?: string | undefined; limit: number },
): Promise<Page<ThreadMessage>> {
  if (request.after !== undefined && request.cursor !== undefined) {
    throw new ValidationError('after and cursor do not go together', [
      { path: 'cursor', message: 'give either after or cursor' },
    ]);
  }
  const after = request.after ?? request.cursor;
  if (after !== undefined && !ULID_PATTERN.test(after)) {
    throw new ValidationError('invalid message id', [
      { path: request.after !== undefined ? 'after' : 'cursor', message: 'not a message id' },
    ]);
  }
  const page = await deps.threads.listMessages(thread.id, { after, limit: request.limit });
  return {
    items: page.items.map((message) => publicMessage(thread.id, message)),
    nextCursor: page.nextCursor,
  };
}
