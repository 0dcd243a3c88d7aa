import { describe, expect, it } from 'vitest';
import { TaskAttemptError } from '../../shared/core/errors.js';
import type {
  ModelProvider,
  ModelRequest,
  ModelResponse,
} from '../../shared/core/kernel/model-provider.js';
import { CircuitBreakers } from '../../shared/core/models/circuit-breaker.js';
import { ModelCallError } from '../../shared/core/models/model-error.js';
import { PriceTable } from '../../shared/core/models/prices.js';
import { type ModelCallSample, RoutedModel } from '../../shared/core/models/router.js';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** A hand-moved clock shared by the router, its breakers and the fake targets. */
class ManualTime {
  value = 1_000_000;
  readonly now = () => this.value;
}

/** A target that plays answers and errors in order, each taking `latencyMs` of the clock. */
class FakeTarget implements ModelProvider {
  calls = 0;
  readonly signals: AbortSignal[] = [];

  constructor(
    readonly name: string,
    private readonly script: (ModelResponse | unknown)[],
    private readonly time?: ManualTime,
    private readonly latencyMs = 0,
  ) {}

  async complete(request: ModelRequest): Promise<ModelResponse> {
    this.signals.push(request.signal);
    const next = this.script[this.calls++];
    if (this.time) this.time.value += this.latencyMs;
    if (next === undefined) throw new Error(`${this.name} was called more often than scripted`);
    if (isResponse(next)) return next;
    throw next;
  }
}

const isResponse = (value: unknown): value is ModelResponse =>
  typeof value === 'object' && value !== null && 'stopReason' in value;

const answer = (text: string, usage: Partial<ModelResponse['usage']> = {}): ModelResponse => ({
  text,
  toolCalls: [],
  stopReason: 'end_turn',
  usage: { inputTokens: 1_000, outputTokens: 2_000, costUsd: 0, ...usage },
});

const throttled = () => new ModelCallError('429 Too Many Requests', 'throttled', true, 429);
const unavailable = () => new ModelCallError('503 Service Unavailable', 'unavailable', true, 503);

/** openai:cheap costs 1 $/M in and 2 $/M out: 1000 in + 2000 out = 0.005 $. */
const prices = new PriceTable({
  'openai:cheap': { inputPerMillion: 1, outputPerMillion: 2 },
  'openai:backup': { inputPerMillion: 10, outputPerMillion: 20 },
});

interface Options {
  attempts?: number;
  baseDelayMs?: number;
  failureThreshold?: number;
  cooldownMs?: number;
  breakers?: CircuitBreakers;
  time?: ManualTime;
}

function routed(targets: ModelProvider[], options: Options = {}) {
  const time = options.time ?? new ManualTime();
  const breakers =
    options.breakers ??
    new CircuitBreakers(
      {
        failureThreshold: options.failureThreshold ?? 100,
        cooldownMs: options.cooldownMs ?? 30_000,
      },
      time.now,
    );
  const invoked: ModelCallSample[] = [];
  const fallbacks: [string, string, string][] = [];
  const sleeps: { ms: number; signal: AbortSignal }[] = [];
  const model = new RoutedModel(targets, {
    route: 'main',
    breakers,
    retry: { attempts: options.attempts ?? 1, baseDelayMs: options.baseDelayMs ?? 100 },
    prices,
    observer: {
      invoked: (sample) => invoked.push(sample),
      fallback: (from, to, reason) => fallbacks.push([from, to, reason]),
    },
    now: time.now,
    sleep: async (ms, signal) => {
      sleeps.push({ ms, signal });
    },
  });
  return { model, breakers, invoked, fallbacks, sleeps, time };
}

const request = (signal: AbortSignal = new AbortController().signal): ModelRequest => ({
  messages: [{ role: 'user', content: 'hi' }],
  tools: [],
  maxTokens: 100,
  signal,
});

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

// ---------------------------------------------------------------------------------------------
// RoutedModel
// ---------------------------------------------------------------------------------------------

