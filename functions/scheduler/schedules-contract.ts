/** The HTTP contract of schedules (handler: schedules-api.ts). */
import * as z from 'zod';
import {
  createScheduleSchema,
  OVERLAP_POLICIES,
  patchScheduleSchema,
} from '../../shared/core/schedules/schedule.js';
import {
  adminCollectionRoutes,
  isoTime,
  jsonObject,
  nullableTime,
} from '../../shared/runtime/http-contract.js';

export const scheduleSchema = z
  .object({
    id: z.string(),
    expression: z
      .string()
      .meta({ description: 'rate(…), cron(…) or at(…), as EventBridge Scheduler.' }),
    timezone: z.string(),
    task: jsonObject
      .optional()
      .meta({ description: 'The POST /v1/tasks body each firing submits.' }),
    workflow: jsonObject
      .optional()
      .meta({ description: 'The POST /v1/workflows body each firing submits.' }),
    overlap: z.enum(OVERLAP_POLICIES),
    enabled: z.boolean(),
    lastFiredAt: nullableTime,
    nextFireAt: nullableTime,
    lastRuns: z.array(
      z.object({
        firedAt: isoTime,
        outcome: z.enum(['submitted', 'skipped', 'failed']),
        taskId: z.string().optional(),
        workflowId: z.string().optional(),
        reason: z.string().optional(),
      }),
    ),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'Schedule' });

export const scheduleRoutes = adminCollectionRoutes({
  path: '/v1/schedules',
  tag: 'schedules',
  noun: 'Schedule',
  item: scheduleSchema,
  create: createScheduleSchema.meta({ id: 'ScheduleRequest' }),
  patch: patchScheduleSchema.meta({ id: 'SchedulePatch' }),
  bodyName: 'schedule',
  description:
    'Each firing submits the task or workflow with metadata.scheduleId and metadata.firedAt, at ' +
    'most once; overlap skip leaves out a firing while the previous run is still going.',
  createExample: {
    id: 'nightly-review',
    expression: 'cron(0 2 * * ? *)',
    timezone: 'Europe/Paris',
    task: { agentId: 'reviewer', input: 'review main' },
  },
  patchExample: { enabled: false },
});
