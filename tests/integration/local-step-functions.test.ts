/**
 * The local Step Functions (local/step-functions.ts) behind LocalAwsEndpoint, driven through the
 * real SFNClient as the product's adapter drives it: executions of small ASL definitions (each
 * checked by asl-validator) on aws-local-stepfunctions, with a fake `invoke` in place of the
 * Lambda host that records what it was called with, and callbacks sent through the SDK.
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import aslValidator from 'asl-validator';
import { afterEach, describe, expect, it } from 'vitest';
import { workflowRunnerDefinition } from '../../infra/workflow-state-machine.js';
import { LocalAwsEndpoint } from '../../local/aws-endpoint.js';
import { LocalStepFunctions, type LocalStepFunctionsOptions } from '../../local/step-functions.js';
import { CREDENTIALS, REGION, uniqueId } from '../helpers/aws-local.js';

const CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const INVOKE = 'arn:aws:states:::lambda:invoke';

/** A Map over `$.items`, all at once, each item waiting for a callback from `worker`. */
const callbackMap = {
  StartAt: 'Steps',
  States: {
    Steps: {
      Type: 'Map',
      ItemsPath: '$.items',
      MaxConcurrency: 0,
      ItemSelector: { 'item.$': '$$.Map.Item.Value' },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'RunStep',
        States: {
          RunStep: {
            Type: 'Task',
            Resource: CALLBACK,
            Parameters: {
              FunctionName: `arn:aws:lambda:${REGION}:123456789012:function:worker`,
              Payload: { 'item.$': '$.item', 'taskToken.$': '$$.Task.Token' },
            },
            End: true,
          },
        },
      },
      End: true,
    },
  },
};

/** The same Map, with a failed step caught by its error name. */
const { End: _end, ...mapState } = callbackMap.States.Steps;
const callbackMapWithCatch = {
  StartAt: 'Steps',
  States: {
    Steps: {
      ...mapState,
      ResultPath: '$.results',
      Catch: [{ ErrorEquals: ['StepFailed'], ResultPath: '$.error', Next: 'Recovered' }],
      Next: 'Recovered',
    },
    Recovered: { Type: 'Pass', End: true },
  },
};

/** A lambda:invoke with Retry and Catch on custom error names, as CDK's LambdaInvoke writes it. */
const flakyInvoke = {
  StartAt: 'Flaky',
  States: {
    Flaky: {
      Type: 'Task',
      Resource: INVOKE,
      Parameters: {
        FunctionName: `arn:aws:lambda:${REGION}:123456789012:function:flaky:live`,
        'Payload.$': '$',
      },
      ResultSelector: { 'value.$': '$.Payload.value', 'status.$': '$.StatusCode' },
      Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 30, MaxAttempts: 2 }],
      Catch: [
        { ErrorEquals: ['PermanentError'], ResultPath: '$.error', Next: 'Recovered' },
        { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.fallback', Next: 'Recovered' },
      ],
      End: true,
    },
    Recovered: { Type: 'Pass', End: true },
  },
};

/** A callback state that times out; a States.TaskFailed catcher comes first and must not match. */
const timingOut = (limits: { TimeoutSeconds?: number; HeartbeatSeconds?: number }) => ({
  StartAt: 'Slow',
  States: {
    Slow: {
      Type: 'Task',
      Resource: CALLBACK,
      Parameters: { FunctionName: 'worker', Payload: { 'taskToken.$': '$$.Task.Token' } },
      ...limits,
      Catch: [
        { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.taskFailed', Next: 'Caught' },
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'Caught' },
      ],
      End: true,
    },
    Caught: { Type: 'Pass', End: true },
  },
});

/** Overrides by state name inside Parallel branches: a plain invoke beside a callback. */
const parallel = {
  StartAt: 'Both',
  States: {
    Both: {
      Type: 'Parallel',
      Branches: [
        {
          StartAt: 'Left',
          States: {
            Left: {
              Type: 'Task',
              Resource: INVOKE,
              Parameters: { FunctionName: 'left', 'Payload.$': '$' },
              OutputPath: '$.Payload',
              End: true,
            },
          },
        },
        {
          StartAt: 'Right',
          States: {
            Right: {
              Type: 'Task',
              Resource: CALLBACK,
              Parameters: {
                FunctionName: 'worker',
                Payload: { side: 'right', 'taskToken.$': '$$.Task.Token' },
              },
              End: true,
            },
          },
        },
      ],
      End: true,
    },
  },
};

