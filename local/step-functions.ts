/**
 * The Step Functions API of the local runtime: StartExecution, DescribeExecution, StopExecution,
 * SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat, answered for the product's real
 * state-machine definitions, which aws-local-stepfunctions runs. The product's SFN adapter talks
 * to it through the real SDK (`AWS_ENDPOINT_URL_SFN`), via local/aws-endpoint.ts.
 *
 * What the library does not do, done here:
 * - Task states are served by `invoke` (the local Lambda host): `lambda:invoke` answers
 *   `{Payload, StatusCode}` like the service integration, a thrown error fails the state with the
 *   error's name (as Lambda's `errorType`) so Retry/Catch match it.
 * - `.waitForTaskToken`: the library has one `$$.Task.Token` for a whole execution (from the run's
 *   context). Here every task invocation gets its own token, put in place of that placeholder,
 *   and the state waits for SendTaskSuccess / SendTaskFailure on it.
 * - Timeouts: the TimeoutSeconds and HeartbeatSeconds of callback states are enforced here, so
 *   that their tokens close when they expire (local/state-machine-definition.ts prepares the
 *   definition the library runs, and says which).
 */
import './promise-polyfill.js';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
} from 'aws-local-stepfunctions';
import * as z from 'zod';
import {
  MAX_TIMER_MS,
  prepareDefinition,
  type TaskSpec,
  validateDefinition,
} from './state-machine-definition.js';

export interface LocalStepFunctionsOptions {
  region: string;
  /** Definitions (ASL, substitutions done) by state machine name. */
  stateMachines: Map<string, object>;
  /** Invokes a function by name; a thrown error is the function's error (its `name`, its message). */
  invoke: (functionName: string, payload: unknown) => Promise<unknown>;
  /** Errors that are not a state machine's own (a bug here or in the library): report them. */
  onError?: (error: unknown) => void;
  /**
   * Milliseconds to wait before each retry, by state name (the library's override; a number for
   * all of a state's retriers, or one per retrier). Unset: the definition's real intervals.
   */
  retryIntervalOverrides?: Record<string, number | number[]>;
  /** Multiplies every TimeoutSeconds and HeartbeatSeconds (tests shrink them); default 1. */
  timeoutScale?: number;
  /** Finished executions kept for DescribeExecution and as taken names; default 1000. */
  maxFinishedExecutions?: number;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

export interface ExecutionSummary {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
}

/** An error the API answers with: `type` is the AWS error type (`__type`), also the `name`. */
export class StepFunctionsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type JsonValue = Parameters<LocalHandlers[string]>[0];

const ACCOUNT = '000000000000';
const STATE_MACHINE_ARN = /^arn:aws[\w-]*:states:[^:]+:\d{12}:stateMachine:[^:]+$/;
const EXECUTION_ARN = /^arn:aws[\w-]*:states:[^:]+:\d{12}:execution:[^:]+:[^:]+$/;
/** AWS's rule for execution names: 1..80 characters, none of these. */
const INVALID_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]/u;
/** What a token minted here looks like; anything else is malformed (`InvalidToken`). */
const TOKEN_FORMAT = /^AQ[A-Za-z0-9_-]{64}$/;
/** The run's `$$.Task.Token`; callback states swap it for a token of their own. */
const TOKEN_PLACEHOLDER = `local-task-token-placeholder-${randomBytes(8).toString('hex')}`;
const MAX_PAYLOAD_CHARS = 262_144;
/** How many timed-out tokens are remembered, to answer TaskTimedOut rather than TaskDoesNotExist. */
const TIMED_OUT_TOKENS_KEPT = 10_000;

interface Machine {
  name: string;
  arn: string;
  runnable: StateMachine;
  tasks: Map<string, TaskSpec>;
}

interface Execution {
  arn: string;
  name: string;
  machine: Machine;
  input: string;
  startDate: Date;
  stopDate?: Date;
  status: ExecutionStatus;
  output?: string;
  error?: string;
  cause?: string;
  abort: () => void;
  /** Settles once the run is over (never rejects). */
  done: Promise<void>;
  /** Callback tokens it waits on. */
  tokens: Set<string>;
}

