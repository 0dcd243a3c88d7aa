/**
 * Schedules in the single table: `SCHEDULE#<id>` / `SCHEDULE`, listed through gsi1 `SCHEDULES`
 * by id. The task or workflow body and the runs are stored as JSON strings, so any JSON value
 * round-trips exactly; every write is conditional on the version read.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../core/errors.js';
import type { Page, PageRequest } from '../core/ports.js';
import type { ScheduleStore } from '../core/schedules/ports.js';
import type { Schedule } from '../core/schedules/schedule.js';
import { isConditionFailure, queryPage } from './dynamo-pages.js';

const key = (id: string) => ({ pk: `SCHEDULE#${id}`, sk: 'SCHEDULE' });

function toItem(schedule: Schedule): Record<string, unknown> {
  const { task, workflow, runs, ...rest } = schedule;
  return {
    ...key(schedule.id),
    type: 'schedule',
    gsi1pk: 'SCHEDULES',
    gsi1sk: schedule.id,
    ...rest,
    taskJson: JSON.stringify(task),
    workflowJson: JSON.stringify(workflow),
    runsJson: JSON.stringify(runs),
  };
}

function toSchedule(item: Record<string, unknown>): Schedule {
  const stored = item as unknown as Schedule & Record<string, string>;
  return {
    id: stored.id,
    expression: stored.expression,
    timezone: stored.timezone,
    task: JSON.parse(stored.taskJson as string),
    workflow: JSON.parse(stored.workflowJson as string),
    overlap: stored.overlap,
    enabled: stored.enabled,
    startAt: stored.startAt,
    lastFiredAt: stored.lastFiredAt ?? null,
    runs: JSON.parse(stored.runsJson as string),
    version: stored.version,
    createdAt: stored.createdAt,
    updatedAt: stored.updatedAt,
  };
}

export class DynamoScheduleStore implements ScheduleStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(schedule: Schedule): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(schedule),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`schedule '${schedule.id}' exists`);
      throw error;
    }
  }

  async get(id: string): Promise<Schedule | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key(id), ConsistentRead: true }),
    );
    return result.Item ? toSchedule(result.Item) : undefined;
  }

  list(request: PageRequest): Promise<Page<Schedule>> {
    return queryPage(
      this.client,
      {
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': 'SCHEDULES' },
      },
      {
        limit: request.limit,
        cursor: request.cursor,
        keyNames: ['gsi1pk', 'gsi1sk', 'pk', 'sk'],
        partition: ['gsi1pk', 'SCHEDULES'],
        map: toSchedule,
      },
    );
  }

  async replace(schedule: Schedule, expectVersion: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(schedule),
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': expectVersion },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: key(id), ReturnValues: 'ALL_OLD' }),
    );
    return result.Attributes !== undefined;
  }
}
