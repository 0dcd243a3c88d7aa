/**
 * The one description of agent-core's shape: every function, what triggers it and what it may
 * touch. The CDK stack (infra/stack.ts) and the local runtime (local/wiring.ts) are both built
 * from this data and nothing else, and tests/infra/parity.test.ts checks that they agree.
 *
 * Plain data only: no CDK and no handler imports, so both realisations can read it cheaply. It
 * reads the product's own names (task limits from the core, environment variable names and task
 * queue ids from the runtime); the product's code never imports infra/.
 */
import { MAX_TASK_ATTEMPTS } from '../shared/core/tasks/limits.js';
import {
  APPROVAL_TIMER_QUEUE,
  deadLetterQueueOf,
  TASK_QUEUE_BY_PRIORITY,
  THREAD_CLEANUP_QUEUE,
} from '../shared/runtime/environment.js';
import type { HttpMethod } from '../shared/runtime/http-api.js';

export type Layer =
  | 'kernel'
  | 'memory'
  | 'models'
  | 'tools'
  | 'scheduler'
  | 'ipc'
  | 'observability'
  | 'dashboard'
  | 'security'
  | 'orchestration'
  | 'learning';

export type { HttpMethod };

export interface HttpRoute {
  method: HttpMethod;
  /** API Gateway path template, e.g. `/v1/agents/{id}`. */
  path: string;
  /** Routes are authenticated by the API authorizer unless this is `false`. */
  auth?: boolean;
}

export interface QueueSpec {
  /** Logical id; also the queue name suffix and the env var stem. */
  id: string;
  /** Dead-letter queue id; every work queue has one. */
  deadLetterQueue: string;
  /** Receives after which SQS itself moves a message to the DLQ (poison messages). */
  maxReceiveCount: number;
}

export interface DeadLetterQueueSpec {
  id: string;
  /** Messages stay this long in a DLQ so that nothing is lost while an operator looks. */
  retentionDays: number;
}

export type WebSocketRouteKey = '$connect' | '$disconnect' | '$default';

export type Trigger =
  | { kind: 'http'; routes: HttpRoute[] }
  | { kind: 'http-authorizer' }
  /** Routes of the dashboard's WebSocket API; `$connect` goes through its authorizer. */
  | { kind: 'websocket'; routes: WebSocketRouteKey[] }
  | { kind: 'websocket-authorizer' }
  /** Invoked by a state machine's Lambda task states (the workflow runner's engine). */
  | { kind: 'state-machine'; stateMachine: string }
  | {
      kind: 'queue';
      queue: string;
      batchSize: number;
      /** Lambda event source mapping maximum concurrency (2..1000). */
      maxConcurrency: number;
      maxBatchingWindowSeconds?: number;
    };

export interface Access {
  /** DynamoDB table access; `read` is enough for handlers that only look things up. */
  table?: 'read' | 'readwrite';
  /** PutEvents on the agent-core bus. */
  publishEvents?: boolean;
  /** Queues this function sends to (their URLs become env vars). */
  sendTo?: string[];
  /** Queues whose depth this function reads (GetQueueAttributes). */
  inspect?: string[];
  /** Secrets this function reads. */
  readSecrets?: SecretId[];
  /** Reads the model route configuration (AGENT_CORE_MODEL_ROUTES). */
  modelRoutes?: boolean;
  /** Invokes the Bedrock models the route configuration names. */
  invokeModels?: boolean;
  /** Computes embeddings (AGENT_CORE_EMBEDDINGS; Bedrock Titan when configured so). */
  embeddings?: boolean;
  /** Posts to and closes WebSocket connections (API Gateway Management API). */
  manageConnections?: boolean;
  /** Starts and stops executions of the workflow-runner state machine. */
  runWorkflows?: boolean;
  /** Answers the workflow runner's `.waitForTaskToken` callbacks (SendTaskSuccess/Failure). */
  answerWorkflowSteps?: boolean;
  /** Starts executions of the workflow-runner state machine (no stopping). */
  startWorkflows?: boolean;
  /** Creates, changes, reads and deletes the EventBridge Scheduler schedules of `schedules`. */
  manageSchedules?: boolean;
}