interface PendingTask {
  execution: Execution;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
  heartbeatMs?: number;
  heartbeatTimer?: NodeJS.Timeout;
  timeoutTimer?: NodeJS.Timeout;
}

const startExecutionRequest = z.object({
  stateMachineArn: z.string().min(1).max(256),
  name: z.string().optional(),
  input: z.string().max(MAX_PAYLOAD_CHARS).optional(),
  traceHeader: z.string().optional(),
});
const executionRequest = z.object({ executionArn: z.string().min(1).max(256) });
const stopExecutionRequest = executionRequest.extend({
  error: z.string().max(256).optional(),
  cause: z.string().max(32_768).optional(),
});
const taskToken = z.string().min(1).max(1024);
const sendTaskSuccessRequest = z.object({
  taskToken,
  output: z.string().max(MAX_PAYLOAD_CHARS),
});
const sendTaskFailureRequest = z.object({
  taskToken,
  error: z.string().max(256).optional(),
  cause: z.string().max(32_768).optional(),
});
const sendTaskHeartbeatRequest = z.object({ taskToken });
/** The Parameters of a `lambda:invoke` state, as resolved against its input. */
const lambdaInvokeParameters = z.object({
  FunctionName: z.string().min(1),
  Payload: z.unknown().optional(),
  InvocationType: z.enum(['RequestResponse', 'Event', 'DryRun']).optional(),
});

/** The same state-machine definitions, executions in memory, one object per process. */
export class LocalStepFunctions {
  private readonly machines = new Map<string, Machine>();
  private readonly executions = new Map<string, Execution>();
  /** Finished executions' ARNs, oldest first: the ones to forget beyond the bound. */
  private readonly finished: string[] = [];
  private readonly pending = new Map<string, PendingTask>();
  private readonly timedOutTokens = new Set<string>();
  private readonly maxFinished: number;
  private stopped = false;

  constructor(private readonly options: LocalStepFunctionsOptions) {
    this.maxFinished = options.maxFinishedExecutions ?? 1000;
    const scale = options.timeoutScale ?? 1;
    for (const [name, definition] of options.stateMachines) {
      const arn = `arn:aws:states:${options.region}:${ACCOUNT}:stateMachine:${name}`;
      validateDefinition(name, definition);
      const { runnable, tasks } = prepareDefinition(name, definition, scale);
      this.machines.set(arn, {
        name,
        arn,
        // Validated above; the prepared copy may hold fractional (scaled) timeouts ASL refuses.
        runnable: new StateMachine(runnable, { validationOptions: { noValidate: true } }),
        tasks,
      });
    }
    // Ready before the first timeout needs it.
    void statesTimeoutErrorClass();
  }

  /** Answers one operation (the part of `x-amz-target` after `AWSStepFunctions.`). */
  async handle(operation: string, body: unknown): Promise<unknown> {
    switch (operation) {
      case 'StartExecution':
        return this.startExecution(parseRequest(startExecutionRequest, body));
      case 'DescribeExecution':
        return this.describeExecution(parseRequest(executionRequest, body).executionArn);
      case 'StopExecution':
        return this.stopExecution(parseRequest(stopExecutionRequest, body));
      case 'SendTaskSuccess':
        return this.sendTaskSuccess(parseRequest(sendTaskSuccessRequest, body));
      case 'SendTaskFailure':
        return this.sendTaskFailure(parseRequest(sendTaskFailureRequest, body));
      case 'SendTaskHeartbeat':
        return this.sendTaskHeartbeat(parseRequest(sendTaskHeartbeatRequest, body).taskToken);
      default:
        throw new StepFunctionsError(
          'UnknownOperationException',
          `operation ${operation} is not emulated`,
        );
    }
  }

  /** Running and remembered executions, newest first. */
  list(): ExecutionSummary[] {
    return [...this.executions.values()]
      .map((execution) => ({
        executionArn: execution.arn,
        stateMachineArn: execution.machine.arn,
        name: execution.name,
        status: execution.status,
        startDate: execution.startDate,
        ...(execution.stopDate ? { stopDate: execution.stopDate } : {}),
      }))
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
  }

