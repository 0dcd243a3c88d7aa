/** Scheduler reactions to agent lifecycle events: a resumed agent gets its parked tasks back. */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { agentResumed } from '../../events/agent-events.js';
import { busEventSchema } from '../../events/envelope.js';
import { systemClock } from '../../shared/core/ports.js';
import { releaseParkedTasks, type SchedulerDeps } from '../../shared/core/tasks/task-service.js';
import { parseInput } from '../../shared/core/validation.js';
import { eventHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { jsonBody, processBatch } from '../../shared/runtime/sqs-batch.js';
import {
  agentStore,
  eventPublisher,
  once,
  taskSender,
  taskStore,
} from '../../shared/runtime/wiring.js';

const logger = createLogger('scheduler');

type Deps = Pick<SchedulerDeps, 'tasks' | 'queue' | 'events' | 'agents'>;

export function onAgentEvent(deps: () => Deps) {
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processBatch(
      event,
      async (record) => {
        const busEvent = parseInput(busEventSchema, jsonBody(record), 'bus event');
        if (busEvent['detail-type'] !== agentResumed.type) return;
        const { agentId } = agentResumed.data.parse(busEvent.detail.data);
        const released = await releaseParkedTasks(deps(), agentId, {
          correlationId: busEvent.detail.correlationId,
          clock: systemClock,
        });
        logger.info('released parked tasks', { agentId, released });
      },
      logger,
    );
}

const deps = once(
  (): Deps => ({
    tasks: taskStore(),
    queue: taskSender(),
    events: eventPublisher(),
    agents: agentStore(),
  }),
);

export const handler = eventHandler(onAgentEvent(deps), logger);
