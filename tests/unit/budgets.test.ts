/**
 * Budget maths, the spend guard's bookkeeping (in memory) and the agent loop's use of it: a hold
 * before every model call, settled after, given back when the call fails; a refused call is
 * never made.
 */
import { describe, expect, it } from 'vitest';
import type { OutgoingEvent } from '../../events/envelope.js';
import {
  type Budget,
  type BudgetCounter,
  countersOf,
  covers,
  maxCallCostNano,
  type PeriodSpend,
  publicBudget,
  reachesWarning,
  toNano,
  ZERO_SPEND,
} from '../../shared/core/budgets/budget.js';
import type { BudgetStore, Hold } from '../../shared/core/budgets/ports.js';
import {
  BudgetDefinitions,
  BudgetSpendGuard,
  type SpendGuard,
} from '../../shared/core/budgets/spend-guard.js';
import { TaskAttemptError } from '../../shared/core/errors.js';
import {
  AgentLoopFailure,
  maxInputTokens,
  runAgentLoop,
} from '../../shared/core/kernel/agent-loop.js';
import type { ModelProvider, ModelRequest } from '../../shared/core/kernel/model-provider.js';
import { PriceTable } from '../../shared/core/models/prices.js';
import { toolCatalogue } from '../../shared/core/tools/catalogue.js';
import { buildAgent } from '../helpers/in-memory.js';

const AT = new Date('2030-01-31T23:59:30.000Z');
const budget = (fields: Partial<Budget> = {}): Budget => ({
  id: 'b1',
  scope: 'all',
  usdPerDay: 1,
  usdPerMonth: 10,
  createdAt: AT.toISOString(),
  updatedAt: AT.toISOString(),
  ...fields,
});

/** The store's contract in memory, with a log of what happened, for the guard's bookkeeping. */
class MemoryBudgetStore implements BudgetStore {
  readonly counters = new Map<string, PeriodSpend & { holds: Map<string, Hold> }>();
  refuse = new Set<string>();
  released: string[] = [];
  private flags = new Set<string>();

  private counter(c: BudgetCounter) {
    const key = `${c.budgetId}#${c.period}`;
    let state = this.counters.get(key);
    if (!state) {
      state = { ...ZERO_SPEND, holds: new Map() };
      this.counters.set(key, state);
    }
    return state;
  }
  create = async () => {};
  get = async () => undefined;
  list = async () => ({ items: [], nextCursor: null });
  listAll = async () => [];
  put = async () => {};
  delete = async () => true;
  spend = async (cs: BudgetCounter[]) => cs.map((c) => ({ ...this.counter(c) }));
  reserve = async (c: BudgetCounter, hold: Hold) => {
    const state = this.counter(c);
    if (this.refuse.has(c.budgetId)) return false;
    if (
      c.limitNano !== null &&
      state.spentNano + state.reservedNano + hold.amountNano > c.limitNano
    )
      return false;
    state.reservedNano += hold.amountNano;
    state.holds.set(hold.id, hold);
    return true;
  };
  settle = async (c: BudgetCounter, hold: Hold | undefined, cost: number, unpriced: boolean) => {
    const state = this.counter(c);
    if (hold && state.holds.delete(hold.id)) state.reservedNano -= hold.amountNano;
    state.spentNano += cost;
    if (unpriced) state.unpricedCalls++;
    return { ...state };
  };
  release = async (c: BudgetCounter, hold: Hold) => {
    const state = this.counter(c);
    if (state.holds.delete(hold.id)) {
      state.reservedNano -= hold.amountNano;
      this.released.push(`${c.budgetId}#${c.period}`);
    }
  };
  reclaimExpired = async () => 0;
  flag = async (c: BudgetCounter, kind: string, limit: number) => {
    const key = `${c.budgetId}#${c.period}#${kind}#${limit}`;
    if (this.flags.has(key)) return false;
    this.flags.add(key);
    return true;
  };
}

function guardOf(store: BudgetStore, budgets: Budget[], events: OutgoingEvent[] = []) {
  return new BudgetSpendGuard({
    store,
    budgets,
    // $1 per million input tokens, $1000 per million output tokens: $0.001 an output token.
    price: { inputPerMillion: 1, outputPerMillion: 1000 },
    agentId: 'writer',
    taskId: 'task-1',
    clock: { now: () => AT },
    holdUntil: AT.getTime() + 60_000,
    emit: (event) => events.push(event),
    context: { correlationId: 'c', clock: { now: () => AT } },
  });
}

