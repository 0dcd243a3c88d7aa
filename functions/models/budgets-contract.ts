/** The HTTP contract of budgets (handler: budgets-api.ts). */
import * as z from 'zod';
import { createBudgetSchema, patchBudgetSchema } from '../../shared/core/budgets/budget.js';
import { adminCollectionRoutes, isoTime } from '../../shared/runtime/http-contract.js';

const usd = z.number().nullable();

export const budgetSchema = z
  .object({
    id: z.string(),
    scope: z.string().meta({ description: '`agent:<id>`, `tag:<tag>` or `all`.' }),
    usdPerDay: usd,
    usdPerMonth: usd,
    createdAt: isoTime,
    updatedAt: isoTime,
    spentTodayUsd: z.number(),
    spentThisMonthUsd: z.number(),
    reservedTodayUsd: z.number().meta({ description: 'What model calls in flight hold now.' }),
    reservedThisMonthUsd: z.number(),
    unpricedCallsToday: z.number().int().meta({ description: 'Calls to unpriced models (0 USD).' }),
    unpricedCallsThisMonth: z.number().int(),
    day: z.string().meta({ description: 'The UTC day the figures are for.' }),
    month: z.string().meta({ description: 'The UTC month the figures are for.' }),
  })
  .meta({ id: 'Budget' });

export const budgetRoutes = adminCollectionRoutes({
  path: '/v1/budgets',
  tag: 'budgets',
  noun: 'Budget',
  item: budgetSchema,
  create: createBudgetSchema.meta({ id: 'BudgetRequest' }),
  patch: patchBudgetSchema.meta({ id: 'BudgetPatch' }),
  bodyName: 'budget',
  description:
    'Before each model call the worker reserves its largest possible cost against every budget ' +
    'covering the agent; a call that would pass one is not made (the task fails BudgetExceeded).',
  createExample: { id: 'team-daily', scope: 'tag:analysis', usdPerDay: 5, usdPerMonth: 100 },
  patchExample: { usdPerDay: 10, usdPerMonth: null },
});
