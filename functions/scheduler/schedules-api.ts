/**
 * Schedules HTTP API: tasks and workflows that run on their own clock (rate, cron or at, in a
 * time zone). A schedule may start any agent's work, so schedules are the admin's.
 */
import { systemClock } from '../../shared/core/ports.js';
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  patchSchedule,
  type ScheduleServiceDeps,
} from '../../shared/core/schedules/schedule-service.js';
import { Authorization } from '../../shared/core/security/authorization.js';
import { callerOf, createHttpApi, eventContextOf, ok } from '../../shared/runtime/http-api.js';
import { implement } from '../../shared/runtime/http-contract.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { scheduleStore, scheduleTimer } from '../../shared/runtime/schedules.js';
import { agentStore, eventPublisher, once } from '../../shared/runtime/wiring.js';
import { scheduleRoutes } from './schedules-contract.js';

const logger = createLogger('scheduler');

export type SchedulesApiDeps = ScheduleServiceDeps;

export function schedulesApi(deps: () => SchedulesApiDeps) {
  return createHttpApi(
    implement(
      scheduleRoutes,
      {
        create: async ({ body }, request) =>
          ok(await createSchedule(deps(), body, eventContextOf(request)), 201),
        list: async ({ page }) => ok(await listSchedules(deps(), page)),
        get: async ({ params }) => ok(await getSchedule(deps(), params.id)),
        patch: async ({ params, body }, request) =>
          ok(await patchSchedule(deps(), params.id, body, eventContextOf(request))),
        delete: async ({ params }, request) =>
          ok(await deleteSchedule(deps(), params.id, eventContextOf(request))),
      },
      {
        admin: (request) =>
          new Authorization(deps().events, systemClock).requireAdmin(
            callerOf(request),
            'schedules',
          ),
      },
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
