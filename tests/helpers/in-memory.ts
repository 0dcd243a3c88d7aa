/**
 * In-memory fakes of the ports in shared/core/ports.ts, for unit tests of the core. They keep the
 * contracts the DynamoDB adapters keep (conditional transitions, conflicts, copies rather than
 * shared references), so a core bug that a real store would expose is exposed here too.
 */
import type { OutgoingEvent } from '../../events/envelope.js';
import { type Agent, registerAgentSchema } from '../../shared/core/agents/agent.js';
import type { Approval, ApprovalFilter } from '../../shared/core/approvals/approval.js';
import type { ApprovalStore, ApprovalTimer } from '../../shared/core/approvals/ports.js';
import { ConflictError, NotFoundError, TransitionConflictError } from '../../shared/core/errors.js';
import { newId } from '../../shared/core/ids.js';
import type {
  AgentStore,
  Clock,
  EventPublisher,
  IdempotencyRecord,
  IdempotencyStore,
  Page,
  PageRequest,
  QueueDepth,
  TaskEnvelope,
  TaskListFilter,
  TaskQueue,
  TaskStore,
  TaskTransition,
} from '../../shared/core/ports.js';
import { emptyUsage, type Task, TRANSITIONS } from '../../shared/core/tasks/task.js';
import type { Workflow } from '../../shared/core/workflows/workflow.js';

export const START_TIME = '2025-01-01T00:00:00.000Z';

/** A clock that stands still until told to move. */
export class FixedClock implements Clock {
  private current: number;

  constructor(start: string | Date = START_TIME) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  iso(): string {
    return this.now().toISOString();
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(time: string | Date): void {
    this.current = new Date(time).getTime();
  }
}

const copy = <T>(value: T): T => structuredClone(value);

/**
 * Pages a list sorted by key, ascending or descending. Like DynamoDB's ExclusiveStartKey, the
 * cursor is a position: the item it names may have been deleted since.
 */
function pageOf<T>(
  items: T[],
  keyOf: (item: T) => string,
  request: PageRequest,
  order: 'asc' | 'desc' = 'asc',
): Page<T> {
  const sorted = [...items].sort((a, b) => {
    const [x, y] = [keyOf(a), keyOf(b)];
    const cmp = x < y ? -1 : x > y ? 1 : 0;
    return order === 'asc' ? cmp : -cmp;
  });
  const { cursor } = request;
  const rest =
    cursor === undefined
      ? sorted
      : sorted.filter((item) => (order === 'asc' ? keyOf(item) > cursor : keyOf(item) < cursor));
  const slice = rest.slice(0, request.limit);
  const last = slice.at(-1);
  const more = rest.length > request.limit;
  return { items: slice, nextCursor: more && last !== undefined ? keyOf(last) : null };
}

export class InMemoryAgentStore implements AgentStore {
  readonly agents = new Map<string, Agent>();

  /** Puts agents in place directly, as if registered earlier. */
  seed(...agents: Agent[]): this {
    for (const agent of agents) this.agents.set(agent.id, copy(agent));
    return this;
  }

  async create(agent: Agent): Promise<void> {
    if (this.agents.has(agent.id)) throw new ConflictError(`agent '${agent.id}' already exists`);
    this.agents.set(agent.id, copy(agent));
  }

  async get(id: string): Promise<Agent | undefined> {
    const agent = this.agents.get(id);
    return agent ? copy(agent) : undefined;
  }

  async list(request: PageRequest & { tag?: string | undefined }): Promise<Page<Agent>> {
    const all = [...this.agents.values()].filter(
      (agent) => request.tag === undefined || agent.tags.includes(request.tag),
    );
    const page = pageOf(all, (agent) => agent.id, request);
    return { items: page.items.map(copy), nextCursor: page.nextCursor };
  }

