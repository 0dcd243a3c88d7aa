/**
 * A schedule's firing and its API use cases, in memory: a firing delivered twice submits one
 * task; `overlap: skip` skips while the previous run is unfinished; a body that no longer submits
 * fails the firing without retry; creation checks the body as POST /v1/tasks would and makes
 * nothing when the timer cannot be made.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../shared/core/errors.js';
import type { Page, PageRequest } from '../../shared/core/ports.js';
import { type FireDeps, fireSchedule } from '../../shared/core/schedules/fire-schedule.js';
import type { ScheduleStore, ScheduleTimer, TimerSpec } from '../../shared/core/schedules/ports.js';
import type { Schedule } from '../../shared/core/schedules/schedule.js';
import {
  createSchedule,
  deleteSchedule,
  patchSchedule,
} from '../../shared/core/schedules/schedule-service.js';
import {
  buildAgent,
  FixedClock,
  InMemoryAgentStore,
  InMemoryTaskQueue,
  InMemoryTaskStore,
  RecordingEventPublisher,
} from '../helpers/in-memory.js';

class MemoryScheduleStore implements ScheduleStore {
  readonly items = new Map<string, Schedule>();
  async create(schedule: Schedule) {
    if (this.items.has(schedule.id)) throw new ConflictError('exists');
    this.items.set(schedule.id, structuredClone(schedule));
  }
  async get(id: string) {
    const found = this.items.get(id);
    return found ? structuredClone(found) : undefined;
  }
  async list(_request: PageRequest): Promise<Page<Schedule>> {
    return { items: [...this.items.values()], nextCursor: null };
  }
  async replace(schedule: Schedule, expectVersion: number) {
    if (this.items.get(schedule.id)?.version !== expectVersion) return false;
    this.items.set(schedule.id, structuredClone(schedule));
    return true;
  }
  async delete(id: string) {
    return this.items.delete(id);
  }
}

class MemoryTimer implements ScheduleTimer {
  readonly timers = new Map<string, TimerSpec>();
  failWith: Error | undefined;
  async create(spec: TimerSpec) {
    if (this.failWith) throw this.failWith;
    this.timers.set(spec.id, spec);
  }
  async update(spec: TimerSpec) {
    if (this.failWith) throw this.failWith;
    this.timers.set(spec.id, spec);
  }
  async delete(id: string) {
    this.timers.delete(id);
  }
}

let clock: FixedClock;
let agents: InMemoryAgentStore;
let tasks: InMemoryTaskStore;
let queue: InMemoryTaskQueue;
let events: RecordingEventPublisher;
let schedules: MemoryScheduleStore;
let timer: MemoryTimer;

beforeEach(async () => {
  clock = new FixedClock('2030-01-01T09:00:00.000Z');
  agents = new InMemoryAgentStore();
  tasks = new InMemoryTaskStore();
  queue = new InMemoryTaskQueue();
  events = new RecordingEventPublisher();
  schedules = new MemoryScheduleStore();
  timer = new MemoryTimer();
  await agents.create(buildAgent({ id: 'reporter' }));
});

const serviceDeps = () => ({ schedules, timer, agents, clock, events });
/** The context of a change made by the admin through the API. */
const byAdmin = () => ({ correlationId: 'corr-test', clock, actor: { principal: 'admin' } });
const fireDeps = (): FireDeps => ({
  schedules,
  tasks: { agents, tasks, queue, events },
  workflows: () => {
    throw new Error('no workflows in these tests') as never;
  },
});
const ctx = () => ({ correlationId: 'firing', clock });

async function schedule(fields: Record<string, unknown> = {}) {
  return createSchedule(
    serviceDeps(),
    {
      id: 'hourly',
      expression: 'rate(1 hour)',
      task: { agentId: 'reporter', input: 'report', metadata: { team: 'ops' } },
      ...fields,
    },
    byAdmin(),
  );
}

