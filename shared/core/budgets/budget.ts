/**
 * Budgets: a hard limit in USD per UTC day and/or month on what the agents a scope covers may
 * spend on model calls. Money is counted in integer nano-dollars (1e-9 USD, the precision of the
 * price table), so that sums in DynamoDB and here never drift by floating-point dust.
 */
import * as z from 'zod';
import type { Agent } from '../agents/agent.js';
import { AGENT_ID_PATTERN } from '../ids.js';

export const BUDGET_SCOPE_PATTERN =
  /^(agent:[a-z0-9][a-z0-9-]{1,62}|tag:[a-z0-9][a-z0-9:_-]{0,62}|all)$/;

/** A limit above a million dollars a period is a typo, not a budget. */
const MAX_USD = 1_000_000;
const usd = z.number().min(0, 'must be 0 or more').max(MAX_USD, `must be at most ${MAX_USD}`);
const scope = z
  .string()
  .regex(BUDGET_SCOPE_PATTERN, 'scope is agent:<agent id>, tag:<tag> or all')
  .max(70);

export const createBudgetSchema = z
  .strictObject({
    id: z.string().regex(AGENT_ID_PATTERN, 'id must match ^[a-z0-9][a-z0-9-]{1,62}$'),
    scope,
    usdPerDay: usd.optional(),
    usdPerMonth: usd.optional(),
  })
  .superRefine((body, ctx) => {
    if (body.usdPerDay === undefined && body.usdPerMonth === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['usdPerDay'],
        message: 'usdPerDay or usdPerMonth is required',
      });
    }
  });

/** PATCH: `null` removes a limit; at least one limit must remain (checked on the result). */
export const patchBudgetSchema = z
  .strictObject({ scope: scope.optional(), usdPerDay: usd.nullish(), usdPerMonth: usd.nullish() })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'nothing to change' });

export type CreateBudgetInput = z.output<typeof createBudgetSchema>;
export type BudgetPatch = z.output<typeof patchBudgetSchema>;

export interface Budget {
  id: string;
  scope: string;
  usdPerDay: number | null;
  usdPerMonth: number | null;
  createdAt: string;
  updatedAt: string;
}

export type PeriodKind = 'day' | 'month';

/** One period of one budget: the counter a reservation is made against. */
export interface BudgetCounter {
  budgetId: string;
  kind: PeriodKind;
  /** `2025-06-01` for a day, `2025-06` for a month (UTC). */
  period: string;
  /** The limit in nano-dollars; null when the budget sets none for this kind of period. */
  limitNano: number | null;
  /** When DynamoDB may forget the counter (epoch seconds). */
  ttl: number;
}

/** A counter's state: what was spent, what in-flight calls hold, how many calls had no price. */
export interface PeriodSpend {
  spentNano: number;
  reservedNano: number;
  unpricedCalls: number;
}

export const ZERO_SPEND: PeriodSpend = { spentNano: 0, reservedNano: 0, unpricedCalls: 0 };

export const NANO_PER_USD = 1e9;
export const toNano = (usd: number): number => Math.round(usd * NANO_PER_USD);
export const toUsd = (nano: number): number => Math.round(nano) / NANO_PER_USD;

/** Counters outlive their period by this much, then expire (a day's a month, a month's a year). */
const DAY_TTL_SECONDS = 35 * 86_400;
const MONTH_TTL_SECONDS = 400 * 86_400;

export const dayOf = (at: Date): string => at.toISOString().slice(0, 10);
export const monthOf = (at: Date): string => at.toISOString().slice(0, 7);

/** Whether a budget covers an agent: by its id, one of its tags, or everyone. */
export function covers(budget: Pick<Budget, 'scope'>, agent: Pick<Agent, 'id' | 'tags'>): boolean {
  if (budget.scope === 'all') return true;
  if (budget.scope.startsWith('agent:')) return budget.scope.slice(6) === agent.id;
  return agent.tags.includes(budget.scope.slice(4));
}

/**
 * The counters of a budget at a moment: today's and this month's (UTC). Both are kept even when
 * only one has a limit, so that what a budget shows is right after a limit is added.
 */
export function countersOf(budget: Budget, at: Date): BudgetCounter[] {
  const now = Math.floor(at.getTime() / 1000);
  return [
    {
      budgetId: budget.id,
      kind: 'day',
      period: dayOf(at),
      limitNano: budget.usdPerDay === null ? null : toNano(budget.usdPerDay),
      ttl: now + DAY_TTL_SECONDS,
    },
    {
      budgetId: budget.id,
      kind: 'month',
      period: monthOf(at),
      limitNano: budget.usdPerMonth === null ? null : toNano(budget.usdPerMonth),
      ttl: now + MONTH_TTL_SECONDS,
    },
  ];
}

/** The largest a model call can cost: every token of input and of allowed output at its price. */
export function maxCallCostNano(
  price: { inputPerMillion: number; outputPerMillion: number },
  inputTokens: number,
  maxOutputTokens: number,
): number {
  // Prices are per million tokens: nano-dollars per token = price × 1000. Rounded up, so a
  // reservation is never smaller than the cost it stands for.
  return Math.ceil(
    Math.max(0, inputTokens) * price.inputPerMillion * 1000 +
      Math.max(0, maxOutputTokens) * price.outputPerMillion * 1000,
  );
}

/** Whether this spend crosses the warning share of a limit (in integers: 0.8 is not exact). */
export const reachesWarning = (spentNano: number, limitNano: number): boolean =>
  limitNano > 0 ? spentNano * 5 >= limitNano * 4 : spentNano > 0;

export interface PublicBudget extends Budget {
  spentTodayUsd: number;
  spentThisMonthUsd: number;
  /** What calls in flight hold right now (extension). */
  reservedTodayUsd: number;
  reservedThisMonthUsd: number;
  /** Calls to models without a price, counted as 0 (extension). */
  unpricedCallsToday: number;
  unpricedCallsThisMonth: number;
  /** The UTC day and month the figures are for. */
  day: string;
  month: string;
}

export function publicBudget(
  budget: Budget,
  at: Date,
  spend: { day: PeriodSpend; month: PeriodSpend },
): PublicBudget {
  return {
    ...budget,
    spentTodayUsd: toUsd(spend.day.spentNano),
    spentThisMonthUsd: toUsd(spend.month.spentNano),
    reservedTodayUsd: toUsd(spend.day.reservedNano),
    reservedThisMonthUsd: toUsd(spend.month.reservedNano),
    unpricedCallsToday: spend.day.unpricedCalls,
    unpricedCallsThisMonth: spend.month.unpricedCalls,
    day: dayOf(at),
    month: monthOf(at),
  };
}
