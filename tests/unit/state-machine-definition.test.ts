/** What the local Step Functions run: a definition's copy, and what each Task state does. */
import { describe, expect, it } from 'vitest';
import { workflowRunnerDefinition } from '../../infra/workflow-state-machine.js';
import {
  MAX_TIMER_MS,
  prepareDefinition,
  validateDefinition,
} from '../../local/state-machine-definition.js';

const FOREVER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);
const CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const INVOKE = 'arn:aws:states:::lambda:invoke';

const definition = {
  StartAt: 'Plan',
  TimeoutSeconds: 600,
  States: {
    Plan: { Type: 'Task', Resource: INVOKE, Parameters: { FunctionName: 'engine' }, Next: 'Each' },
    Each: {
      Type: 'Map',
      ItemProcessor: {
        StartAt: 'Wait',
        States: {
          Wait: {
            Type: 'Task',
            Resource: CALLBACK,
            Parameters: { FunctionName: 'engine', Payload: { 'token.$': '$$.Task.Token' } },
            TimeoutSeconds: 900,
            HeartbeatSeconds: 60,
            End: true,
          },
        },
      },
      End: true,
    },
  },
};

describe('prepareDefinition', () => {
  it('finds every Task state, nested ones too, with its kind and the timeouts kept aside', () => {
    const { tasks } = prepareDefinition('m', definition, 1);

    expect(Object.fromEntries(tasks)).toEqual({
      Plan: { kind: 'invoke', resource: INVOKE },
      Wait: { kind: 'callback', resource: CALLBACK, timeoutMs: 900_000, heartbeatMs: 60_000 },
    });
  });

  it('runs a copy in which no Task state has the library’s 60 s default, scaled as asked', () => {
    const { runnable } = prepareDefinition('m', definition, 0.5);
    const states = (runnable as unknown as typeof definition).States;

    expect(states.Plan).toHaveProperty('TimeoutSeconds', FOREVER_SECONDS);
    expect(states.Each.ItemProcessor.States.Wait.TimeoutSeconds).toBe(FOREVER_SECONDS);
    expect((runnable as unknown as typeof definition).TimeoutSeconds).toBe(300);
    // The definition itself is left as it was.
    expect(definition.States.Each.ItemProcessor.States.Wait.TimeoutSeconds).toBe(900);
    expect(definition.States.Plan).not.toHaveProperty('TimeoutSeconds');
  });

  it.each([
    [
      'a resource it does not emulate',
      { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true },
      /state A: Resource arn:aws:states:::sqs:sendMessage is not emulated locally/,
    ],
    [
      'a callback state that does not pass its token',
      { Type: 'Task', Resource: CALLBACK, Parameters: { FunctionName: 'f' }, End: true },
      /must pass \$\$\.Task\.Token/,
    ],
    [
      'HeartbeatSecondsPath',
      { Type: 'Task', Resource: INVOKE, HeartbeatSecondsPath: '$.h', End: true },
      /HeartbeatSecondsPath is not emulated/,
    ],
  ])('refuses %s, naming the machine and the state', (_, state, message) => {
    expect(() => prepareDefinition('m', { StartAt: 'A', States: { A: state } }, 1)).toThrow(
      message,
    );
  });

  it('refuses two Task states of one name that differ (the library overrides by name)', () => {
    const branch = (resource: string) => ({
      StartAt: 'Same',
      States: { Same: { Type: 'Task', Resource: resource, End: true } },
    });
    const twoBranches = {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [branch(INVOKE), branch('arn:aws:lambda:us-east-1:000000000000:function:f')],
          End: true,
        },
      },
    };

    expect(() => prepareDefinition('m', twoBranches, 1)).toThrow(/two Task states of that name/);
  });
});

describe('validateDefinition', () => {
  it('accepts the workflow runner and refuses what CreateStateMachine would, with the cause', () => {
    expect(() =>
      validateDefinition('workflow-runner', workflowRunnerDefinition('workflow-engine')),
    ).not.toThrow();
    expect(() => validateDefinition('broken', { StartAt: 'Nowhere', States: {} })).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/^state machine broken: /),
        cause: expect.any(Error),
      }),
    );
  });
});
