/**
 * The task worker as a function is configured: the agent loop's stores, models, tools and
 * services, the retry policy (AGENT_CORE_RETRY_BASE_SECONDS, AGENT_CORE_RETRY_MAX_SECONDS), the
 * budgets held before model calls, answers streamed to the connections following a task, and
 * threads' turns and approvals (their stores, the turn's queue, the approvals' timers). Each part
 * is built once per process.
 */
import type { WorkerDeps } from '../core/kernel/run-task.js';
import { systemClock } from '../core/ports.js';
import { toolCatalogue } from '../core/tools/catalogue.js';
import { budgetDefinitions, budgetStore } from './budgets.js';
import { settings } from './config.js';
import { answerStreamingDeps } from './dashboard.js';
import {
  approvalStore,
  approvalTimer,
  taskConversationStore,
  taskEnded,
  threadStore,
} from './interaction.js';
import { memoryService } from './memory.js';
import { messagingService } from './messaging.js';
import { modelResolver } from './models.js';
import { agentMcpTools, toolServices } from './tools.js';
import {
  agentStore,
  eventPublisher,
  modelStatsStore,
  rateLimiter,
  taskSender,
  taskStore,
} from './wiring.js';

/** `onStreamError` is told of a streamed answer's failed lookup or post (the task goes on). */
export const workerDeps = (onStreamError: (error: unknown, what: string) => void): WorkerDeps => ({
  agents: agentStore(),
  tasks: taskStore(),
  events: eventPublisher(),
  clock: systemClock,
  tools: toolCatalogue,
  retry: {
    baseSeconds: settings().AGENT_CORE_RETRY_BASE_SECONDS,
    maxSeconds: settings().AGENT_CORE_RETRY_MAX_SECONDS,
  },
  models: modelResolver(),
  services: { ...toolServices(), memory: memoryService(), messaging: messagingService() },
  rateLimiter: rateLimiter(),
  modelStats: modelStatsStore(),
  loadMcpTools: agentMcpTools,
  budgets: { store: budgetStore(), definitions: budgetDefinitions() },
  onFinished: taskEnded,
  threads: threadStore(),
  queue: taskSender(),
  conversations: taskConversationStore(),
  approvals: approvalStore(),
  approvalTimer: approvalTimer(),
  deltas: answerStreamingDeps(onStreamError),
});
