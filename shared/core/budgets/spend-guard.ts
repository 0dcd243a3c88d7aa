/**
 * The budget check around every model call. Before the call, its largest possible cost is held
 * on every counter of every budget that covers the agent, each with one conditional write, so
 * concurrent workers can never together hold or spend more than a limit; after it, the real cost
 * replaces the hold; a call that failed or threw gives its holds back.
 */

import { budgetExceeded, budgetWarning } from '../../../events/budget-events.js';
import type { OutgoingEvent } from '../../../events/envelope.js';
import type { Agent } from '../agents/agent.js';
import { TaskAttemptError } from '../errors.js';
import { createEvent, type EventContext } from '../events.js';
import { newId } from '../ids.js';
import type { ModelPrice } from '../models/prices.js';
import type { Clock } from '../ports.js';
import {
  type Budget,
  type BudgetCounter,
  countersOf,
  covers,
  maxCallCostNano,
  reachesWarning,
  toNano,
  toUsd,
} from './budget.js';
import type { BudgetStore, Hold } from './ports.js';

/** What the agent loop asks before each model call (see agent-loop.ts). */
export interface SpendGuard {
  /**
   * Holds what the next call may cost at most. Throws a non-retryable TaskAttemptError
   * `BudgetExceeded` naming the budget and period when the call would pass a budget.
   */
  reserve(call: { inputTokens: number; maxOutputTokens: number }): Promise<SpendReservation>;
}

export interface SpendReservation {
  /** Records what the call really cost (0 for a model without a price, counted as unpriced). */
  settle(actual: { costUsd: number; priced: boolean }): Promise<void>;
  /** The call failed or was never made: gives the holds back. */
  release(): Promise<void>;
}

const NOTHING_HELD: SpendReservation = { settle: async () => {}, release: async () => {} };

/**
 * The definitions of every budget, kept per process for `ttlMs` (budgets change rarely; a model
 * call should not pay a query for them). Writes made through this process drop the cache at once.
 */
export class BudgetDefinitions {
  private cached: { at: number; budgets: Promise<Budget[]> } | undefined;

  constructor(
    private readonly load: () => Promise<Budget[]>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async covering(agent: Pick<Agent, 'id' | 'tags'>): Promise<Budget[]> {
    const now = this.now();
    if (!this.cached || now - this.cached.at >= this.ttlMs) {
      const budgets = this.load();
      this.cached = { at: now, budgets };
      // A failed load is not kept: the next call tries again.
      budgets.catch(() => {
        if (this.cached?.budgets === budgets) this.cached = undefined;
      });
    }
    return (await this.cached.budgets).filter((budget) => covers(budget, agent));
  }

  invalidate(): void {
    this.cached = undefined;
  }
}

export interface BudgetGuardParams {
  store: BudgetStore;
  /** The budgets that cover the task's agent. */
  budgets: Budget[];
  /** The dearest price any target of the agent's model may charge. */
  price: ModelPrice;
  agentId: string;
  taskId: string;
  /** The thread when the task is a turn: its events name it too. */
  threadId?: string | undefined;
  clock: Clock;
  /** Until when a hold is presumed alive: the attempt's deadline, with a margin. */
  holdUntil: number;
  /** Where budget events go (published with the attempt's outcome). */
  emit: (event: OutgoingEvent) => void;
  context: EventContext;
}

export class BudgetSpendGuard implements SpendGuard {
  constructor(private readonly params: BudgetGuardParams) {}

  async reserve(call: { inputTokens: number; maxOutputTokens: number }): Promise<SpendReservation> {
    const { store, budgets, clock } = this.params;
    if (budgets.length === 0) return NOTHING_HELD;
    const at = clock.now();
    const counters = budgets
      .flatMap((budget) => countersOf(budget, at))
      .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    const amountNano = maxCallCostNano(this.params.price, call.inputTokens, call.maxOutputTokens);
    // A call that cannot cost anything holds nothing; it is still counted when it is settled.
    if (amountNano === 0) return this.reservation(counters, undefined);

    const hold: Hold = { id: newId(), amountNano, until: this.params.holdUntil };
    const taken: BudgetCounter[] = [];
    try {
      for (const counter of counters) {
        if (!(await this.take(counter, hold))) {
          await this.refuse(counter, amountNano);
        }
        taken.push(counter);
      }
    } catch (error) {
      // One of several budgets said no (or the store failed): give back what was taken.
      await Promise.all(taken.map((counter) => store.release(counter, hold)));
      throw error;
    }
    return this.reservation(counters, hold);
  }

