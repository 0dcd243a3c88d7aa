/**
 * The one workflow-runner state machine (Standard), as ASL built here once. The CDK stack
 * deploys it (with the engine function's ARN substituted) and the local runtime runs the very
 * same JSON on aws-local-stepfunctions (with the function's name). tests/infra validates it with
 * asl-validator.
 *
 * It carries nothing but ids (and a count of its own history events): the workflow's and its
 * steps' state live in DynamoDB, so no output ever meets Step Functions' 256 KB payload limit,
 * and a new execution for the same workflow resumes from the data.
 *
 *   Begin ─▶ Advance ──done?──▶ Ended (Succeed: the workflow's end is recorded, whatever it was)
 *               ▲        │ hand over? ─▶ HandOver: the next execution of the workflow starts ─▶ Ended
 *               │        │ no
 *               │        ▼
 *               └── RunSteps: Map over the step ids, all at once; each RunStep submits the step's
 *                   task and waits for the worker's SendTaskSuccess / SendTaskFailure
 *                   (.waitForTaskToken); a step still waiting after STEP_RECHECK_SECONDS ends its
 *                   iteration (StillWaiting), and Advance plans it again (its task is found).
 *   a failed step (StepFailed) or a fault ──Catch──▶ RecordFailure ──▶ Ended
 *
 * A Standard execution stops at 25,000 history events. Every round adds events (and a step that
 * waits days is a round every 15 minutes), so the execution counts them at worst (see
 * historyCosts) and, before a round could take it past its budget, hands over to a new execution
 * of the same workflow, which reads where it stands from the table.
 */
/** The placeholder for the engine function in the definition; CDK and local substitute it. */
export const ENGINE_FUNCTION_PLACEHOLDER = 'WorkflowEngineFunction';

/**
 * How long a step waits before its iteration ends and Advance plans it again (which re-arms the
 * callback, and answers at once when its task ended unheard). How long a step may wait in all is
 * the engine's (STEP_WAIT_LIMIT_MS in shared/core/workflows/workflow.ts).
 */
export const STEP_RECHECK_SECONDS = 900;

/** Step Functions' hard limit on one Standard execution's history (events). */
export const HISTORY_EVENT_LIMIT = 25_000;
/**
 * What an execution may use of that before it hands over: a fifth is kept back for whatever the
 * worst-case count below does not foresee (a service change in how a state is logged).
 */
export const DEFAULT_HISTORY_BUDGET = 20_000;

const LAMBDA_TRANSIENT = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/** Transient faults of the engine function are retried; a failed step never is (its task retried). */
const retries: {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts: number;
  BackoffRate?: number;
}[] = [
  { ErrorEquals: ['StepFailed'], MaxAttempts: 0 },
  { ErrorEquals: LAMBDA_TRANSIENT, IntervalSeconds: 1, MaxAttempts: 6, BackoffRate: 2 },
  { ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 },
];

/**
 * The history events of one Task state at worst: TaskStateEntered, TaskScheduled, TaskStarted,
 * TaskSubmitted (callbacks), TaskSucceeded|Failed|TimedOut, TaskStateExited; and for each retry
 * its own TaskScheduled, TaskStarted, TaskSubmitted and TaskFailed. Every retrier counts its own
 * attempts, so a state retries at most the sum of their MaxAttempts.
 */
const taskEvents = (retriers: { MaxAttempts: number }[]) =>
  6 + 4 * retriers.reduce((sum, r) => sum + r.MaxAttempts, 0);
/** A Choice, Pass or Succeed state: entered and exited. */
const PLAIN_STATE_EVENTS = 2;

/**
 * The most history events the definition can add, from its own states (so a change to a Retry
 * changes the bound): `round` for Advance + Done? + the Map's own four events (entered, started,
 * succeeded|failed, exited), `step` for each step of the round (iteration started and ended,
 * RunStep, StillWaiting), and `end` for what ends an execution after its last round at worst:
 * the last Advance, Done?, a failed HandOver and RecordFailure, Ended, ExecutionSucceeded. With
 * every retry spent a round is 48 events + 46 per step: a 100-step round 4,648, and ten-step
 * rounds fit 39 to an execution; a step waiting days (a round of 94 every 15 minutes) hands over
 * about every two days.
 */
export function historyCosts() {
  // Advance, RunStep, HandOver and RecordFailure retry alike (RecordFailure a little less).
  const advance = taskEvents(retries);
  return {
    start: 1 + PLAIN_STATE_EVENTS, // ExecutionStarted, Begin
    round: advance + PLAIN_STATE_EVENTS + 4,
    step: 2 + taskEvents(retries) + PLAIN_STATE_EVENTS,
    end: advance + PLAIN_STATE_EVENTS + 2 * advance + PLAIN_STATE_EVENTS + 1,
  };
}

export interface RunnerOptions {
  /** History events an execution may use before it hands over; DEFAULT_HISTORY_BUDGET. */
  historyBudget?: number;
}

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
  options: RunnerOptions = {},
): Record<string, unknown> {
  const costs = historyCosts();
  const budget = options.historyBudget ?? DEFAULT_HISTORY_BUDGET;
  return {
    Comment:
      'agent-core workflow runner: plans each round from DynamoDB, runs every step as a task and waits for it by callback',
    StartAt: 'Begin',
    States: {
      // The count of this execution's history events starts (a new execution starts it again).
      Begin: {
        Type: 'Pass',
        Result: { historyEvents: costs.start },
        ResultPath: '$.plan',
        Next: 'Advance',
      },
      Advance: {
        ...invoke(engineFunction, {
          action: 'advance',
          'workflowId.$': '$.workflowId',
          // The engine adds the round it plans at worst, and says when the next one could pass
          // the budget; what ending takes is kept out of the budget beforehand.
          history: {
            'used.$': '$.plan.historyEvents',
            budget: budget - costs.end,
            round: costs.round,
            step: costs.step,
          },
        }),
        ResultSelector: {
          'done.$': '$.Payload.done',
          'status.$': '$.Payload.status',
          'stepIds.$': '$.Payload.stepIds',
          'handOver.$': '$.Payload.handOver',
          'historyEvents.$': '$.Payload.historyEvents',
        },
        ResultPath: '$.plan',
        Retry: retries,
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' }],
        Next: 'Done?',
      },
      'Done?': {
        Type: 'Choice',
        Choices: [
          { Variable: '$.plan.done', BooleanEquals: true, Next: 'Ended' },
          { Variable: '$.plan.handOver', BooleanEquals: true, Next: 'HandOver' },
        ],
        Default: 'RunSteps',
      },
      // The next execution is started by name (workflow id + generation), so a retried hand-over
      // starts no second one; the workflow stores its ARN first, for cancel to find.
      HandOver: {
        ...invoke(engineFunction, {
          action: 'handOver',
          'workflowId.$': '$.workflowId',
          'executionName.$': '$$.Execution.Name',
        }),
        ResultPath: null,
        Retry: retries,
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' }],
        Next: 'Ended',
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
              // A lost callback is not a stuck workflow: after a while the iteration ends and
              // Advance plans the step again, which finds its task and answers at once if it has
              // ended. Re-checked at the top, a long wait is counted like any round.
              TimeoutSeconds: STEP_RECHECK_SECONDS,
              Retry: retries,
              Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: null, Next: 'StillWaiting' }],
              End: true,
            },
            StillWaiting: { Type: 'Pass', End: true },
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
