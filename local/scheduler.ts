/**
 * EventBridge Scheduler on the local runtime: the operations the schedule adapter uses
 * (CreateSchedule, UpdateSchedule, DeleteSchedule, GetSchedule, REST JSON on
 * `/schedules/{Name}`), answered on the internal AWS endpoint, and firing on time: at each
 * scheduled time the target's Input (with `<aws.scheduler.scheduled-time>` filled in) is sent to
 * its SQS queue, as EventBridge Scheduler does deployed. Next times come from the same expression
 * code the API uses (shared/core/schedules/expression.ts).
 *
 * Schedules are kept in a file in the data folder, so they survive a restart; a firing missed
 * while the runtime was down is fired once at start (the latest one missed), then the schedule
 * goes on from the present.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  type FireContext,
  nextFireAfter,
  parseExpression,
  type ScheduleExpression,
} from '../shared/core/schedules/expression.js';

interface StoredSchedule {
  name: string;
  group: string;
  expression: string;
  timezone: string;
  state: 'ENABLED' | 'DISABLED';
  target: { Arn: string; RoleArn: string; Input?: string; DeadLetterConfig?: { Arn?: string } };
  actionAfterCompletion: string;
  createdAt: number;
  modifiedAt: number;
  /** Where a rate starts counting: when the schedule was created or last updated. */
  startAt: number;
  /** The scheduled time of the latest firing done (epoch ms). */
  lastFiredAt: number | null;
}

/** An error that is the caller's fault: answered with its HTTP status and `x-amzn-errortype`. */
export class SchedulerError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface LocalSchedulerOptions {
  /** The JSON file that keeps the schedules (in the data folder). */
  file: string;
  region: string;
  /** Sends a firing's input to the queue with this ARN (a rejection counts as not delivered). */
  deliver(queueArn: string, body: string): Promise<void>;
  onError?: (error: unknown) => void;
  now?: () => number;
}

/** setTimeout's longest delay; farther firings re-arm on the way. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Tries to deliver a firing before it goes to the dead-letter queue. */
const DELIVERY_ATTEMPTS = 3;
/** A missed firing is looked for at most this many occurrences back (a year of minutes). */
const MAX_CATCH_UP_STEPS = 600_000;

