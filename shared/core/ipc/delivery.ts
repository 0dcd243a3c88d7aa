/**
 * Delivery of a sent message: into each recipient's inbox, a `message.delivered` per recipient,
 * and a task for recipients with `onMessage: "task"`. SQS delivers at least once, so every step
 * is idempotent per (message, recipient) and a redelivery resumes where a failed one stopped:
 * the inbox put is conditional, `announcedAt` on the item says the event went out, and the
 * marker `MSGTASK#<message>#<recipient>` (claimed before the task is submitted, holding its id
 * after) makes the task start once.
 */
import type * as z from 'zod';
import { messageDelivered, type messageSent } from '../../../events/message-events.js';
import type { Agent } from '../agents/agent.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { createEvent, type EventContext } from '../events.js';
import type { Clock, TaskStore } from '../ports.js';
import { type SchedulerDeps, submitTask } from '../tasks/task-service.js';
import type { InboxStore } from './inbox-store.js';
import type { InboxItem } from './message.js';

export type SentMessage = z.output<(typeof messageSent)['data']>;

export interface DeliveryDeps extends SchedulerDeps {
  inbox: InboxStore;
  clock: Clock;
  /**
   * A task claim without a task older than this belongs to a delivery that died (the delivery
   * function's timeout is 30 s); a younger one may still be in progress.
   */
  taskClaimLeaseMs?: number;
}

export type RecipientOutcome =
  | { agentId: string; kind: 'delivered'; taskId: string | null }
  /** Delivered before: this redelivery changed nothing. */
  | { agentId: string; kind: 'already-delivered' }
  | { agentId: string; kind: 'skipped'; reason: string };

const DEFAULT_LEASE_MS = 120_000;
/** Recipients of one message handled at once. */
const CONCURRENCY = 10;
/** Tasks of the recipient looked at when a dead delivery may have submitted the task. */
const MAX_TASKS_SCANNED = 200;

export async function deliverMessage(
  deps: DeliveryDeps,
  message: SentMessage,
  correlationId: string,
): Promise<RecipientOutcome[]> {
  const ctx: EventContext = { correlationId, clock: deps.clock };
  const expiresAt = new Date(Date.parse(message.sentAt) + message.ttlSeconds * 1000).toISOString();
  const outcomes: RecipientOutcome[] = [];
  const pending = [...new Set(message.recipients)];
  const failures: unknown[] = [];
  // Each recipient on its own: one that fails does not stop the others; the record fails after.
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, pending.length) }, async () => {
      for (let agentId = pending.shift(); agentId !== undefined; agentId = pending.shift()) {
        try {
          outcomes.push(await deliverTo(deps, message, agentId, expiresAt, ctx));
        } catch (error) {
          failures.push(error);
        }
      }
    }),
  );
  if (failures.length) throw failures[0];
  return outcomes;
}

async function deliverTo(
  deps: DeliveryDeps,
  message: SentMessage,
  agentId: string,
  expiresAt: string,
  ctx: EventContext,
): Promise<RecipientOutcome> {
  const now = deps.clock.now().toISOString();
  if (now >= expiresAt) return { agentId, kind: 'skipped', reason: 'expired before delivery' };
  const agent = await deps.agents.get(agentId);
  if (!agent) return { agentId, kind: 'skipped', reason: 'no such agent' };
  // Retired between send and delivery: a retired agent never receives.
  if (agent.status === 'retired') return { agentId, kind: 'skipped', reason: 'agent is retired' };

  const item: InboxItem = {
    messageId: message.messageId,
    agentId,
    from: message.from,
    to: message.to,
    subject: message.subject,
    body: message.body,
    sentAt: message.sentAt,
    expiresAt,
    deliveredAt: now,
    ackedAt: null,
    taskId: null,
    announcedAt: null,
  };
  const fresh = await deps.inbox.put(item);
  const stored = fresh ? item : ((await deps.inbox.get(agentId, message.messageId)) ?? item);
  if (stored.announcedAt) return { agentId, kind: 'already-delivered' };

  const taskId =
    agent.onMessage === 'task' ? await startTaskOnce(deps, message, agent, expiresAt, ctx) : null;
  const announcedAt = deps.clock.now().toISOString();
  await deps.events.publish([
    createEvent(
      messageDelivered,
      {
        messageId: message.messageId,
        from: message.from,
        agentId,
        deliveredAt: stored.deliveredAt,
        ...(taskId ? { taskId } : {}),
      },
      ctx,
    ),
  ]);
  await deps.inbox.markAnnounced(agentId, message.messageId, { announcedAt, taskId });
  return { agentId, kind: 'delivered', taskId };
}

/** The message as a task for its recipient, started once whatever the redeliveries. */
async function startTaskOnce(
  deps: DeliveryDeps,
  message: SentMessage,
  agent: Agent,
  expiresAt: string,
  ctx: EventContext,
): Promise<string | null> {
  const now = deps.clock.now();
  const lease = deps.taskClaimLeaseMs ?? DEFAULT_LEASE_MS;
  const claim = await deps.inbox.claimTask(message.messageId, agent.id, {
    now: now.toISOString(),
    staleBefore: new Date(now.getTime() - lease).toISOString(),
    expiresAt,
  });
  if (claim.kind === 'started') return claim.taskId;
  if (claim.kind === 'busy') {
    throw new Error(
      `the task for message ${message.messageId} and '${agent.id}' is being started by another delivery`,
    );
  }
  if (claim.previousClaimAt) {
    // The delivery that claimed before us died: it may have submitted the task and died before
    // recording it. Its task, if any, was created after its claim and carries the message id.
    const earlier = await findTaskOf(
      deps.tasks,
      agent.id,
      message.messageId,
      claim.previousClaimAt,
    );
    if (earlier) {
      await deps.inbox.recordTask(message.messageId, agent.id, earlier);
      return earlier;
    }
  }
  let taskId: string;
  try {
    const task = await submitTask(
      deps,
      {
        agentId: agent.id,
        priority: 'normal',
        input: {
          id: message.messageId,
          from: message.from,
          subject: message.subject,
          body: message.body,
        },
        metadata: { messageId: message.messageId, from: message.from },
      },
      ctx,
    );
    taskId = task.id;
  } catch (error) {
    // Retired or removed since it was looked up: the message stays in the inbox, no task.
    if (error instanceof ConflictError || error instanceof NotFoundError) return null;
    throw error;
  }
  await deps.inbox.recordTask(message.messageId, agent.id, taskId);
  return taskId;
}

async function findTaskOf(
  tasks: TaskStore,
  agentId: string,
  messageId: string,
  createdSince: string,
): Promise<string | undefined> {
  let cursor: string | undefined;
  let scanned = 0;
  do {
    // Newest first: stop at the first task older than the claim.
    const page = await tasks.list({ agentId, limit: 50, cursor });
    for (const task of page.items) {
      if (task.createdAt < createdSince) return undefined;
      if (task.metadata.messageId === messageId) return task.id;
    }
    scanned += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor && scanned < MAX_TASKS_SCANNED);
  return undefined;
}