describe('RoutedModel: naming', () => {
  it('takes the name of its only target, so steps read like a direct provider', () => {
    // Act
    const { model } = routed([new FakeTarget('openai:cheap', [])]);

    // Assess
    expect(model.name).toBe('openai:cheap');
  });

  it('is named after the route when it has several targets', () => {
    // Act
    const { model } = routed([new FakeTarget('a', []), new FakeTarget('b', [])]);

    // Assess
    expect(model.name).toBe('route:main');
  });

  it('refuses a route without targets', () => {
    // Act
    const act = () => routed([]);

    // Assess
    expect(act).toThrow('route main has no targets');
  });
});

describe('RoutedModel: the first target answers', () => {
  it('returns its answer priced from the price table, and measures the call', async () => {
    // Prepare: the provider claims a cost; the price table decides.
    const time = new ManualTime();
    const first = new FakeTarget('openai:cheap', [answer('hello', { costUsd: 99 })], time, 120);
    const second = new FakeTarget('openai:backup', [answer('unused')], time);
    const r = routed([first, second], { time });

    // Act
    const response = await r.model.complete(request());

    // Assess
    expect(response).toEqual({
      text: 'hello',
      toolCalls: [],
      stopReason: 'end_turn',
      usage: { inputTokens: 1_000, outputTokens: 2_000, costUsd: 0.005, priced: true },
    });
    expect(second.calls).toBe(0);
    expect(r.invoked).toEqual([
      {
        model: 'openai:cheap',
        ok: true,
        latencyMs: 120,
        inputTokens: 1_000,
        outputTokens: 2_000,
        costUsd: 0.005,
      },
    ]);
    expect(r.fallbacks).toEqual([]);
    expect(r.sleeps).toEqual([]);
  });

  it('costs an unpriced model nothing, and says it had no price', async () => {
    // Prepare
    const r = routed([new FakeTarget('openai:unknown-model', [answer('x', { costUsd: 3 })])]);

    // Act
    const response = await r.model.complete(request());

    // Assess
    expect(response.usage.costUsd).toBe(0);
    expect(response.usage.priced).toBe(false);
    expect(r.invoked[0]?.costUsd).toBe(0);
  });

  it('bounds what a call may cost by its dearest target (budgets hold that)', () => {
    const r = routed([
      new FakeTarget('openai:gpt-4o-mini', []),
      new FakeTarget('openai:gpt-4o', []),
      new FakeTarget('openai:unknown-model', []),
    ]);
    expect(r.model.priceBound()).toEqual({
      inputPerMillion: 2.5,
      outputPerMillion: 10,
      priced: true,
    });
  });
});

