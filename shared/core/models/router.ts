/**
 * A route as one model: targets tried in order. A retryable failure (throttling, 5xx, timeout)
 * is retried with backoff, then the call falls back to the next target (`model.fallback`); a
 * target whose breaker is open is skipped. Every call is measured and priced
 * (`model.invoked`), whichever target answered.
 */
import { abortableSleep } from '../abortable-sleep.js';
import { TaskAttemptError } from '../errors.js';
import type { ModelProvider, ModelRequest, ModelResponse } from '../kernel/model-provider.js';
import type { CircuitBreakers } from './circuit-breaker.js';
import { ModelCallError } from './model-error.js';
import type { ModelPrice, PriceTable } from './prices.js';

export interface ModelCallSample {
  /** The provider's name for the model, e.g. `bedrock:amazon.nova-lite-v1:0`. */
  model: string;
  ok: boolean;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Why it failed, when it did. */
  error?: string;
}

export interface RouteObserver {
  invoked(sample: ModelCallSample): void;
  fallback(from: string, to: string, reason: string): void;
}

export interface RouterOptions {
  /** The route's name, or the provider spec's name for a direct spec. */
  route: string;
  breakers: CircuitBreakers;
  retry: { attempts: number; baseDelayMs: number };
  prices: PriceTable;
  observer?: RouteObserver;
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export class RoutedModel implements ModelProvider {
  readonly name: string;
  readonly canStream: boolean;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(
    private readonly targets: ModelProvider[],
    private readonly options: RouterOptions,
  ) {
    if (targets.length === 0) throw new Error(`route ${options.route} has no targets`);
    // Steps are named after the first target; model.invoked names the one that answered.
    this.name =
      targets.length === 1 ? (targets[0] as ModelProvider).name : `route:${options.route}`;
    this.canStream = targets.some((target) => target.canStream === true);
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? abortableSleep;
  }

  /** What one call can cost at most, whichever target answers it (budgets reserve this). */
  priceBound(): ModelPrice & { priced: boolean } {
    return this.options.prices.bound(this.targets.map((target) => target.name));
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    const failures: string[] = [];
    let tries = 0;
    for (const [index, target] of this.targets.entries()) {
      // Past the task's deadline no other target is tried.
      if (request.signal.aborted) throw request.signal.reason;
      if (!this.options.breakers.allow(target.name)) {
        failures.push(`${target.name}: circuit open`);
        this.fallback(index, 'circuit open');
        continue;
      }
      for (let attempt = 1; attempt <= this.options.retry.attempts; attempt++) {
        const started = this.now();
        // A streamed answer starts over with each try: what the last one wrote is void.
        if (tries++ > 0) request.stream?.restart();
        try {
          const response = await target.complete(request);
          const { costUsd, priced } = this.options.prices.cost(
            target.name,
            response.usage.inputTokens,
            response.usage.outputTokens,
          );
          this.options.breakers.success(target.name);
          this.options.observer?.invoked({
            model: target.name,
            ok: true,
            latencyMs: this.now() - started,
            inputTokens: response.usage.inputTokens,
            outputTokens: response.usage.outputTokens,
            costUsd,
          });
          return { ...response, usage: { ...response.usage, costUsd, priced } };
        } catch (error) {
          this.options.observer?.invoked({
            model: target.name,
            ok: false,
            latencyMs: this.now() - started,
            inputTokens: 0,
            outputTokens: 0,
            costUsd: 0,
            error: error instanceof ModelCallError ? error.reason : errorName(error),
          });
          if (!(error instanceof ModelCallError)) throw error; // not a provider failure
          this.options.breakers.failure(target.name);
          if (!error.retryable) {
            throw new TaskAttemptError(
              'ModelRequestRejected',
              `${target.name} refused the request (${error.reason}): ${error.message}`,
              false,
            );
          }
          failures.push(`${target.name}: ${error.reason}`);
          const lastTry = attempt === this.options.retry.attempts;
          if (lastTry || request.signal.aborted || !this.options.breakers.allow(target.name)) break;
          await this.sleep(this.options.retry.baseDelayMs * 2 ** (attempt - 1), request.signal);
        }
      }
      this.fallback(index, failures.at(-1) ?? 'failed');
    }
    throw new TaskAttemptError(
      'ModelUnavailable',
      `no target of ${this.name} answered: ${failures.join('; ')}`,
      true,
    );
  }

  private fallback(fromIndex: number, reason: string): void {
    const from = this.targets[fromIndex];
    const to = this.targets[fromIndex + 1];
    if (from && to) this.options.observer?.fallback(from.name, to.name, reason);
  }
}

const errorName = (error: unknown): string => (error instanceof Error ? error.name : 'Error');
