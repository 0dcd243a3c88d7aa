/** Schedule runner: each firing from the schedule-firings queue submits its task or workflow. */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { recommend } from '../../shared/core/learning/insight-service.js';
import { systemClock } from '../../shared/core/ports.js';
import { type FireDeps, fireSchedule } from '../../shared/core/schedules/fire-schedule.js';
import { firingSchema } from '../../shared/core/schedules/schedule.js';
import { parseInput } from '../../shared/core/validation.js';
import { eventHandler } from '../../shared/runtime/lambda-handler.js';
import { insightStore } from '../../shared/runtime/learning.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { scheduleStore } from '../../shared/runtime/schedules.js';
import { jsonBody, processBatch } from '../../shared/runtime/sqs-batch.js';
import {
  agentStore,
  eventPublisher,
  once,
  taskSender,
  taskStore,
} from '../../shared/runtime/wiring.js';
import { workflowRunner, workflowStore } from '../../shared/runtime/workflows.js';

const logger = createLogger('scheduler');

export function fireSchedules(deps: () => FireDeps) {
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processBatch(
      event,
      async (record) => {
        const firing = parseInput(firingSchema, jsonBody(record), 'schedule firing');
        await fireSchedule(deps(), firing, {
          correlationId: `schedule-${firing.scheduleId}-${firing.firedAt}`,
          clock: systemClock,
        });
      },
      logger,
    );
}

const deps = once(
  (): FireDeps => ({
    schedules: scheduleStore(),
    tasks: {
      agents: agentStore(),
      tasks: taskStore(),
      queue: taskSender(),
      events: eventPublisher(),
    },
    workflows: once(() => ({
      workflows: workflowStore(),
      agents: agentStore(),
      tasks: taskStore(),
      runner: workflowRunner(),
      events: eventPublisher(),
      recommend: (request) => recommend({ insights: insightStore() }, request),
    })),
  }),
);

export const handler = eventHandler(fireSchedules(deps), logger);
