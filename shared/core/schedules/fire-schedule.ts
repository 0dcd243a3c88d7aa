/**
 * One firing of a schedule: submit its task or workflow, at most once however often the firing
 * is delivered. The run's id is derived from schedule id + fire time, so a second delivery finds
 * the run made by the first and makes nothing; with `overlap: skip` a firing while the previous
 * run is unfinished is recorded as skipped.
 */
import { scheduleFired } from '../../../events/schedule-events.js';
import { AppError, ConflictError } from '../errors.js';
import { createEvent, type EventContext } from '../events.js';
import { derivedId } from '../ids.js';
import { isFinished, type Task } from '../tasks/task.js';
import { envelopeOf, type SchedulerDeps, submitTask } from '../tasks/task-service.js';
import { createWorkflow, type WorkflowServiceDeps } from '../workflows/workflow-service.js';
import type { ScheduleStore } from './ports.js';
import { type Firing, MAX_RUNS_KEPT, type Schedule, type ScheduleRun } from './schedule.js';

export interface FireDeps {
  schedules: ScheduleStore;
  tasks: SchedulerDeps;
  /** Needed only by schedules that start workflows (built on first use). */
  workflows: () => WorkflowServiceDeps;
}

/** Rounds of read-and-write when a firing and a change of the schedule race. */
const MAX_RECORD_ATTEMPTS = 5;

export async function fireSchedule(
  deps: FireDeps,
  firing: Firing,
  ctx: EventContext,
): Promise<ScheduleRun | undefined> {
  const schedule = await deps.schedules.get(firing.scheduleId);
  // Deleted or switched off since the timer fired: nothing to do.
  if (!schedule?.enabled) return undefined;
  const firedAt = new Date(firing.firedAt).toISOString();
  if (schedule.runs.some((run) => run.firedAt === firedAt)) return undefined;

  const run = await submitRun(deps, schedule, firedAt, ctx);
  await deps.tasks.events.publish([
    createEvent(
      scheduleFired,
      {
        scheduleId: schedule.id,
        firedAt,
        outcome: run.outcome,
        ...(run.taskId ? { taskId: run.taskId } : {}),
        ...(run.workflowId ? { workflowId: run.workflowId } : {}),
        ...(typeof schedule.task?.agentId === 'string' ? { agentId: schedule.task.agentId } : {}),
        ...(run.reason ? { reason: run.reason } : {}),
      },
      ctx,
    ),
  ]);
  await recordRun(deps.schedules, schedule, run);
  return run;
}

async function submitRun(
  deps: FireDeps,
  schedule: Schedule,
  firedAt: string,
  ctx: EventContext,
): Promise<ScheduleRun> {
  if (schedule.overlap === 'skip') {
    const busy = await previousRunUnfinished(deps, schedule);
    if (busy) return { firedAt, outcome: 'skipped', reason: `${busy} is still running` };
  }
  const id = derivedId(Date.parse(firedAt), `${schedule.id}/${firedAt}`);
  const body = schedule.task ?? schedule.workflow ?? {};
  const withMetadata = {
    ...body,
    metadata: { ...asObject(body.metadata), scheduleId: schedule.id, firedAt },
  };
  try {
    if (schedule.task) {
      const existing = await deps.tasks.tasks.get(id);
      if (existing) {
        await requeueIfStranded(deps.tasks, existing);
      } else {
        await submitTask(deps.tasks, withMetadata, ctx, { id }).catch(async (error: unknown) => {
          // Another delivery of the same firing made it first.
          const made = error instanceof ConflictError ? await deps.tasks.tasks.get(id) : undefined;
          if (!made) throw error;
        });
      }
      return { firedAt, outcome: 'submitted', taskId: id };
    }
    const workflows = deps.workflows();
    if (!(await workflows.workflows.get(id))) {
      await createWorkflow(workflows, withMetadata, ctx, { id }).catch(async (error: unknown) => {
        const made = error instanceof ConflictError ? await workflows.workflows.get(id) : undefined;
        if (!made) throw error;
      });
    }
    return { firedAt, outcome: 'submitted', workflowId: id };
  } catch (error) {
    // A body that no longer submits (its agent was retired or removed since) fails this firing
    // for good; a fault of the store or the queue is thrown, and the firing delivered again.
    if (!(error instanceof AppError)) throw error;
    return { firedAt, outcome: 'failed', reason: error.message };
  }
}

/** The last submitted run, when it has not ended: `task <id>` or `workflow <id>`. */
async function previousRunUnfinished(
  deps: FireDeps,
  schedule: Schedule,
): Promise<string | undefined> {
  const last = schedule.runs.find((run) => run.outcome === 'submitted');
  if (last?.taskId) {
    const task = await deps.tasks.tasks.get(last.taskId);
    return task && !isFinished(task.status) ? `task ${task.id}` : undefined;
  }
  if (last?.workflowId) {
    const found = await deps.workflows().workflows.get(last.workflowId);
    return found?.workflow.status === 'running' ? `workflow ${last.workflowId}` : undefined;
  }
  return undefined;
}

/**
 * A task made by an earlier delivery that failed before it was queued is sent again: its worker
 * takes it once whatever the number of messages (its transitions are conditional).
 */
async function requeueIfStranded(deps: SchedulerDeps, task: Task): Promise<void> {
  if (task.status === 'queued') await deps.queue.enqueue([envelopeOf(task)]);
}

async function recordRun(
  schedules: ScheduleStore,
  read: Schedule,
  run: ScheduleRun,
): Promise<void> {
  let schedule: Schedule | undefined = read;
  for (let attempt = 0; attempt < MAX_RECORD_ATTEMPTS && schedule; attempt++) {
    if (schedule.runs.some((r) => r.firedAt === run.firedAt)) return;
    const runs = [run, ...schedule.runs]
      .sort((a, b) => b.firedAt.localeCompare(a.firedAt))
      .slice(0, MAX_RUNS_KEPT);
    const lastFiredAt =
      schedule.lastFiredAt && schedule.lastFiredAt > run.firedAt
        ? schedule.lastFiredAt
        : run.firedAt;
    const next = { ...schedule, runs, lastFiredAt, version: schedule.version + 1 };
    if (await schedules.replace(next, schedule.version)) return;
    schedule = await schedules.get(read.id);
  }
  if (schedule) throw new Error(`could not record a firing of schedule '${read.id}'`);
}

const asObject = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
