/** Events of schedules: each firing, whether it submitted a run, skipped it, or could not. */
import * as z from 'zod';
import { defineEvent } from './envelope.js';

const SOURCE = 'agent-core.scheduler';

export const scheduleFired = defineEvent(
  'schedule.fired',
  SOURCE,
  z.object({
    scheduleId: z.string(),
    firedAt: z.string(),
    outcome: z.enum(['submitted', 'skipped', 'failed']),
    taskId: z.string().optional(),
    workflowId: z.string().optional(),
    /** The task's agent, so an agent's key sees its own schedule's firings. */
    agentId: z.string().optional(),
    reason: z.string().optional(),
  }),
);

/**
 * A schedule as its changes are audited: when it fires and what it runs. No `agentId`: schedules
 * are the admin's, and an agent's key does not see them on the feed.
 */
const scheduleDefinition = z.object({
  scheduleId: z.string(),
  expression: z.string(),
  timezone: z.string(),
  enabled: z.boolean(),
  runs: z.enum(['task', 'workflow']),
});

/** Changes made to schedules through the API; each is an audit entry with its caller. */
export const scheduleCreated = defineEvent('schedule.created', SOURCE, scheduleDefinition);
export const scheduleUpdated = defineEvent('schedule.updated', SOURCE, scheduleDefinition);
export const scheduleDeleted = defineEvent('schedule.deleted', SOURCE, scheduleDefinition);