export class LocalScheduler {
  private readonly schedules = new Map<string, StoredSchedule>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly now: () => number;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: LocalSchedulerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Loads the schedules kept by an earlier run; fires once what each missed; arms them all. */
  async start(): Promise<number> {
    if (existsSync(this.options.file)) {
      const kept = JSON.parse(readFileSync(this.options.file, 'utf8')) as StoredSchedule[];
      for (const schedule of kept)
        this.schedules.set(keyOf(schedule.group, schedule.name), schedule);
    }
    let missed = 0;
    for (const schedule of this.schedules.values()) {
      if (schedule.state !== 'ENABLED') continue;
      const latest = this.latestMissed(schedule);
      if (latest !== undefined) {
        missed++;
        await this.fire(schedule, latest);
      }
      this.arm(schedule);
    }
    return missed;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  /** One REST JSON operation: method and `/schedules/{Name}`, query, parsed body. */
  async handle(
    method: string,
    name: string,
    query: URLSearchParams,
    body: Record<string, unknown>,
  ): Promise<unknown> {
    const group = String(body.GroupName ?? query.get('groupName') ?? 'default');
    const key = keyOf(group, name);
    const existing = this.schedules.get(key);
    switch (method) {
      case 'POST': {
        if (existing) throw new SchedulerError('ConflictException', 409, `schedule ${name} exists`);
        const schedule = this.fromRequest(name, group, body, this.now());
        this.schedules.set(key, schedule);
        this.save();
        this.arm(schedule, true);
        return { ScheduleArn: this.arn(schedule) };
      }
      case 'PUT': {
        if (!existing) throw notFound(name);
        const schedule = this.fromRequest(name, group, body, existing.createdAt);
        schedule.lastFiredAt = existing.lastFiredAt;
        this.schedules.set(key, schedule);
        this.save();
        this.arm(schedule, true);
        return { ScheduleArn: this.arn(schedule) };
      }
      case 'GET': {
        if (!existing) throw notFound(name);
        return {
          Arn: this.arn(existing),
          GroupName: existing.group,
          Name: existing.name,
          ScheduleExpression: existing.expression,
          ScheduleExpressionTimezone: existing.timezone,
          State: existing.state,
          CreationDate: existing.createdAt / 1000,
          LastModificationDate: existing.modifiedAt / 1000,
          Target: existing.target,
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: existing.actionAfterCompletion,
        };
      }
      case 'DELETE': {
        if (!existing) throw notFound(name);
        this.schedules.delete(key);
        clearTimeout(this.timers.get(key));
        this.timers.delete(key);
        this.save();
        return {};
      }
      default:
        throw new SchedulerError('ValidationException', 400, `method ${method} is not supported`);
    }
  }

  private fromRequest(
    name: string,
    group: string,
    body: Record<string, unknown>,
    createdAt: number,
  ): StoredSchedule {
    const expression = String(body.ScheduleExpression ?? '');
    const timezone = String(body.ScheduleExpressionTimezone ?? 'UTC');
    const target = body.Target as StoredSchedule['target'] | undefined;
    if (!/^[0-9a-zA-Z-_.]{1,64}$/.test(name)) {
      throw new SchedulerError('ValidationException', 400, `invalid schedule name ${name}`);
    }
    if (!target?.Arn || !target.RoleArn) {
      throw new SchedulerError(
        'ValidationException',
        400,
        'Target.Arn and Target.RoleArn are required',
      );
    }
    try {
      // The same check as the service's: the expression parses and the zone exists.
      nextFireAfter(parseExpression(expression), new Date(this.now()), {
        timezone,
        start: new Date(this.now()),
      });
    } catch (error) {
      throw new SchedulerError('ValidationException', 400, (error as Error).message);
    }
    const now = this.now();
    return {
      name,
      group,
      expression,
      timezone,
      state: body.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
      target,
      actionAfterCompletion: String(body.ActionAfterCompletion ?? 'NONE'),
      createdAt,
      modifiedAt: now,
      startAt: now,
      lastFiredAt: null,
    };
  }

  private context(schedule: StoredSchedule): { expression: ScheduleExpression; ctx: FireContext } {
    return {
      expression: parseExpression(schedule.expression),
      ctx: { timezone: schedule.timezone, start: new Date(schedule.startAt) },
    };
  }

  /** The next firing after the last one done (or, new, from the start on). */
  private next(schedule: StoredSchedule): number | undefined {
    const { expression, ctx } = this.context(schedule);
    const after = schedule.lastFiredAt ?? schedule.startAt - 1;
    return nextFireAfter(expression, new Date(after), ctx)?.getTime();
  }

  /** The latest firing due before now that was not done; undefined when none was missed. */
  private latestMissed(schedule: StoredSchedule): number | undefined {
    const { expression, ctx } = this.context(schedule);
    const now = this.now();
    const first = this.next(schedule);
    if (first === undefined || first > now) return undefined;
    let due: number = first;
    for (let step = 0; step < MAX_CATCH_UP_STEPS; step++) {
      const following: number | undefined = nextFireAfter(
        expression,
        new Date(due),
        ctx,
      )?.getTime();
      if (following === undefined || following > now) break;
      due = following;
    }
    return due;
  }

  /** Sets the timer of the schedule's next firing (none when disabled or done). */
  private arm(schedule: StoredSchedule, fresh = false): void {
    const key = keyOf(schedule.group, schedule.name);
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    if (this.stopped || schedule.state !== 'ENABLED') return;
    const due = fresh ? this.next(schedule) : this.nextAfterNow(schedule);
    if (due === undefined) return;
    const delay = Math.max(0, due - this.now());
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        if (this.schedules.get(key) !== schedule) return; // changed or deleted meanwhile
        if (delay > MAX_TIMER_MS) {
          this.arm(schedule);
          return;
        }
        const firing = this.fire(schedule, due).finally(() => {
          this.inFlight.delete(firing);
          if (this.schedules.get(key) === schedule) this.arm(schedule);
        });
        this.inFlight.add(firing);
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    timer.unref?.();
    this.timers.set(key, timer);
  }

  /** The next firing strictly after the later of now and the last firing done. */
  private nextAfterNow(schedule: StoredSchedule): number | undefined {
    const { expression, ctx } = this.context(schedule);
    const after = Math.max(this.now() - 1, schedule.lastFiredAt ?? schedule.startAt - 1);
    return nextFireAfter(expression, new Date(after), ctx)?.getTime();
  }

  /** Delivers one firing to the target (retried, then to the DLQ) and records it as done. */
  private async fire(schedule: StoredSchedule, scheduledAt: number): Promise<void> {
    const time = new Date(scheduledAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const input = (schedule.target.Input ?? '').replaceAll('<aws.scheduler.scheduled-time>', time);
    let delivered = false;
    for (let attempt = 1; attempt <= DELIVERY_ATTEMPTS && !delivered; attempt++) {
      try {
        await this.options.deliver(schedule.target.Arn, input);
        delivered = true;
      } catch (error) {
        if (attempt === DELIVERY_ATTEMPTS) this.options.onError?.(error);
        else await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
    const deadLetter = schedule.target.DeadLetterConfig?.Arn;
    if (!delivered && deadLetter) {
      await this.options.deliver(deadLetter, input).catch((error) => this.options.onError?.(error));
    }
    schedule.lastFiredAt = Math.max(schedule.lastFiredAt ?? 0, scheduledAt);
    this.save();
  }

  private save(): void {
    const temporary = `${this.options.file}.tmp`;
    writeFileSync(temporary, JSON.stringify([...this.schedules.values()], null, 1));
    renameSync(temporary, this.options.file);
  }

  private arn(schedule: StoredSchedule): string {
    return `arn:aws:scheduler:${this.options.region}:000000000000:schedule/${schedule.group}/${schedule.name}`;
  }
}

const keyOf = (group: string, name: string) => `${group}/${name}`;
const notFound = (name: string) =>
  new SchedulerError('ResourceNotFoundException', 404, `schedule ${name} does not exist`);
