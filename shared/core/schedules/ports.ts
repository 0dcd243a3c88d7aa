/** What schedules need from the outside: their store, and the clock that fires them. */
import type { Page, PageRequest } from '../ports.js';
import type { Schedule } from './schedule.js';

export interface ScheduleStore {
  /** Throws ConflictError when the id exists. */
  create(schedule: Schedule): Promise<void>;
  get(id: string): Promise<Schedule | undefined>;
  list(request: PageRequest): Promise<Page<Schedule>>;
  /**
   * Writes the schedule if its stored version is still `expectVersion` (the new one is
   * `schedule.version`); false when another write came first.
   */
  replace(schedule: Schedule, expectVersion: number): Promise<boolean>;
  /** Removes it; false when there was none. */
  delete(id: string): Promise<boolean>;
}

/** What the timer needs of a schedule: when it fires, and whether it is on. */
export interface TimerSpec {
  id: string;
  expression: string;
  timezone: string;
  enabled: boolean;
}

/**
 * The service that fires schedules: EventBridge Scheduler deployed, the local runtime's own
 * endpoint locally (the same adapter either way). Each firing delivers `{scheduleId, firedAt}`.
 */
export interface ScheduleTimer {
  /** Throws ConflictError when a timer of this id exists. */
  create(spec: TimerSpec): Promise<void>;
  update(spec: TimerSpec): Promise<void>;
  /** Removes the timer; one that does not exist is fine. */
  delete(id: string): Promise<void>;
}
