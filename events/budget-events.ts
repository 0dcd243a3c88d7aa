/** Events of budgets: a period's spend reached 80% of its limit, or a call was refused by it. */
import * as z from 'zod';
import { defineEvent } from './envelope.js';

const SOURCE = 'agent-core.models';

const budgetRef = {
  budgetId: z.string(),
  scope: z.string(),
  /** `day` or `month` (UTC), and which one: `2025-06-01`, `2025-06`. */
  period: z.enum(['day', 'month']),
  periodKey: z.string(),
  limitUsd: z.number(),
  spentUsd: z.number(),
  /** The agent and task whose call crossed the line. */
  agentId: z.string(),
  taskId: z.string(),
  /** When the task is a thread's turn: its followers see why the turn stopped. */
  threadId: z.string().optional(),
};

export const budgetWarning = defineEvent('budget.warning', SOURCE, z.object(budgetRef));

export const budgetExceeded = defineEvent(
  'budget.exceeded',
  SOURCE,
  z.object({
    ...budgetRef,
    reservedUsd: z.number(),
    /** The largest cost of the call that was refused. */
    requestedUsd: z.number(),
  }),
);

/** A budget as its changes are audited: what it limits and by how much. */
const budgetDefinition = {
  budgetId: z.string(),
  scope: z.string(),
  usdPerDay: z.number().nullable(),
  usdPerMonth: z.number().nullable(),
};

/** Changes made to budgets through the API; each is an audit entry with its caller. */
export const budgetCreated = defineEvent('budget.created', SOURCE, z.object(budgetDefinition));
export const budgetUpdated = defineEvent('budget.updated', SOURCE, z.object(budgetDefinition));
export const budgetDeleted = defineEvent('budget.deleted', SOURCE, z.object(budgetDefinition));
