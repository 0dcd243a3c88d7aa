/**
 * The typed agent-core client, for Node (>= 20) and browsers: every route of the OpenAPI
 * document (types generated into openapi-types.ts, requests made by openapi-fetch), errors as
 * AgentCoreError, lists as pages or async iterators over `nextCursor`, `Idempotency-Key` on the
 * routes that take it, retries on 429 after `Retry-After`, and the live feed.
 */
import createFetchClient, { type Client } from 'openapi-fetch';
import { AgentCoreError } from './errors.js';
import { Feed, type FeedEvent, type FeedSocketFactory, type Subscription } from './feed.js';
import type { components, operations, paths } from './openapi-types.js';

type Schemas = components['schemas'];
export type Agent = Schemas['Agent'];
export type AgentRegistration = Schemas['AgentRegistration'];
export type AgentPatch = Schemas['AgentPatch'];
export type Task = Schemas['Task'];
export type TaskSubmission = Schemas['TaskSubmission'];
export type Workflow = Schemas['Workflow'];
export type WorkflowRequest = Schemas['WorkflowRequest'];
export type Memory = Schemas['Memory'];
export type Grant = Schemas['Grant'];
export type InboxMessage = Schemas['InboxMessage'];
export type ApiKey = Schemas['ApiKey'];
export type MintedApiKey = Schemas['MintedApiKey'];
export type Event = Schemas['Event'];
export type Metrics = Schemas['Metrics'];
export type QueueStatus = Schemas['QueueStatus'];
export type Budget = Schemas['Budget'];
export type Schedule = Schemas['Schedule'];

/** The query of an operation, without the page (given as `limit` and `cursor` alike). */
type Query<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const TASK_FINISHED = ['succeeded', 'failed', 'cancelled'] as const;
export const WORKFLOW_FINISHED = ['succeeded', 'failed', 'cancelled'] as const;

export interface ClientOptions {
  /** Where the API is: `http://127.0.0.1:3000`, or the stack's `ApiUrl`. */
  baseUrl: string;
  /** The admin key or an agent key; sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** The feed's URL; by default `/ws` on the API's host (the local runtime's). */
  wsUrl?: string;
  /** Tries again after a 429 this many times (default 3), waiting what Retry-After says. */
  maxRetries?: number;
  /** The longest wait before a retry (default 30 s). */
  maxRetryDelayMs?: number;
  fetch?: (request: Request) => Promise<Response>;
  /** Opens the feed's WebSocket; by default the platform's, or the `ws` package in Node 20. */
  socket?: FeedSocketFactory;
}

export interface WaitOptions<S extends string> {
  /** Give up after this long (default: wait for ever). */
  timeoutMs?: number;
  /** Called with each state fetched, e.g. to show progress. */
  onUpdate?: (value: { status: S }) => void;
  signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** Every item of every page, following `nextCursor`. */
export async function* paginate<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

export class AgentCoreClient {
  /** The openapi-fetch client underneath, typed by the document: any route, any option. */
  readonly raw: Client<paths>;
  readonly baseUrl: string;
  readonly wsUrl: string;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const feedUrl = new URL('/ws', `${this.baseUrl}/`);
    feedUrl.protocol = feedUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    this.wsUrl = options.wsUrl ?? feedUrl.toString();
    this.raw = createFetchClient<paths>({
      baseUrl: this.baseUrl,
      headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
      fetch: (request) => this.send(request),
    });
  }

