/**
 * Approval timers (the approval-timers queue): a timer that is due expires its approval if
 * nobody decided it (onTimeout applied); one that came early hides again until it is due, up to
 * SQS's 12 hours a time, so that no process waits for an approval however long it may take.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { APPROVAL_TIMER_QUEUE } from '../../infra/topology.js';
import { sqsClient } from '../../shared/adapters/clients/sqs.js';
import {
  approvalTimerMessageSchema,
  secondsUntil,
} from '../../shared/adapters/sqs-approval-timer.js';
import { type ApprovalDeps, expireApproval } from '../../shared/core/approvals/approval-service.js';
import { parseInput } from '../../shared/core/validation.js';
import { queueUrl } from '../../shared/runtime/config.js';
import { approvalDeps } from '../../shared/runtime/interaction.js';
import { eventHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { deliverAgainIn, jsonBody, processBatch } from '../../shared/runtime/sqs-batch.js';
import { once } from '../../shared/runtime/wiring.js';

const logger = createLogger('kernel');

export interface ExpireApprovalsDeps {
  approvals: ApprovalDeps;
  sqs: SQSClient;
  queueUrl: string;
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
        await deliverAgainIn(deps().sqs, deps().queueUrl, record, Math.max(1, seconds));
      },
      logger,
    );
}

const deps = once(
  (): ExpireApprovalsDeps => ({
    approvals: approvalDeps(),
    sqs: sqsClient(),
    queueUrl: queueUrl(APPROVAL_TIMER_QUEUE),
  }),
);

export const handler = eventHandler(expireApprovals(deps), logger);