describe('fireSchedule', () => {
  it('submits the task once with the schedule in its metadata, however often delivered', async () => {
    await schedule();
    const firing = { scheduleId: 'hourly', firedAt: '2030-01-01T09:00:00Z' };

    const first = await fireSchedule(fireDeps(), firing, ctx());
    const again = await fireSchedule(fireDeps(), firing, ctx());

    expect(first).toMatchObject({ outcome: 'submitted', firedAt: '2030-01-01T09:00:00.000Z' });
    expect(again).toBeUndefined();
    expect(queue.sentIds()).toEqual([first?.taskId]);
    const task = await tasks.get(first?.taskId ?? '');
    expect(task?.metadata).toEqual({
      team: 'ops',
      scheduleId: 'hourly',
      firedAt: '2030-01-01T09:00:00.000Z',
    });
    expect(events.types()).toEqual(['schedule.created', 'task.queued', 'schedule.fired']);
    expect((await schedules.get('hourly'))?.lastFiredAt).toBe('2030-01-01T09:00:00.000Z');
  });

  it('submits nothing twice when two deliveries race', async () => {
    await schedule();
    const firing = { scheduleId: 'hourly', firedAt: '2030-01-01T10:00:00Z' };
    // Both deliveries read the schedule before either recorded its run.
    const [a, b] = await Promise.all([
      fireSchedule(fireDeps(), firing, ctx()),
      fireSchedule(fireDeps(), firing, ctx()),
    ]);
    expect(a?.taskId).toBe(b?.taskId);
    expect((await tasks.list({ limit: 10 })).items).toHaveLength(1);
    expect(new Set(queue.sentIds())).toEqual(new Set([a?.taskId]));
  });

  it('sends again a task a crashed delivery made but may not have queued', async () => {
    await schedule();
    const firing = { scheduleId: 'hourly', firedAt: '2030-01-01T10:00:00Z' };
    const first = await fireSchedule(fireDeps(), firing, ctx());
    // The delivery died before its run was recorded: the firing comes again.
    const stored = (await schedules.get('hourly')) as Schedule;
    await schedules.replace({ ...stored, runs: [], version: stored.version + 1 }, stored.version);
    const again = await fireSchedule(fireDeps(), firing, ctx());
    expect(again?.taskId).toBe(first?.taskId);
    expect((await tasks.list({ limit: 10 })).items).toHaveLength(1);
    // Still queued: sent again, which the worker's conditional start makes harmless.
    expect(queue.sentIds()).toEqual([first?.taskId, first?.taskId]);
  });

  it('skips a firing while the previous run is unfinished, with overlap skip', async () => {
    await schedule({ overlap: 'skip' });
    const first = await fireSchedule(
      fireDeps(),
      { scheduleId: 'hourly', firedAt: '2030-01-01T09:00:00Z' },
      ctx(),
    );
    const second = await fireSchedule(
      fireDeps(),
      { scheduleId: 'hourly', firedAt: '2030-01-01T10:00:00Z' },
      ctx(),
    );
    expect(second).toMatchObject({
      outcome: 'skipped',
      reason: `task ${first?.taskId} is still running`,
    });
    // Once the first has ended, the next firing runs.
    await tasks.transition(first?.taskId ?? '', { from: ['queued'], to: 'cancelled' });
    const third = await fireSchedule(
      fireDeps(),
      { scheduleId: 'hourly', firedAt: '2030-01-01T11:00:00Z' },
      ctx(),
    );
    expect(third?.outcome).toBe('submitted');
    const runs = (await schedules.get('hourly'))?.runs.map((r) => r.outcome);
    expect(runs).toEqual(['submitted', 'skipped', 'submitted']);
  });

  it('runs firings side by side with overlap allow', async () => {
    await schedule({ overlap: 'allow' });
    for (const hour of ['09', '10']) {
      const run = await fireSchedule(
        fireDeps(),
        { scheduleId: 'hourly', firedAt: `2030-01-01T${hour}:00:00Z` },
        ctx(),
      );
      expect(run?.outcome).toBe('submitted');
    }
    expect(queue.sent).toHaveLength(2);
  });

  it('fails a firing whose agent was retired, without retry; ignores deleted and disabled ones', async () => {
    await schedule();
    await agents.update('reporter', { status: 'retired' }, ['active']);
    const run = await fireSchedule(
      fireDeps(),
      { scheduleId: 'hourly', firedAt: '2030-01-01T09:00:00Z' },
      ctx(),
    );
    expect(run).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/retired/) });
    expect(events.ofType('schedule.fired')[0]?.detail.data).toMatchObject({ outcome: 'failed' });

    await patchSchedule(serviceDeps(), 'hourly', { enabled: false }, byAdmin());
    expect(
      await fireSchedule(
        fireDeps(),
        { scheduleId: 'hourly', firedAt: '2030-01-01T10:00:00Z' },
        ctx(),
      ),
    ).toBeUndefined();
    expect(
      await fireSchedule(
        fireDeps(),
        { scheduleId: 'nobody', firedAt: '2030-01-01T10:00:00Z' },
        ctx(),
      ),
    ).toBeUndefined();
  });

  it('keeps the latest 10 runs, newest first', async () => {
    await schedule({ overlap: 'allow' });
    for (let hour = 0; hour < 12; hour++) {
      const firedAt = `2030-01-02T${String(hour).padStart(2, '0')}:00:00Z`;
      await fireSchedule(fireDeps(), { scheduleId: 'hourly', firedAt }, ctx());
    }
    const runs = (await schedules.get('hourly'))?.runs ?? [];
    expect(runs).toHaveLength(10);
    expect(runs[0]?.firedAt).toBe('2030-01-02T11:00:00.000Z');
  });
});