export type SecretId = 'admin-api-key';

export interface FunctionSpec {
  /** Unique name, kebab-case; construct id and local name. */
  name: string;
  layer: Layer;
  description: string;
  /** Entry file relative to the repository root; exports `handler`. */
  entry: string;
  timeoutSeconds: number;
  memoryMb: number;
  triggers: Trigger[];
  access: Access;
  /** npm packages left out of the bundle and shipped beside it (loaded lazily at run time). */
  shippedModules?: string[];
  /**
   * Worker threads the function starts: the file name its code looks for beside its bundle, and
   * the entry bundled on its own into that file (from source, a bootstrap of that name runs it).
   */
  workerThreads?: Record<string, string>;
  /** X-Ray tracing; by default what `tracingOf` says. */
  tracing?: TracingMode;
}

/**
 * `active`: Lambda samples the function's invocations itself (1 a second, then 5%); `pass-through`:
 * traced only when what invoked it was, and the Powertools tracer does no work at all.
 */
export type TracingMode = 'active' | 'pass-through';

/**
 * A function's X-Ray tracing. Queue consumers pass through: an SQS batch starts no trace of its
 * own, and actively sampling them made most of the traces recorded (60-75% of invocations, about
 * $25 per 1M tasks at a steady 1 task/s), while a task's whole story is in agent-core's own event
 * log and trace (GET /v1/traces). Requests and state machine steps stay actively sampled.
 */
export const tracingOf = (fn: FunctionSpec): TracingMode =>
  fn.tracing ?? (fn.triggers.some((t) => t.kind === 'queue') ? 'pass-through' : 'active');

export interface EventRuleSpec {
  id: string;
  description: string;
  /** An EventBridge event pattern, kept to the subset the local bus matches (local/event-pattern.ts). */
  pattern: {
    source?: (string | { prefix: string })[];
    'detail-type'?: (string | { prefix: string })[];
  };
  /** Rules deliver to queues (each with a DLQ) so that consumers get batching and retries. */
  targetQueue: string;
}

export interface StateMachineSpec {
  id: string;
  description: string;
  /** The function its Lambda task states invoke (it has a `state-machine` trigger for it). */
  taskFunction: string;
}

/** Schedules' timers: EventBridge Scheduler schedules whose target is a queue. */
export interface SchedulesSpec {
  /** The queue each firing is sent to (its consumer submits the run). */
  targetQueue: string;
  /** Where EventBridge Scheduler puts firings it could not deliver. */
  deadLetterQueue: string;
}

export interface Topology {
  appName: string;
  table: {
    partitionKey: 'pk';
    sortKey: 'sk';
    ttlAttribute: 'ttl';
    indexes: { name: string; partitionKey: string; sortKey: string }[];
  };
  eventBus: { name: string; sourcePrefix: string };
  queues: QueueSpec[];
  deadLetterQueues: DeadLetterQueueSpec[];
  rules: EventRuleSpec[];
  stateMachines: StateMachineSpec[];
  schedules: SchedulesSpec;
  functions: FunctionSpec[];
  /**
   * API Gateway's cache of authorizer answers. 0: the authorizer runs on every request, with no
   * identity source, because it never denies by itself: it labels the request with its principal
   * (or why it has none) and the route handler answers 401 in the contract's error shape, which
   * an HTTP API cannot customise for authorizer denials. The authorizer keeps its own short cache.
   */
  authorizerCacheSeconds: number;
}

/** The task worker's Lambda timeout; a task's own `timeoutMs` is capped below it (MAX_TASK_TIMEOUT_MS). */
export const TASK_WORKER_TIMEOUT_SECONDS = 300;

const taskQueues = Object.values(TASK_QUEUE_BY_PRIORITY);
const taskDeadLetterQueues = taskQueues.map(deadLetterQueueOf);

const r = (method: HttpMethod, path: string, auth = true): HttpRoute => ({ method, path, auth });

