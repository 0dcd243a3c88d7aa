/**
 * Schedules as a function is configured: the store, and the timers in EventBridge Scheduler
 * (SCHEDULE_GROUP_NAME, SCHEDULE_TARGET_ARN, SCHEDULE_ROLE_ARN, SCHEDULE_DLQ_ARN; locally the
 * runtime's own Scheduler endpoint). Built once per process, on first use.
 */
import { SCHEDULE_ENV } from '../../infra/topology.js';
import { dynamoClient } from '../adapters/clients/dynamodb.js';
import { schedulerClient } from '../adapters/clients/scheduler.js';
import { DynamoScheduleStore } from '../adapters/dynamo-schedule-store.js';
import { EventBridgeScheduleTimer } from '../adapters/eventbridge-schedule-timer.js';
import { required, tableName } from './config.js';
import { once } from './once.js';

export const scheduleStore = /* @__PURE__ */ once(
  () => new DynamoScheduleStore(dynamoClient(), tableName()),
);

export const scheduleTimer = /* @__PURE__ */ once(
  () =>
    new EventBridgeScheduleTimer(schedulerClient(), {
      groupName: required(SCHEDULE_ENV.groupName),
      targetArn: required(SCHEDULE_ENV.targetArn),
      roleArn: required(SCHEDULE_ENV.roleArn),
      deadLetterArn: required(SCHEDULE_ENV.deadLetterArn),
    }),
);
