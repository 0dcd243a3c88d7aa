/** Use cases of the scheduler layer: submit, look at, cancel, dead-letter and redrive tasks. */
import * as z from 'zod';
import type { OutgoingEvent } from '../../../events/envelope.js';
import {
  taskCancelled,
  taskDeadLettered,
  taskFailed,
  taskQueued,
} from '../../../events/task-events.js';
import { refuseIfRetired } from '../agents/agent.js';
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
  TaskEnvelope,
  TaskListFilter,
  TaskQueue,
  TaskStore,
  TraceEntry,
  TraceStore,
} from '../ports.js';
import { parseInput } from '../validation.js';
import {
  isFinished,
  queuedTask,
  submitTaskSchema,
  type Task,
  type TaskError,
  type TaskMessage,
  taskRefOf,
  UNFINISHED_STATUSES,
} from './task.js';

export interface SchedulerDeps {
  agents: AgentStore;
  tasks: TaskStore;
  queue: TaskQueue;
  events: EventPublisher;
  /** Told of a task brought to an end here (cancelled, dead-lettered): workflow steps report. */
  onFinished?: ((task: Task) => Promise<void>) | undefined;
}

/**
 * Checks a task request as POST /v1/tasks does, without submitting it (a schedule's body is
 * checked so when the schedule is made): 400 naming the field, `<prefix>.agentId` for an agent
 * that does not exist or is retired.
 */
export async function checkTaskRequest(
  agents: AgentStore,
  body: unknown,
  prefix: string,
): Promise<void> {
  const input = parseInput(submitTaskSchema, body, 'task', prefix);
  const agent = await agents.get(input.agentId);
  if (!agent || agent.status === 'retired') {
    const message = agent ? `agent '${input.agentId}' is retired` : `no agent '${input.agentId}'`;
    throw new ValidationError(`invalid ${prefix}: ${message}`, [
      { path: `${prefix}.agentId`, message },
    ]);
  }
}

/**
 * Submits a task. `options.id` gives it a chosen id (a schedule's firing derives one): a second
 * submission with the same id is a ConflictError and queues nothing.
 */
export async function submitTask(
  deps: SchedulerDeps,
  body: unknown,
  ctx: EventContext,
  options: { id?: string } = {},
): Promise<Task> {
  const input = parseInput(submitTaskSchema, body, 'task');
  const agent = await deps.agents.get(input.agentId);
  if (!agent) {
    throw new NotFoundError(`agent '${input.agentId}' not found`, [
      { path: 'agentId', message: 'no such agent' },
    ]);
  }
  refuseIfRetired(agent, 'it takes no tasks');
  const now = ctx.clock.now().toISOString();
  const task = queuedTask({
    id: options.id ?? newId(),
    agentId: input.agentId,
    priority: input.priority,
    input: input.input,
    maxAttempts: input.maxAttempts,
    timeoutMs: input.timeoutMs ?? null,
    metadata: input.metadata,
    correlationId: ctx.correlationId,
    createdAt: now,
  });
  await deps.tasks.create(task);
  try {
    await deps.queue.enqueue([envelopeOf(task)]);
  } catch (error) {
    // Nothing half-written: a task that never reached its queue is removed before anyone sees it.
    await deps.tasks.discard(task.id);
    throw error;
  }
  await deps.events.publish([
    createEvent(
      taskQueued,
      { ...taskRefOf(task), priority: task.priority, reason: 'submitted' },
      ctx,
    ),
  ]);
  return task;
}

export async function getTask(deps: Pick<SchedulerDeps, 'tasks'>, id: string): Promise<Task> {
  const task = ULID_PATTERN.test(id) ? await deps.tasks.get(id) : undefined;
  if (!task) throw new NotFoundError(`task '${id}' not found`);
  return task;
}

export function listTasks(
  deps: Pick<SchedulerDeps, 'tasks'>,
  filter: TaskListFilter,
): Promise<Page<Task>> {
  return deps.tasks.list(filter);
}

