/**
 * Learns from finished tasks and workflows (`task.succeeded`, `task.failed`, `workflow.succeeded`,
 * `workflow.failed` from the `learning` queue): per agent and per strategy, and announces the
 * anomalies it finds as `insight.anomaly` events.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { busEventSchema } from '../../events/envelope.js';
import type { LearnDeps, OutcomeRecord } from '../../shared/core/learning/insight-service.js';
import { recordOutcomes } from '../../shared/core/learning/insight-service.js';
import { outcomeOf } from '../../shared/core/learning/outcome.js';
import { parseInput } from '../../shared/core/validation.js';
import { eventHandler } from '../../shared/runtime/lambda-handler.js';
import { learnDeps } from '../../shared/runtime/learning.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { jsonBody, processBatch } from '../../shared/runtime/sqs-batch.js';

const logger = createLogger('learning');

/**
 * Parses every record on its own (a malformed one fails alone; an event that is not evidence,
 * such as a cancelled workflow, is done with), then learns the batch: one write per agent or
 * strategy. A failed write fails the records of that key only.
 */
export function learnFromOutcomes(deps: () => LearnDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const records: OutcomeRecord[] = [];
    const parsed = await processBatch(
      event,
      async (record) => {
        const outcome = outcomeOf(parseInput(busEventSchema, jsonBody(record), 'bus event'));
        if (outcome) records.push({ recordId: record.messageId, outcome });
      },
      logger,
    );
    const result = await recordOutcomes(deps(), records);
    for (const problem of result.problems) {
      logger.error('learning failed; SQS will deliver the records again', {
        key: problem.key,
        records: problem.recordIds.length,
        error: problem.error as Error,
      });
    }
    return {
      batchItemFailures: [
        ...parsed.batchItemFailures,
        ...result.failedRecordIds.map((itemIdentifier) => ({ itemIdentifier })),
      ],
    };
  };
}

export const handler = eventHandler(learnFromOutcomes(learnDeps), logger);