  async update(
    id: string,
    fields: Partial<Omit<Agent, 'id' | 'createdAt'>>,
    allowedStatuses: readonly Agent['status'][],
  ): Promise<Agent> {
    const current = this.agents.get(id);
    if (!current) throw new NotFoundError(`agent '${id}' not found`);
    if (!allowedStatuses.includes(current.status)) {
      throw new TransitionConflictError(
        `agent '${id}' is not in status ${allowedStatuses.join('/')}`,
      );
    }
    const updated: Agent = { ...current, ...copy(fields) };
    this.agents.set(id, updated);
    return copy(updated);
  }
}

const DYNAMODB_ITEM_BYTES = 400 * 1024;

export class InMemoryTaskStore implements TaskStore {
  readonly tasks = new Map<string, Task>();
  /** Parked task ids per agent; listed by id, i.e. oldest first, like the table's sort key. */
  readonly parked = new Map<string, string[]>();
  /** Every transition asked for, applied or not, in order. */
  readonly transitions: { id: string; transition: TaskTransition; applied: boolean }[] = [];

  constructor(private readonly clock: Clock = new FixedClock()) {}

  seed(...tasks: Task[]): this {
    for (const task of tasks) this.tasks.set(task.id, copy(task));
    return this;
  }

  /** The stored task, or a test failure when there is none. */
  stored(id: string): Task {
    const task = this.tasks.get(id);
    if (!task) throw new Error(`no task '${id}' in the store`);
    return copy(task);
  }

  async create(task: Task): Promise<void> {
    if (this.tasks.has(task.id)) throw new ConflictError(`task '${task.id}' already exists`);
    this.tasks.set(task.id, copy(task));
  }

  async discard(id: string): Promise<void> {
    this.tasks.delete(id);
  }

  async get(id: string): Promise<Task | undefined> {
    const task = this.tasks.get(id);
    return task ? copy(task) : undefined;
  }

  async list(filter: TaskListFilter): Promise<Page<Task>> {
    const all = [...this.tasks.values()]
      .filter((task) => filter.agentId === undefined || task.agentId === filter.agentId)
      .filter((task) => filter.status === undefined || task.status === filter.status)
      .filter(
        (task) => filter.deadLettered === undefined || task.deadLettered === filter.deadLettered,
      );
    // Newest first, like the DynamoDB indexes (ULIDs sort by time).
    const page = pageOf(all, (task) => task.id, filter, 'desc');
    return { items: page.items.map(copy), nextCursor: page.nextCursor };
  }

  async transition(id: string, change: TaskTransition): Promise<Task> {
    // The same guard as DynamoTaskStore: a transition TRANSITIONS does not list is a code bug.
    for (const from of change.from) {
      if (!TRANSITIONS[from].includes(change.to)) {
        throw new Error(`task transition ${from} → ${change.to} is not allowed`);
      }
    }
    const current = this.tasks.get(id);
    const conflict = (why: string): never => {
      this.transitions.push({ id, transition: copy(change), applied: false });
      throw new TransitionConflictError(`task '${id}' cannot go to ${change.to}: ${why}`);
    };
    if (!current) return conflict('no such task');
    if (!change.from.includes(current.status)) {
      conflict(`it is ${current.status}, not ${change.from.join('/')}`);
    }
    // As DynamoTaskStore: an attempt is never counted past maxAttempts.
    if (change.incrementAttempts && current.attempts >= current.maxAttempts) {
      conflict(`attempts ${current.attempts} of ${current.maxAttempts} are used up`);
    }
    if (change.expectAttempts !== undefined && current.attempts !== change.expectAttempts) {
      conflict(`attempts is ${current.attempts}, not ${change.expectAttempts}`);
    }
    if (
      change.expectDeadLettered !== undefined &&
      current.deadLettered !== change.expectDeadLettered
    ) {
      conflict(`deadLettered is ${current.deadLettered}`);
    }
    if (
      change.leaseExpiredBefore !== undefined &&
      current.leaseUntil !== null &&
      !(current.leaseUntil < change.leaseExpiredBefore)
    ) {
      conflict(`its lease runs until ${current.leaseUntil}`);
    }
    const next: Task = {
      ...current,
      ...copy(change.set ?? {}),
      status: change.to,
      updatedAt: this.clock.now().toISOString(),
    };
    if (change.incrementAttempts) next.attempts = current.attempts + 1;
    if (change.markStarted && current.startedAt === null) next.startedAt = change.markStarted;
    // As DynamoDB: an item over 400 KB is refused, and not as a conflict.
    if (Buffer.byteLength(JSON.stringify(next)) > DYNAMODB_ITEM_BYTES) {
      this.transitions.push({ id, transition: copy(change), applied: false });
      throw new Error('Item size to update has exceeded the maximum allowed size');
    }
    this.tasks.set(id, next);
    this.transitions.push({ id, transition: copy(change), applied: true });
    return copy(next);
  }

