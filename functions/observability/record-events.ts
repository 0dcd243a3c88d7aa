/**
 * Event sink: records every agent-core event in the event log and the per-minute metrics; events
 * about a task or a thread form its trace (then go to the connections following it), and denials
 * and key or grant changes go to the audit log.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { busEventSchema } from '../../events/envelope.js';
import {
  type EventSinkDeps,
  recordBusEvents,
  type SinkRecord,
} from '../../shared/core/observability/event-sink.js';
import { loggedEventOf } from '../../shared/core/observability/logged-event.js';
import { parseInput } from '../../shared/core/validation.js';
import { eventHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { eventSinkDeps } from '../../shared/runtime/observability.js';
import { jsonBody, processBatch } from '../../shared/runtime/sqs-batch.js';

const logger = createLogger('observability');

/**
 * Parses every record on its own (a malformed one fails alone), then writes the batch together:
 * trace and audit entries in batch writes, one conditional put per event into the log, one
 * update per metric bucket. A failed write fails the records it concerns, and only those.
 */
export function recordEvents(deps: () => EventSinkDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const records: SinkRecord[] = [];
    const parsed = await processBatch(
      event,
      async (record) => {
        const busEvent = parseInput(busEventSchema, jsonBody(record), 'bus event');
        records.push({
          recordId: record.messageId,
          event: busEvent,
          logged: loggedEventOf(busEvent),
        });
      },
      logger,
    );
    const outcome = await recordBusEvents(deps(), records);
    for (const problem of outcome.problems) {
      logger.error(`writing ${problem.what} failed; SQS will deliver the records again`, {
        records: problem.recordIds.length,
        error: problem.error as Error,
      });
    }
    for (const { connectionId, eventId, error } of outcome.live?.errors ?? []) {
      logger.error('sending an event to a connection following its task or thread failed', {
        connectionId,
        eventId,
        error: error as Error,
      });
    }
    return {
      batchItemFailures: [
        ...parsed.batchItemFailures,
        ...outcome.failedRecordIds.map((itemIdentifier) => ({ itemIdentifier })),
      ],
    };
  };
}

export const handler = eventHandler(recordEvents(eventSinkDeps), logger);
