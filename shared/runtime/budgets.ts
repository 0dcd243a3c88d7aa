/**
 * Budgets as a function is configured: the store, and this process's cache of budget
 * definitions (BUDGET_DEFINITIONS_TTL_MS), which every budget change made here drops at once.
 */
import { dynamoClient } from '../adapters/clients/dynamodb.js';
import { DynamoBudgetStore } from '../adapters/dynamo-budget-store.js';
import { BudgetDefinitions } from '../core/budgets/spend-guard.js';
import { once } from '../core/once.js';
import { tableName } from './config.js';

/** How long a container trusts the budget definitions it read; spend itself is never cached. */
export const BUDGET_DEFINITIONS_TTL_MS = 15_000;

export const budgetStore = /* @__PURE__ */ once(
  () => new DynamoBudgetStore(dynamoClient(), tableName()),
);

export const budgetDefinitions = /* @__PURE__ */ once(
  () => new BudgetDefinitions(() => budgetStore().listAll(), BUDGET_DEFINITIONS_TTL_MS),
);