const definitions: Record<string, object> = {
  callbackMap,
  callbackMapWithCatch,
  flakyInvoke,
  timeout: timingOut({ TimeoutSeconds: 2 }),
  heartbeat: timingOut({ TimeoutSeconds: 1000, HeartbeatSeconds: 1 }),
  parallel,
  workflowRunner: workflowRunnerDefinition('workflow-engine'),
};

interface Call {
  functionName: string;
  payload: Record<string, unknown>;
}

interface Harness {
  sfn: SFNClient;
  steps: LocalStepFunctions;
  calls: Call[];
  arn(stateMachine: string): string;
}

type FakeFunction = (payload: Record<string, unknown>) => unknown;

class NamedError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * An endpoint with the test's state machines and an SFNClient pointed at it. Functions not in
 * `functions` answer `{}` (a callback worker only records its token).
 */
async function startHarness(
  functions: Record<string, FakeFunction> = {},
  options: Partial<LocalStepFunctionsOptions> = {},
): Promise<Harness> {
  const calls: Call[] = [];
  const steps = new LocalStepFunctions({
    region: REGION,
    stateMachines: new Map(Object.entries(definitions)),
    invoke: async (functionName, payload) => {
      calls.push({ functionName, payload: payload as Record<string, unknown> });
      const fake = functions[functionName];
      return fake ? fake(payload as Record<string, unknown>) : {};
    },
    onError: (error) => {
      throw error;
    },
    ...options,
  });
  // Unused: SQS is only for PutEvents, which these tests do not call.
  const sqs = new SQSClient({
    region: REGION,
    endpoint: 'http://127.0.0.1:9',
    credentials: CREDENTIALS,
  });
  const endpoint = new LocalAwsEndpoint({
    credentials: CREDENTIALS,
    busName: 'unused',
    rules: [],
    queueUrls: new Map(),
    sqs,
    secrets: new Map(),
    region: REGION,
    stepFunctions: steps,
  });
  const url = await endpoint.start();
  const sfn = new SFNClient({
    region: REGION,
    endpoint: url,
    credentials: CREDENTIALS,
    maxAttempts: 1,
  });
  cleanups.push(async () => {
    await steps.stop();
    sfn.destroy();
    sqs.destroy();
    await endpoint.stop();
  });
  return {
    sfn,
    steps,
    calls,
    arn: (name) => `arn:aws:states:${REGION}:000000000000:stateMachine:${name}`,
  };
}

/** Polls until `probe` gives a value, for at most 10 s. */
async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function start(h: Harness, stateMachine: string, input: unknown, name = uniqueId('run')) {
  const started = await h.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: h.arn(stateMachine),
      name,
      input: JSON.stringify(input),
    }),
  );
  return started.executionArn as string;
}

const describeExecution = (h: Harness, executionArn: string) =>
  h.sfn.send(new DescribeExecutionCommand({ executionArn }));

/** DescribeExecution once the execution has ended. */
const ended = (h: Harness, executionArn: string): Promise<DescribeExecutionCommandOutput> =>
  until(async () => {
    const described = await describeExecution(h, executionArn);
    return described.status === 'RUNNING' ? undefined : described;
  }, `the end of ${executionArn}`);

/** The tokens of the worker calls made so far, once there are `count` of them. */
const tokens = (h: Harness, count: number): Promise<Call[]> =>
  until(() => {
    const withToken = h.calls.filter((c) => typeof c.payload.taskToken === 'string');
    return withToken.length >= count ? withToken : undefined;
  }, `${count} task token(s)`);

const succeed = (h: Harness, taskToken: string, output: unknown) =>
  h.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));