describe('budget maths', () => {
  it('prices a call at its largest: every input token and every allowed output token', () => {
    expect(maxCallCostNano({ inputPerMillion: 3, outputPerMillion: 15 }, 1000, 4096)).toBe(
      3_000_000 + 61_440_000,
    );
    expect(maxCallCostNano({ inputPerMillion: 0, outputPerMillion: 0 }, 1e6, 1e6)).toBe(0);
    // Fractions of a nano-dollar round up: a hold is never smaller than the cost.
    expect(maxCallCostNano({ inputPerMillion: 0.035, outputPerMillion: 0 }, 1, 0)).toBe(35);
    expect(maxCallCostNano({ inputPerMillion: 0.0001, outputPerMillion: 0 }, 1, 0)).toBe(1);
  });

  it('counts days and months in UTC, each a counter of its own', () => {
    const [day, month] = countersOf(budget(), AT);
    expect(day).toMatchObject({ kind: 'day', period: '2030-01-31', limitNano: 1e9 });
    expect(month).toMatchObject({ kind: 'month', period: '2030-01', limitNano: 1e10 });
    // One minute later it is a new day and a new month: new counters, starting at zero.
    const [nextDay, nextMonth] = countersOf(budget(), new Date(AT.getTime() + 60_000));
    expect(nextDay?.period).toBe('2030-02-01');
    expect(nextMonth?.period).toBe('2030-02');
    // A period without a limit is still counted, unlimited.
    expect(countersOf(budget({ usdPerDay: null }), AT)[0]?.limitNano).toBeNull();
  });

  it('covers an agent by id, by one of its tags, or all', () => {
    const agent = { id: 'writer', tags: ['nightly', 'team:a'] };
    expect(covers({ scope: 'agent:writer' }, agent)).toBe(true);
    expect(covers({ scope: 'agent:writer-2' }, agent)).toBe(false);
    expect(covers({ scope: 'tag:team:a' }, agent)).toBe(true);
    expect(covers({ scope: 'tag:team' }, agent)).toBe(false);
    expect(covers({ scope: 'all' }, agent)).toBe(true);
  });

  it('keeps money in integer nano-dollars and warns from 80%', () => {
    expect(toNano(0.1) + toNano(0.2)).toBe(toNano(0.3));
    expect(reachesWarning(799_999_999, 1e9)).toBe(false);
    expect(reachesWarning(800_000_000, 1e9)).toBe(true);
    const shown = publicBudget(budget(), AT, {
      day: { spentNano: 123_456_789, reservedNano: 5, unpricedCalls: 2 },
      month: ZERO_SPEND,
    });
    expect(shown).toMatchObject({
      spentTodayUsd: 0.123456789,
      spentThisMonthUsd: 0,
      unpricedCallsToday: 2,
      day: '2030-01-31',
      month: '2030-01',
    });
  });

  it('bounds the price of a route by its dearest target; unknown models are unpriced', () => {
    const prices = new PriceTable();
    expect(prices.bound(['openai:gpt-4o-mini', 'openai:gpt-4o'])).toEqual({
      inputPerMillion: 2.5,
      outputPerMillion: 10,
      priced: true,
    });
    expect(prices.bound(['openai:my-own-model'])).toEqual({
      inputPerMillion: 0,
      outputPerMillion: 0,
      priced: false,
    });
  });

  it('estimates input tokens high: never fewer than the UTF-8 bytes sent', () => {
    const text = 'naïve café ✓ '.repeat(10);
    const tokens = maxInputTokens([{ role: 'user', content: text }], []);
    expect(tokens).toBeGreaterThanOrEqual(Buffer.byteLength(text));
  });
});

