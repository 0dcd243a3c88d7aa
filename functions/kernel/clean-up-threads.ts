/**
 * Deleted threads' messages (the thread-cleanup queue, from `thread.deleted`): deleted a batch
 * at a time; a thread with more left goes round the queue again at once.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { busEventSchema } from '../../events/envelope.js';
import type { Redelivery } from '../../shared/core/ports.js';
import type { ThreadStore } from '../../shared/core/threads/ports.js';
import { parseInput } from '../../shared/core/validation.js';
import { threadCleanupRedelivery, threadStore } from '../../shared/runtime/interaction.js';
import { eventHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { deliveryOf, jsonBody, processBatch, RetryLater } from '../../shared/runtime/sqs-batch.js';
import { once } from '../../shared/runtime/wiring.js';

const logger = createLogger('kernel');

/** Items deleted per invocation and thread: a few seconds of writes. */
const BATCHES_PER_RECORD = 20;
const BATCH = 100;

const deletedSchema = busEventSchema.extend({
  detail: busEventSchema.shape.detail.extend({
    data: z.object({ threadId: z.string().min(1).max(64) }).passthrough(),
  }),
});

export interface CleanUpDeps {
  threads: ThreadStore;
  /** The thread-cleanup queue's. */
  redelivery: Redelivery;
}

export function cleanUpThreads(deps: () => CleanUpDeps) {
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processBatch(
      event,
      async (record) => {
        const deleted = parseInput(deletedSchema, jsonBody(record), 'thread.deleted event');
        const { threadId } = deleted.detail.data;
        for (let i = 0; i < BATCHES_PER_RECORD; i++) {
          if (!(await deps().threads.purge(threadId, BATCH))) return;
        }
        // More to delete: back in the queue at once, for another round.
        await deps().redelivery.retryLater(deliveryOf(record), 0);
        throw new RetryLater(0);
      },
      logger,
    );
}

const deps = once(
  (): CleanUpDeps => ({
    threads: threadStore(),
    redelivery: threadCleanupRedelivery(),
  }),
);

export const handler = eventHandler(cleanUpThreads(deps), logger);