describe('the test definitions', () => {
  it('are valid ASL', () => {
    for (const [name, definition] of Object.entries(definitions)) {
      const result = aslValidator(definition);
      expect({ name, errors: result.errors }).toEqual({ name, errors: [] });
      expect(result.isValid).toBe(true);
    }
  });

  it('are refused when invalid, before anything runs', () => {
    const broken = { StartAt: 'Nowhere', States: { Only: { Type: 'Pass', End: true } } };
    expect(aslValidator(broken).isValid).toBe(false);
    expect(
      () =>
        new LocalStepFunctions({
          region: REGION,
          stateMachines: new Map([['broken', broken]]),
          invoke: async () => ({}),
        }),
    ).toThrow(/state machine broken/);
  });

  it('refuses a Task resource that is not emulated', () => {
    const sqsTask = {
      StartAt: 'Send',
      States: {
        Send: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage',
          Parameters: { QueueUrl: 'https://sqs/q', MessageBody: 'x' },
          End: true,
        },
      },
    };
    expect(aslValidator(sqsTask).isValid).toBe(true);
    expect(
      () =>
        new LocalStepFunctions({
          region: REGION,
          stateMachines: new Map([['sqs', sqsTask]]),
          invoke: async () => ({}),
        }),
    ).toThrow(/sqs:sendMessage is not emulated/);
  });
});

describe('LocalStepFunctions: .waitForTaskToken in a Map', () => {
  it('runs every iteration at once, each with its own token, and ends with their outputs in order', async () => {
    // Prepare
    const h = await startHarness();
    const items = ['a', 'b', 'c', 'd', 'e'];
    // Act: all five workers are called before any of them is answered, so they run concurrently.
    const executionArn = await start(h, 'callbackMap', { items });
    const calls = await tokens(h, items.length);
    // Assess the calls: the worker by name from its ARN, one fresh token per task.
    expect(calls.map((c) => c.functionName)).toEqual(items.map(() => 'worker'));
    expect(calls.map((c) => c.payload.item).sort()).toEqual(items);
    const tokenOf = new Map(
      calls.map((c) => [c.payload.item as string, c.payload.taskToken as string]),
    );
    expect(new Set(tokenOf.values()).size).toBe(items.length);
    expect((await describeExecution(h, executionArn)).status).toBe('RUNNING');
    // A heartbeat for a waiting task is accepted.
    await expect(
      h.sfn.send(new SendTaskHeartbeatCommand({ taskToken: tokenOf.get('a') })),
    ).resolves.toBeDefined();
    // Act: answer in reverse order.
    for (const item of [...items].reverse()) {
      await succeed(h, tokenOf.get(item) as string, { done: item });
    }
    // Assess
    const described = await ended(h, executionArn);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? '')).toEqual(items.map((item) => ({ done: item })));
    expect(described.input).toBe(JSON.stringify({ items }));
    expect(described.startDate).toBeInstanceOf(Date);
    expect(described.stopDate).toBeInstanceOf(Date);
    expect(described.stateMachineArn).toBe(h.arn('callbackMap'));
    // A token answered once is gone; a malformed one is invalid.
    await expect(succeed(h, tokenOf.get('a') as string, {})).rejects.toMatchObject({
      name: 'TaskDoesNotExist',
    });
    await expect(
      h.sfn.send(new SendTaskHeartbeatCommand({ taskToken: tokenOf.get('b') })),
    ).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
    await expect(succeed(h, 'not-a-token', {})).rejects.toMatchObject({ name: 'InvalidToken' });
  });

  it('fails the execution with the error and cause of SendTaskFailure when nothing catches it', async () => {
    // Prepare
    const h = await startHarness();
    const executionArn = await start(h, 'callbackMap', { items: ['only'] });
    const [call] = await tokens(h, 1);
    // Act
    await h.sfn.send(
      new SendTaskFailureCommand({
        taskToken: call?.payload.taskToken as string,
        error: 'Custom.Failure',
        cause: 'the step broke',
      }),
    );
    // Assess
    const described = await ended(h, executionArn);
    expect(described).toMatchObject({
      status: 'FAILED',
      error: 'Custom.Failure',
      cause: 'the step broke',
    });
    expect(described.output).toBeUndefined();
  });

  it('catches a failed step by its error name, and closes the tokens of the abandoned iterations', async () => {
    // Prepare
    const h = await startHarness();
    const executionArn = await start(h, 'callbackMapWithCatch', { items: ['x', 'y'] });
    const calls = await tokens(h, 2);
    const tokenOf = new Map(
      calls.map((c) => [c.payload.item as string, c.payload.taskToken as string]),
    );
    // Act
    await h.sfn.send(
      new SendTaskFailureCommand({
        taskToken: tokenOf.get('x'),
        error: 'StepFailed',
        cause: 'x broke',
      }),
    );
    // Assess
    const described = await ended(h, executionArn);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? '')).toEqual({
      items: ['x', 'y'],
      error: { Error: 'StepFailed', Cause: 'x broke' },
    });
    await expect(succeed(h, tokenOf.get('y') as string, {})).rejects.toMatchObject({
      name: 'TaskDoesNotExist',
    });
  });
});

