/**
 * Threads and approvals.
 *
 * Turn overhead: in-process against dynalite on disk (as the local runtime runs it), a thread
 * seeded with 50 and with 10,000 messages, then turns one after another (post the message, run
 * the turn with the echo model, hand the thread on): the time per turn and the DynamoDB calls
 * per turn. A turn reads its history newest first within `limits.contextTokens`, so both should
 * be flat.
 *
 * Decision → running: `npm start`, tasks that stop at an `ask` call; for each, the time from the
 * approval's `decidedAt` to the resumed attempt's `task.started` (the runtime's own timestamps).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { topology } from '../infra/topology.js';
import { startEmulators } from '../local/emulators.js';
import { provisionTable } from '../local/provision.js';
import { newResourceCredentials } from '../local/signed-requests.js';
import { DynamoTaskStore } from '../shared/adapters/dynamo-task-store.js';
import { DynamoThreadStore } from '../shared/adapters/dynamo-thread-store.js';
import {
  type Agent,
  DEFAULT_CONTEXT_TOKENS,
  registerAgentSchema,
} from '../shared/core/agents/agent.js';
import { runTaskMessage, type WorkerDeps } from '../shared/core/kernel/run-task.js';
import type { EventPublisher, TaskEnvelope, TaskQueue } from '../shared/core/ports.js';
import {
  createThread,
  postMessage,
  type ThreadDeps,
} from '../shared/core/threads/thread-service.js';
import { endTurn } from '../shared/core/threads/turns.js';
import { toolCatalogue } from '../shared/core/tools/catalogue.js';
import { eventually, removeDataDir, startRuntime } from '../tests/helpers/runtime.js';
import { seedHistory } from '../tests/helpers/thread-history.js';
import { percentile } from './stats.js';

const round = (ms: number) => Math.round(ms * 100) / 100;

export interface TurnOverheadCase {
  messages: number;
  /** The agent's limits.contextTokens. */
  contextTokens: number;
  turns: number;
  turnMs: { p50: number; p99: number; mean: number };
  /** DynamoDB calls per turn (posting and running it), by kind. */
  callsPerTurn: { reads: number; writes: number };
}

/** Keeps what the worker would send, for the bench to run in order. */
class ListQueue implements TaskQueue {
  readonly sent: TaskEnvelope[] = [];
  async enqueue(tasks: TaskEnvelope[]): Promise<void> {
    this.sent.push(...tasks);
  }
  async depth() {
    return { depth: { critical: 0, normal: 0, low: 0 }, inFlight: 0, inDeadLetterQueues: 0 };
  }
}

const nowhere: EventPublisher = { publish: async () => undefined };

/**
 * Two budgets: one that 50 messages already exceed (so both threads read the same), and the
 * default (16,000 tokens: a short thread reads all it has, a long one up to the budget).
 */