  /** Sends a request; a 429 is tried again after Retry-After (the request was not processed). */
  private async send(request: Request): Promise<Response> {
    const fetchOne = this.options.fetch ?? ((r: Request) => globalThis.fetch(r));
    const maxRetries = this.options.maxRetries ?? 3;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetchOne(request.clone());
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw new AgentCoreError(
          0,
          'ConnectionFailed',
          `no answer from ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
        );
      }
      if (response.status !== 429 || attempt >= maxRetries) return response;
      const seconds = Number(response.headers.get('retry-after'));
      const delayMs =
        Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 2 ** attempt * 1000;
      await response.body?.cancel();
      await sleep(Math.min(delayMs, this.options.maxRetryDelayMs ?? 30_000), request.signal);
    }
  }

  /** The data of a 2xx answer, or the AgentCoreError of any other. */
  private async call<D>(
    pending: Promise<{ data?: D; error?: unknown; response: Response }>,
  ): Promise<NonNullable<D>> {
    const { data, error, response } = await pending;
    if (!response.ok) throw AgentCoreError.fromAnswer(response.status, error, response.headers);
    return data as NonNullable<D>;
  }

  private static idempotency(key: string | undefined) {
    return key ? { 'idempotency-key': key } : undefined;
  }

  health() {
    return this.call(this.raw.GET('/health'));
  }

  /** The OpenAPI document the server serves. */
  openapi() {
    return this.call(this.raw.GET('/openapi.json'));
  }

  readonly agents = {
    register: (body: AgentRegistration) => this.call(this.raw.POST('/v1/agents', { body })),
    list: (query: Query<'listAgents'> = {}) =>
      this.call(this.raw.GET('/v1/agents', { params: { query } })),
    iterate: (query: Omit<Query<'listAgents'>, 'cursor'> = {}) =>
      paginate((cursor) => this.agents.list({ ...query, cursor })),
    get: (id: string) => this.call(this.raw.GET('/v1/agents/{id}', { params: { path: { id } } })),
    patch: (id: string, body: AgentPatch) =>
      this.call(this.raw.PATCH('/v1/agents/{id}', { params: { path: { id } }, body })),
    retire: (id: string) =>
      this.call(this.raw.DELETE('/v1/agents/{id}', { params: { path: { id } } })),
    pause: (id: string) =>
      this.call(this.raw.POST('/v1/agents/{id}/pause', { params: { path: { id } } })),
    resume: (id: string) =>
      this.call(this.raw.POST('/v1/agents/{id}/resume', { params: { path: { id } } })),
  };

  readonly tasks = {
    /** With `idempotencyKey`, the same key and body within 24 h answer the first task again. */
    submit: (body: TaskSubmission, options: { idempotencyKey?: string } = {}) =>
      this.call(
        this.raw.POST('/v1/tasks', {
          body,
          params: { header: AgentCoreClient.idempotency(options.idempotencyKey) },
        }),
      ),
    list: (query: Query<'listTasks'> = {}) =>
      this.call(this.raw.GET('/v1/tasks', { params: { query } })),
    iterate: (query: Omit<Query<'listTasks'>, 'cursor'> = {}) =>
      paginate((cursor) => this.tasks.list({ ...query, cursor })),
    get: (id: string) => this.call(this.raw.GET('/v1/tasks/{id}', { params: { path: { id } } })),
    cancel: (id: string) =>
      this.call(this.raw.POST('/v1/tasks/{id}/cancel', { params: { path: { id } } })),
    trace: (id: string, query: Query<'getTaskTrace'> = {}) =>
      this.call(this.raw.GET('/v1/tasks/{id}/trace', { params: { path: { id }, query } })),
    iterateTrace: (id: string) => paginate((cursor) => this.tasks.trace(id, { cursor })),
    /** Polls until the task has finished (succeeded, failed or cancelled) and returns it. */
    wait: (id: string, options: WaitOptions<Task['status']> = {}) =>
      this.waitFor(() => this.tasks.get(id), TASK_FINISHED, options, `task ${id}`),
  };

  readonly queue = {
    status: () => this.call(this.raw.GET('/v1/queue')),
    deadLetters: (query: Query<'listDeadLetters'> = {}) =>
      this.call(this.raw.GET('/v1/queue/dlq', { params: { query } })),
    iterateDeadLetters: () => paginate((cursor) => this.queue.deadLetters({ cursor })),
    /** Without task ids: up to 100 dead-lettered tasks per call. */
    redrive: (taskIds?: string[]) =>
      this.call(this.raw.POST('/v1/queue/dlq/redrive', { body: taskIds ? { taskIds } : {} })),
  };

  readonly threads = {
    create: (body: Schemas['ThreadRequest']) => this.call(this.raw.POST('/v1/threads', { body })),
    list: (query: Query<'listThreads'> = {}) =>
      this.call(this.raw.GET('/v1/threads', { params: { query } })),
    iterate: (query: Omit<Query<'listThreads'>, 'cursor'> = {}) =>
      paginate((cursor) => this.threads.list({ ...query, cursor })),
    get: (id: string) => this.call(this.raw.GET('/v1/threads/{id}', { params: { path: { id } } })),
    delete: (id: string) =>
      this.call(this.raw.DELETE('/v1/threads/{id}', { params: { path: { id } } })),
    /** A turn: the message is stored and its task queued (or 409 with `ifBusy: 'reject'`). */
    send: (id: string, body: Schemas['ThreadMessageRequest']) =>
      this.call(this.raw.POST('/v1/threads/{id}/messages', { params: { path: { id } }, body })),
    messages: (id: string, query: Query<'listThreadMessages'> = {}) =>
      this.call(this.raw.GET('/v1/threads/{id}/messages', { params: { path: { id }, query } })),
    iterateMessages: (id: string) => paginate((cursor) => this.threads.messages(id, { cursor })),
  };

  readonly approvals = {
    list: (query: Query<'listApprovals'> = {}) =>
      this.call(this.raw.GET('/v1/approvals', { params: { query } })),
    iterate: (query: Omit<Query<'listApprovals'>, 'cursor'> = {}) =>
      paginate((cursor) => this.approvals.list({ ...query, cursor })),
    get: (id: string) =>
      this.call(this.raw.GET('/v1/approvals/{id}', { params: { path: { id } } })),
    /** Admin keys only; an approval already decided or expired is a 409. */
    decide: (id: string, body: Schemas['ApprovalDecision']) =>
      this.call(this.raw.POST('/v1/approvals/{id}', { params: { path: { id } }, body })),
  };

  readonly workflows = {
    start: (body: WorkflowRequest, options: { idempotencyKey?: string } = {}) =>
      this.call(
        this.raw.POST('/v1/workflows', {
          body,
          params: { header: AgentCoreClient.idempotency(options.idempotencyKey) },
        }),
      ),
    list: (query: Query<'listWorkflows'> = {}) =>
      this.call(this.raw.GET('/v1/workflows', { params: { query } })),
    iterate: (query: Omit<Query<'listWorkflows'>, 'cursor'> = {}) =>
      paginate((cursor) => this.workflows.list({ ...query, cursor })),
    get: (id: string) =>
      this.call(this.raw.GET('/v1/workflows/{id}', { params: { path: { id } } })),
    cancel: (id: string) =>
      this.call(this.raw.POST('/v1/workflows/{id}/cancel', { params: { path: { id } } })),
    /** Polls until the workflow has ended and returns it. */
    wait: (id: string, options: WaitOptions<Workflow['status']> = {}) =>
      this.waitFor(() => this.workflows.get(id), WORKFLOW_FINISHED, options, `workflow ${id}`),
  };

  readonly memories = {
    write: (agentId: string, body: Schemas['MemoryRequest']) =>
      this.call(
        this.raw.POST('/v1/agents/{id}/memories', { params: { path: { id: agentId } }, body }),
      ),
    list: (agentId: string, query: Query<'listMemories'> = {}) =>
      this.call(
        this.raw.GET('/v1/agents/{id}/memories', { params: { path: { id: agentId }, query } }),
      ),
    iterate: (agentId: string, query: Omit<Query<'listMemories'>, 'cursor'> = {}) =>
      paginate((cursor) => this.memories.list(agentId, { ...query, cursor })),
    delete: (agentId: string, memoryId: string) =>
      this.call(
        this.raw.DELETE('/v1/agents/{id}/memories/{memoryId}', {
          params: { path: { id: agentId, memoryId } },
        }),
      ),
    search: (agentId: string, body: Schemas['MemorySearch']) =>
      this.call(
        this.raw.POST('/v1/agents/{id}/memories/search', {
          params: { path: { id: agentId } },
          body,
        }),
      ),
    grant: (agentId: string, body: Schemas['GrantRequest']) =>
      this.call(
        this.raw.POST('/v1/agents/{id}/grants', { params: { path: { id: agentId } }, body }),
      ),
    grants: (agentId: string, query: Query<'listGrants'> = {}) =>
      this.call(
        this.raw.GET('/v1/agents/{id}/grants', { params: { path: { id: agentId }, query } }),
      ),
    revokeGrant: (agentId: string, grantId: string) =>
      this.call(
        this.raw.DELETE('/v1/agents/{id}/grants/{grantId}', {
          params: { path: { id: agentId, grantId } },
        }),
      ),
  };

  readonly messages = {
    send: (body: Schemas['MessageRequest']) => this.call(this.raw.POST('/v1/messages', { body })),
    inbox: (agentId: string, query: Query<'readInbox'> = {}) =>
      this.call(
        this.raw.GET('/v1/agents/{id}/inbox', { params: { path: { id: agentId }, query } }),
      ),
    ack: (agentId: string, messageId: string) =>
      this.call(
        this.raw.POST('/v1/agents/{id}/inbox/{messageId}/ack', {
          params: { path: { id: agentId, messageId } },
        }),
      ),
  };

  readonly keys = {
    /** The key is in this answer only. */
    create: (scope: string) => this.call(this.raw.POST('/v1/keys', { body: { scope } })),
    list: (query: Query<'listKeys'> = {}) =>
      this.call(this.raw.GET('/v1/keys', { params: { query } })),
    iterate: () => paginate((cursor) => this.keys.list({ cursor })),
    revoke: (keyId: string) =>
      this.call(this.raw.DELETE('/v1/keys/{id}', { params: { path: { id: keyId } } })),
  };

  readonly events = {
    list: (query: Query<'listEvents'> = {}) =>
      this.call(this.raw.GET('/v1/events', { params: { query } })),
    iterate: (query: Omit<Query<'listEvents'>, 'cursor'> = {}) =>
      paginate((cursor) => this.events.list({ ...query, cursor })),
  };

  readonly budgets = {
    create: (body: Schemas['BudgetRequest']) => this.call(this.raw.POST('/v1/budgets', { body })),
    list: (query: Query<'listBudgets'> = {}) =>
      this.call(this.raw.GET('/v1/budgets', { params: { query } })),
    iterate: () => paginate((cursor) => this.budgets.list({ cursor })),
    get: (id: string) => this.call(this.raw.GET('/v1/budgets/{id}', { params: { path: { id } } })),
    patch: (id: string, body: Schemas['BudgetPatch']) =>
      this.call(this.raw.PATCH('/v1/budgets/{id}', { params: { path: { id } }, body })),
    delete: (id: string) =>
      this.call(this.raw.DELETE('/v1/budgets/{id}', { params: { path: { id } } })),
  };

  readonly schedules = {
    create: (body: Schemas['ScheduleRequest']) =>
      this.call(this.raw.POST('/v1/schedules', { body })),
    list: (query: Query<'listSchedules'> = {}) =>
      this.call(this.raw.GET('/v1/schedules', { params: { query } })),
    iterate: () => paginate((cursor) => this.schedules.list({ cursor })),
    get: (id: string) =>
      this.call(this.raw.GET('/v1/schedules/{id}', { params: { path: { id } } })),
    patch: (id: string, body: Schemas['SchedulePatch']) =>
      this.call(this.raw.PATCH('/v1/schedules/{id}', { params: { path: { id } }, body })),
    delete: (id: string) =>
      this.call(this.raw.DELETE('/v1/schedules/{id}', { params: { path: { id } } })),
  };

  readonly insights = {
    agent: (agentId: string) =>
      this.call(this.raw.GET('/v1/insights/agents/{id}', { params: { path: { id: agentId } } })),
    report: (query: Query<'getInsightsReport'> = {}) =>
      this.call(this.raw.GET('/v1/insights/report', { params: { query } })),
    recommend: (body: Schemas['RecommendRequest']) =>
      this.call(this.raw.POST('/v1/insights/recommend', { body })),
  };

  models() {
    return this.call(this.raw.GET('/v1/models'));
  }

  tools(query: Query<'listTools'> = {}) {
    return this.call(this.raw.GET('/v1/tools', { params: { query } }));
  }

  metrics(query: Query<'getMetrics'> = {}) {
    return this.call(this.raw.GET('/v1/metrics', { params: { query } }));
  }

  audit(query: Query<'listAudit'> = {}) {
    return this.call(this.raw.GET('/v1/audit', { params: { query } }));
  }

  /**
   * Opens the live feed with this client's key. A type subscription that reconnects fetches
   * what it missed from the event log; a task or thread subscription is replayed by the server.
   */
  feed(
    subscription: Subscription,
    options: { reconnect?: boolean; pingIntervalMs?: number } = {},
  ): Feed {
    const apiKey = this.options.apiKey;
    if (!apiKey) throw new Error('the feed needs an API key');
    return new Feed({
      url: this.wsUrl,
      apiKey,
      subscription,
      reconnect: options.reconnect,
      pingIntervalMs: options.pingIntervalMs,
      socket: this.options.socket,
      missedSince: (after) =>
        paginate((cursor) =>
          this.events.list({ after, cursor, limit: 100 }),
        ) as AsyncIterable<FeedEvent>,
    });
  }

  private async waitFor<T extends { status: S }, S extends string>(
    fetchOne: () => Promise<T>,
    finished: readonly string[],
    options: WaitOptions<S>,
    what: string,
  ): Promise<T> {
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    let delay = 200;
    let last: S | undefined;
    while (true) {
      const value = await fetchOne();
      if (value.status !== last) options.onUpdate?.(value);
      last = value.status;
      if (finished.includes(value.status)) return value;
      if (Date.now() + delay > deadline) {
        throw new AgentCoreError(0, 'Timeout', `${what} is still ${value.status}`);
      }
      await sleep(delay, options.signal);
      delay = Math.min(delay * 1.5, 2000);
    }
  }
}
