/**
 * Approval timers (the approval-timers queue): a timer that is due expires its approval if
 * nobody decided it (onTimeout applied); one that came early hides again until it is due, up to
 * SQS's 12 hours a time, so that no process waits for an approval however long it may take.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import {
  approvalTimerMessageSchema,
  secondsUntil,
} from '../../shared/adapters/sqs-approval-timer.js';
import { type ApprovalDeps, expireApproval } from '../../shared/core/approvals/approval-service.js';
import type { Redelivery } from '../../shared/core/ports.js';
import { parseInput } from '../../shared/core/validation.js';
import { approvalDeps, approvalTimerRedelivery } from '../../shared/runtime/interaction.js';
import { eventHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { deliveryOf, jsonBody, processBatch, RetryLater } from '../../shared/runtime/sqs-batch.js';
import { once } from '../../shared/runtime/wiring.js';

const logger = createLogger('kernel');

export interface ExpireApprovalsDeps {
  approvals: ApprovalDeps;
  /** The approval-timers queue's. */
  redelivery: Redelivery;
}

export function expireApprovals(deps: () => ExpireApprovalsDeps) {
  return (event: SQSEvent): Promise<SQSBatchResponse> =>
    processBatch(
      event,
      async (record) => {
        const timer = parseInput(approvalTimerMessageSchema, jsonBody(record), 'approval timer');
        const outcome = await expireApproval(deps().approvals, timer.approvalId);
        if (outcome.kind === 'done') return;
        const seconds = secondsUntil(outcome.dueAt, deps().approvals.clock.now().getTime());
        const hidden = Math.max(1, seconds);
        await deps().redelivery.retryLater(deliveryOf(record), hidden);
        throw new RetryLater(hidden);
      },
      logger,
    );
}

const deps = once(
  (): ExpireApprovalsDeps => ({
    approvals: approvalDeps(),
    redelivery: approvalTimerRedelivery(),
  }),
);

export const handler = eventHandler(expireApprovals(deps), logger);