describe('LocalStepFunctions: lambda:invoke errors, Retry and Catch', () => {
  /** `flaky` throws the names in `failures` one call after another, then answers its count. */
  function flakyFunctions(): Record<string, FakeFunction> {
    const attempts = new Map<string, number>();
    return {
      flaky: (payload) => {
        const run = payload.run as string;
        const attempt = attempts.get(run) ?? 0;
        attempts.set(run, attempt + 1);
        const failure = (payload.failures as string[])[attempt];
        if (failure === 'Error') throw new Error('plain failure');
        if (failure) throw new NamedError(failure, `attempt ${attempt} failed`);
        return { value: attempt };
      },
    };
  }

  it('retries a custom error name and answers the Payload like the service integration', async () => {
    // Prepare: real intervals would wait 30 s and 60 s.
    const h = await startHarness(flakyFunctions(), { retryIntervalOverrides: { Flaky: 0 } });
    const run = uniqueId('flaky');
    // Act
    const executionArn = await start(h, 'flakyInvoke', {
      run,
      failures: ['TransientError', 'TransientError'],
    });
    // Assess: the function by name (ARN and alias stripped), called three times.
    const described = await ended(h, executionArn);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? '')).toEqual({ value: 2, status: 200 });
    expect(h.calls.map((c) => c.functionName)).toEqual(['flaky', 'flaky', 'flaky']);
    expect(h.calls[0]?.payload).toEqual({ run, failures: ['TransientError', 'TransientError'] });
  });

  it('catches a custom error name with its Lambda-style cause', async () => {
    const h = await startHarness(flakyFunctions(), { retryIntervalOverrides: { Flaky: 0 } });
    const executionArn = await start(h, 'flakyInvoke', {
      run: uniqueId('flaky'),
      failures: ['PermanentError'],
    });
    const output = JSON.parse((await ended(h, executionArn)).output ?? '');
    expect(output.error.Error).toBe('PermanentError');
    expect(JSON.parse(output.error.Cause)).toEqual({
      errorType: 'PermanentError',
      errorMessage: 'attempt 0 failed',
    });
    expect(h.calls).toHaveLength(1);
  });

  it('lets States.TaskFailed catch retries run out and a plain Error (named Error)', async () => {
    const h = await startHarness(flakyFunctions(), { retryIntervalOverrides: { Flaky: 0 } });
    const exhausted = await start(h, 'flakyInvoke', {
      run: uniqueId('flaky'),
      failures: ['TransientError', 'TransientError', 'TransientError'],
    });
    const plain = await start(h, 'flakyInvoke', { run: uniqueId('flaky'), failures: ['Error'] });
    const exhaustedOutput = JSON.parse((await ended(h, exhausted)).output ?? '');
    expect(exhaustedOutput.fallback.Error).toBe('TransientError');
    expect(exhaustedOutput.error).toBeUndefined();
    const plainOutput = JSON.parse((await ended(h, plain)).output ?? '');
    expect(plainOutput.fallback).toEqual({
      Error: 'Error',
      Cause: JSON.stringify({ errorType: 'Error', errorMessage: 'plain failure' }),
    });
    // 1 + 2 retries, then 1.
    expect(h.calls).toHaveLength(4);
  });
});

