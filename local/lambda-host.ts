/** Loads the topology's handlers and invokes them as Lambda would: an event, a context, a timeout. */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { FunctionSpec } from '../infra/topology.js';
import type { CostMeter } from './cost-meter.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export class FunctionTimeoutError extends Error {
  constructor(name: string, seconds: number) {
    super(`function ${name} timed out after ${seconds} s`);
    this.name = 'FunctionTimeoutError';
  }
}

export class LambdaHost {
  private readonly handlers = new Map<string, Handler>();

  constructor(
    private readonly functions: Map<string, FunctionSpec>,
    private readonly root: string,
    /** Counts invocations and their durations, and attributes what they call (npm run cost). */
    private readonly meter?: CostMeter,
  ) {}

  /** Imports every handler once, as a cold start would. */
  async load(): Promise<void> {
    for (const [name, spec] of this.functions) {
      const module = (await import(pathToFileURL(resolve(this.root, spec.entry)).href)) as {
        handler?: Handler;
      };
      if (typeof module.handler !== 'function') throw new Error(`${spec.entry} exports no handler`);
      this.handlers.set(name, module.handler);
    }
  }

  /** The end of the invocation running last, while metering (see `invoke`). */
  private turn: Promise<void> = Promise.resolve();

  /**
   * Invokes a function. Past its timeout the invocation counts as failed, as in Lambda; the
   * handler's promise cannot be killed in-process, so whatever it still does is ignored.
   *
   * While the meter counts, invocations run one at a time: each Lambda execution environment runs one
   * invocation, and a duration measured while the process serves twenty others would measure
   * this machine's load, not the invocation. Nothing a handler awaits needs another invocation.
   */
  invoke<R>(name: string, event: unknown): Promise<R> {
    if (!this.meter?.active) return this.call(name, event);
    const previous = this.turn;
    let release: () => void = () => undefined;
    this.turn = new Promise((resolve) => {
      release = resolve;
    });
    return previous.then(() => this.call<R>(name, event)).finally(release);
  }

  private async call<R>(name: string, event: unknown): Promise<R> {
    const handler = this.handlers.get(name);
    const spec = this.functions.get(name);
    if (!handler || !spec) throw new Error(`no function ${name}`);
    const deadline = Date.now() + spec.timeoutSeconds * 1000;
    const requestId = randomUUID();
    const context: Context = {
      callbackWaitsForEmptyEventLoop: false,
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
      memoryLimitInMB: String(spec.memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: `local/${requestId}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    let timer: NodeJS.Timeout | undefined;
    const started = performance.now();
    const startedAt = Date.now();
    const run = this.meter
      ? this.meter.run(name, () => handler(event, context))
      : handler(event, context);
    try {
      return (await Promise.race([
        run,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new FunctionTimeoutError(name, spec.timeoutSeconds)),
            spec.timeoutSeconds * 1000,
          );
        }),
      ])) as R;
    } finally {
      clearTimeout(timer);
      this.meter?.invocation(name, performance.now() - started, startedAt);
    }
  }
}
