/**
 * The orchestration layer as a function is configured: the workflow store, the workflow-runner
 * state machine (WORKFLOW_STATE_MACHINE_ARN) and the callbacks of its steps. Built once per
 * process, on first use.
 */
import { dynamoClient } from '../adapters/clients/dynamodb.js';
import { sfnClient } from '../adapters/clients/sfn.js';
import { sqsClient } from '../adapters/clients/sqs.js';
import { DynamoApprovalStore } from '../adapters/dynamo-approval-store.js';
import { DynamoWorkflowStore } from '../adapters/dynamo-workflow-store.js';
import { SfnStepReporter, SfnWorkflowRunner } from '../adapters/sfn-workflow-runner.js';
import { SqsApprovalTimer } from '../adapters/sqs-approval-timer.js';
import { once } from '../core/once.js';
import { systemClock } from '../core/ports.js';
import type { Task } from '../core/tasks/task.js';
import { type EngineDeps, reportStepOutcome } from '../core/workflows/engine.js';
import { queueUrl, requiredEnv, tableName } from './config.js';
import { APPROVAL_TIMER_QUEUE, WORKFLOW_STATE_MACHINE_ARN_ENV } from './environment.js';
import { eventPublisher, taskSender, taskStore } from './wiring.js';

export const workflowStore = /* @__PURE__ */ once(
  () => new DynamoWorkflowStore(dynamoClient(), tableName()),
);

export const workflowRunner = /* @__PURE__ */ once(
  () => new SfnWorkflowRunner(sfnClient(), requiredEnv(WORKFLOW_STATE_MACHINE_ARN_ENV)),
);

export const stepReporter = /* @__PURE__ */ once(() => new SfnStepReporter(sfnClient()));

export const engineDeps = /* @__PURE__ */ once(
  (): EngineDeps => ({
    workflows: workflowStore(),
    tasks: taskStore(),
    queue: taskSender(),
    events: eventPublisher(),
    reporter: stepReporter(),
    // Built on first use: only a hand-over starts an execution.
    get runner() {
      return workflowRunner();
    },
    clock: systemClock,
    // Gates ask for approvals, with timers.
    approvals: new DynamoApprovalStore(dynamoClient(), tableName()),
    timer: new SqsApprovalTimer(sqsClient(), queueUrl(APPROVAL_TIMER_QUEUE)),
  }),
);

/**
 * What the task layer calls when a task ends: a workflow step's outcome goes to its workflow.
 * Tasks outside workflows cost nothing here (no client is even built for them).
 */
export async function reportIfWorkflowStep(task: Task): Promise<void> {
  if (!task.workflowId) return;
  await reportStepOutcome(
    {
      workflows: workflowStore(),
      events: eventPublisher(),
      reporter: stepReporter(),
      clock: systemClock,
    },
    task,
  );
}
