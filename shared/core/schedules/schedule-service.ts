/**
 * Use cases of schedules through the API: create (checked as the task or workflow it submits
 * would be), look at, change, remove. The schedule's item is the record; its timer (EventBridge
 * Scheduler, or the local runtime's) only says when, and is kept in step with it.
 */
import type { EventDefinition } from '../../../events/envelope.js';
import {
  scheduleCreated,
  scheduleDeleted,
  scheduleUpdated,
} from '../../../events/schedule-events.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { createEvent, type EventContext } from '../events.js';
import { AGENT_ID_PATTERN } from '../ids.js';
import type { AgentStore, Clock, EventPublisher, Page, PageRequest } from '../ports.js';
import { checkTaskRequest } from '../tasks/task-service.js';
import { parseInput } from '../validation.js';
import { checkWorkflowRequest } from '../workflows/workflow-service.js';
import { ExpressionError, isTimeZone, nextFireAfter, parseExpression } from './expression.js';
import type { ScheduleStore, ScheduleTimer } from './ports.js';
import {
  createScheduleSchema,
  type PublicSchedule,
  patchScheduleSchema,
  publicSchedule,
  type Schedule,
} from './schedule.js';

export interface ScheduleServiceDeps {
  schedules: ScheduleStore;
  timer: ScheduleTimer;
  agents: AgentStore;
  clock: Clock;
  /** Where each change is told (`schedule.created|updated|deleted`, audited with the caller). */
  events: EventPublisher;
}

