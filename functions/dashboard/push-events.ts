/**
 * Pushes every agent-core event (rule `all-events-to-dashboard`) to the dashboard connections
 * that subscribed to its type and whose key may see it. The connections are read once per batch
 * (expired ones ignored); a connection that has gone (410) is deleted; any other failure to send
 * an event leaves its record to be delivered again.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { busEventSchema } from '../../events/envelope.js';
import type { ConnectionPoster, ConnectionStore } from '../../shared/core/dashboard/connection.js';
import { type FanOutItem, fanOut } from '../../shared/core/dashboard/fan-out.js';
import { feedEventOf } from '../../shared/core/dashboard/frames.js';
import type { Clock } from '../../shared/core/ports.js';
import { parseInput } from '../../shared/core/validation.js';
import { feedDeps } from '../../shared/runtime/dashboard.js';
import { eventHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { jsonBody, processBatch } from '../../shared/runtime/sqs-batch.js';

const logger = createLogger('dashboard');

export interface PushDeps {
  connections: ConnectionStore;
  poster: ConnectionPoster;
  clock: Clock;
}

export function pushEvents(deps: () => PushDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const items: FanOutItem[] = [];
    // A record that is not an agent-core event fails alone (and ends in the DLQ).
    const parsed = await processBatch(
      event,
      async (record) => {
        const busEvent = parseInput(busEventSchema, jsonBody(record), 'bus event');
        items.push({ recordId: record.messageId, event: feedEventOf(busEvent) });
      },
      logger,
    );
    if (items.length === 0) return parsed;

    const { connections, poster, clock } = deps();
    let active: Awaited<ReturnType<ConnectionStore['listActive']>>;
    try {
      active = await connections.listActive(Math.floor(clock.now().getTime() / 1000));
    } catch (error) {
      logger.error('listing dashboard connections failed; SQS will deliver the batch again', {
        error: error as Error,
      });
      return {
        batchItemFailures: [
          ...parsed.batchItemFailures,
          ...items.map((item) => ({ itemIdentifier: item.recordId })),
        ],
      };
    }
    if (active.length === 0) return parsed;

    const result = await fanOut(items, active, { poster, connections });
    for (const { recordId, connectionId, error } of result.errors) {
      logger.error('pushing an event to a dashboard connection failed', {
        messageId: recordId,
        connectionId,
        error: error as Error,
      });
    }
    if (result.gone.length) logger.info('dashboard connections gone', { gone: result.gone });
    return {
      batchItemFailures: [
        ...parsed.batchItemFailures,
        ...[...result.failed].map((itemIdentifier) => ({ itemIdentifier })),
      ],
    };
  };
}

export const handler = eventHandler(pushEvents(feedDeps), logger);