  private async take(counter: BudgetCounter, hold: Hold): Promise<boolean> {
    const { store, clock } = this.params;
    if (counter.limitNano !== null && hold.amountNano > counter.limitNano) return false;
    if (await store.reserve(counter, hold)) return true;
    // Holds of workers that died are given back before a call is refused for them.
    if ((await store.reclaimExpired(counter, clock.now().getTime())) === 0) return false;
    return store.reserve(counter, hold);
  }

  private async refuse(counter: BudgetCounter, amountNano: number): Promise<never> {
    const { store, agentId, taskId, threadId } = this.params;
    const limitNano = counter.limitNano ?? 0;
    const [state] = await store.spend([counter]);
    const budget = this.budget(counter);
    if (await store.flag(counter, 'exceeded', limitNano)) {
      this.params.emit(
        createEvent(
          budgetExceeded,
          {
            budgetId: counter.budgetId,
            scope: budget.scope,
            period: counter.kind,
            periodKey: counter.period,
            limitUsd: toUsd(limitNano),
            spentUsd: toUsd(state?.spentNano ?? 0),
            reservedUsd: toUsd(state?.reservedNano ?? 0),
            requestedUsd: toUsd(amountNano),
            agentId,
            taskId,
            ...(threadId ? { threadId } : {}),
          },
          this.params.context,
        ),
      );
    }
    throw new TaskAttemptError(
      'BudgetExceeded',
      `budget '${counter.budgetId}' (${budget.scope}) for the ${counter.kind} ${counter.period} ` +
        `(UTC) would be exceeded: $${usd(state?.spentNano)} spent and $${usd(state?.reservedNano)} ` +
        `held by calls in flight, of $${usd(limitNano)}; this call may cost up to ` +
        `$${usd(amountNano)}`,
      false,
    );
  }

  private reservation(counters: BudgetCounter[], hold: Hold | undefined): SpendReservation {
    const { store } = this.params;
    return {
      settle: async ({ costUsd, priced }) => {
        const costNano = toNano(costUsd);
        if (!hold && costNano === 0 && priced) return;
        await Promise.all(
          counters.map(async (counter) => {
            const after = await store.settle(counter, hold, costNano, !priced);
            await this.warnIfDue(counter, after.spentNano);
          }),
        );
      },
      release: async () => {
        if (!hold) return;
        await Promise.all(counters.map((counter) => store.release(counter, hold)));
      },
    };
  }

  private async warnIfDue(counter: BudgetCounter, spentNano: number): Promise<void> {
    if (counter.limitNano === null || !reachesWarning(spentNano, counter.limitNano)) return;
    if (!(await this.params.store.flag(counter, 'warned', counter.limitNano))) return;
    this.params.emit(
      createEvent(
        budgetWarning,
        {
          budgetId: counter.budgetId,
          scope: this.budget(counter).scope,
          period: counter.kind,
          periodKey: counter.period,
          limitUsd: toUsd(counter.limitNano),
          spentUsd: toUsd(spentNano),
          agentId: this.params.agentId,
          taskId: this.params.taskId,
          ...(this.params.threadId ? { threadId: this.params.threadId } : {}),
        },
        this.params.context,
      ),
    );
  }

  private budget(counter: BudgetCounter): Budget {
    return this.params.budgets.find((b) => b.id === counter.budgetId) as Budget;
  }
}

const keyOf = (counter: BudgetCounter) => `${counter.budgetId}#${counter.period}`;
const usd = (nano: number | undefined) => toUsd(nano ?? 0).toFixed(6);
