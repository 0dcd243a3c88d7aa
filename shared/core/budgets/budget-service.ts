/** Use cases of budgets through the API: define, look at (with what was spent), change, remove. */

import { budgetCreated, budgetDeleted, budgetUpdated } from '../../../events/budget-events.js';
import type { EventDefinition } from '../../../events/envelope.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { createEvent, type EventContext } from '../events.js';
import { AGENT_ID_PATTERN } from '../ids.js';
import type { Clock, EventPublisher, Page, PageRequest } from '../ports.js';
import { parseInput } from '../validation.js';
import {
  type Budget,
  countersOf,
  createBudgetSchema,
  type PublicBudget,
  patchBudgetSchema,
  publicBudget,
  ZERO_SPEND,
} from './budget.js';
import { type BudgetStore, MAX_BUDGETS } from './ports.js';

export interface BudgetServiceDeps {
  budgets: BudgetStore;
  clock: Clock;
  /** Where each change is told (`budget.created|updated|deleted`, audited with the caller). */
  events: EventPublisher;
  /** Told of every change, so this process's cache of definitions drops it at once. */
  onChange?: () => void;
}

export async function createBudget(
  deps: BudgetServiceDeps,
  body: unknown,
  ctx: EventContext,
): Promise<PublicBudget> {
  const input = parseInput(createBudgetSchema, body, 'budget');
  if ((await deps.budgets.listAll()).length >= MAX_BUDGETS) {
    throw new ConflictError(`at most ${MAX_BUDGETS} budgets may exist; delete one first`);
  }
  const now = deps.clock.now().toISOString();
  const budget: Budget = {
    id: input.id,
    scope: input.scope,
    usdPerDay: input.usdPerDay ?? null,
    usdPerMonth: input.usdPerMonth ?? null,
    createdAt: now,
    updatedAt: now,
  };
  await deps.budgets.create(budget);
  await changed(deps, budgetCreated, budget, ctx);
  return withSpend(deps, budget);
}

export async function getBudget(deps: BudgetServiceDeps, id: string): Promise<PublicBudget> {
  return withSpend(deps, await find(deps, id));
}

export async function listBudgets(
  deps: BudgetServiceDeps,
  request: PageRequest,
): Promise<Page<PublicBudget>> {
  const page = await deps.budgets.list(request);
  const at = deps.clock.now();
  const counters = page.items.flatMap((budget) => countersOf(budget, at));
  // One batch read for the whole page's counters.
  const spend = counters.length ? await deps.budgets.spend(counters) : [];
  return {
    items: page.items.map((budget, i) =>
      publicBudget(budget, at, {
        day: spend[2 * i] ?? ZERO_SPEND,
        month: spend[2 * i + 1] ?? ZERO_SPEND,
      }),
    ),
    nextCursor: page.nextCursor,
  };
}

export async function patchBudget(
  deps: BudgetServiceDeps,
  id: string,
  body: unknown,
  ctx: EventContext,
): Promise<PublicBudget> {
  const patch = parseInput(patchBudgetSchema, body, 'budget change');
  const current = await find(deps, id);
  const next: Budget = {
    ...current,
    ...(patch.scope !== undefined ? { scope: patch.scope } : {}),
    ...(patch.usdPerDay !== undefined ? { usdPerDay: patch.usdPerDay } : {}),
    ...(patch.usdPerMonth !== undefined ? { usdPerMonth: patch.usdPerMonth } : {}),
    updatedAt: deps.clock.now().toISOString(),
  };
  if (next.usdPerDay === null && next.usdPerMonth === null) {
    throw new ValidationError('a budget needs a limit', [
      { path: 'usdPerDay', message: 'usdPerDay or usdPerMonth must remain' },
    ]);
  }
  await deps.budgets.put(next);
  await changed(deps, budgetUpdated, next, ctx);
  return withSpend(deps, next);
}

export async function deleteBudget(
  deps: BudgetServiceDeps,
  id: string,
  ctx: EventContext,
): Promise<PublicBudget> {
  const budget = await getBudget(deps, id);
  if (!(await deps.budgets.delete(id))) throw new NotFoundError(`budget '${id}' not found`);
  await changed(deps, budgetDeleted, budget, ctx);
  return budget;
}

/** A change is made: this process's cache drops it, and it is told (and so audited). */
async function changed(
  deps: BudgetServiceDeps,
  definition: EventDefinition,
  budget: Pick<Budget, 'id' | 'scope' | 'usdPerDay' | 'usdPerMonth'>,
  ctx: EventContext,
): Promise<void> {
  deps.onChange?.();
  const { id: budgetId, scope, usdPerDay, usdPerMonth } = budget;
  await deps.events.publish([
    createEvent(definition, { budgetId, scope, usdPerDay, usdPerMonth }, ctx),
  ]);
}

async function find(deps: BudgetServiceDeps, id: string): Promise<Budget> {
  const budget = AGENT_ID_PATTERN.test(id) ? await deps.budgets.get(id) : undefined;
  if (!budget) throw new NotFoundError(`budget '${id}' not found`);
  return budget;
}

async function withSpend(deps: BudgetServiceDeps, budget: Budget): Promise<PublicBudget> {
  const at = deps.clock.now();
  const [day, month] = await deps.budgets.spend(countersOf(budget, at));
  return publicBudget(budget, at, { day: day ?? ZERO_SPEND, month: month ?? ZERO_SPEND });
}
