/**
 * Events of the learning layer: an agent's latency or error rate moved away from its own recent
 * baseline (EWMA and z-score; see shared/core/learning).
 */
import * as z from 'zod';
import { defineEvent } from './envelope.js';

const SOURCE = 'agent-core.learning';

export const insightAnomaly = defineEvent(
  'insight.anomaly',
  SOURCE,
  z.object({
    agentId: z.string(),
    /** What moved: the latency of a successful task, or the share of failed tasks. */
    metric: z.enum(['latency', 'error-rate']),
    /** The value observed (ms for latency, 0..1 for the error rate). */
    value: z.number(),
    /** The moving average it is compared with. */
    baseline: z.number(),
    /** How many standard deviations away from the baseline. */
    zScore: z.number(),
    /** The task that tipped it, when there is one. */
    taskId: z.string().nullable(),
    message: z.string(),
  }),
);
