/**
 * Schedules as a function is configured: the store, and the timers in EventBridge Scheduler
 * (SCHEDULE_GROUP_NAME, SCHEDULE_TARGET_ARN, SCHEDULE_ROLE_ARN, SCHEDULE_DLQ_ARN; locally the
 * runtime's own Scheduler endpoint). Built once per process, on first use.
 */
import { dynamoClient } from '../adapters/clients/dynamodb.js';
import { schedulerClient } from '../adapters/clients/scheduler.js';
import { DynamoScheduleStore } from '../adapters/dynamo-schedule-store.js';
import { EventBridgeScheduleTimer } from '../adapters/eventbridge-schedule-timer.js';
import { once } from '../core/once.js';
import { requiredEnv, tableName } from './config.js';
import { SCHEDULE_ENV } from './environment.js';

export const scheduleStore = /* @__PURE__ */ once(
  () => new DynamoScheduleStore(dynamoClient(), tableName()),
);

export const scheduleTimer = /* @__PURE__ */ once(
  () =>
    new EventBridgeScheduleTimer(schedulerClient(), {
      groupName: requiredEnv(SCHEDULE_ENV.groupName),
      targetArn: requiredEnv(SCHEDULE_ENV.targetArn),
      roleArn: requiredEnv(SCHEDULE_ENV.roleArn),
      deadLetterArn: requiredEnv(SCHEDULE_ENV.deadLetterArn),
    }),
);