describe('RoutedModel: retryable failures', () => {
  it('retries a target `attempts` times with exponential backoff, then falls back', async () => {
    // Prepare
    const time = new ManualTime();
    const first = new FakeTarget(
      'openai:cheap',
      [throttled(), unavailable(), throttled()],
      time,
      7,
    );
    const second = new FakeTarget('openai:backup', [answer('from backup')], time, 11);
    const r = routed([first, second], { attempts: 3, baseDelayMs: 100, time });
    const controller = new AbortController();

    // Act
    const response = await r.model.complete(request(controller.signal));

    // Assess
    expect(response.text).toBe('from backup');
    expect(response.usage.costUsd).toBe(0.05);
    expect(first.calls).toBe(3);
    expect(r.sleeps.map((s) => s.ms)).toEqual([100, 200]);
    for (const s of r.sleeps) expect(s.signal).toBe(controller.signal);
    expect(r.fallbacks).toEqual([['openai:cheap', 'openai:backup', 'openai:cheap: throttled']]);
    const failed = {
      model: 'openai:cheap',
      ok: false,
      latencyMs: 7,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
    };
    expect(r.invoked).toEqual([
      { ...failed, error: 'throttled' },
      { ...failed, error: 'unavailable' },
      { ...failed, error: 'throttled' },
      {
        model: 'openai:backup',
        ok: true,
        latencyMs: 11,
        inputTokens: 1_000,
        outputTokens: 2_000,
        costUsd: 0.05,
      },
    ]);
  });

  it('stays on a target that answers on a retry', async () => {
    // Prepare
    const first = new FakeTarget('openai:cheap', [throttled(), answer('second try')]);
    const second = new FakeTarget('openai:backup', []);
    const r = routed([first, second], { attempts: 3, baseDelayMs: 50 });

    // Act
    const response = await r.model.complete(request());

    // Assess
    expect(response.text).toBe('second try');
    expect(r.sleeps.map((s) => s.ms)).toEqual([50]);
    expect(r.fallbacks).toEqual([]);
    expect(second.calls).toBe(0);
    expect(r.invoked.map((s) => s.ok)).toEqual([false, true]);
  });

  it('answers a retryable ModelUnavailable naming every failure when all targets fail', async () => {
    // Prepare
    const first = new FakeTarget('openai:cheap', [unavailable(), unavailable()]);
    const second = new FakeTarget('openai:backup', [
      new ModelCallError('timed out', 'timeout', true),
      new ModelCallError('socket hang up', 'network', true),
    ]);
    const r = routed([first, second], { attempts: 2 });

    // Act
    const error = await failureOf(r.model.complete(request()));

    // Assess
    expect(error).toBeInstanceOf(TaskAttemptError);
    expect(error).toMatchObject({
      code: 'ModelUnavailable',
      retryable: true,
      message:
        'no target of route:main answered: openai:cheap: unavailable; openai:cheap: unavailable; openai:backup: timeout; openai:backup: network',
    });
    // A fallback needs somewhere to go: the last target falls back to nothing.
    expect(r.fallbacks).toEqual([['openai:cheap', 'openai:backup', 'openai:cheap: unavailable']]);
    expect(r.invoked).toHaveLength(4);
    expect(r.sleeps.map((s) => s.ms)).toEqual([100, 100]);
  });

  it('calls no target once the request is aborted, and answers with the abort reason', async () => {
    // Prepare
    const controller = new AbortController();
    const reason = new Error('the task timed out');
    controller.abort(reason);
    const first = new FakeTarget('openai:cheap', [throttled(), answer('never')]);
    const second = new FakeTarget('openai:backup', [answer('never either')]);
    const r = routed([first, second], { attempts: 3 });

    // Act
    const error = await failureOf(r.model.complete(request(controller.signal)));

    // Assess
    expect(first.calls).toBe(0);
    expect(second.calls).toBe(0);
    expect(r.sleeps).toEqual([]);
    expect(error).toBe(reason);
  });
});

describe('RoutedModel: failures that are not retried', () => {
  it.each([
    ['auth', 401],
    ['invalid-request', 400],
    ['not-found', 404],
  ] as const)(
    'fails for good on a non-retryable %s, without falling back',
    async (reason, status) => {
      // Prepare
      const first = new FakeTarget('openai:cheap', [
        new ModelCallError('the provider said no', reason, false, status),
      ]);
      const second = new FakeTarget('openai:backup', [answer('never')]);
      const r = routed([first, second], { attempts: 3 });

      // Act
      const error = await failureOf(r.model.complete(request()));

      // Assess
      expect(error).toBeInstanceOf(TaskAttemptError);
      expect(error).toMatchObject({
        code: 'ModelRequestRejected',
        retryable: false,
        message: `openai:cheap refused the request (${reason}): the provider said no`,
      });
      expect(first.calls).toBe(1);
      expect(second.calls).toBe(0);
      expect(r.fallbacks).toEqual([]);
      expect(r.sleeps).toEqual([]);
      expect(r.invoked).toEqual([expect.objectContaining({ ok: false, error: reason })]);
    },
  );

  it.each([
    [
      'a TaskAttemptError (the scripted provider)',
      new TaskAttemptError('ScriptExhausted', 'no more turns', false),
      'TaskAttemptError',
    ],
    ['a plain Error', new Error('bug in a provider'), 'Error'],
    ['a thrown string', 'not even an error', 'Error'],
  ])(
    'rethrows %s untouched, measured but neither retried nor counted',
    async (_label, thrown, name) => {
      // Prepare: a breaker that would open on the first failure it heard of.
      const first = new FakeTarget('scripted', [thrown, thrown]);
      const second = new FakeTarget('openai:backup', [answer('never')]);
      const r = routed([first, second], { attempts: 3, failureThreshold: 1 });

      // Act
      const error = await failureOf(r.model.complete(request()));

      // Assess
      expect(error).toBe(thrown);
      expect(first.calls).toBe(1);
      expect(second.calls).toBe(0);
      expect(r.breakers.state('scripted')).toBe('closed');
      expect(r.invoked).toEqual([
        {
          model: 'scripted',
          ok: false,
          latencyMs: 0,
          inputTokens: 0,
          outputTokens: 0,
          costUsd: 0,
          error: name,
        },
      ]);
    },
  );
});

