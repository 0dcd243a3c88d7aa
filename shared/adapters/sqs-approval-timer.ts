/**
 * Approval timers over SQS: one delayed message per approval on the approval-timers queue.
 * SQS delays a message 15 minutes at most; the consumer sends a message that comes too early
 * back into hiding (visibility, up to 12 hours a time) until the approval is due, so an approval
 * expires with no process waiting for it, whatever its timeout.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import type { ApprovalTimer } from '../core/approvals/ports.js';
import { sendBatches } from './sqs-task-queue.js';

/** SQS's longest DelaySeconds. */
export const MAX_DELAY_SECONDS = 900;

export const approvalTimerMessageSchema = z.object({
  approvalId: z.string().min(1).max(64),
  dueAt: z.string().min(1).max(64),
});

/** Whole seconds from now until `dueAt`, rounded up, never negative. */
export const secondsUntil = (dueAt: string, now: number): number =>
  Math.max(0, Math.ceil((Date.parse(dueAt) - now) / 1000));

export class SqsApprovalTimer implements ApprovalTimer {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  async arm(timers: { approvalId: string; dueAt: string }[]): Promise<void> {
    const now = this.now();
    await sendBatches(
      this.client,
      this.queueUrl,
      timers.map((timer, i) => ({
        Id: String(i),
        MessageBody: JSON.stringify(timer),
        DelaySeconds: Math.min(MAX_DELAY_SECONDS, secondsUntil(timer.dueAt, now)),
      })),
    );
  }
}
