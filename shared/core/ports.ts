/**
 * The ports between agent-core's core and the outside world. Adapters in `shared/adapters`
 * implement them over DynamoDB, SQS, EventBridge and Secrets Manager; tests may implement them
 * in memory. Nothing here imports an AWS SDK.
 */
import type { OutgoingEvent } from '../../events/envelope.js';
import type { Agent, AgentStatus } from './agents/agent.js';
import type { ModelStats } from './models/model-stats.js';
import type { ModelCallSample } from './models/router.js';
import type { Priority, Task, TaskStatus } from './tasks/task.js';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

export interface EventPublisher {
  /** Puts events on the bus; throws if any entry was refused. */
  publish(events: OutgoingEvent[]): Promise<void>;
}

export interface AgentStore {
  /** Throws ConflictError when the id exists. */
  create(agent: Agent): Promise<void>;
  get(id: string): Promise<Agent | undefined>;
  list(request: PageRequest & { tag?: string | undefined }): Promise<Page<Agent>>;
  /**
   * Replaces the given fields, only if the agent's status is one of `allowedStatuses`;
   * returns the agent after the update. Throws NotFoundError / TransitionConflictError.
   */
  update(
    id: string,
    fields: Partial<Omit<Agent, 'id' | 'createdAt'>>,
    allowedStatuses: readonly AgentStatus[],
  ): Promise<Agent>;
}

export interface TaskTransition {
  /** The transition applies only from one of these statuses. */
  from: readonly TaskStatus[];
  to: TaskStatus;
  /** Further fields to set in the same write. */
  set?: Partial<Omit<Task, 'id' | 'status' | 'agentId' | 'createdAt'>>;
  /** Adds 1 to `attempts` in the same write; only while `attempts` is below `maxAttempts`. */
  incrementAttempts?: boolean;
  /** Only if `attempts` currently equals this. */
  expectAttempts?: number;
  /** Only if the task's `deadLettered` flag currently equals this. */
  expectDeadLettered?: boolean;
  /** Taking over a running task whose worker died: only if its lease ended before this time. */
  leaseExpiredBefore?: string;
  /** Sets `startedAt` to this time unless it is already set (the first attempt's start). */
  markStarted?: string;
}

export interface TaskListFilter extends PageRequest {
  agentId?: string | undefined;
  status?: TaskStatus | undefined;
  deadLettered?: boolean | undefined;
}

export interface TaskStore {
  /** Throws ConflictError when the id exists. */
  create(task: Task): Promise<void>;
  /** Removes a task that was never announced (its enqueue failed). */
  discard(id: string): Promise<void>;
  get(id: string): Promise<Task | undefined>;
  list(filter: TaskListFilter): Promise<Page<Task>>;
  /** Applies a conditional transition; throws TransitionConflictError if it does not apply. */
  transition(id: string, transition: TaskTransition): Promise<Task>;
  /** Counts dead-lettered tasks. */
  countDeadLettered(): Promise<number>;
  /** Records that a task waits for its paused agent (idempotent). */
  park(agentId: string, taskId: string): Promise<void>;
  /** Task ids parked for an agent, oldest first. */
  listParked(agentId: string, request: PageRequest): Promise<Page<string>>;
  unpark(agentId: string, taskId: string): Promise<void>;
}

export interface TaskEnvelope {
  taskId: string;
  agentId: string;
  priority: Priority;
  correlationId?: string | undefined;
  /** Set for a thread's turn. */
  threadId?: string | undefined;
}

export interface QueueDepth {
  depth: Record<Priority, number>;
  inFlight: number;
  /** Messages currently in the task DLQs, not yet recorded by the DLQ consumer. */
  inDeadLetterQueues: number;
}

export interface TaskQueue {
  /** Sends each task to its priority's queue. */
  enqueue(tasks: TaskEnvelope[]): Promise<void>;
  depth(): Promise<QueueDepth>;
}

/** One delivery of a task message: what its queue needs to deliver it again or to move it. */
export interface TaskDelivery {
  /** The name of the queue it was delivered from. */
  queue: string;
  /** The receipt of this delivery (SQS: its receipt handle). */
  receipt: string;
  /** The message as delivered; a dead-lettered message keeps it unchanged. */
  body: string;
}

/** A delivered message kept in its queue and delivered again after `delaySeconds`. */
export interface Redelivery {
  retryLater(delivery: TaskDelivery, delaySeconds: number): Promise<void>;
}

