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
import { Authorization } from '../../shared/core/security/authorization.js';
import { budgetDefinitions, budgetStore } from '../../shared/runtime/budgets.js';
import {
  callerOf,
  createHttpApi,
  type HttpRequest,
  ok,
  pageRequest,
} from '../../shared/runtime/http-api.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { eventPublisher, once } from '../../shared/runtime/wiring.js';

const logger = createLogger('models');

export interface BudgetsApiDeps extends BudgetServiceDeps {
  events: EventPublisher;
}

const idOf = (request: HttpRequest) => request.pathParameters.id ?? '';

export function budgetsApi(deps: () => BudgetsApiDeps) {
  const admin = (request: HttpRequest) =>
    new Authorization(deps().events, systemClock).requireAdmin(callerOf(request), 'budgets');
  return createHttpApi({
    'POST /v1/budgets': async (request) => {
      await admin(request);
      return ok(await createBudget(deps(), request.body), 201);
    },
    'GET /v1/budgets': async (request) => {
      await admin(request);
      return ok(await listBudgets(deps(), pageRequest(request.query)));
    },
    'GET /v1/budgets/{id}': async (request) => {
      await admin(request);
      return ok(await getBudget(deps(), idOf(request)));
    },
    'PATCH /v1/budgets/{id}': async (request) => {
      await admin(request);
      return ok(await patchBudget(deps(), idOf(request), request.body));
    },
    'DELETE /v1/budgets/{id}': async (request) => {
      await admin(request);
      return ok(await deleteBudget(deps(), idOf(request)));
    },
  });
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