  async countDeadLettered(): Promise<number> {
    return [...this.tasks.values()].filter((t) => t.status === 'failed' && t.deadLettered).length;
  }

  async park(agentId: string, taskId: string): Promise<void> {
    const ids = this.parked.get(agentId) ?? [];
    if (!ids.includes(taskId)) ids.push(taskId);
    this.parked.set(agentId, ids);
  }

  async listParked(agentId: string, request: PageRequest): Promise<Page<string>> {
    return pageOf([...(this.parked.get(agentId) ?? [])], (id) => id, request);
  }

  async unpark(agentId: string, taskId: string): Promise<void> {
    const ids = (this.parked.get(agentId) ?? []).filter((id) => id !== taskId);
    if (ids.length) this.parked.set(agentId, ids);
    else this.parked.delete(agentId);
  }

  parkedIds(agentId: string): string[] {
    return [...(this.parked.get(agentId) ?? [])];
  }
}

export class RecordingEventPublisher implements EventPublisher {
  readonly events: OutgoingEvent[] = [];
  /** How many publish calls were made, including empty ones. */
  calls = 0;
  /** When set, the next publish throws it (and records nothing). */
  failWith: Error | undefined;

  async publish(events: OutgoingEvent[]): Promise<void> {
    this.calls += 1;
    if (this.failWith) {
      const error = this.failWith;
      this.failWith = undefined;
      throw error;
    }
    this.events.push(...copy(events));
  }

  types(): string[] {
    return this.events.map((event) => event.type);
  }

  ofType(type: string): OutgoingEvent[] {
    return this.events.filter((event) => event.type === type);
  }
}

export class InMemoryTaskQueue implements TaskQueue {
  readonly sent: TaskEnvelope[] = [];
  /** When set, every enqueue throws it. */
  failWith: Error | undefined;
  inFlight = 0;
  inDeadLetterQueues = 0;

  async enqueue(tasks: TaskEnvelope[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.sent.push(...copy(tasks));
  }

  async depth(): Promise<QueueDepth> {
    const depth = { critical: 0, normal: 0, low: 0 };
    for (const task of this.sent) depth[task.priority] += 1;
    return { depth, inFlight: this.inFlight, inDeadLetterQueues: this.inDeadLetterQueues };
  }

  sentIds(): string[] {
    return this.sent.map((envelope) => envelope.taskId);
  }
}

/** Idempotency records without expiry (tests run well within the 24 h window). */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  readonly records = new Map<string, IdempotencyRecord>();
  readonly released: string[] = [];

  async claim(key: string, requestHash: string): Promise<IdempotencyRecord | undefined> {
    const existing = this.records.get(key);
    if (existing) return copy(existing);
    this.records.set(key, { requestHash, status: 'in-progress' });
    return undefined;
  }

  async complete(key: string, response: { statusCode: number; body: unknown }): Promise<void> {
    const record = this.records.get(key);
    if (!record) throw new Error(`completing unclaimed idempotency key '${key}'`);
    this.records.set(key, { ...record, status: 'done', response: copy(response) });
  }

