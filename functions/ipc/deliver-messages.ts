/**
 * Message delivery: `message.sent` events (routed by the rule `messages-to-delivery` to the
 * `messages` queue) become inbox items, `message.delivered` events and, for recipients with
 * `onMessage: "task"`, tasks. Each record on its own: a bad one fails alone and SQS redelivers it
 * (then its DLQ); redeliveries are idempotent per message and recipient.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { busEventSchema } from '../../events/envelope.js';
import { messageSent } from '../../events/message-events.js';
import { type DeliveryDeps, deliverMessage } from '../../shared/core/ipc/delivery.js';
import { systemClock } from '../../shared/core/ports.js';
import { parseInput } from '../../shared/core/validation.js';
import { eventHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { inboxStore } from '../../shared/runtime/messaging.js';
import { jsonBody, processBatch } from '../../shared/runtime/sqs-batch.js';
import {
  agentStore,
  eventPublisher,
  once,
  taskSender,
  taskStore,
} from '../../shared/runtime/wiring.js';

const logger = createLogger('ipc');

export function deliverMessages(deps: () => DeliveryDeps) {
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processBatch(
      event,
      async (record) => {
        const busEvent = parseInput(busEventSchema, jsonBody(record), 'bus event');
        if (busEvent['detail-type'] !== messageSent.type) return;
        const message = parseInput(messageSent.data, busEvent.detail.data, 'message.sent data');
        const outcomes = await deliverMessage(deps(), message, busEvent.detail.correlationId);
        const skipped = outcomes.filter((outcome) => outcome.kind === 'skipped');
        if (skipped.length) {
          logger.info('message not delivered to some recipients', {
            messageId: message.messageId,
            skipped,
          });
        }
      },
      logger,
    );
}

const deps = once(
  (): DeliveryDeps => ({
    inbox: inboxStore(),
    agents: agentStore(),
    tasks: taskStore(),
    queue: taskSender(),
    events: eventPublisher(),
    clock: systemClock,
  }),
);

export const handler = eventHandler(deliverMessages(deps), logger);