export async function cancelTask(
  deps: Pick<SchedulerDeps, 'tasks' | 'events' | 'onFinished'>,
  id: string,
  ctx: EventContext,
): Promise<Task> {
  await getTask(deps, id);
  try {
    const task = await deps.tasks.transition(id, {
      from: UNFINISHED_STATUSES,
      to: 'cancelled',
      set: { finishedAt: ctx.clock.now().toISOString(), leaseUntil: null, pendingApproval: null },
    });
    await deps.events.publish([createEvent(taskCancelled, taskRefOf(task), ctx)]);
    await deps.onFinished?.(task);
    return task;
  } catch (error) {
    if (!(error instanceof TransitionConflictError)) throw error;
    const current = await getTask(deps, id);
    throw new ConflictError(`task '${id}' is already ${current.status}`);
  }
}

export async function getTrace(
  deps: { tasks: TaskStore; traces: TraceStore },
  id: string,
  request: PageRequest,
): Promise<Page<TraceEntry>> {
  await getTask(deps, id);
  return deps.traces.list(id, request);
}

export async function queueStatus(deps: Pick<SchedulerDeps, 'tasks' | 'queue'>) {
  const [queue, deadLettered] = await Promise.all([
    deps.queue.depth(),
    deps.tasks.countDeadLettered(),
  ]);
  return {
    depth: queue.depth,
    inFlight: queue.inFlight,
    deadLettered,
    inDeadLetterQueues: queue.inDeadLetterQueues,
  };
}

export const redriveSchema = z.strictObject({
  taskIds: z.array(z.string().regex(ULID_PATTERN, 'not a task id')).min(1).max(100).optional(),
});

/** At most this many tasks are redriven by one call without `taskIds`; call again for more. */
export const REDRIVE_ALL_BATCH = 100;

export interface RedriveResult {
  redriven: string[];
  skipped: { taskId: string; reason: string }[];
}

