/** What the orchestration layer needs from the outside: its store, Step Functions, callbacks. */
import type { Page, PageRequest } from '../ports.js';
import type { StepState, StepStatus, Workflow, WorkflowStatus } from './workflow.js';

export interface WorkflowWithSteps {
  workflow: Workflow;
  steps: StepState[];
}

export interface WorkflowStore {
  /** Stores a new workflow and its first step states; ConflictError when the id exists. */
  create(workflow: Workflow, steps: StepState[]): Promise<void>;
  /** Removes a workflow whose execution never started. */
  discard(id: string, stepIds: string[]): Promise<void>;
  /** The workflow and every step state, in one read. */
  get(id: string): Promise<WorkflowWithSteps | undefined>;
  getStep(workflowId: string, stepId: string): Promise<StepState | undefined>;
  list(filter: PageRequest & { status?: WorkflowStatus | undefined }): Promise<Page<Workflow>>;
  /** Stores step states that do not exist yet (existing ones are left as they are). */
  addSteps(workflowId: string, steps: StepState[]): Promise<void>;
  /** Changes a step, only from the given statuses; TransitionConflictError otherwise. */
  updateStep(
    workflowId: string,
    stepId: string,
    change: { from: readonly StepStatus[]; set: Partial<Omit<StepState, 'id' | 'taskId'>> },
  ): Promise<StepState>;
  /** Changes a workflow, only while its status is one of `from`; TransitionConflictError otherwise. */
  update(
    id: string,
    change: { from: readonly WorkflowStatus[]; set: Partial<Omit<Workflow, 'id' | 'createdAt'>> },
  ): Promise<Workflow>;
}

/** Step Functions executions of the workflow-runner state machine. */
export interface WorkflowRunner {
  /** The ARN an execution of this name has (known before it starts). */
  executionArn(executionName: string): string;
  /** Starts an execution for the workflow; starting the same name with the same input again is a no-op. */
  start(workflowId: string, executionName: string): Promise<void>;
  /** Stops an execution; one that already ended is left as it is. */
  stop(executionArn: string, cause: string): Promise<void>;
}

/** The callbacks of `.waitForTaskToken` states. A token that is gone or used is ignored. */
export interface StepReporter {
  succeed(token: string, output: unknown): Promise<void>;
  fail(token: string, error: string, cause: string): Promise<void>;
}
