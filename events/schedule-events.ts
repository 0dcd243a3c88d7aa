/** Events of schedules: each firing, whether it submitted a run, skipped it, or could not. */
import * as z from 'zod';
import { defineEvent } from './envelope.js';

export const scheduleFired = defineEvent(
  'schedule.fired',
  'agent-core.scheduler',
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
