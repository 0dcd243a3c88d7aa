/**
 * Threads and approvals as a function is configured: their stores, the approval timer (the
 * approval-timers queue), the queues' redeliveries, and what must follow the end of any task. Built once per process, on
 * first use, so a function builds only what it uses.
 */
import { dynamoClient } from '../adapters/clients/dynamodb.js';
import { sqsClient } from '../adapters/clients/sqs.js';
import { DynamoApprovalStore } from '../adapters/dynamo-approval-store.js';
import { DynamoTaskConversationStore, DynamoThreadStore } from '../adapters/dynamo-thread-store.js';
import { SqsApprovalTimer } from '../adapters/sqs-approval-timer.js';
import { SqsRedelivery } from '../adapters/sqs-task-deliveries.js';
import { type ApprovalDeps, closeApproval } from '../core/approvals/approval-service.js';
import { once } from '../core/once.js';
import { systemClock } from '../core/ports.js';
import type { Task } from '../core/tasks/task.js';
import { endTurn, type TurnDeps } from '../core/threads/turns.js';
import { toolCatalogue } from '../core/tools/catalogue.js';
import { reportGate } from '../core/workflows/gates.js';
import { queueUrl, tableName } from './config.js';
import { APPROVAL_TIMER_QUEUE, THREAD_CLEANUP_QUEUE } from './environment.js';
import { eventPublisher, taskSender, taskStore } from './wiring.js';
import { reportIfWorkflowStep, stepReporter, workflowStore } from './workflows.js';

export const threadStore = /* @__PURE__ */ once(
  () => new DynamoThreadStore(dynamoClient(), tableName()),
);
export const taskConversationStore = /* @__PURE__ */ once(
  () => new DynamoTaskConversationStore(dynamoClient(), tableName()),
);
export const approvalStore = /* @__PURE__ */ once(
  () => new DynamoApprovalStore(dynamoClient(), tableName()),
);
export const approvalTimer = /* @__PURE__ */ once(
  () => new SqsApprovalTimer(sqsClient(), queueUrl(APPROVAL_TIMER_QUEUE)),
);

/** Timers that came early go back to their queue until their approval is due. */
export const approvalTimerRedelivery = /* @__PURE__ */ once(
  () => new SqsRedelivery(sqsClient(), queueUrl(APPROVAL_TIMER_QUEUE)),
);
/** A deleted thread with messages left goes round its queue again. */
export const threadCleanupRedelivery = /* @__PURE__ */ once(
  () => new SqsRedelivery(sqsClient(), queueUrl(THREAD_CLEANUP_QUEUE)),
);

export const turnDeps = /* @__PURE__ */ once(
  (): TurnDeps => ({
    threads: threadStore(),
    tasks: taskStore(),
    queue: taskSender(),
    clock: systemClock,
  }),
);

/**
 * What follows the end of any task (succeeded, failed, cancelled, dead-lettered), wherever it
 * ends: a workflow step reports to its workflow, a thread's turn hands the thread on, and an
 * approval it waited for is closed. Tasks that are none of these cost nothing here.
 */
export async function taskEnded(task: Task): Promise<void> {
  await Promise.all([
    reportIfWorkflowStep(task),
    task.threadId ? endTurn(turnDeps(), task) : undefined,
    task.status === 'cancelled' && task.suspended
      ? closeApproval(
          { approvals: approvalStore(), events: eventPublisher(), clock: systemClock },
          task.suspended.approvalId,
          'the task was cancelled',
        )
      : undefined,
  ]);
}

/** For deciding and expiring (arming timers is the worker's and the workflow engine's). */
export const approvalDeps = /* @__PURE__ */ once(
  (): ApprovalDeps => ({
    approvals: approvalStore(),
    tasks: taskStore(),
    queue: taskSender(),
    events: eventPublisher(),
    clock: systemClock,
    tools: toolCatalogue,
    onFinished: taskEnded,
    gates: {
      report: (approval) =>
        reportGate(
          {
            workflows: workflowStore(),
            events: eventPublisher(),
            reporter: stepReporter(),
            clock: systemClock,
          },
          approval,
        ),
    },
  }),
);
