/** Event sink: records every agent-core event; events about a task form that task's trace. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { busEventSchema } from '../../events/envelope.js';
import type { TraceStore } from '../../shared/core/ports.js';
import { parseInput } from '../../shared/core/validation.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { jsonBody, processBatch } from '../../shared/runtime/sqs-batch.js';
import { once, traceStore } from '../../shared/runtime/wiring.js';

const logger = createLogger('observability');

export function recordEvents(deps: () => { traces: TraceStore }) {
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processBatch(
      event,
      async (record) => {
        const busEvent = parseInput(busEventSchema, jsonBody(record), 'bus event');
        const taskId = busEvent.detail.data.taskId;
        if (typeof taskId !== 'string') return;
        await deps().traces.record(taskId, [
          {
            eventId: busEvent.detail.id,
            type: busEvent['detail-type'],
            time: busEvent.detail.time,
            source: busEvent.source,
            data: busEvent.detail.data,
          },
        ]);
      },
      logger,
    );
}

const deps = once(() => ({ traces: traceStore() }));

export const handler = middy(recordEvents(deps)).use(injectLambdaContext(logger));