  /** Aborts every running execution (shutdown) and waits until their runs have let go. */
  async stop(): Promise<void> {
    this.stopped = true;
    const running = [...this.executions.values()].filter((e) => e.status === 'RUNNING');
    for (const execution of running) {
      this.abortExecution(execution, undefined, 'the local runtime stopped');
    }
    await Promise.all(running.map((execution) => execution.done));
  }

  private startExecution(request: z.infer<typeof startExecutionRequest>): unknown {
    if (this.stopped) throw new Error('the local Step Functions have stopped');
    const machine = this.machineFor(request.stateMachineArn);
    const name = request.name ?? randomUUID();
    if (name.length < 1 || name.length > 80 || INVALID_NAME.test(name)) {
      throw new StepFunctionsError('InvalidName', `invalid execution name: ${name}`);
    }
    const input = request.input ?? '{}';
    let parsedInput: JsonValue;
    try {
      parsedInput = JSON.parse(input) as JsonValue;
    } catch {
      throw new StepFunctionsError('InvalidExecutionInput', 'input is not valid JSON');
    }
    const arn = `arn:aws:states:${this.options.region}:${ACCOUNT}:execution:${machine.name}:${name}`;
    const existing = this.executions.get(arn);
    if (existing) {
      // What AWS does for Standard workflows: the same start again is the same execution.
      if (existing.status === 'RUNNING' && existing.input === input) {
        return { executionArn: arn, startDate: epochSeconds(existing.startDate) };
      }
      throw new StepFunctionsError('ExecutionAlreadyExists', `execution ${arn} already exists`);
    }

    const execution: Execution = {
      arn,
      name,
      machine,
      input,
      startDate: new Date(),
      status: 'RUNNING',
      abort: () => undefined,
      done: Promise.resolve(),
      tokens: new Set(),
    };
    this.executions.set(arn, execution);
    const handlers: LocalHandlers = {};
    for (const [stateName, spec] of machine.tasks) {
      handlers[stateName] = (taskInput) =>
        this.runTask(execution, spec, taskInput) as Promise<JsonValue>;
    }
    const run = machine.runnable.run(parsedInput, {
      overrides: {
        taskResourceLocalHandlers: handlers,
        ...(this.options.retryIntervalOverrides
          ? { retryIntervalOverrides: this.options.retryIntervalOverrides }
          : {}),
      },
      context: {
        Execution: { Id: arn, Name: name, RoleArn: `arn:aws:iam::${ACCOUNT}:role/local` },
        StateMachine: { Id: machine.arn, Name: machine.name },
        Task: { Token: TOKEN_PLACEHOLDER },
      },
    });
    execution.abort = run.abort;
    // Nobody reads the event log; unread, it would grow for as long as the execution runs.
    void drain(run.eventLogs);
    execution.done = run.result.then(
      (output) => this.finish(execution, 'SUCCEEDED', { output: JSON.stringify(output ?? null) }),
      (error: unknown) => this.finishWithError(execution, error),
    );
    return { executionArn: arn, startDate: epochSeconds(execution.startDate) };
  }

  private describeExecution(executionArn: string): unknown {
    const execution = this.executionFor(executionArn);
    return {
      executionArn: execution.arn,
      stateMachineArn: execution.machine.arn,
      name: execution.name,
      status: execution.status,
      startDate: epochSeconds(execution.startDate),
      ...(execution.stopDate ? { stopDate: epochSeconds(execution.stopDate) } : {}),
      input: execution.input,
      inputDetails: { included: true },
      ...(execution.output !== undefined
        ? { output: execution.output, outputDetails: { included: true } }
        : {}),
      ...(execution.error ? { error: execution.error } : {}),
      ...(execution.cause ? { cause: execution.cause } : {}),
    };
  }

