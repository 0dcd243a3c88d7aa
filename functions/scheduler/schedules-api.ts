/**
 * Schedules HTTP API: tasks and workflows that run on their own clock (rate, cron or at, in a
 * time zone). A schedule may start any agent's work, so schedules are the admin's.
 */
import { type EventPublisher, systemClock } from '../../shared/core/ports.js';
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  patchSchedule,
  type ScheduleServiceDeps,
} from '../../shared/core/schedules/schedule-service.js';
import { adminCollectionRoutes, createHttpApi } from '../../shared/runtime/http-api.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { scheduleStore, scheduleTimer } from '../../shared/runtime/schedules.js';
import { agentStore, eventPublisher, once } from '../../shared/runtime/wiring.js';

const logger = createLogger('scheduler');

export interface SchedulesApiDeps extends ScheduleServiceDeps {
  events: EventPublisher;
}

export function schedulesApi(deps: () => SchedulesApiDeps) {
  return createHttpApi(
    adminCollectionRoutes(
      '/v1/schedules',
      'schedules',
      () => deps().events,
      () => ({
        create: (body) => createSchedule(deps(), body),
        list: (page) => listSchedules(deps(), page),
        get: (id) => getSchedule(deps(), id),
        patch: (id, body) => patchSchedule(deps(), id, body),
        remove: (id) => deleteSchedule(deps(), id),
      }),
    ),
  );
}

const deps = once(
  (): SchedulesApiDeps => ({
    schedules: scheduleStore(),
    timer: scheduleTimer(),
    agents: agentStore(),
    events: eventPublisher(),
    clock: systemClock,
  }),
);

export const handler = httpHandler(schedulesApi(deps), logger);
