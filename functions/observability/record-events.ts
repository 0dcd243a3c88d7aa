/**
 * Event sink: records every agent-core event; events about a task form that task's trace, and
 * denials go to the audit log.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { busEventSchema } from '../../events/envelope.js';
import { auditEntryOf } from '../../shared/core/audit.js';
import type { AuditEntry, AuditStore, TraceEntry, TraceStore } from '../../shared/core/ports.js';
import { parseInput } from '../../shared/core/validation.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { jsonBody, processBatch } from '../../shared/runtime/sqs-batch.js';
import { auditStore, once, traceStore } from '../../shared/runtime/wiring.js';

const logger = createLogger('observability');

/**
 * Parses every record on its own (a malformed one fails alone), then writes the batch's trace
 * entries together: one DynamoDB batch write per 25 events instead of one call per event.
 */
export function recordEvents(deps: () => { traces: TraceStore; audit: AuditStore }) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const entries = new Map<string, { taskId: string; entry: TraceEntry }>();
    const audits = new Map<string, AuditEntry>();
    const parsed = await processBatch(
      event,
      async (record) => {
        const busEvent = parseInput(busEventSchema, jsonBody(record), 'bus event');
        const audit = auditEntryOf(busEvent);
        if (audit) audits.set(record.messageId, audit);
        const taskId = busEvent.detail.data.taskId;
        if (typeof taskId !== 'string') return;
        entries.set(record.messageId, {
          taskId,
          entry: {
            eventId: busEvent.detail.id,
            type: busEvent['detail-type'],
            time: busEvent.detail.time,
            source: busEvent.source,
            data: busEvent.detail.data,
          },
        });
      },
      logger,
    );
    try {
      await Promise.all([
        deps().traces.recordMany([...entries.values()]),
        audits.size ? deps().audit.record([...audits.values()]) : undefined,
      ]);
    } catch (error) {
      logger.error('writing trace or audit entries failed; SQS will deliver them again', {
        error: error as Error,
      });
      const written = new Set([...entries.keys(), ...audits.keys()]);
      return {
        batchItemFailures: [
          ...parsed.batchItemFailures,
          ...[...written].map((itemIdentifier) => ({ itemIdentifier })),
        ],
      };
    }
    return parsed;
  };
}

const deps = once(() => ({ traces: traceStore(), audit: auditStore() }));

export const handler = middy(recordEvents(deps)).use(injectLambdaContext(logger));