  private stopExecution(request: z.infer<typeof stopExecutionRequest>): unknown {
    const execution = this.executionFor(request.executionArn);
    // Stopping an execution that has ended changes nothing.
    if (execution.status === 'RUNNING') {
      this.abortExecution(execution, request.error, request.cause);
    }
    return { stopDate: epochSeconds(execution.stopDate ?? new Date()) };
  }

  private sendTaskSuccess(request: z.infer<typeof sendTaskSuccessRequest>): unknown {
    this.pendingFor(request.taskToken);
    let output: unknown;
    try {
      output = JSON.parse(request.output);
    } catch {
      throw new StepFunctionsError('InvalidOutput', 'output is not valid JSON');
    }
    this.settle(request.taskToken, { output });
    return {};
  }

  private sendTaskFailure(request: z.infer<typeof sendTaskFailureRequest>): unknown {
    this.pendingFor(request.taskToken);
    // The state fails with the worker's error as the name Retry and Catch match.
    const error = new Error(request.cause ?? '');
    error.name = request.error ?? '';
    this.settle(request.taskToken, { error });
    return {};
  }

  private sendTaskHeartbeat(token: string): unknown {
    const task = this.pendingFor(token);
    if (task.heartbeatTimer && task.heartbeatMs !== undefined) {
      clearTimeout(task.heartbeatTimer);
      task.heartbeatTimer = this.armTimeout(token, task.heartbeatMs, 'heartbeat');
    }
    return {};
  }

  /** The override of every Task state: what its Resource does, against the local functions. */
  private async runTask(execution: Execution, spec: TaskSpec, input: unknown): Promise<unknown> {
    // A stopped execution's states may still be entered (a retry of an aborted state): no
    // function is called for them.
    if (execution.status !== 'RUNNING') throw executionClosedError();
    if (spec.kind === 'function') {
      return this.invokeFunction(functionNameOf(spec.resource), input);
    }
    const parameters = lambdaInvokeParameters.safeParse(input);
    if (!parameters.success) {
      throw runtimeError(`the Parameters of a ${spec.resource} state need a FunctionName`);
    }
    const functionName = functionNameOf(parameters.data.FunctionName);
    const payload = parameters.data.Payload ?? {};
    if (spec.kind === 'callback')
      return this.waitForCallback(execution, spec, functionName, payload);
    if (parameters.data.InvocationType === 'Event') {
      this.invokeFunction(functionName, payload).catch((error) => this.options.onError?.(error));
      return { Payload: '', StatusCode: 202 };
    }
    const result = await this.invokeFunction(functionName, payload);
    return { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 };
  }

  /** Calls the function and makes its answer JSON, as Lambda's wire format does. */
  private async invokeFunction(functionName: string, payload: unknown): Promise<unknown> {
    try {
      const result = await this.options.invoke(functionName, payload);
      return result === undefined ? null : JSON.parse(JSON.stringify(result));
    } catch (error) {
      throw functionError(error);
    }
  }

  /**
   * `.waitForTaskToken`: a token of this invocation's own in place of the placeholder, then the
   * state waits until the token is answered, times out, or its execution ends.
   */
  private waitForCallback(
    execution: Execution,
    spec: TaskSpec,
    functionName: string,
    payload: unknown,
  ): Promise<unknown> {
    const token = `AQ${randomBytes(48).toString('base64url')}`;
    const answered = new Promise<unknown>((resolve, reject) => {
      const task: PendingTask = { execution, resolve, reject };
      // Registered before the call: a worker may answer before the function returns.
      this.pending.set(token, task);
      execution.tokens.add(token);
      if (spec.timeoutMs !== undefined) {
        task.timeoutTimer = this.armTimeout(token, spec.timeoutMs, 'timeout');
      }
      if (spec.heartbeatMs !== undefined) {
        task.heartbeatMs = spec.heartbeatMs;
        task.heartbeatTimer = this.armTimeout(token, spec.heartbeatMs, 'heartbeat');
      }
    });
    // The function's answer is not the state's result, but its failure fails the state.
    this.invokeFunction(functionName, withToken(payload, token)).catch((error: Error) =>
      this.settle(token, { error }),
    );
    return answered;
  }