describe('BudgetSpendGuard', () => {
  it('holds against every counter, then replaces the holds with the real cost', async () => {
    const store = new MemoryBudgetStore();
    const reservation = await guardOf(store, [budget()]).reserve({
      inputTokens: 0,
      maxOutputTokens: 100,
    });
    expect([...store.counters.values()].map((c) => c.reservedNano)).toEqual([1e8, 1e8]);
    await reservation.settle({ costUsd: 0.02, priced: true });
    expect([...store.counters.values()].map((c) => [c.spentNano, c.reservedNano])).toEqual([
      [2e7, 0],
      [2e7, 0],
    ]);
  });

  it('gives back what it took when a later budget refuses, and names that budget', async () => {
    const store = new MemoryBudgetStore();
    store.refuse.add('b2');
    const events: OutgoingEvent[] = [];
    const error = await guardOf(store, [budget(), budget({ id: 'b2' })], events)
      .reserve({ inputTokens: 10, maxOutputTokens: 100 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskAttemptError);
    expect(error).toMatchObject({ code: 'BudgetExceeded', retryable: false });
    expect((error as Error).message).toMatch(/budget 'b2' \(all\) for the month 2030-01 \(UTC\)/);
    expect(store.released.sort()).toEqual(['b1#2030-01', 'b1#2030-01-31']);
    expect([...store.counters.values()].every((c) => c.reservedNano === 0)).toBe(true);
    expect(events.map((e) => [e.type, e.detail.data.budgetId])).toEqual([
      ['budget.exceeded', 'b2'],
    ]);
  });

  it('refuses a call larger than a limit without writing a hold', async () => {
    const store = new MemoryBudgetStore();
    const refusal = guardOf(store, [budget({ usdPerDay: 0.05 })]).reserve({
      inputTokens: 0,
      maxOutputTokens: 100, // up to $0.10
    });
    await expect(refusal).rejects.toThrow(/would be exceeded/);
    expect([...store.counters.values()].every((c) => c.reservedNano === 0)).toBe(true);
  });

  it('warns once a period at 80% of a limit', async () => {
    const store = new MemoryBudgetStore();
    const events: OutgoingEvent[] = [];
    const guard = guardOf(store, [budget({ usdPerMonth: null })], events);
    for (const cost of [0.5, 0.31, 0.05]) {
      const r = await guard.reserve({ inputTokens: 0, maxOutputTokens: 100 });
      await r.settle({ costUsd: cost, priced: true });
    }
    expect(events.map((e) => e.type)).toEqual(['budget.warning']);
    expect(events[0]?.detail.data).toMatchObject({ period: 'day', spentUsd: 0.81, limitUsd: 1 });
  });

  it('counts calls to unpriced models without holding anything for them', async () => {
    const store = new MemoryBudgetStore();
    const guard = new BudgetSpendGuard({
      ...(guardOf(store, [budget()]) as unknown as { params: object }).params,
      price: { inputPerMillion: 0, outputPerMillion: 0 },
    } as ConstructorParameters<typeof BudgetSpendGuard>[0]);
    const r = await guard.reserve({ inputTokens: 10, maxOutputTokens: 10 });
    await r.settle({ costUsd: 0, priced: false });
    expect([...store.counters.values()].map((c) => c.unpricedCalls)).toEqual([1, 1]);
  });
});

describe('BudgetDefinitions', () => {
  it('reads definitions once per ttl, and again at once after a change', async () => {
    let loads = 0;
    let now = 0;
    const definitions = new BudgetDefinitions(
      async () => {
        loads++;
        return [budget({ scope: 'agent:a' }), budget({ id: 'b2', scope: 'tag:x' })];
      },
      15_000,
      () => now,
    );
    expect((await definitions.covering({ id: 'a', tags: [] })).map((b) => b.id)).toEqual(['b1']);
    now = 14_999;
    expect((await definitions.covering({ id: 'z', tags: ['x'] })).map((b) => b.id)).toEqual(['b2']);
    expect(loads).toBe(1);
    now = 15_000;
    await definitions.covering({ id: 'a', tags: [] });
    expect(loads).toBe(2);
    definitions.invalidate();
    await definitions.covering({ id: 'a', tags: [] });
    expect(loads).toBe(3);
  });
});

describe('the agent loop with a spend guard', () => {
  const agent = buildAgent({ id: 'writer', model: { provider: 'echo' } });
  const recorder = () => {
    const log: string[] = [];
    const guard: SpendGuard = {
      reserve: async (call) => {
        log.push(`reserve ${call.maxOutputTokens}`);
        return {
          settle: async (actual) => void log.push(`settle ${actual.costUsd} ${actual.priced}`),
          release: async () => void log.push('release'),
        };
      },
    };
    return { log, guard };
  };
  const run = (provider: ModelProvider, spendGuard: SpendGuard) =>
    runAgentLoop({
      agent,
      taskId: 't',
      input: 'hello',
      provider,
      tools: toolCatalogue,
      timeoutMs: 5_000,
      services: { workspace: () => ({}) as never, resolveHost: async () => [] },
      spendGuard,
    });

  it('reserves the remaining maxTokens before the call and settles the real cost after', async () => {
    const { log, guard } = recorder();
    const provider: ModelProvider = {
      name: 'paid',
      complete: async () => ({
        text: 'hi',
        toolCalls: [],
        stopReason: 'end_turn',
        usage: { inputTokens: 3, outputTokens: 2, costUsd: 0.25, priced: true },
      }),
    };
    await run(provider, guard);
    expect(log).toEqual([`reserve ${agent.limits.maxTokens}`, 'settle 0.25 true']);
  });

  it('gives the hold back when the call throws', async () => {
    const { log, guard } = recorder();
    const provider: ModelProvider = {
      name: 'broken',
      complete: async (_request: ModelRequest) => {
        throw new Error('connection reset');
      },
    };
    await expect(run(provider, guard)).rejects.toBeInstanceOf(AgentLoopFailure);
    expect(log).toEqual([`reserve ${agent.limits.maxTokens}`, 'release']);
  });

  it('does not make a call its budget refuses, and fails without retry', async () => {
    let calls = 0;
    const provider: ModelProvider = {
      name: 'paid',
      complete: async () => {
        calls++;
        throw new Error('should not be called');
      },
    };
    const guard: SpendGuard = {
      reserve: async () => {
        throw new TaskAttemptError('BudgetExceeded', "budget 'b1' would be exceeded", false);
      },
    };
    const failure = (await run(provider, guard).catch((e: unknown) => e)) as AgentLoopFailure;
    expect(calls).toBe(0);
    expect(failure.failure).toMatchObject({ code: 'BudgetExceeded', retryable: false });
    expect(failure.steps).toEqual([expect.objectContaining({ kind: 'model', ok: false })]);
  });
});
