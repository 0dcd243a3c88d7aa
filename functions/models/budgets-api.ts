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
import { systemClock } from '../../shared/core/ports.js';
import { Authorization } from '../../shared/core/security/authorization.js';
import { budgetDefinitions, budgetStore } from '../../shared/runtime/budgets.js';
import { callerOf, createHttpApi, eventContextOf, ok } from '../../shared/runtime/http-api.js';
import { implement } from '../../shared/runtime/http-contract.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { eventPublisher, once } from '../../shared/runtime/wiring.js';
import { budgetRoutes } from './budgets-contract.js';

const logger = createLogger('models');

export type BudgetsApiDeps = BudgetServiceDeps;

export function budgetsApi(deps: () => BudgetsApiDeps) {
  return createHttpApi(
    implement(
      budgetRoutes,
      {
        create: async ({ body }, request) =>
          ok(await createBudget(deps(), body, eventContextOf(request)), 201),
        list: async ({ page }) => ok(await listBudgets(deps(), page)),
        get: async ({ params }) => ok(await getBudget(deps(), params.id)),
        patch: async ({ params, body }, request) =>
          ok(await patchBudget(deps(), params.id, body, eventContextOf(request))),
        delete: async ({ params }, request) =>
          ok(await deleteBudget(deps(), params.id, eventContextOf(request))),
      },
      {
        admin: (request) =>
          new Authorization(deps().events, systemClock).requireAdmin(callerOf(request), 'budgets'),
      },
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