export async function createSchedule(
  deps: ScheduleServiceDeps,
  body: unknown,
  ctx: EventContext,
): Promise<PublicSchedule> {
  const input = parseInput(createScheduleSchema, body, 'schedule');
  const now = deps.clock.now();
  checkTiming(input.expression, input.timezone, now);
  await checkBody(deps.agents, input);
  const schedule: Schedule = {
    id: input.id,
    expression: input.expression.trim(),
    timezone: input.timezone,
    task: input.task ?? null,
    workflow: input.workflow ?? null,
    overlap: input.overlap,
    enabled: input.enabled,
    startAt: now.toISOString(),
    lastFiredAt: null,
    runs: [],
    version: 1,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  await deps.schedules.create(schedule);
  try {
    await deps.timer.create(timerOf(schedule));
  } catch (error) {
    // Nothing half-made: a schedule whose timer could not be made is removed again.
    await deps.schedules.delete(schedule.id);
    if (error instanceof ConflictError) {
      throw new ConflictError(`schedule '${schedule.id}' exists in the scheduler already`);
    }
    throw error;
  }
  await told(deps, scheduleCreated, schedule, ctx);
  return publicSchedule(schedule, now);
}

export async function getSchedule(deps: ScheduleServiceDeps, id: string): Promise<PublicSchedule> {
  return publicSchedule(await find(deps, id), deps.clock.now());
}

export async function listSchedules(
  deps: ScheduleServiceDeps,
  request: PageRequest,
): Promise<Page<PublicSchedule>> {
  const page = await deps.schedules.list(request);
  const now = deps.clock.now();
  return {
    items: page.items.map((schedule) => publicSchedule(schedule, now)),
    nextCursor: page.nextCursor,
  };
}

export async function patchSchedule(
  deps: ScheduleServiceDeps,
  id: string,
  body: unknown,
  ctx: EventContext,
): Promise<PublicSchedule> {
  const patch = parseInput(patchScheduleSchema, body, 'schedule change');
  const current = await find(deps, id);
  const now = deps.clock.now();
  const next: Schedule = {
    ...current,
    ...(patch.expression !== undefined ? { expression: patch.expression.trim() } : {}),
    ...(patch.timezone !== undefined ? { timezone: patch.timezone } : {}),
    ...(patch.task !== undefined ? { task: patch.task, workflow: null } : {}),
    ...(patch.workflow !== undefined ? { workflow: patch.workflow, task: null } : {}),
    ...(patch.overlap !== undefined ? { overlap: patch.overlap } : {}),
    ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
    version: current.version + 1,
    updatedAt: now.toISOString(),
  };
  const retimed =
    next.expression !== current.expression ||
    next.timezone !== current.timezone ||
    next.enabled !== current.enabled;
  // The scheduler counts a changed rate from the change, as EventBridge Scheduler does.
  if (retimed) next.startAt = now.toISOString();
  checkTiming(next.expression, next.timezone, now, patch.expression === undefined);
  if (patch.task !== undefined || patch.workflow !== undefined) {
    await checkBody(deps.agents, {
      task: next.task ?? undefined,
      workflow: next.workflow ?? undefined,
    });
  }
  if (!(await deps.schedules.replace(next, current.version))) {
    throw new ConflictError(`schedule '${id}' changed meanwhile; read it and try again`);
  }
  if (retimed) {
    try {
      await deps.timer.update(timerOf(next));
    } catch (error) {
      // The item goes back to what the timer still does.
      await deps.schedules.replace({ ...current, version: next.version + 1 }, next.version);
      throw error;
    }
  }
  await told(deps, scheduleUpdated, next, ctx);
  return publicSchedule(next, now);
}

export async function deleteSchedule(
  deps: ScheduleServiceDeps,
  id: string,
  ctx: EventContext,
): Promise<PublicSchedule> {
  const schedule = await find(deps, id);
  // The timer first: a firing that still arrives finds no schedule and does nothing.
  await deps.timer.delete(id);
  if (!(await deps.schedules.delete(id))) throw new NotFoundError(`schedule '${id}' not found`);
  const deleted = { ...schedule, enabled: false };
  await told(deps, scheduleDeleted, deleted, ctx);
  return publicSchedule(deleted, deps.clock.now());
}

/** A change made is told, and so audited with its caller. */
async function told(
  deps: ScheduleServiceDeps,
  definition: EventDefinition,
  schedule: Schedule,
  ctx: EventContext,
): Promise<void> {
  const { id: scheduleId, expression, timezone, enabled } = schedule;
  const runs = schedule.workflow ? 'workflow' : 'task';
  await deps.events.publish([
    createEvent(definition, { scheduleId, expression, timezone, enabled, runs }, ctx),
  ]);
}

async function find(deps: ScheduleServiceDeps, id: string): Promise<Schedule> {
  const schedule = AGENT_ID_PATTERN.test(id) ? await deps.schedules.get(id) : undefined;
  if (!schedule) throw new NotFoundError(`schedule '${id}' not found`);
  return schedule;
}

const timerOf = (schedule: Schedule) => ({
  id: schedule.id,
  expression: schedule.expression,
  timezone: schedule.timezone,
  enabled: schedule.enabled,
});

/** The expression parses, the zone exists, and (for a new expression) it fires in the future. */
function checkTiming(expression: string, timezone: string, now: Date, unchanged = false): void {
  if (!isTimeZone(timezone)) {
    throw new ValidationError('invalid schedule: timezone', [
      { path: 'timezone', message: `'${timezone}' is not an IANA time zone (e.g. Europe/Paris)` },
    ]);
  }
  try {
    const parsed = parseExpression(expression);
    if (!unchanged && !nextFireAfter(parsed, now, { timezone, start: now })) {
      throw new ExpressionError('it never fires after now');
    }
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    throw new ValidationError('invalid schedule: expression', [
      { path: 'expression', message: error.message },
    ]);
  }
}

/** The task or workflow body is one that POST /v1/tasks or POST /v1/workflows would take. */
async function checkBody(
  agents: AgentStore,
  input: { task?: unknown; workflow?: unknown },
): Promise<void> {
  if (input.task !== undefined) await checkTaskRequest(agents, input.task, 'task');
  else await checkWorkflowRequest(agents, input.workflow, 'workflow');
}