  private armTimeout(token: string, ms: number, kind: 'timeout' | 'heartbeat'): NodeJS.Timeout {
    return setTimeout(
      () => {
        const task = this.takePending(token);
        if (!task) return;
        this.rememberTimedOut(token);
        const message =
          kind === 'heartbeat' ? 'no heartbeat within HeartbeatSeconds' : 'States.Timeout';
        void statesTimeoutErrorClass().then((TimeoutError) => {
          const error = new TimeoutError();
          error.message = message;
          task.reject(error);
        });
      },
      Math.min(ms, MAX_TIMER_MS),
    );
  }

  /** The waiting task of a token, or the error the API answers for it. */
  private pendingFor(token: string): PendingTask {
    const task = this.pending.get(token);
    if (task) return task;
    if (!TOKEN_FORMAT.test(token)) throw new StepFunctionsError('InvalidToken', 'invalid token');
    if (this.timedOutTokens.has(token)) {
      throw new StepFunctionsError('TaskTimedOut', 'the task of this token has timed out');
    }
    throw new StepFunctionsError('TaskDoesNotExist', 'no task waits on this token');
  }

  /** Answers a waiting task once; false when it no longer waits. */
  private settle(token: string, outcome: { output: unknown } | { error: Error }): boolean {
    const task = this.takePending(token);
    if (!task) return false;
    if ('error' in outcome) task.reject(outcome.error);
    else task.resolve(outcome.output);
    return true;
  }

  private takePending(token: string): PendingTask | undefined {
    const task = this.pending.get(token);
    if (!task) return undefined;
    this.pending.delete(token);
    task.execution.tokens.delete(token);
    clearTimeout(task.timeoutTimer);
    clearTimeout(task.heartbeatTimer);
    return task;
  }

  private rememberTimedOut(token: string): void {
    this.timedOutTokens.add(token);
    if (this.timedOutTokens.size > TIMED_OUT_TOKENS_KEPT) {
      const oldest = this.timedOutTokens.values().next().value;
      if (oldest !== undefined) this.timedOutTokens.delete(oldest);
    }
  }

  private abortExecution(execution: Execution, error?: string, cause?: string): void {
    execution.status = 'ABORTED';
    execution.stopDate = new Date();
    if (error) execution.error = error;
    if (cause) execution.cause = cause;
    this.closeTokens(execution);
    execution.abort();
  }

  /**
   * Ends the waits of an execution's tasks, so their tokens become unknown and the library's
   * timers for them stop. The rejection cannot be retried or caught: the run is over.
   */
  private closeTokens(execution: Execution): void {
    for (const token of [...execution.tokens])
      this.settle(token, { error: executionClosedError() });
  }

