/**
 * Schedules HTTP API: tasks and workflows that run on their own clock (rate, cron or at, in a
 * time zone). A schedule may start any agent's work, so schedules are the admin's.
 */
import { type AgentStore, type EventPublisher, systemClock } from '../../shared/core/ports.js';
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listSchedules,
  patchSchedule,
  type ScheduleServiceDeps,
} from '../../shared/core/schedules/schedule-service.js';
import { Authorization } from '../../shared/core/security/authorization.js';
import {
  callerOf,
  createHttpApi,
  type HttpRequest,
  ok,
  pageRequest,
} from '../../shared/runtime/http-api.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { scheduleStore, scheduleTimer } from '../../shared/runtime/schedules.js';
import { agentStore, eventPublisher, once } from '../../shared/runtime/wiring.js';

const logger = createLogger('scheduler');

export interface SchedulesApiDeps extends ScheduleServiceDeps {
  agents: AgentStore;
  events: EventPublisher;
}

const idOf = (request: HttpRequest) => request.pathParameters.id ?? '';

export function schedulesApi(deps: () => SchedulesApiDeps) {
  const admin = (request: HttpRequest) =>
    new Authorization(deps().events, systemClock).requireAdmin(callerOf(request), 'schedules');
  return createHttpApi({
    'POST /v1/schedules': async (request) => {
      await admin(request);
      return ok(await createSchedule(deps(), request.body), 201);
    },
    'GET /v1/schedules': async (request) => {
      await admin(request);
      return ok(await listSchedules(deps(), pageRequest(request.query)));
    },
    'GET /v1/schedules/{id}': async (request) => {
      await admin(request);
      return ok(await getSchedule(deps(), idOf(request)));
    },
    'PATCH /v1/schedules/{id}': async (request) => {
      await admin(request);
      return ok(await patchSchedule(deps(), idOf(request), request.body));
    },
    'DELETE /v1/schedules/{id}': async (request) => {
      await admin(request);
      return ok(await deleteSchedule(deps(), idOf(request)));
    },
  });
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