/** Puts dead-lettered tasks back in their queues with fresh attempts. */
export async function redriveDeadLettered(
  deps: SchedulerDeps,
  body: unknown,
  ctx: EventContext,
): Promise<RedriveResult> {
  const { taskIds } = parseInput(redriveSchema, body ?? {}, 'redrive request');
  const ids =
    taskIds ??
    (
      await deps.tasks.list({ status: 'failed', deadLettered: true, limit: REDRIVE_ALL_BATCH })
    ).items.map((t) => t.id);
  const result: RedriveResult = { redriven: [], skipped: [] };
  const requeued: Task[] = [];
  for (const id of ids) {
    try {
      requeued.push(
        await deps.tasks.transition(id, {
          from: ['failed'],
          to: 'queued',
          expectDeadLettered: true,
          set: {
            attempts: 0,
            deadLettered: false,
            error: null,
            output: null,
            finishedAt: null,
            correlationId: ctx.correlationId,
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof TransitionConflictError)) throw error;
      const exists = await deps.tasks.get(id);
      result.skipped.push({ taskId: id, reason: exists ? 'not dead-lettered' : 'not found' });
    }
  }
  await deps.queue.enqueue(requeued.map(envelopeOf));
  await deps.events.publish(
    requeued.map((task) =>
      createEvent(
        taskQueued,
        { ...taskRefOf(task), priority: task.priority, reason: 'redriven' },
        ctx,
      ),
    ),
  );
  result.redriven = requeued.map((t) => t.id);
  return result;
}

/**
 * A task message reached a dead-letter queue: either the worker moved it there when attempts ran
 * out (the task is `failed` already), or SQS did because the message kept crashing the worker.
 * Either way the task ends `failed` with `deadLettered: true`, once.
 */
export async function recordDeadLetter(
  deps: Pick<SchedulerDeps, 'tasks' | 'events' | 'onFinished'>,
  message: TaskMessage,
  clock: EventContext['clock'],
): Promise<void> {
  const task = await deps.tasks.get(message.taskId);
  if (!task || task.deadLettered || task.status === 'succeeded' || task.status === 'cancelled')
    return;
  const ctx: EventContext = { correlationId: task.correlationId, clock };
  const events: OutgoingEvent[] = [];
  let error: TaskError | null = task.error;
  let ended: Task | undefined;
  try {
    if (task.status === 'failed') {
      await deps.tasks.transition(task.id, {
        from: ['failed'],
        to: 'failed',
        expectDeadLettered: false,
        set: { deadLettered: true },
      });
    } else {
      error = {
        code: 'PoisonMessage',
        message: `the task's message was received ${task.attempts} time(s) without an outcome and was dead-lettered by SQS`,
        retryable: true,
      };
      ended = await deps.tasks.transition(task.id, {
        from: UNFINISHED_STATUSES,
        to: 'failed',
        set: { deadLettered: true, error, finishedAt: clock.now().toISOString(), leaseUntil: null },
      });
      events.push(
        createEvent(taskFailed, { ...taskRefOf(task), attempt: task.attempts, error }, ctx),
      );
    }
  } catch (e) {
    if (e instanceof TransitionConflictError) return; // another delivery recorded it already
    throw e;
  }
  events.push(
    createEvent(
      taskDeadLettered,
      {
        ...taskRefOf(task),
        attempts: task.attempts,
        error: error ?? { code: 'Unknown', message: 'no error recorded', retryable: true },
      },
      ctx,
    ),
  );
  await deps.events.publish(events);
  // A task the worker failed was reported by the worker; one SQS gave up on is reported here.
  if (ended) await deps.onFinished?.(ended);
}

/** Sends an agent's parked tasks (held while it was paused) back to their queues. */
export async function releaseParkedTasks(
  deps: Pick<SchedulerDeps, 'tasks' | 'queue' | 'events' | 'agents'>,
  agentId: string,
  ctx: EventContext,
): Promise<number> {
  const agent = await deps.agents.get(agentId);
  if (agent?.status !== 'active') return 0;
  let released = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.tasks.listParked(agentId, { limit: 100, cursor });
    const tasks = (await Promise.all(page.items.map((id) => deps.tasks.get(id)))).filter(
      (t): t is Task => t !== undefined && !isFinished(t.status),
    );
    await deps.queue.enqueue(tasks.map(envelopeOf));
    await deps.events.publish(
      tasks.map((task) =>
        createEvent(
          taskQueued,
          { ...taskRefOf(task), priority: task.priority, reason: 'resumed' },
          ctx,
        ),
      ),
    );
    await Promise.all(page.items.map((id) => deps.tasks.unpark(agentId, id)));
    released += tasks.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return released;
}

/**
 * After a crash of the local runtime: every task left queued, running or retrying goes back to
 * its queue (running ones become `retrying` first: their attempt died with the process).
 */
export async function recoverUnfinishedTasks(
  deps: Pick<SchedulerDeps, 'tasks' | 'queue' | 'events'>,
  ctx: EventContext,
): Promise<number> {
  let recovered = 0;
  // `running` last: the tasks it turns into `retrying` must not be met again by that pass.
  for (const status of ['queued', 'retrying', 'running'] as const) {
    let cursor: string | undefined;
    do {
      const page = await deps.tasks.list({ status, limit: 100, cursor });
      const requeue: Task[] = [];
      for (const task of page.items) {
        if (task.status === 'running') {
          try {
            requeue.push(
              await deps.tasks.transition(task.id, {
                from: ['running'],
                to: 'retrying',
                expectAttempts: task.attempts,
                set: {
                  leaseUntil: null,
                  error: {
                    code: 'Interrupted',
                    message: 'the runtime stopped during this attempt',
                    retryable: true,
                  },
                },
              }),
            );
          } catch (error) {
            if (!(error instanceof TransitionConflictError)) throw error;
          }
        } else {
          requeue.push(task);
        }
      }
      await deps.queue.enqueue(requeue.map(envelopeOf));
      await deps.events.publish(
        requeue.map((task) =>
          createEvent(
            taskQueued,
            { ...taskRefOf(task), priority: task.priority, reason: 'recovered' },
            ctx,
          ),
        ),
      );
      recovered += requeue.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
  return recovered;
}

export const envelopeOf = (task: Task): TaskEnvelope => ({
  taskId: task.id,
  agentId: task.agentId,
  priority: task.priority,
  correlationId: task.correlationId,
  ...(task.threadId ? { threadId: task.threadId } : {}),
});
