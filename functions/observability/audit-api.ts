/** Observability HTTP API: the audit log (admin only): who did what to what, from which key. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { type AuditStore, type EventPublisher, systemClock } from '../../shared/core/ports.js';
import { Authorization } from '../../shared/core/security/authorization.js';
import { parseInput } from '../../shared/core/validation.js';
import {
  callerOf,
  createHttpApi,
  httpErrorHandler,
  ok,
  pageRequest,
} from '../../shared/runtime/http-api.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { auditStore, eventPublisher, once } from '../../shared/runtime/wiring.js';

const logger = createLogger('observability');

const querySchema = z.object({
  actor: z.string().min(1).max(100).optional(),
  action: z.string().min(1).max(100).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
});

export interface AuditApiDeps {
  audit: AuditStore;
  events: EventPublisher;
}

export function auditApi(deps: () => AuditApiDeps) {
  return createHttpApi({
    'GET /v1/audit': async (request) => {
      await new Authorization(deps().events, systemClock).requireAdmin(callerOf(request), 'audit');
      const { actor, action, since } = request.query;
      const filter = parseInput(querySchema, { actor, action, since }, 'query');
      return ok(await deps().audit.list({ ...pageRequest(request.query), ...filter }));
    },
  });
}

const deps = once((): AuditApiDeps => ({ audit: auditStore(), events: eventPublisher() }));

export const handler = middy(auditApi(deps))
  .use(injectLambdaContext(logger))
  .use(httpErrorHandler({ logger }));
