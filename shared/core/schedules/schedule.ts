/**
 * The schedule: an expression, a time zone, and the task or workflow each firing submits (a body
 * of POST /v1/tasks or POST /v1/workflows, checked at creation as those routes check it).
 */
import * as z from 'zod';
import { AGENT_ID_PATTERN } from '../ids.js';
import { nextFireAfter, parseExpression } from './expression.js';

export const OVERLAP_POLICIES = ['skip', 'allow'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** A schedule keeps this many of its latest firings. */
export const MAX_RUNS_KEPT = 10;

const body = z.record(z.string(), z.unknown(), { error: 'must be a JSON object' });

export const createScheduleSchema = z
  .strictObject({
    id: z.string().regex(AGENT_ID_PATTERN, 'id must match ^[a-z0-9][a-z0-9-]{1,62}$'),
    expression: z.string().min(1).max(256),
    timezone: z.string().min(1).max(64).default('UTC'),
    task: body.optional(),
    workflow: body.optional(),
    overlap: z.enum(OVERLAP_POLICIES).default('skip'),
    enabled: z.boolean().default(true),
  })
  .superRefine((schedule, ctx) => {
    if ((schedule.task === undefined) === (schedule.workflow === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [schedule.task === undefined ? 'task' : 'workflow'],
        message: 'exactly one of task and workflow is required',
      });
    }
  });

/** PATCH: any field but the id; a `task` replaces a `workflow` and the other way round. */
export const patchScheduleSchema = z
  .strictObject({
    expression: z.string().min(1).max(256).optional(),
    timezone: z.string().min(1).max(64).optional(),
    task: body.optional(),
    workflow: body.optional(),
    overlap: z.enum(OVERLAP_POLICIES).optional(),
    enabled: z.boolean().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'nothing to change' })
  .refine((patch) => patch.task === undefined || patch.workflow === undefined, {
    path: ['workflow'],
    message: 'give task or workflow, not both',
  });

export type CreateScheduleInput = z.output<typeof createScheduleSchema>;
export type SchedulePatch = z.output<typeof patchScheduleSchema>;

export interface ScheduleRun {
  /** The firing's scheduled time. */
  firedAt: string;
  outcome: 'submitted' | 'skipped' | 'failed';
  taskId?: string;
  workflowId?: string;
  /** Why it was skipped or failed. */
  reason?: string;
}

export interface Schedule {
  id: string;
  expression: string;
  timezone: string;
  task: Record<string, unknown> | null;
  workflow: Record<string, unknown> | null;
  overlap: OverlapPolicy;
  enabled: boolean;
  /** When a rate schedule started counting: its schedule was created or last changed. */
  startAt: string;
  lastFiredAt: string | null;
  /** The latest firings, newest first (at most MAX_RUNS_KEPT). */
  runs: ScheduleRun[];
  /** Bumped by every write: changes and firings never overwrite each other. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface PublicSchedule
  extends Omit<Schedule, 'task' | 'workflow' | 'runs' | 'version' | 'startAt'> {
  task?: Record<string, unknown>;
  workflow?: Record<string, unknown>;
  nextFireAt: string | null;
  lastRuns: ScheduleRun[];
}

/** The next firing after `at`, as the expression says (null when disabled or done). */
export function nextFireOf(schedule: Schedule, at: Date): string | null {
  if (!schedule.enabled) return null;
  const next = nextFireAfter(parseExpression(schedule.expression), at, {
    timezone: schedule.timezone,
    start: new Date(schedule.startAt),
  });
  return next ? next.toISOString() : null;
}

export function publicSchedule(schedule: Schedule, at: Date): PublicSchedule {
  const { task, workflow, runs, version: _v, startAt: _s, ...rest } = schedule;
  return {
    ...rest,
    ...(task ? { task } : {}),
    ...(workflow ? { workflow } : {}),
    nextFireAt: nextFireOf(schedule, at),
    lastRuns: runs,
  };
}

/** The message a firing delivers (EventBridge Scheduler fills in the scheduled time). */
export const firingSchema = z.object({
  scheduleId: z.string().regex(AGENT_ID_PATTERN),
  firedAt: z.iso.datetime({ offset: true }),
});
export type Firing = z.output<typeof firingSchema>;
