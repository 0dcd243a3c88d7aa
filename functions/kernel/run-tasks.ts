/** Task worker: runs the tasks of a batch from the priority queues (SQS event source). */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  ChangeMessageVisibilityCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { queuesNeedingUrls, topology } from '../../infra/topology.js';
import { sqsClient } from '../../shared/adapters/clients/sqs.js';
import type { Agent } from '../../shared/core/agents/agent.js';
import {
  retryDelaySeconds,
  runTaskMessage,
  type WorkerDeps,
} from '../../shared/core/kernel/run-task.js';
import { systemClock } from '../../shared/core/ports.js';
import { taskMessageSchema } from '../../shared/core/tasks/task.js';
import { toolCatalogue } from '../../shared/core/tools/catalogue.js';
import { parseInput } from '../../shared/core/validation.js';
import { budgetDefinitions, budgetStore } from '../../shared/runtime/budgets.js';
import { queueUrl, settings } from '../../shared/runtime/config.js';
import {
  approvalStore,
  approvalTimer,
  taskConversationStore,
  taskEnded,
  threadStore,
} from '../../shared/runtime/interaction.js';
import { eventHandler, metrics } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { memoryService } from '../../shared/runtime/memory.js';
import { messagingService } from '../../shared/runtime/messaging.js';
import { modelResolver } from '../../shared/runtime/models.js';
import { jsonBody, processBatch, queueNameOf, RetryLater } from '../../shared/runtime/sqs-batch.js';
import { agentMcpTools, toolServices } from '../../shared/runtime/tools.js';
import {
  agentStore,
  connectionPoster,
  eventPublisher,
  modelStatsStore,
  once,
  rateLimiter,
  targetSubscriptionStore,
  taskSender,
  taskStore,
} from '../../shared/runtime/wiring.js';

const logger = createLogger('kernel');

/** What became of each delivered task message (EMF, namespace AgentCore). */
const OUTCOME_METRIC = {
  done: 'TaskMessagesDone',
  'retry-later': 'TaskAttemptsRetried',
  'dead-letter': 'TasksDeadLettered',
} as const;

export interface RunTasksDeps {
  worker: WorkerDeps;
  sqs: SQSClient;
  /** Queue URL by topology queue id, for the queues this function consumes and their DLQs. */
  queueUrls: Map<string, string>;
}

/** Maps a record's source queue (by the name in its ARN) to its URL and its DLQ's URL. */
function queueResolver(queueUrls: Map<string, string>) {
  const byName = new Map<string, { url: string; deadLetterUrl: string | undefined }>();
  for (const queue of topology.queues) {
    const url = queueUrls.get(queue.id);
    if (!url) continue;
    byName.set(url.split('/').pop() ?? queue.id, {
      url,
      deadLetterUrl: queueUrls.get(queue.deadLetterQueue),
    });
  }
  return (record: SQSRecord) => {
    const queue = byName.get(queueNameOf(record));
    if (!queue) throw new Error(`no URL configured for queue ${queueNameOf(record)}`);
    return queue;
  };
}

export function runTasks(deps: () => RunTasksDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const { worker, sqs, queueUrls } = deps();
    // One agent lookup per agent per batch: tasks of a batch mostly share a few agents.
    const agentCache = new Map<string, Promise<Agent | undefined>>();
    const queueOf = queueResolver(queueUrls);
    const urlOf = (record: SQSRecord): string => queueOf(record).url;
    const hideFor = (record: SQSRecord, seconds: number) =>
      sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: urlOf(record),
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: Math.min(43_200, Math.max(0, Math.round(seconds))),
        }),
      );

    return processBatch(
      event,
      async (record) => {
        const message = parseInput(taskMessageSchema, jsonBody(record), 'task message');
        let outcome: Awaited<ReturnType<typeof runTaskMessage>>;
        try {
          outcome = await runTaskMessage(worker, message, agentCache);
        } catch (error) {
          // A fault around the task (the store or the bus failed): try again soon, with backoff.
          const receives = Number(record.attributes.ApproximateReceiveCount);
          await hideFor(record, retryDelaySeconds(receives, worker.retry)).catch(() => undefined);
          throw error;
        }
        metrics.addMetric(OUTCOME_METRIC[outcome.kind], MetricUnit.Count, 1);
        switch (outcome.kind) {
          case 'done':
            return;
          case 'retry-later':
            await hideFor(record, outcome.delaySeconds);
            throw new RetryLater(outcome.delaySeconds);
          case 'dead-letter': {
            const dlqUrl = queueOf(record).deadLetterUrl;
            if (!dlqUrl) throw new Error(`no dead-letter queue for ${queueNameOf(record)}`);
            await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: record.body }));
            return;
          }
        }
      },
      logger,
    );
  };
}

const spec = topology.functions.find((fn) => fn.name === 'task-worker');

const deps = once(
  (): RunTasksDeps => ({
    worker: {
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
      deltas: {
        subscriptions: targetSubscriptionStore(),
        poster: connectionPoster(),
        clock: systemClock,
        onError: (error, what) => logger.warn(`${what} failed`, { error: error as Error }),
      },
    },
    sqs: sqsClient(),
    queueUrls: new Map((spec ? queuesNeedingUrls(spec) : []).map((id) => [id, queueUrl(id)])),
  }),
);

export const handler = eventHandler(runTasks(deps), logger, { withMetrics: true });