describe('createSchedule', () => {
  it('checks the body as POST /v1/tasks would, naming the field, and writes nothing', async () => {
    const refused = await schedule({ task: { agentId: 'ghost', input: 1 } }).catch((e) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect(refused.details).toEqual([{ path: 'task.agentId', message: "no agent 'ghost'" }]);
    expect(schedules.items.size).toBe(0);
    expect(timer.timers.size).toBe(0);
  });

  it('removes the schedule again when its timer cannot be made', async () => {
    timer.failWith = new Error('scheduler unavailable');
    await expect(schedule()).rejects.toThrow('scheduler unavailable');
    expect(schedules.items.size).toBe(0);
  });

  it('shows the next firing in its time zone; patch and delete keep the timer in step', async () => {
    const created = await schedule({
      expression: 'cron(0 9 * * ? *)',
      timezone: 'America/New_York',
    });
    // 09:00 in New York on 1 January is 14:00 UTC; it is 09:00 UTC now.
    expect(created.nextFireAt).toBe('2030-01-01T14:00:00.000Z');
    expect(timer.timers.get('hourly')).toMatchObject({ timezone: 'America/New_York' });
    const patched = await patchSchedule(
      serviceDeps(),
      'hourly',
      { timezone: 'Asia/Tokyo' },
      byAdmin(),
    );
    expect(patched.nextFireAt).toBe('2030-01-02T00:00:00.000Z');
    expect(timer.timers.get('hourly')).toMatchObject({ timezone: 'Asia/Tokyo' });
    await deleteSchedule(serviceDeps(), 'hourly', byAdmin());
    expect(timer.timers.size).toBe(0);
    expect(schedules.items.size).toBe(0);
  });

  it('tells each change once with its caller, for the audit, and nothing of a refused one', async () => {
    timer.failWith = new Error('scheduler unavailable');
    await expect(schedule()).rejects.toThrow('scheduler unavailable');
    timer.failWith = undefined;
    await expect(schedule({ expression: 'rate(0 hours)' })).rejects.toBeInstanceOf(ValidationError);
    expect(events.events).toEqual([]);

    await schedule();
    await patchSchedule(serviceDeps(), 'hourly', { expression: 'rate(2 hours)' }, byAdmin());
    await deleteSchedule(serviceDeps(), 'hourly', byAdmin());

    expect(
      events.events.map((e) => [
        e.type,
        e.detail.actor,
        e.detail.data.expression,
        e.detail.data.enabled,
      ]),
    ).toEqual([
      ['schedule.created', { principal: 'admin' }, 'rate(1 hour)', true],
      ['schedule.updated', { principal: 'admin' }, 'rate(2 hours)', true],
      ['schedule.deleted', { principal: 'admin' }, 'rate(2 hours)', false],
    ]);
    expect(events.events.map((e) => e.detail.data.runs)).toEqual(['task', 'task', 'task']);
  });

  it('refuses a workflow body that POST /v1/workflows would refuse', async () => {
    const refused = await schedule({
      task: undefined,
      workflow: { name: 'w', strategy: 'dag', input: 1, steps: [] },
    }).catch((e) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect(refused.details.map((d: { path: string }) => d.path)).toEqual(['workflow.steps']);
  });
});