describe('LocalStepFunctions: timeouts of callback states', () => {
  it('times a task out after TimeoutSeconds as States.Timeout (not States.TaskFailed), and its token with it', async () => {
    // Prepare: 2 s scaled down to 20 ms.
    const h = await startHarness({}, { timeoutScale: 0.01 });
    // Act
    const executionArn = await start(h, 'timeout', {});
    const [call] = await tokens(h, 1);
    const described = await ended(h, executionArn);
    // Assess
    expect(described.status).toBe('SUCCEEDED');
    const output = JSON.parse(described.output ?? '');
    expect(output.timeout.Error).toBe('States.Timeout');
    expect(output.taskFailed).toBeUndefined();
    await expect(succeed(h, call?.payload.taskToken as string, {})).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  it('times a task out when no heartbeat comes within HeartbeatSeconds', async () => {
    // Prepare: a heartbeat every 10 ms is due, within a timeout of 10 s.
    const h = await startHarness({}, { timeoutScale: 0.01 });
    // Act: no heartbeat is sent.
    const executionArn = await start(h, 'heartbeat', {});
    const [call] = await tokens(h, 1);
    const output = JSON.parse((await ended(h, executionArn)).output ?? '');
    // Assess
    expect(output.timeout).toEqual({
      Error: 'States.Timeout',
      Cause: 'no heartbeat within HeartbeatSeconds',
    });
    expect(output.taskFailed).toBeUndefined();
    await expect(
      h.sfn.send(new SendTaskHeartbeatCommand({ taskToken: call?.payload.taskToken as string })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });
});

describe('LocalStepFunctions: Parallel branches', () => {
  it('serves Task states by name inside each branch', async () => {
    const h = await startHarness({ left: (payload) => ({ left: payload.n }) });
    const executionArn = await start(h, 'parallel', { n: 7 });
    const [right] = await tokens(h, 1);
    expect(right?.payload.side).toBe('right');
    await succeed(h, right?.payload.taskToken as string, { right: true });
    const described = await ended(h, executionArn);
    expect(JSON.parse(described.output ?? '')).toEqual([{ left: 7 }, { right: true }]);
  });
});

describe('LocalStepFunctions: StartExecution and StopExecution', () => {
  it('answers the same start again with the same execution while it runs, and refuses any other', async () => {
    // Prepare
    const h = await startHarness();
    const name = uniqueId('same');
    const input = { items: ['one'] };
    // Act
    const first = await start(h, 'callbackMap', input, name);
    const again = await start(h, 'callbackMap', input, name);
    // Assess
    expect(again).toBe(first);
    expect(first).toBe(`arn:aws:states:${REGION}:000000000000:execution:callbackMap:${name}`);
    await expect(start(h, 'callbackMap', { items: ['two'] }, name)).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
    const [call] = await tokens(h, 1);
    expect(h.calls).toHaveLength(1);
    // Once ended, the name stays taken.
    await succeed(h, call?.payload.taskToken as string, 'ok');
    expect((await ended(h, first)).status).toBe('SUCCEEDED');
    await expect(start(h, 'callbackMap', input, name)).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
  });

  it('refuses unknown state machines, bad ARNs, bad names and input that is not JSON', async () => {
    const h = await startHarness();
    const send = (stateMachineArn: string, name: string, input = '{}') =>
      h.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input }));
    await expect(send(h.arn('nope'), 'n')).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
    await expect(send('not-an-arn', 'n')).rejects.toMatchObject({ name: 'InvalidArn' });
    await expect(send(h.arn('callbackMap'), 'has space')).rejects.toMatchObject({
      name: 'InvalidName',
    });
    await expect(send(h.arn('callbackMap'), 'x'.repeat(81))).rejects.toMatchObject({
      name: 'InvalidName',
    });
    await expect(send(h.arn('callbackMap'), 'n', '{not json')).rejects.toMatchObject({
      name: 'InvalidExecutionInput',
    });
    await expect(
      h.sfn.send(new StartExecutionCommand({ stateMachineArn: undefined as unknown as string })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(
      describeExecution(h, `arn:aws:states:${REGION}:000000000000:execution:callbackMap:nope`),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    expect(h.calls).toEqual([]);
  });

  it('stops a waiting execution: ABORTED with the stop error and cause, its token unknown', async () => {
    // Prepare
    const h = await startHarness();
    const executionArn = await start(h, 'callbackMap', { items: ['long'] });
    const [call] = await tokens(h, 1);
    // Act
    const stopped = await h.sfn.send(
      new StopExecutionCommand({ executionArn, error: 'Cancelled', cause: 'the user cancelled' }),
    );
    // Assess
    expect(stopped.stopDate).toBeInstanceOf(Date);
    const described = await describeExecution(h, executionArn);
    expect(described).toMatchObject({
      status: 'ABORTED',
      error: 'Cancelled',
      cause: 'the user cancelled',
    });
    await expect(succeed(h, call?.payload.taskToken as string, {})).rejects.toMatchObject({
      name: 'TaskDoesNotExist',
    });
    // Stopping it again changes nothing.
    await h.sfn.send(new StopExecutionCommand({ executionArn, error: 'Other' }));
    expect((await describeExecution(h, executionArn)).error).toBe('Cancelled');
    expect(h.calls).toHaveLength(1);
  });

  it('aborts every running execution when the runtime stops', async () => {
    const h = await startHarness();
    const executionArn = await start(h, 'callbackMap', { items: ['a', 'b'] });
    await tokens(h, 2);
    await h.steps.stop();
    const described = await describeExecution(h, executionArn);
    expect(described.status).toBe('ABORTED');
    expect(h.steps.list().map((e) => e.status)).toEqual(['ABORTED']);
  });

  it('forgets the oldest finished executions beyond its bound', async () => {
    const h = await startHarness({}, { maxFinishedExecutions: 1 });
    const first = await start(h, 'parallel', {});
    await succeed(h, (await tokens(h, 1))[0]?.payload.taskToken as string, {});
    await ended(h, first);
    const second = await start(h, 'parallel', {});
    await succeed(h, (await tokens(h, 2))[1]?.payload.taskToken as string, {});
    await ended(h, second);
    await expect(describeExecution(h, first)).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
    expect(h.steps.list().map((e) => e.executionArn)).toEqual([second]);
  });
});

describe('LocalStepFunctions: the workflow-runner definition', () => {
  /** A stand-in for the engine: two steps in the first round, done in the second. */
  function engine(final: 'succeeded' | 'failed') {
    const rounds = new Map<string, number>();
    const failures: unknown[] = [];
    const functions: Record<string, FakeFunction> = {
      'workflow-engine': (payload) => {
        const workflowId = payload.workflowId as string;
        if (payload.action === 'advance') {
          const round = rounds.get(workflowId) ?? 0;
          rounds.set(workflowId, round + 1);
          return round === 0
            ? { done: false, status: 'running', stepIds: ['s1', 's2'] }
            : { done: true, status: final, stepIds: [] };
        }
        if (payload.action === 'fail') {
          failures.push(payload.error);
          return { status: 'failed' };
        }
        return {};
      },
    };
    return { functions, failures };
  }

  it('runs the steps of a round at once and succeeds when the engine says so', async () => {
    const { functions } = engine('succeeded');
    const h = await startHarness(functions);
    const executionArn = await start(h, 'workflowRunner', { workflowId: 'wf-1' });
    const steps = await tokens(h, 2);
    expect(steps.map((c) => c.payload.stepId).sort()).toEqual(['s1', 's2']);
    for (const step of steps) await succeed(h, step.payload.taskToken as string, {});
    const described = await ended(h, executionArn);
    expect(described.status).toBe('SUCCEEDED');
    expect(h.calls.map((c) => c.payload.action)).toEqual([
      'advance',
      'startStep',
      'startStep',
      'advance',
    ]);
  });

  it('records a failed step through the engine, and the execution ends with that recorded', async () => {
    const { functions, failures } = engine('succeeded');
    const h = await startHarness(functions);
    const executionArn = await start(h, 'workflowRunner', { workflowId: 'wf-2' });
    const [step] = await tokens(h, 1);
    await h.sfn.send(
      new SendTaskFailureCommand({
        taskToken: step?.payload.taskToken as string,
        error: 'StepFailed',
        cause: 'the task failed',
      }),
    );
    const described = await ended(h, executionArn);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output as string)).toMatchObject({ plan: { status: 'failed' } });
    expect(failures).toEqual([{ Error: 'StepFailed', Cause: 'the task failed' }]);
  });
});