export async function benchTurnOverhead(
  sizes: number[] = [50, 10_000],
  turns = Number(process.env.BENCH_TURNS ?? 100),
  budgets: number[] = [500, DEFAULT_CONTEXT_TOKENS],
): Promise<TurnOverheadCase[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'agent-core-bench-threads-'));
  const credentials = newResourceCredentials();
  const emulators = await startEmulators({ credentials, dataDir });
  const raw = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: emulators.dynamoEndpoint,
    credentials,
  });
  const calls: string[] = [];
  raw.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'benchCountCalls' },
  );
  const dynamo = DynamoDBDocumentClient.from(raw, {
    marshallOptions: { removeUndefinedValues: true },
  });
  try {
    await provisionTable(raw, 'bench', topology);
    await waitUntilTableExists({ client: raw, maxWaitTime: 30 }, { TableName: 'bench' });
    const threads = new DynamoThreadStore(dynamo, 'bench');
    const tasks = new DynamoTaskStore(dynamo, 'bench');
    const parsed = registerAgentSchema.parse({ id: 'bench-chat', model: { provider: 'echo' } });
    const agent: Agent = {
      ...parsed,
      name: 'chat',
      status: 'active',
      createdAt: '',
      updatedAt: '',
    };
    const agents = {
      get: async () => agent,
      create: async () => undefined,
      list: async () => ({ items: [agent], nextCursor: null }),
      update: async () => agent,
    };
    const clock = { now: () => new Date() };
    const cases: TurnOverheadCase[] = [];
    for (const size of sizes) {
      const queue = new ListQueue();
      const deps: ThreadDeps = { threads, agents, tasks, queue, events: nowhere };
      const worker: WorkerDeps = {
        agents,
        tasks,
        events: nowhere,
        clock,
        tools: toolCatalogue,
        retry: { baseSeconds: 1, maxSeconds: 1 },
        threads,
        queue,
        onFinished: (task) => endTurn({ threads, tasks, queue, clock }, task),
      };
      const ctx = { correlationId: 'bench', clock };
      const thread = await createThread(deps, { agentId: agent.id }, ctx);
      await seedHistory(threads, thread.id, size);
      for (const budget of budgets) {
        agent.limits = { ...agent.limits, contextTokens: budget };
        const samples: number[] = [];
        let reads = 0;
        let writes = 0;
        for (let i = 0; i < turns + 10; i++) {
          calls.length = 0;
          const started = performance.now();
          await postMessage(deps, thread, { content: `turn ${String(i).padStart(5, '0')}` }, ctx);
          const envelope = queue.sent.shift();
          if (!envelope) throw new Error('the turn was not sent');
          await runTaskMessage(worker, envelope);
          const elapsed = performance.now() - started;
          if (i < 10) continue; // warm-up
          samples.push(elapsed);
          reads += calls.filter((c) => /^(Get|Query|BatchGet)/.test(c)).length;
          writes += calls.filter((c) => /^(Put|Update|Delete|BatchWrite)/.test(c)).length;
        }
        cases.push({
          messages: size,
          contextTokens: budget,
          turns,
          turnMs: {
            p50: round(percentile(samples, 50)),
            p99: round(percentile(samples, 99)),
            mean: round(samples.reduce((a, b) => a + b, 0) / samples.length),
          },
          callsPerTurn: { reads: round(reads / turns), writes: round(writes / turns) },
        });
      }
    }
    return cases;
  } finally {
    dynamo.destroy();
    await emulators.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export interface DecisionFigures {
  decisions: number;
  decisionToRunningMs: { p50: number; p99: number };
}

export async function benchDecisionToRunning(
  decisions = Number(process.env.BENCH_DECISIONS ?? 30),
): Promise<DecisionFigures> {
  const runtime = await startRuntime({ env: { AGENT_CORE_LOG_LEVEL: 'ERROR' } });
  try {
    await runtime.api('POST', '/v1/agents', {
      id: 'bench-asker',
      tools: ['math.eval'],
      toolPolicy: { 'math.eval': 'ask' },
      model: {
        provider: 'scripted',
        turns: [
          { toolCalls: [{ name: 'math.eval', input: { expression: '1+1' } }] },
          { text: '{{lastToolResult}}' },
        ],
      },
    });
    const samples: number[] = [];
    for (let i = 0; i < decisions; i++) {
      const { body: task } = await runtime.api('POST', '/v1/tasks', {
        agentId: 'bench-asker',
        input: `#${i}`,
      });
      const waiting = await eventually(async () => {
        const { body } = await runtime.api('GET', `/v1/tasks/${task.id}`);
        return body.status === 'waiting' ? body : undefined;
      });
      const { body: approval } = await runtime.api(
        'POST',
        `/v1/approvals/${waiting.pendingApproval}`,
        { decision: 'approve' },
      );
      const started = await eventually(async () => {
        const { body } = await runtime.api('GET', `/v1/tasks/${task.id}/trace?limit=100`);
        const starts = body.items.filter((e: { type: string }) => e.type === 'task.started');
        return starts.length >= 2 ? starts.at(-1) : undefined;
      });
      samples.push(Date.parse(started.time) - Date.parse(approval.decidedAt));
    }
    return {
      decisions,
      decisionToRunningMs: { p50: percentile(samples, 50), p99: percentile(samples, 99) },
    };
  } finally {
    await runtime.stop();
    removeDataDir(runtime.dataDir);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  console.log(JSON.stringify(await benchTurnOverhead(), null, 2));
  console.log(JSON.stringify(await benchDecisionToRunning(), null, 2));
}
