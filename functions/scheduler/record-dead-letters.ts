/** DLQ consumer: a task message in a dead-letter queue marks its task failed and dead-lettered. */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { systemClock } from '../../shared/core/ports.js';
import { taskMessageSchema } from '../../shared/core/tasks/task.js';
import { recordDeadLetter, type SchedulerDeps } from '../../shared/core/tasks/task-service.js';
import { parseInput } from '../../shared/core/validation.js';
import { taskEnded } from '../../shared/runtime/interaction.js';
import { eventHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { jsonBody, processBatch } from '../../shared/runtime/sqs-batch.js';
import { eventPublisher, once, taskStore } from '../../shared/runtime/wiring.js';

const logger = createLogger('scheduler');

export function recordDeadLetters(
  deps: () => Pick<SchedulerDeps, 'tasks' | 'events' | 'onFinished'>,
) {
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processBatch(
      event,
      async (record) => {
        const message = parseInput(
          taskMessageSchema,
          jsonBody(record),
          'dead-lettered task message',
        );
        await recordDeadLetter(deps(), message, systemClock);
      },
      logger,
    );
}

const deps = once(() => ({
  tasks: taskStore(),
  events: eventPublisher(),
  onFinished: taskEnded,
}));

export const handler = eventHandler(recordDeadLetters(deps), logger);