/** What the worker does with a delivered task message besides letting it be deleted. */
export interface TaskDeliveries extends Redelivery {
  /** Keeps the message in its queue and delivers it again after `delaySeconds` (backoff). */
  retryLater(delivery: TaskDelivery, delaySeconds: number): Promise<void>;
  /** Moves the message to its queue's dead-letter queue, where it can be redriven. */
  deadLetter(delivery: TaskDelivery): Promise<void>;
}

export interface TraceEntry {
  eventId: string;
  type: string;
  time: string;
  source: string;
  data: Record<string, unknown>;
  /** The rest of the event's envelope, kept so that a replayed event reads as it was pushed. */
  correlationId?: string;
  actor?: { principal: string; keyId?: string };
}

/** Whose trace an entry belongs to: a task's, or a thread's (events naming `data.threadId`). */
export interface TraceOwner {
  kind: 'task' | 'thread';
  id: string;
}

export interface TraceStore {
  /** Records events under their task (idempotent by event id). */
  record(taskId: string, entries: TraceEntry[]): Promise<void>;
  /** The same for the events of many tasks and threads at once, batched. */
  recordMany(items: { owner: TraceOwner; entry: TraceEntry }[]): Promise<void>;
  list(taskId: string, request: PageRequest): Promise<Page<TraceEntry>>;
}

/** Reading a task's or a thread's trace forward, as the live feed's replay does. */
export interface TraceReplay {
  /**
   * Up to `limit` unexpired entries strictly after the event id `after` (all when null), in id
   * order, read consistently: an entry whose write completed before the read is in it.
   */
  listAfter(owner: TraceOwner, after: string | null, limit: number): Promise<TraceEntry[]>;
}

export interface IdempotencyRecord {
  requestHash: string;
  status: 'in-progress' | 'done';
  response?: { statusCode: number; body: unknown } | undefined;
}

export interface IdempotencyStore {
  /**
   * Claims `key` for a request; returns the existing record instead when the key is taken.
   * Records expire after `ttlSeconds`.
   */
  claim(
    key: string,
    requestHash: string,
    ttlSeconds: number,
  ): Promise<IdempotencyRecord | undefined>;
  complete(key: string, response: { statusCode: number; body: unknown }): Promise<void>;
  release(key: string): Promise<void>;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** When not allowed: how long until a token is available. */
  retryAfterMs: number;
}

export interface RateLimiter {
  /**
   * Takes one token from the bucket `key` (capacity `perMinute`, refilled continuously at
   * `perMinute`/60 per second). Atomic across processes.
   */
  take(key: string, perMinute: number): Promise<RateLimitDecision>;
}

export interface ModelStatsStore {
  /** Adds call samples to the per-model totals. */
  record(samples: ModelCallSample[]): Promise<void>;
  list(): Promise<ModelStats[]>;
}

export interface AuditEntry {
  eventId: string;
  time: string;
  /** Who: `agent:<id>`, `admin`, … */
  actor: string;
  /** What: the operation refused or done: a route (`GET /v1/tasks/{id}`) or an event type. */
  action: string;
  /** To what: a tool, an agent, a task. */
  target: string;
  outcome: 'allowed' | 'denied';
  detail: Record<string, unknown>;
}

export interface AuditQuery extends PageRequest {
  /** Entries at or after this time (ISO); the default and the bound are in the adapter. */
  since?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
}

export interface AuditStore {
  record(entries: AuditEntry[]): Promise<void>;
  /** Entries newest first. */
  list(query: AuditQuery): Promise<Page<AuditEntry>>;
}

export interface ApiKeyRecord {
  keyId: string;
  /** `agent:<id>`: the key acts as that agent. */
  scope: string;
  /** The last four characters of the key, to tell keys apart in listings. */
  hint: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
}

export interface ApiKeyStore {
  /** Stores a new key by the hex SHA-256 of its secret. */
  create(record: ApiKeyRecord, secretHash: string): Promise<void>;
  findByHash(secretHash: string): Promise<ApiKeyRecord | undefined>;
  list(request: PageRequest): Promise<Page<ApiKeyRecord>>;
  /** Marks a key revoked (idempotent); throws NotFoundError for an unknown key id. */
  revoke(keyId: string, at: string): Promise<ApiKeyRecord>;
}