export const topology: Topology = {
  appName: 'agent-core',
  table: {
    partitionKey: 'pk',
    sortKey: 'sk',
    ttlAttribute: 'ttl',
    indexes: [
      // gsi1: an entity's main collection, time- or id-ordered (all agents, all tasks).
      { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
      // gsi2: a collection per owner (an agent's tasks).
      { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
      // gsi3: a collection per state (tasks by status, dead-lettered tasks).
      { name: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
    ],
  },
  eventBus: { name: 'agent-core', sourcePrefix: 'agent-core.' },
  queues: [
    // +2 over the largest maxAttempts: the worker dead-letters exhausted tasks itself; SQS only
    // steps in for messages that crash the worker before it can decide.
    ...taskQueues.map((id) => ({
      id,
      deadLetterQueue: deadLetterQueueOf(id),
      maxReceiveCount: MAX_TASK_ATTEMPTS + 2,
    })),
    { id: 'event-sink', deadLetterQueue: 'event-sink-dlq', maxReceiveCount: 5 },
    { id: 'scheduler-events', deadLetterQueue: 'scheduler-events-dlq', maxReceiveCount: 5 },
    { id: 'messages', deadLetterQueue: 'messages-dlq', maxReceiveCount: 5 },
    { id: 'dashboard-push', deadLetterQueue: 'dashboard-push-dlq', maxReceiveCount: 3 },
    { id: 'learning', deadLetterQueue: 'learning-dlq', maxReceiveCount: 5 },
    // Each receive of a timer that is not due yet hides it again (12 h at most): a 7-day
    // approval takes 15 receives; the rest is room for faults.
    {
      id: APPROVAL_TIMER_QUEUE,
      deadLetterQueue: `${APPROVAL_TIMER_QUEUE}-dlq`,
      maxReceiveCount: 30,
    },
    // A cleanup that has more to delete goes round again: a few receives per 10,000 messages.
    {
      id: THREAD_CLEANUP_QUEUE,
      deadLetterQueue: `${THREAD_CLEANUP_QUEUE}-dlq`,
      maxReceiveCount: 50,
    },
    { id: 'schedule-firings', deadLetterQueue: 'schedule-firings-dlq', maxReceiveCount: 5 },
  ],
  deadLetterQueues: [
    ...taskDeadLetterQueues.map((id) => ({ id, retentionDays: 14 })),
    { id: 'event-sink-dlq', retentionDays: 14 },
    { id: 'scheduler-events-dlq', retentionDays: 14 },
    { id: 'messages-dlq', retentionDays: 14 },
    { id: 'dashboard-push-dlq', retentionDays: 14 },
    { id: 'learning-dlq', retentionDays: 14 },
    { id: `${APPROVAL_TIMER_QUEUE}-dlq`, retentionDays: 14 },
    { id: `${THREAD_CLEANUP_QUEUE}-dlq`, retentionDays: 14 },
    { id: 'schedule-firings-dlq', retentionDays: 14 },
  ],
  rules: [
    {
      id: 'all-events-to-sink',
      description:
        'Every agent-core event is recorded: event log, metrics, task traces, audit log.',
      pattern: { source: [{ prefix: 'agent-core.' }] },
      targetQueue: 'event-sink',
    },
    {
      id: 'agent-resumed-to-scheduler',
      description: 'A resumed agent gets the tasks that waited while it was paused.',
      pattern: { source: ['agent-core.kernel'], 'detail-type': ['agent.resumed'] },
      targetQueue: 'scheduler-events',
    },
    {
      id: 'messages-to-delivery',
      description: "A sent message is delivered to each recipient's inbox.",
      pattern: { source: ['agent-core.ipc'], 'detail-type': ['message.sent'] },
      targetQueue: 'messages',
    },
    {
      id: 'all-events-to-dashboard',
      description: 'Every event is pushed to the dashboard connections that subscribed to it.',
      pattern: { source: [{ prefix: 'agent-core.' }] },
      targetQueue: 'dashboard-push',
    },
    {
      id: 'outcomes-to-learning',
      description: 'Finished tasks and workflows are the evidence the learning layer learns from.',
      pattern: {
        source: ['agent-core.kernel', 'agent-core.scheduler', 'agent-core.orchestration'],
        'detail-type': ['task.succeeded', 'task.failed', 'workflow.succeeded', 'workflow.failed'],
      },
      targetQueue: 'learning',
    },
    {
      id: 'thread-deleted-to-cleanup',
      description: "A deleted thread's messages are deleted in the background.",
      pattern: { source: ['agent-core.kernel'], 'detail-type': ['thread.deleted'] },
      targetQueue: THREAD_CLEANUP_QUEUE,
    },
  ],
  stateMachines: [
    {
      id: 'workflow-runner',
      description:
        'Runs every workflow: plans from DynamoDB, runs each step as a task, waits by callback.',
      taskFunction: 'workflow-engine',
    },
  ],
  schedules: { targetQueue: 'schedule-firings', deadLetterQueue: 'schedule-firings-dlq' },
  authorizerCacheSeconds: 0,
  functions: [
    {
      name: 'api-authorizer',
      layer: 'security',
      description: 'HTTP API Lambda authorizer: Bearer API keys.',
      entry: 'functions/security/authorize-request.ts',
      timeoutSeconds: 5,
      memoryMb: 256,
      triggers: [{ kind: 'http-authorizer' }],
      // The admin key from Secrets Manager; agent-scoped keys by their hash in the table.
      access: { readSecrets: ['admin-api-key'], table: 'read' },
    },
    {
      name: 'kernel-api',
      layer: 'kernel',
      description:
        'Agent registry: register (also from a blueprint), list, get, patch, retire, pause, resume; the blueprints.',
      entry: 'functions/kernel/agents-api.ts',
      timeoutSeconds: 10,
      memoryMb: 512,
      triggers: [
        {
          kind: 'http',
          routes: [
            r('GET', '/health', false),
            r('POST', '/v1/agents'),
            r('GET', '/v1/agents'),
            r('GET', '/v1/agents/{id}'),
            r('PATCH', '/v1/agents/{id}'),
            r('DELETE', '/v1/agents/{id}'),
            r('POST', '/v1/agents/{id}/pause'),
            r('POST', '/v1/agents/{id}/resume'),
            r('GET', '/v1/blueprints'),
            r('GET', '/v1/blueprints/{id}'),
          ],
        },
      ],
      access: { table: 'readwrite', publishEvents: true, modelRoutes: true },
    },
    {
      name: 'api-docs',
      layer: 'kernel',
      description: 'The OpenAPI 3.1 document of every route, generated from the route contracts.',
      entry: 'functions/kernel/openapi-api.ts',
      timeoutSeconds: 10,
      memoryMb: 256,
      triggers: [{ kind: 'http', routes: [r('GET', '/openapi.json', false)] }],
      access: {},
    },
    {
      name: 'models-api',
      layer: 'models',
      description: 'Model routes, providers and per-model statistics.',
      entry: 'functions/models/models-api.ts',
      timeoutSeconds: 10,
      memoryMb: 256,
      triggers: [{ kind: 'http', routes: [r('GET', '/v1/models')] }],
      access: { table: 'read', modelRoutes: true },
    },
    {
      name: 'budgets-api',
      layer: 'models',
      description: 'Budgets: spending limits per UTC day and month, with what was spent.',
      entry: 'functions/models/budgets-api.ts',
      timeoutSeconds: 10,
      memoryMb: 256,
      triggers: [
        {
          kind: 'http',
          routes: [
            r('POST', '/v1/budgets'),
            r('GET', '/v1/budgets'),
            r('GET', '/v1/budgets/{id}'),
            r('PATCH', '/v1/budgets/{id}'),
            r('DELETE', '/v1/budgets/{id}'),
          ],
        },
      ],
      access: { table: 'readwrite', publishEvents: true },
    },
    {
      name: 'tools-api',
      layer: 'tools',
      description: "The tool catalogue, with JSON Schemas; an agent's MCP tools with ?agentId=.",
      entry: 'functions/tools/tools-api.ts',
      timeoutSeconds: 30,
      memoryMb: 256,
      triggers: [{ kind: 'http', routes: [r('GET', '/v1/tools')] }],
      access: { table: 'read', publishEvents: true },
    },
    {
      name: 'scheduler-api',
      layer: 'scheduler',
      description: 'Tasks and the queue: submit, get, list, cancel, trace, depth, DLQ, redrive.',
      entry: 'functions/scheduler/tasks-api.ts',
      timeoutSeconds: 10,
      memoryMb: 512,
      triggers: [
        {
          kind: 'http',
          routes: [
            r('POST', '/v1/tasks'),
            r('GET', '/v1/tasks'),
            r('GET', '/v1/tasks/{id}'),
            r('POST', '/v1/tasks/{id}/cancel'),
            r('GET', '/v1/tasks/{id}/trace'),
            r('GET', '/v1/queue'),
            r('GET', '/v1/queue/dlq'),
            r('POST', '/v1/queue/dlq/redrive'),
          ],
        },
      ],
      access: {
        table: 'readwrite',
        publishEvents: true,
        sendTo: taskQueues,
        inspect: [...taskQueues, ...taskDeadLetterQueues],
        // Cancelling a workflow step's task tells its workflow.
        answerWorkflowSteps: true,
      },
    },
    {
      name: 'task-worker',
      layer: 'kernel',
      description: 'Runs tasks: the agent loop, retries with backoff, dead-lettering.',
      entry: 'functions/kernel/run-tasks.ts',
      timeoutSeconds: TASK_WORKER_TIMEOUT_SECONDS,
      memoryMb: 1024,
      // Listed in priority order: the local runtime polls them in this order, and critical
      // gets the most concurrency in the cloud.
      triggers: [
        { kind: 'queue', queue: 'tasks-critical', batchSize: 10, maxConcurrency: 50 },
        { kind: 'queue', queue: 'tasks-normal', batchSize: 10, maxConcurrency: 20 },
        { kind: 'queue', queue: 'tasks-low', batchSize: 10, maxConcurrency: 5 },
      ],
      access: {
        table: 'readwrite',
        publishEvents: true,
        // The DLQs for exhausted tasks; the task queues to hand a thread's turn on; the
        // approval timers for tool calls that wait for a person.
        sendTo: [...taskDeadLetterQueues, ...taskQueues, APPROVAL_TIMER_QUEUE],
        modelRoutes: true,
        invokeModels: true,
        embeddings: true,
        answerWorkflowSteps: true,
        // Streamed answers: `delta` frames to the connections following the task or its thread.
        manageConnections: true,
      },
      // code.analyze loads the TypeScript compiler when it first runs, in a worker thread.
      shippedModules: ['typescript'],
      workerThreads: { 'code-analysis-worker.mjs': 'shared/core/tools/code-analysis-thread.ts' },
    },
    {
      name: 'dead-letter-consumer',
      layer: 'scheduler',
      description: 'Marks tasks whose messages reached a DLQ as failed and dead-lettered.',
      entry: 'functions/scheduler/record-dead-letters.ts',
      timeoutSeconds: 30,
      memoryMb: 256,
      triggers: taskDeadLetterQueues.map((queue) => ({
        kind: 'queue' as const,
        queue,
        batchSize: 10,
        maxConcurrency: 2,
      })),
      // A dead-lettered thread turn hands its thread on (task queues).
      access: {
        table: 'readwrite',
        publishEvents: true,
        answerWorkflowSteps: true,
        sendTo: taskQueues,
      },
    },
    {
      name: 'scheduler-events',
      layer: 'scheduler',
      description: 'Reacts to agent lifecycle events: re-queues parked tasks on resume.',
      entry: 'functions/scheduler/on-agent-event.ts',
      timeoutSeconds: 60,
      memoryMb: 256,
      triggers: [{ kind: 'queue', queue: 'scheduler-events', batchSize: 10, maxConcurrency: 2 }],
      access: { table: 'readwrite', publishEvents: true, sendTo: taskQueues },
    },
    {
      name: 'schedules-api',
      layer: 'scheduler',
      description:
        'Schedules: tasks and workflows on rate, cron or at expressions, in a time zone.',
      entry: 'functions/scheduler/schedules-api.ts',
      timeoutSeconds: 10,
      memoryMb: 256,
      triggers: [
        {
          kind: 'http',
          routes: [
            r('POST', '/v1/schedules'),
            r('GET', '/v1/schedules'),
            r('GET', '/v1/schedules/{id}'),
            r('PATCH', '/v1/schedules/{id}'),
            r('DELETE', '/v1/schedules/{id}'),
          ],
        },
      ],
      access: { table: 'readwrite', publishEvents: true, manageSchedules: true },
    },
    {
      name: 'schedule-runner',
      layer: 'scheduler',
      description: "Submits a schedule's task or workflow for each firing, at most once.",
      entry: 'functions/scheduler/fire-schedules.ts',
      timeoutSeconds: 30,
      memoryMb: 256,
      triggers: [{ kind: 'queue', queue: 'schedule-firings', batchSize: 10, maxConcurrency: 2 }],
      access: { table: 'readwrite', publishEvents: true, sendTo: taskQueues, startWorkflows: true },
    },
    {
      name: 'security-api',
      layer: 'security',
      description: 'API keys: mint agent-scoped keys (shown once, stored as hashes), list, revoke.',
      entry: 'functions/security/keys-api.ts',
      timeoutSeconds: 10,
      memoryMb: 256,
      triggers: [
        {
          kind: 'http',
          routes: [r('POST', '/v1/keys'), r('GET', '/v1/keys'), r('DELETE', '/v1/keys/{id}')],
        },
      ],
      access: { table: 'readwrite', publishEvents: true },
    },
    {
      name: 'memory-api',
      layer: 'memory',
      description: 'Memories with semantic search, and namespaces shared by grants.',
      entry: 'functions/memory/memories-api.ts',
      timeoutSeconds: 30,
      memoryMb: 1024,
      triggers: [
        {
          kind: 'http',
          routes: [
            r('POST', '/v1/agents/{id}/memories'),
            r('GET', '/v1/agents/{id}/memories'),
            r('DELETE', '/v1/agents/{id}/memories/{memoryId}'),
            r('POST', '/v1/agents/{id}/memories/search'),
            r('POST', '/v1/agents/{id}/grants'),
            r('GET', '/v1/agents/{id}/grants'),
            r('DELETE', '/v1/agents/{id}/grants/{grantId}'),
          ],
        },
      ],
      access: { table: 'readwrite', publishEvents: true, embeddings: true },
    },
    {
      name: 'ipc-api',
      layer: 'ipc',
      description: 'Agent-to-agent messages under ACL: send, inbox, ack.',
      entry: 'functions/ipc/messages-api.ts',
      timeoutSeconds: 10,
      memoryMb: 256,
      triggers: [
        {
          kind: 'http',
          routes: [
            r('POST', '/v1/messages'),
            r('GET', '/v1/agents/{id}/inbox'),
            r('POST', '/v1/agents/{id}/inbox/{messageId}/ack'),
          ],
        },
      ],
      access: { table: 'readwrite', publishEvents: true },
    },
    {
      name: 'message-delivery',
      layer: 'ipc',
      description:
        'Writes sent messages into inboxes; starts tasks for agents with onMessage: task.',
      entry: 'functions/ipc/deliver-messages.ts',
      timeoutSeconds: 30,
      memoryMb: 256,
      triggers: [{ kind: 'queue', queue: 'messages', batchSize: 10, maxConcurrency: 5 }],
      access: { table: 'readwrite', publishEvents: true, sendTo: taskQueues },
    },
    {
      name: 'observability-api',
      layer: 'observability',
      description: 'The event log, metrics per minute, and the audit log.',
      entry: 'functions/observability/observability-api.ts',
      timeoutSeconds: 10,
      memoryMb: 512,
      triggers: [
        {
          kind: 'http',
          routes: [r('GET', '/v1/events'), r('GET', '/v1/metrics'), r('GET', '/v1/audit')],
        },
      ],
      access: {
        table: 'read',
        publishEvents: true,
        inspect: [...taskQueues, ...taskDeadLetterQueues],
      },
    },
    {
      name: 'dashboard-authorizer',
      layer: 'dashboard',
      description: 'WebSocket $connect authorizer: the API key in the token query parameter.',
      entry: 'functions/dashboard/authorize-connection.ts',
      timeoutSeconds: 5,
      memoryMb: 256,
      triggers: [{ kind: 'websocket-authorizer' }],
      access: { readSecrets: ['admin-api-key'], table: 'read' },
    },
    {
      name: 'dashboard-connections',
      layer: 'dashboard',
      description:
        'Dashboard WebSocket: connect, subscribe by types or to a task or thread (replay), ping.',
      entry: 'functions/dashboard/connections.ts',
      // A subscribe replays up to 500 stored events, one PostToConnection each.
      timeoutSeconds: 30,
      memoryMb: 256,
      triggers: [{ kind: 'websocket', routes: ['$connect', '$disconnect', '$default'] }],
      access: { table: 'readwrite', manageConnections: true },
    },
    {
      name: 'dashboard-push',
      layer: 'dashboard',
      description: 'Pushes events to the subscribed dashboard connections; drops gone ones (410).',
      entry: 'functions/dashboard/push-events.ts',
      timeoutSeconds: 30,
      memoryMb: 512,
      triggers: [{ kind: 'queue', queue: 'dashboard-push', batchSize: 10, maxConcurrency: 5 }],
      access: { table: 'readwrite', manageConnections: true },
    },
    {
      name: 'event-sink',
      layer: 'observability',
      description:
        'Records every event (log, traces, audit, metrics); sends it to its task/thread followers.',
      entry: 'functions/observability/record-events.ts',
      timeoutSeconds: 30,
      memoryMb: 256,
      triggers: [
        {
          kind: 'queue',
          queue: 'event-sink',
          batchSize: 10,
          maxConcurrency: 5,
          maxBatchingWindowSeconds: 1,
        },
      ],
      // Events go to the connections following their task or thread once recorded (the seam).
      access: { table: 'readwrite', manageConnections: true },
    },
    {
      name: 'workflows-api',
      layer: 'orchestration',
      description:
        'Workflows: start (any strategy, auto asks the learning layer), get, list, cancel.',
      entry: 'functions/orchestration/workflows-api.ts',
      timeoutSeconds: 15,
      memoryMb: 512,
      triggers: [
        {
          kind: 'http',
          routes: [
            r('POST', '/v1/workflows'),
            r('GET', '/v1/workflows'),
            r('GET', '/v1/workflows/{id}'),
            r('POST', '/v1/workflows/{id}/cancel'),
          ],
        },
      ],
      access: { table: 'readwrite', publishEvents: true, runWorkflows: true },
    },
    {
      name: 'workflow-engine',
      layer: 'orchestration',
      description:
        "The workflow runner's steps: plan the next steps, submit a step's task, record failure.",
      entry: 'functions/orchestration/workflow-engine.ts',
      timeoutSeconds: 30,
      memoryMb: 512,
      triggers: [{ kind: 'state-machine', stateMachine: 'workflow-runner' }],
      access: {
        table: 'readwrite',
        publishEvents: true,
        // Gates' approvals get timers.
        sendTo: [...taskQueues, APPROVAL_TIMER_QUEUE],
        answerWorkflowSteps: true,
        // A long workflow's execution hands over to the next one (StartExecution).
        startWorkflows: true,
      },
    },
    {
      name: 'learning-api',
      layer: 'learning',
      description: 'Insights per agent, the report, and strategy recommendations with confidence.',
      entry: 'functions/learning/insights-api.ts',
      timeoutSeconds: 10,
      memoryMb: 512,
      triggers: [
        {
          kind: 'http',
          routes: [
            r('GET', '/v1/insights/agents/{id}'),
            r('GET', '/v1/insights/report'),
            r('POST', '/v1/insights/recommend'),
          ],
        },
      ],
      access: { table: 'readwrite', publishEvents: true },
    },
    {
      name: 'learning-events',
      layer: 'learning',
      description: 'Learns from finished tasks and workflows; flags anomalies (insight.anomaly).',
      entry: 'functions/learning/record-outcomes.ts',
      timeoutSeconds: 30,
      memoryMb: 256,
      triggers: [
        // A batch rewrites each of its keys' summaries once, whatever it holds: up to 10 s of
        // outcomes in one batch make a steady 1 task/s as cheap to learn from as a burst (a
        // summary is ~24 KB: one write a second was ~$15 per 1M tasks). Insights lag by as much.
        {
          kind: 'queue',
          queue: 'learning',
          batchSize: 100,
          maxConcurrency: 2,
          maxBatchingWindowSeconds: 10,
        },
      ],
      access: { table: 'readwrite', publishEvents: true },
    },
    {
      name: 'threads-api',
      layer: 'kernel',
      description: 'Threads: conversations with an agent, one turn at a time, history per message.',
      entry: 'functions/kernel/threads-api.ts',
      timeoutSeconds: 10,
      memoryMb: 512,
      triggers: [
        {
          kind: 'http',
          routes: [
            r('POST', '/v1/threads'),
            r('GET', '/v1/threads'),
            r('GET', '/v1/threads/{id}'),
            r('DELETE', '/v1/threads/{id}'),
            r('POST', '/v1/threads/{id}/messages'),
            r('GET', '/v1/threads/{id}/messages'),
          ],
        },
      ],
      access: { table: 'readwrite', publishEvents: true, sendTo: taskQueues },
    },
    {
      name: 'thread-cleanup',
      layer: 'kernel',
      description: "Deletes a deleted thread's messages, a batch at a time.",
      entry: 'functions/kernel/clean-up-threads.ts',
      timeoutSeconds: 60,
      memoryMb: 256,
      triggers: [{ kind: 'queue', queue: THREAD_CLEANUP_QUEUE, batchSize: 5, maxConcurrency: 2 }],
      access: { table: 'readwrite' },
    },
    {
      name: 'approvals-api',
      layer: 'kernel',
      description:
        'Approvals: list and decide tool calls and workflow gates that wait for a person.',
      entry: 'functions/kernel/approvals-api.ts',
      timeoutSeconds: 10,
      memoryMb: 512,
      triggers: [
        {
          kind: 'http',
          routes: [
            r('GET', '/v1/approvals'),
            r('GET', '/v1/approvals/{id}'),
            r('POST', '/v1/approvals/{id}'),
          ],
        },
      ],
      // A decision queues the task again, or answers a gate's workflow.
      access: {
        table: 'readwrite',
        publishEvents: true,
        sendTo: taskQueues,
        answerWorkflowSteps: true,
      },
    },
    {
      name: 'approval-timers',
      layer: 'kernel',
      description: 'Expires approvals nobody decided in time; hides early timers until due.',
      entry: 'functions/kernel/expire-approvals.ts',
      timeoutSeconds: 30,
      memoryMb: 256,
      triggers: [{ kind: 'queue', queue: APPROVAL_TIMER_QUEUE, batchSize: 10, maxConcurrency: 2 }],
      access: {
        table: 'readwrite',
        publishEvents: true,
        sendTo: taskQueues,
        answerWorkflowSteps: true,
      },
    },
  ],
};

/**
 * Every queue a function's code needs a URL for: those it sends to, those it inspects, and those
 * it consumes (to change a message's visibility for backoff).
 */
export function queuesNeedingUrls(fn: FunctionSpec): string[] {
  const consumed = fn.triggers.flatMap((t) => (t.kind === 'queue' ? [t.queue] : []));
  return [...new Set([...(fn.access.sendTo ?? []), ...(fn.access.inspect ?? []), ...consumed])];
}

/** Visibility timeout of a queue: at least six times the timeout of the function consuming it. */
export function visibilityTimeoutSeconds(queueId: string, spec: Topology = topology): number {
  const consumers = spec.functions.filter((fn) =>
    fn.triggers.some((t) => t.kind === 'queue' && t.queue === queueId),
  );
  const longest = Math.max(30, ...consumers.map((fn) => fn.timeoutSeconds));
  return longest * 6;
}
