/**
 * Event sink: records every agent-core event in the event log and the per-minute metrics; events
 * about a task or a thread form its trace (then go to the connections following it), and denials
 * and key or grant changes go to the audit log.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { busEventSchema } from '../../events/envelope.js';
import { dynamoClient } from '../../shared/adapters/clients/dynamodb.js';
import { DynamoEventLog } from '../../shared/adapters/dynamo-event-log.js';
import { DynamoMetricStore } from '../../shared/adapters/dynamo-metric-store.js';
import {
  type EventSinkDeps,
  recordBusEvents,
  type SinkRecord,
} from '../../shared/core/observability/event-sink.js';
import { loggedEventOf } from '../../shared/core/observability/logged-event.js';
import { systemClock } from '../../shared/core/ports.js';
import { parseInput } from '../../shared/core/validation.js';
import { settings, tableName } from '../../shared/runtime/config.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { jsonBody, processBatch } from '../../shared/runtime/sqs-batch.js';
import {
  auditStore,
  connectionPoster,
  once,
  targetSubscriptionStore,
  traceStore,
} from '../../shared/runtime/wiring.js';

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

// The lead may move these two into shared/runtime/wiring.ts (`eventLog`, `metricStore`).
const eventLog = once(
  () => new DynamoEventLog(dynamoClient(), tableName(), settings().AGENT_CORE_EVENT_RETENTION_DAYS),
);
const metricStore = once(
  () =>
    new DynamoMetricStore(dynamoClient(), tableName(), settings().AGENT_CORE_EVENT_RETENTION_DAYS),
);

const deps = once(
  (): EventSinkDeps => ({
    traces: traceStore(),
    audit: auditStore(),
    eventLog: eventLog(),
    metrics: metricStore(),
    live: {
      subscriptions: targetSubscriptionStore(),
      poster: connectionPoster(),
      clock: systemClock,
    },
  }),
);

export const handler = middy(recordEvents(deps)).use(injectLambdaContext(logger));
