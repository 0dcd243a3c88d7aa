/**
 * The workflow-runner state machine through the Step Functions API: executions start and stop
 * here, and the `.waitForTaskToken` callbacks of steps are answered here. Locally the same calls
 * reach the local runtime's Step Functions endpoint (local/step-functions.ts).
 */
import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { StepReporter, WorkflowRunner } from '../core/workflows/ports.js';

/** A token that was already answered, timed out, or belongs to a stopped execution. */
const GONE_TOKEN = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

export class SfnWorkflowRunner implements WorkflowRunner {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  executionArn(executionName: string): string {
    // arn:aws:states:<region>:<account>:stateMachine:<name> → …:execution:<name>:<execution>
    return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
  }

  async start(workflowId: string, executionName: string): Promise<void> {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: executionName,
          // Only the id: the workflow's state is read from the table by every step.
          input: JSON.stringify({ workflowId }),
        }),
      );
    } catch (error) {
      // The same name with the same input is idempotent in AWS; anything else is a real error.
      if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
    }
  }

  async stop(executionArn: string, cause: string): Promise<void> {
    try {
      await this.client.send(new StopExecutionCommand({ executionArn, cause }));
    } catch (error) {
      if ((error as Error).name !== 'ExecutionDoesNotExist') throw error;
    }
  }
}

export class SfnStepReporter implements StepReporter {
  constructor(private readonly client: SFNClient) {}

  async succeed(token: string, output: unknown): Promise<void> {
    await this.ignoringGone(() =>
      this.client.send(
        new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }),
      ),
    );
  }

  async fail(token: string, error: string, cause: string): Promise<void> {
    await this.ignoringGone(() =>
      this.client.send(
        new SendTaskFailureCommand({ taskToken: token, error, cause: cause.slice(0, 32_000) }),
      ),
    );
  }

  private async ignoringGone(call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (error) {
      if (!GONE_TOKEN.has((error as Error).name)) throw error;
    }
  }
}
