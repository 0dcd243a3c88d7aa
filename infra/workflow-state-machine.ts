/**
 * The one workflow-runner state machine (Standard), as ASL built here once. The CDK stack
 * deploys it (with the engine function's ARN substituted) and the local runtime runs the very
 * same JSON on aws-local-stepfunctions (with the function's name). tests/infra validates it with
 * asl-validator.
 *
 * It carries nothing but ids: the workflow's and its steps' state live in DynamoDB, so no output
 * ever meets Step Functions' 256 KB payload limit, and a new execution for the same workflow
 * resumes from the data.
 *
 *   Advance ──done?──▶ Ended (Succeed: the workflow's end is recorded, whatever it was)
 *      ▲        │ no
 *      │        ▼
 *      └── RunSteps: Map over the step ids, all at once; each RunStep submits the step's task
 *          and waits for the worker's SendTaskSuccess / SendTaskFailure (.waitForTaskToken)
 *   a failed step (StepFailed) or a fault ──Catch──▶ RecordFailure ──▶ Ended
 */

/** The placeholder for the engine function in the definition; CDK and local substitute it. */
export const ENGINE_FUNCTION_PLACEHOLDER = 'WorkflowEngineFunction';

/** How long a step waits between re-checks of its task (a re-check re-arms the callback). */
export const STEP_RECHECK_SECONDS = 900;
/** Re-checks before a step gives up: 7 days (a task may wait long for a paused agent). */
export const STEP_RECHECKS = 672;

const LAMBDA_TRANSIENT = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/** Transient faults of the engine function are retried; a failed step never is (its task retried). */
const retries = [
  { ErrorEquals: ['StepFailed'], MaxAttempts: 0 },
  { ErrorEquals: LAMBDA_TRANSIENT, IntervalSeconds: 1, MaxAttempts: 6, BackoffRate: 2 },
  { ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 },
];

const invoke = (functionName: string, payload: Record<string, unknown>) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: functionName, Payload: payload },
});

/**
 * The definition. `engineFunction` is what goes into `FunctionName`: by default a `${…}`
 * placeholder for CDK's definitionSubstitutions; locally the function's name.
 */
export function workflowRunnerDefinition(
  engineFunction = `\${${ENGINE_FUNCTION_PLACEHOLDER}}`,
): Record<string, unknown> {
  return {
    Comment:
      'agent-core workflow runner: plans each round from DynamoDB, runs every step as a task and waits for it by callback',
    StartAt: 'Advance',
    States: {
      Advance: {
        ...invoke(engineFunction, { action: 'advance', 'workflowId.$': '$.workflowId' }),
        ResultSelector: {
          'done.$': '$.Payload.done',
          'status.$': '$.Payload.status',
          'stepIds.$': '$.Payload.stepIds',
        },
        ResultPath: '$.plan',
        Retry: retries,
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' }],
        Next: 'Done?',
      },
      'Done?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.plan.done', BooleanEquals: true, Next: 'Ended' }],
        Default: 'RunSteps',
      },
      RunSteps: {
        Type: 'Map',
        ItemsPath: '$.plan.stepIds',
        // 0: as many at once as there are steps (inline Map runs up to 40 at a time in AWS).
        MaxConcurrency: 0,
        ItemSelector: { 'workflowId.$': '$.workflowId', 'stepId.$': '$$.Map.Item.Value' },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'RunStep',
          States: {
            RunStep: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
              Parameters: {
                FunctionName: engineFunction,
                Payload: {
                  action: 'startStep',
                  'workflowId.$': '$.workflowId',
                  'stepId.$': '$.stepId',
                  'taskToken.$': '$$.Task.Token',
                },
              },
              // A lost callback is not a stuck workflow: after a while the step is started
              // again, which finds its task and answers at once if it has ended.
              TimeoutSeconds: STEP_RECHECK_SECONDS,
              Retry: [
                ...retries,
                {
                  ErrorEquals: ['States.Timeout'],
                  IntervalSeconds: 1,
                  MaxAttempts: STEP_RECHECKS,
                  BackoffRate: 1,
                },
              ],
              End: true,
            },
          },
        },
        ResultPath: null,
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' }],
        Next: 'Advance',
      },
      RecordFailure: {
        ...invoke(engineFunction, {
          action: 'fail',
          'workflowId.$': '$.workflowId',
          'error.$': '$.error',
        }),
        ResultSelector: { done: true, 'status.$': '$.Payload.status', stepIds: [] },
        ResultPath: '$.plan',
        Retry: retries.slice(1),
        Next: 'Ended',
      },
      // The workflow ended and its end is recorded (succeeded, failed or cancelled): the
      // execution did its job. An execution FAILS only when the runner itself broke (the engine
      // kept failing past its retries), which is what the stack's alarm watches.
      Ended: { Type: 'Succeed' },
    },
  };
}