  async release(key: string): Promise<void> {
    this.records.delete(key);
    this.released.push(key);
  }
}

/**
 * An agent as the registry stores it: the registration parsed by the real schema (so defaults
 * apply), plus a status and timestamps.
 */
export function buildAgent(
  registration: Record<string, unknown> & { id: string },
  status: Agent['status'] = 'active',
  time: string = START_TIME,
): Agent {
  const input = registerAgentSchema.parse({ model: { provider: 'echo' }, ...registration });
  return { ...input, name: input.name ?? input.id, status, createdAt: time, updatedAt: time };
}

/** A task as submitTask stores it (its fields in Task's order), with any field overridden. */
export function buildTask({ agentId, ...overrides }: Partial<Task> & { agentId: string }): Task {
  return {
    id: newId(),
    agentId,
    status: 'queued',
    priority: 'normal',
    input: 'hello',
    output: null,
    error: null,
    attempts: 0,
    maxAttempts: 3,
    timeoutMs: null,
    deadLettered: false,
    workflowId: null,
    threadId: null,
    pendingApproval: null,
    metadata: {},
    usage: emptyUsage(),
    steps: [],
    context: null,
    stepsOmitted: 0,
    correlationId: 'corr-test',
    suspended: null,
    turn: null,
    leaseUntil: null,
    createdAt: START_TIME,
    startedAt: null,
    finishedAt: null,
    updatedAt: START_TIME,
    ...overrides,
  };
}

/** Approvals kept like DynamoApprovalStore keeps them: status changes only from `from`. */
export class InMemoryApprovalStore implements ApprovalStore {
  readonly approvals = new Map<string, Approval>();

  async create(approval: Approval): Promise<void> {
    if (this.approvals.has(approval.id))
      throw new ConflictError(`approval '${approval.id}' exists`);
    this.approvals.set(approval.id, copy(approval));
  }

  async get(id: string): Promise<Approval | undefined> {
    const approval = this.approvals.get(id);
    return approval ? copy(approval) : undefined;
  }

  async list(filter: ApprovalFilter & PageRequest): Promise<Page<Approval>> {
    const all = [...this.approvals.values()].filter(
      (a) =>
        (filter.status === undefined || a.status === filter.status) &&
        (filter.agentId === undefined || a.agentId === filter.agentId) &&
        (filter.taskId === undefined || a.taskId === filter.taskId) &&
        (filter.workflowId === undefined || a.workflowId === filter.workflowId),
    );
    const page = pageOf(all, (a) => a.id, filter, 'desc');
    return { items: page.items.map(copy), nextCursor: page.nextCursor };
  }

  async update(
    id: string,
    change: { from: readonly Approval['status'][]; set: Partial<Approval> },
  ): Promise<Approval> {
    const current = this.approvals.get(id);
    if (!current || !change.from.includes(current.status)) {
      throw new TransitionConflictError(`approval '${id}' is not ${change.from.join('/')}`);
    }
    const next = { ...current, ...copy(change.set) };
    this.approvals.set(id, next);
    return copy(next);
  }
}

/** Timers kept in a list: what was armed, and for when. */
export class RecordingApprovalTimer implements ApprovalTimer {
  readonly armed: { approvalId: string; dueAt: string }[] = [];
  async arm(timers: { approvalId: string; dueAt: string }[]): Promise<void> {
    this.armed.push(...copy(timers));
  }
}

/** A running workflow as createWorkflow stores it (sequential, no steps), any field overridden. */
export function buildWorkflow(overrides: Partial<Workflow> = {}): Workflow {
  return {
    id: newId(),
    name: 'wf',
    status: 'running',
    strategy: 'sequential',
    chosenStrategy: 'sequential',
    recommendation: null,
    input: 'the input',
    steps: [],
    supervisor: null,
    aggregate: null,
    objective: 'balanced',
    priority: 'normal',
    maxAttempts: 3,
    timeoutMs: null,
    metadata: {},
    output: null,
    error: null,
    quality: null,
    costUsd: 0,
    executionArn: null,
    executions: 1,
    announced: false,
    correlationId: 'corr',
    createdAt: START_TIME,
    finishedAt: null,
    updatedAt: START_TIME,
    ...overrides,
  };
}
