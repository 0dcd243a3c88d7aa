/**
 * The workflow-runner definition: valid ASL (asl-validator), wired to the engine function in the
 * synthesized template, and shaped so that the state machine only ever carries ids.
 */
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import {
  ENGINE_FUNCTION_PLACEHOLDER,
  workflowRunnerDefinition,
} from '../../infra/workflow-state-machine.js';
import { refsIn, SynthesizedStack, WITHOUT_BUNDLING } from './synthesized-stack.js';

type States = Record<string, Record<string, unknown>>;

describe('workflow-runner definition', () => {
  it('is valid ASL, as deployed and as run locally', () => {
    for (const definition of [
      workflowRunnerDefinition(),
      workflowRunnerDefinition('workflow-engine'),
      workflowRunnerDefinition('workflow-engine', { historyBudget: 500 }),
    ]) {
      const result = aslValidator(definition);
      expect(result.errors).toEqual([]);
      expect(result.isValid).toBe(true);
    }
  });

  it('is refused by the validator when a transition goes nowhere (the check can fail)', () => {
    const broken = workflowRunnerDefinition() as { States: States };
    (broken.States['Done?'] as Record<string, unknown>).Default = 'Nowhere';
    expect(aslValidator(broken).isValid).toBe(false);
  });

  it('waits for each step by callback, all steps of a round at once', () => {
    const states = (workflowRunnerDefinition() as { States: States }).States;
    const map = states.RunSteps as {
      Type: string;
      MaxConcurrency: number;
      ItemProcessor: { States: States };
    };
    expect(map.Type).toBe('Map');
    expect(map.MaxConcurrency).toBe(0);
    const step = map.ItemProcessor.States.RunStep as {
      Resource: string;
      Parameters: { Payload: Record<string, string> };
    };
    expect(step.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(step.Parameters.Payload['taskToken.$']).toBe('$$.Task.Token');
  });

  it('never retries a failed step (its task already did) and catches it into RecordFailure', () => {
    const states = (workflowRunnerDefinition() as { States: States }).States;
    const run = (states.RunSteps as { ItemProcessor: { States: States } }).ItemProcessor.States
      .RunStep as { Retry: { ErrorEquals: string[]; MaxAttempts: number }[] };
    expect(run.Retry[0]).toEqual({ ErrorEquals: ['StepFailed'], MaxAttempts: 0 });
    expect(states.RunSteps?.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' },
    ]);
  });

  it('ends a waiting iteration at its timeout rather than retry it, for Advance to count it as a round', () => {
    const states = (workflowRunnerDefinition() as { States: States }).States;
    const processor = (states.RunSteps as { ItemProcessor: { States: States } }).ItemProcessor;
    const run = processor.States.RunStep as {
      Retry: { ErrorEquals: string[] }[];
      Catch: unknown[];
    };
    expect(run.Retry.flatMap((r) => r.ErrorEquals)).not.toContain('States.Timeout');
    expect(run.Catch).toEqual([
      { ErrorEquals: ['States.Timeout'], ResultPath: null, Next: 'StillWaiting' },
    ]);
    expect(processor.States.StillWaiting).toEqual({ Type: 'Pass', End: true });
  });

  it('hands over to the next execution when Advance says so, with the execution name', () => {
    const states = (workflowRunnerDefinition() as { States: States }).States;
    expect(states.Begin).toMatchObject({ Type: 'Pass', ResultPath: '$.plan', Next: 'Advance' });
    expect((states['Done?'] as { Choices: unknown[] }).Choices).toContainEqual({
      Variable: '$.plan.handOver',
      BooleanEquals: true,
      Next: 'HandOver',
    });
    const handOver = states.HandOver as {
      Parameters: { Payload: Record<string, string> };
      Next: string;
      Catch: { Next: string }[];
    };
    expect(handOver.Parameters.Payload).toEqual({
      action: 'handOver',
      'workflowId.$': '$.workflowId',
      'executionName.$': '$$.Execution.Name',
    });
    expect(handOver.Next).toBe('Ended');
    expect(handOver.Catch[0]?.Next).toBe('RecordFailure');
  });

  it('carries only ids: every payload is built from workflowId, stepId and the token', () => {
    const text = JSON.stringify(workflowRunnerDefinition());
    const paths = [...text.matchAll(/"[^"]+\.\$":"([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(paths)).toEqual(
      new Set([
        '$.workflowId',
        '$.Payload.done',
        '$.Payload.status',
        '$.Payload.stepIds',
        '$.Payload.handOver',
        '$.Payload.historyEvents',
        '$.plan.historyEvents',
        '$$.Execution.Name',
        '$$.Map.Item.Value',
        '$.stepId',
        '$$.Task.Token',
        '$.error',
      ]),
    );
  });
});

describe('deployed workflow runner', () => {
  const cloud = new SynthesizedStack({ context: WITHOUT_BUNDLING });
  const [machine] = cloud.ofType('AWS::StepFunctions::StateMachine');

  it('is one Standard state machine running the same definition, with logging ALL and tracing', () => {
    expect(cloud.ofType('AWS::StepFunctions::StateMachine')).toHaveLength(1);
    const props = machine![1].Properties as Record<string, unknown>;
    expect(props.StateMachineType).toBe('STANDARD');
    expect((props.LoggingConfiguration as { Level: string }).Level).toBe('ALL');
    expect(props.TracingConfiguration).toEqual({ Enabled: true });
    const body = props.DefinitionString as unknown;
    const json = typeof body === 'string' ? body : JSON.stringify(body);
    expect(json).toContain(`\${${ENGINE_FUNCTION_PLACEHOLDER}}`);
  });

  it('lets the engine start executions of this state machine only (a hand-over), and stop none', () => {
    const statements = cloud.statementsOf('workflow-engine');
    const starts = statements.filter((s) => s.Action.includes('states:StartExecution'));
    expect(starts).toHaveLength(1);
    expect(starts[0]?.Action).toEqual(['states:StartExecution']);
    expect(starts[0]?.Resource).toHaveLength(1);
    const resource = JSON.stringify(starts[0]?.Resource);
    expect(resource).toContain(':stateMachine:');
    expect(resource).toContain('-workflow-runner');
    expect(resource).not.toContain('*');
    expect(statements.flatMap((s) => s.Action)).not.toContain('states:StopExecution');
  });

  it('invokes the workflow-engine function, and only it', () => {
    const props = machine![1].Properties as { DefinitionSubstitutions: Record<string, unknown> };
    const ids = refsIn(props.DefinitionSubstitutions[ENGINE_FUNCTION_PLACEHOLDER]);
    expect(ids).toHaveLength(1);
    expect(cloud.functionName(ids[0]!)).toBe('workflow-engine');
  });
});
