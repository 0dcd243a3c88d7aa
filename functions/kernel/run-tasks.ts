/**
 * Task worker: runs the tasks of a batch from the priority queues (SQS event source). Each
 * record is parsed, run by the core (`runTaskMessage`), and its outcome mapped: done (SQS
 * deletes it), retry later (hidden for the backoff, reported as a batch item failure), or
 * dead-letter (moved to its DLQ).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Agent } from '../../shared/core/agents/agent.js';
import {
  retryDelaySeconds,
  runTaskMessage,
  type WorkerDeps,
} from '../../shared/core/kernel/run-task.js';
import type { TaskDeliveries } from '../../shared/core/ports.js';
import { taskMessageSchema } from '../../shared/core/tasks/task.js';
import { parseInput } from '../../shared/core/validation.js';
import { eventHandler, metrics } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { deliveryOf, jsonBody, processBatch, RetryLater } from '../../shared/runtime/sqs-batch.js';
import { once, taskDeliveries } from '../../shared/runtime/wiring.js';
import { workerDeps } from '../../shared/runtime/worker.js';

const logger = createLogger('kernel');

/** What became of each delivered task message (EMF, namespace AgentCore). */
const OUTCOME_METRIC = {
  done: 'TaskMessagesDone',
  'retry-later': 'TaskAttemptsRetried',
  'dead-letter': 'TasksDeadLettered',
} as const;

export interface RunTasksDeps {
  worker: WorkerDeps;
  /** Retries and dead-lettering of the messages this function consumes. */
  deliveries: TaskDeliveries;
}

export function runTasks(deps: () => RunTasksDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const { worker, deliveries } = deps();
    // One agent lookup per agent per batch: tasks of a batch mostly share a few agents.
    const agentCache = new Map<string, Promise<Agent | undefined>>();
    return processBatch(
      event,
      async (record) => {
        const message = parseInput(taskMessageSchema, jsonBody(record), 'task message');
        const delivery = deliveryOf(record);
        let outcome: Awaited<ReturnType<typeof runTaskMessage>>;
        try {
          outcome = await runTaskMessage(worker, message, agentCache);
        } catch (error) {
          // A fault around the task (the store or the bus failed): try again soon, with backoff.
          const receives = Number(record.attributes.ApproximateReceiveCount);
          await deliveries
            .retryLater(delivery, retryDelaySeconds(receives, worker.retry))
            .catch(() => undefined);
          throw error;
        }
        metrics.addMetric(OUTCOME_METRIC[outcome.kind], MetricUnit.Count, 1);
        switch (outcome.kind) {
          case 'done':
            return;
          case 'retry-later':
            await deliveries.retryLater(delivery, outcome.delaySeconds);
            throw new RetryLater(outcome.delaySeconds);
          case 'dead-letter':
            await deliveries.deadLetter(delivery);
            return;
        }
      },
      logger,
    );
  };
}

const deps = once(
  (): RunTasksDeps => ({
    worker: workerDeps((error, what) => logger.warn(`${what} failed`, { error: error as Error })),
    deliveries: taskDeliveries(),
  }),
);

export const handler = eventHandler(runTasks(deps), logger, { withMetrics: true });
