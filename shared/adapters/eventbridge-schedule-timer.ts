/**
 * Schedules' timers as EventBridge Scheduler schedules: one per schedule, in the stack's schedule
 * group, named after the schedule, whose target sends `{scheduleId, firedAt}` to the firings
 * queue (with the scheduler's own role, and a dead-letter queue for what it cannot deliver).
 * Locally the same calls reach the local runtime's Scheduler endpoint (local/scheduler.ts).
 */
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  GetScheduleCommand,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { ConflictError } from '../core/errors.js';
import type { ScheduleTimer, TimerSpec } from '../core/schedules/ports.js';

export interface ScheduleTargetConfig {
  groupName: string;
  /** The firings queue's ARN. */
  targetArn: string;
  /** The role EventBridge Scheduler assumes to send there (and to the DLQ). */
  roleArn: string;
  deadLetterArn: string;
}

/** Filled in by EventBridge Scheduler with the firing's scheduled time (ISO 8601, UTC). */
export const SCHEDULED_TIME = '<aws.scheduler.scheduled-time>';

export class EventBridgeScheduleTimer implements ScheduleTimer {
  constructor(
    private readonly client: SchedulerClient,
    private readonly config: ScheduleTargetConfig,
  ) {}

  async create(spec: TimerSpec): Promise<void> {
    try {
      await this.client.send(new CreateScheduleCommand(this.input(spec)));
    } catch (error) {
      if ((error as Error).name === 'ConflictException') {
        throw new ConflictError(`a timer for schedule '${spec.id}' exists`);
      }
      throw error;
    }
  }

  async update(spec: TimerSpec): Promise<void> {
    await this.client.send(new UpdateScheduleCommand(this.input(spec)));
  }

  async delete(id: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteScheduleCommand({ Name: id, GroupName: this.config.groupName }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    }
  }

  /** The timer as the scheduler has it; undefined when there is none. */
  async get(id: string): Promise<TimerSpec | undefined> {
    try {
      const found = await this.client.send(
        new GetScheduleCommand({ Name: id, GroupName: this.config.groupName }),
      );
      return {
        id,
        expression: found.ScheduleExpression ?? '',
        timezone: found.ScheduleExpressionTimezone ?? 'UTC',
        enabled: found.State === 'ENABLED',
      };
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }

  private input(spec: TimerSpec): CreateScheduleCommandInput {
    return {
      Name: spec.id,
      GroupName: this.config.groupName,
      ScheduleExpression: spec.expression,
      ScheduleExpressionTimezone: spec.timezone,
      State: spec.enabled ? 'ENABLED' : 'DISABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      // A one-time schedule stays (disabled by its end) so GET shows what it did.
      ActionAfterCompletion: 'NONE',
      Target: {
        Arn: this.config.targetArn,
        RoleArn: this.config.roleArn,
        Input: JSON.stringify({ scheduleId: spec.id, firedAt: SCHEDULED_TIME }),
        DeadLetterConfig: { Arn: this.config.deadLetterArn },
        // A firing that cannot be delivered for an hour is stale: it goes to the DLQ.
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 20 },
      },
    };
  }
}
