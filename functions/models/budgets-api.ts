/**
 * Budgets HTTP API: define a spending limit per UTC day and/or month for an agent, a tag or all
 * agents, and see what was spent. Budgets govern every agent's spending, so they are the admin's.
 */
import {
  type BudgetServiceDeps,
  createBudget,
  deleteBudget,
  getBudget,
  listBudgets,
  patchBudget,
} from '../../shared/core/budgets/budget-service.js';
import type { EventPublisher } from '../../shared/core/ports.js';
import { systemClock } from '../../shared/core/ports.js';
import { budgetDefinitions, budgetStore } from '../../shared/runtime/budgets.js';
import { adminCollectionRoutes, createHttpApi } from '../../shared/runtime/http-api.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { eventPublisher, once } from '../../shared/runtime/wiring.js';

const logger = createLogger('models');

export interface BudgetsApiDeps extends BudgetServiceDeps {
  events: EventPublisher;
}

export function budgetsApi(deps: () => BudgetsApiDeps) {
  return createHttpApi(
    adminCollectionRoutes(
      '/v1/budgets',
      'budgets',
      () => deps().events,
      () => ({
        create: (body) => createBudget(deps(), body),
        list: (page) => listBudgets(deps(), page),
        get: (id) => getBudget(deps(), id),
        patch: (id, body) => patchBudget(deps(), id, body),
        remove: (id) => deleteBudget(deps(), id),
      }),
    ),
  );
}

const deps = once(
  (): BudgetsApiDeps => ({
    budgets: budgetStore(),
    clock: systemClock,
    events: eventPublisher(),
    // Locally the worker shares this process: it sees a change at once, not after its cache ages.
    onChange: () => budgetDefinitions().invalidate(),
  }),
);

export const handler = httpHandler(budgetsApi(deps), logger);