describe('RoutedModel: circuit breakers', () => {
  it('skips a target whose breaker is open, telling the fallback', async () => {
    // Prepare: the breaker of the first target opened before this call.
    const time = new ManualTime();
    const breakers = new CircuitBreakers({ failureThreshold: 2, cooldownMs: 30_000 }, time.now);
    breakers.failure('openai:cheap');
    breakers.failure('openai:cheap');
    const first = new FakeTarget('openai:cheap', [answer('never')]);
    const second = new FakeTarget('openai:backup', [answer('backup')]);
    const r = routed([first, second], { breakers, time });

    // Act
    const response = await r.model.complete(request());

    // Assess
    expect(response.text).toBe('backup');
    expect(first.calls).toBe(0);
    expect(r.fallbacks).toEqual([['openai:cheap', 'openai:backup', 'circuit open']]);
    expect(r.invoked.map((s) => s.model)).toEqual(['openai:backup']);
  });

  it('stops retrying a target as soon as its breaker opens', async () => {
    // Prepare: 3 tries allowed, but the breaker opens after 2 failures.
    const first = new FakeTarget('openai:cheap', [throttled(), throttled(), answer('never')]);
    const second = new FakeTarget('openai:backup', [answer('backup')]);
    const r = routed([first, second], { attempts: 3, failureThreshold: 2 });

    // Act
    await r.model.complete(request());

    // Assess
    expect(first.calls).toBe(2);
    expect(r.sleeps.map((s) => s.ms)).toEqual([100]);
    expect(r.breakers.state('openai:cheap')).toBe('open');
    expect(r.fallbacks).toEqual([['openai:cheap', 'openai:backup', 'openai:cheap: throttled']]);
  });

  it('names the open circuits when no target could be tried', async () => {
    // Prepare
    const time = new ManualTime();
    const breakers = new CircuitBreakers({ failureThreshold: 1, cooldownMs: 30_000 }, time.now);
    breakers.failure('openai:cheap');
    breakers.failure('openai:backup');
    const r = routed([new FakeTarget('openai:cheap', []), new FakeTarget('openai:backup', [])], {
      breakers,
      time,
    });

    // Act
    const error = await failureOf(r.model.complete(request()));

    // Assess
    expect(error).toMatchObject({
      code: 'ModelUnavailable',
      retryable: true,
      message:
        'no target of route:main answered: openai:cheap: circuit open; openai:backup: circuit open',
    });
    expect(r.invoked).toEqual([]);
  });

  it('tries the target again after the cooldown, and closes its breaker on success', async () => {
    // Prepare
    const time = new ManualTime();
    const first = new FakeTarget('openai:cheap', [unavailable(), answer('recovered')]);
    const second = new FakeTarget('openai:backup', [answer('backup'), answer('backup again')]);
    const r = routed([first, second], { failureThreshold: 1, cooldownMs: 5_000, time });
    await r.model.complete(request());
    time.value += 4_999;
    const whileOpen = await r.model.complete(request());

    // Act
    time.value += 1;
    const afterCooldown = await r.model.complete(request());

    // Assess
    expect(whileOpen.text).toBe('backup again');
    expect(afterCooldown.text).toBe('recovered');
    expect(first.calls).toBe(2);
    expect(r.breakers.state('openai:cheap')).toBe('closed');
  });

  it('resets the breaker of a target that answers', async () => {
    // Prepare: two failures of three allowed, then a success.
    const first = new FakeTarget('openai:cheap', [throttled(), throttled(), answer('ok')]);
    const r = routed([first], { attempts: 3, failureThreshold: 3 });

    // Act
    await r.model.complete(request());

    // Assess: one more failure would not open it.
    r.breakers.failure('openai:cheap');
    expect(r.breakers.state('openai:cheap')).toBe('closed');
  });
});
