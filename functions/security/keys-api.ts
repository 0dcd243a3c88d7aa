/** Security HTTP API: agent-scoped API keys, minted (shown once), listed and revoked by the admin. */
import { systemClock } from '../../shared/core/ports.js';
import {
  type ApiKeyDeps,
  listApiKeys,
  mintApiKey,
  revokeApiKey,
} from '../../shared/core/security/api-key-service.js';
import { Authorization } from '../../shared/core/security/authorization.js';
import {
  actorOf,
  callerOf,
  createHttpApi,
  type HttpRequest,
  ok,
  pageRequest,
} from '../../shared/runtime/http-api.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { agentStore, apiKeyStore, eventPublisher, once } from '../../shared/runtime/wiring.js';

const logger = createLogger('security');

const eventContext = (request: HttpRequest) => ({
  correlationId: request.correlationId,
  clock: systemClock,
  actor: actorOf(request),
});

export function keysApi(deps: () => ApiKeyDeps) {
  const admin = async (request: HttpRequest) =>
    new Authorization(deps().events, systemClock).requireAdmin(callerOf(request), 'keys');
  return createHttpApi({
    'POST /v1/keys': async (request) => {
      await admin(request);
      return ok(
        await mintApiKey(deps(), request.body, request.principal.id, eventContext(request)),
        201,
      );
    },
    'GET /v1/keys': async (request) => {
      await admin(request);
      return ok(await listApiKeys(deps(), pageRequest(request.query)));
    },
    'DELETE /v1/keys/{id}': async (request) => {
      await admin(request);
      const keyId = request.pathParameters.id ?? '';
      return ok(await revokeApiKey(deps(), keyId, request.principal.id, eventContext(request)));
    },
  });
}

const deps = once(
  (): ApiKeyDeps => ({ keys: apiKeyStore(), agents: agentStore(), events: eventPublisher() }),
);

export const handler = httpHandler(keysApi(deps), logger);
