/** What budgets need from the outside: definitions and per-period counters, kept atomically. */
import type { Page, PageRequest } from '../ports.js';
import type { Budget, BudgetCounter, PeriodSpend } from './budget.js';

/** Money one model call holds on a counter until it is settled or released. */
export interface Hold {
  id: string;
  amountNano: number;
  /** After this (epoch ms) the call is presumed dead and its hold may be reclaimed. */
  until: number;
}

export interface BudgetStore {
  /** Throws ConflictError when the id exists. */
  create(budget: Budget): Promise<void>;
  get(id: string): Promise<Budget | undefined>;
  list(request: PageRequest): Promise<Page<Budget>>;
  /** Every budget (the worker's cache of definitions); bounded by MAX_BUDGETS. */
  listAll(): Promise<Budget[]>;
  /** Replaces the budget if it still exists; NotFoundError otherwise. */
  put(budget: Budget): Promise<void>;
  /** Removes the definition; false when there was none. Counters expire by themselves. */
  delete(id: string): Promise<boolean>;
  /** The counters' state (zeros for a counter never written). */
  spend(counters: BudgetCounter[]): Promise<PeriodSpend[]>;
  /**
   * Holds `hold.amountNano` on the counter if spent + reserved + amount stays within its limit
   * (always, when it has none), in one conditional write; false when it would not.
   */
  reserve(counter: BudgetCounter, hold: Hold): Promise<boolean>;
  /**
   * Turns a hold into spend: the hold goes, `costNano` is added to spent (and `unpriced` calls
   * counted). Without the hold (never taken, or reclaimed) the cost is added all the same.
   * Returns the counter after the write.
   */
  settle(
    counter: BudgetCounter,
    hold: Hold | undefined,
    costNano: number,
    unpriced: boolean,
  ): Promise<PeriodSpend>;
  /** Gives a hold back (no-op when it is gone already). */
  release(counter: BudgetCounter, hold: Hold): Promise<void>;
  /** Gives back the holds whose `until` has passed (their worker died); how many there were. */
  reclaimExpired(counter: BudgetCounter, now: number): Promise<number>;
  /**
   * Marks that an event was published for this counter at this limit; false when it was already
   * (so `budget.warning` goes out once a period, and again only if the limit changes).
   */
  flag(counter: BudgetCounter, kind: 'warned' | 'exceeded', limitNano: number): Promise<boolean>;
}

/** At most this many budgets exist: every worker keeps all their definitions in memory. */
export const MAX_BUDGETS = 1000;