  private finishWithError(execution: Execution, error: unknown): void {
    if (error instanceof ExecutionAbortedError) {
      this.finish(execution, 'ABORTED', {});
    } else if (error instanceof ExecutionTimeoutError) {
      this.finish(execution, 'TIMED_OUT', {
        error: 'States.Timeout',
        cause: 'the execution ran longer than its TimeoutSeconds',
      });
    } else if (error instanceof ExecutionError && error.cause instanceof Error) {
      this.finish(execution, 'FAILED', { error: error.cause.name, cause: error.cause.message });
    } else {
      this.options.onError?.(error);
      this.finish(execution, 'FAILED', {
        error: 'States.Runtime',
        cause: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private finish(
    execution: Execution,
    status: ExecutionStatus,
    result: { output?: string; error?: string; cause?: string },
  ): void {
    // A stopped execution keeps ABORTED and the stop's error and cause.
    if (execution.status === 'RUNNING') {
      execution.status = status;
      execution.stopDate = new Date();
      Object.assign(execution, result);
    }
    // Waits left by Map iterations or Parallel branches the library abandoned.
    this.closeTokens(execution);
    this.finished.push(execution.arn);
    while (this.finished.length > this.maxFinished) {
      const oldest = this.finished.shift();
      if (oldest !== undefined) this.executions.delete(oldest);
    }
  }

  private machineFor(arn: string): Machine {
    const machine = this.machines.get(arn);
    if (machine) return machine;
    if (!STATE_MACHINE_ARN.test(arn))
      throw new StepFunctionsError('InvalidArn', `invalid ARN ${arn}`);
    throw new StepFunctionsError('StateMachineDoesNotExist', `state machine ${arn} does not exist`);
  }

  private executionFor(arn: string): Execution {
    const execution = this.executions.get(arn);
    if (execution) return execution;
    if (!EXECUTION_ARN.test(arn)) throw new StepFunctionsError('InvalidArn', `invalid ARN ${arn}`);
    throw new StepFunctionsError('ExecutionDoesNotExist', `execution ${arn} does not exist`);
  }
}

function parseRequest<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new StepFunctionsError(
    'ValidationException',
    `${issue?.path.join('.') || 'request'}: ${issue?.message ?? 'invalid'}`,
  );
}

/** `name`, `name:alias`, `arn:aws:lambda:<region>:<account>:function:name[:qualifier]` → name. */
function functionNameOf(nameOrArn: string): string {
  const marker = nameOrArn.indexOf('function:');
  const rest = marker >= 0 ? nameOrArn.slice(marker + 'function:'.length) : nameOrArn;
  return rest.split(':')[0] ?? rest;
}

/** The payload with every occurrence of the run's placeholder token replaced by `token`. */
function withToken(value: unknown, token: string): unknown {
  if (typeof value === 'string') return value.split(TOKEN_PLACEHOLDER).join(token);
  if (Array.isArray(value)) return value.map((item) => withToken(item, token));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, withToken(item, token)]),
    );
  }
  return value;
}

/**
 * A function's failure as the state's error: named as Lambda names it (`errorType`: the error's
 * name, `Error` for a plain one) and with Lambda's JSON body as the cause.
 */
function functionError(error: unknown): Error {
  const errorType = error instanceof Error && error.name ? error.name : 'Error';
  const errorMessage = error instanceof Error ? error.message : String(error);
  const failure = new Error(JSON.stringify({ errorType, errorMessage }));
  failure.name = errorType;
  return failure;
}

/** An error the library neither retries nor catches (the flags it reads on its own errors). */
function uncatchable(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, isRetryable: false, isCatchable: false });
}

function runtimeError(message: string): Error {
  return uncatchable('States.Runtime', message);
}

function executionClosedError(): Error {
  return uncatchable('States.Runtime', 'the execution is no longer running');
}

let timeoutErrorClass: Promise<new () => Error> | undefined;

/**
 * The library's own `States.Timeout` error class, which it does not export. It must be that
 * class: a `States.TaskFailed` retrier or catcher matches every error but instances of it, as
 * AWS's matches every error but a timeout. Obtained once by letting a task time out after 1 ms.
 */
function statesTimeoutErrorClass(): Promise<new () => Error> {
  timeoutErrorClass ??= (async () => {
    const probe = new StateMachine(
      {
        StartAt: 'Probe',
        States: {
          Probe: {
            Type: 'Task',
            Resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:probe`,
            TimeoutSeconds: 0.001,
            End: true,
          },
        },
      },
      { validationOptions: { noValidate: true } },
    );
    const run = probe.run(null, {
      overrides: { taskResourceLocalHandlers: { Probe: () => new Promise<never>(() => {}) } },
    });
    try {
      await run.result;
    } catch (error) {
      const cause = error instanceof ExecutionError ? error.cause : undefined;
      if (cause instanceof Error && cause.name === 'States.Timeout') {
        return cause.constructor as new () => Error;
      }
    }
    // Not expected with the pinned library; a plain error keeps the name at least.
    return class extends Error {
      constructor() {
        super('States.Timeout');
        this.name = 'States.Timeout';
      }
    };
  })();
  return timeoutErrorClass;
}

async function drain(events: AsyncGenerator<unknown>): Promise<void> {
  for await (const _event of events) {
    // discarded
  }
}

function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}
