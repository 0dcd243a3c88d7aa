/** Security HTTP API: agent-scoped API keys, minted (shown once), listed and revoked by the admin. */
import { systemClock } from '../../shared/core/ports.js';
import {
  type ApiKeyDeps,
  listApiKeys,
  mintApiKey,
  revokeApiKey,
} from '../../shared/core/security/api-key-service.js';
import { Authorization } from '../../shared/core/security/authorization.js';
import { callerOf, createHttpApi, eventContextOf, ok } from '../../shared/runtime/http-api.js';
import { implement } from '../../shared/runtime/http-contract.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { agentStore, apiKeyStore, eventPublisher, once } from '../../shared/runtime/wiring.js';
import { keyRoutes } from './keys-contract.js';

const logger = createLogger('security');

export function keysApi(deps: () => ApiKeyDeps) {
  return createHttpApi(
    implement(
      keyRoutes,
      {
        mint: async ({ body }, request) =>
          ok(await mintApiKey(deps(), body, request.principal.id, eventContextOf(request)), 201),
        list: async ({ page }) => ok(await listApiKeys(deps(), page)),
        revoke: async ({ params }, request) =>
          ok(await revokeApiKey(deps(), params.id, request.principal.id, eventContextOf(request))),
      },
      {
        admin: (request) =>
          new Authorization(deps().events, systemClock).requireAdmin(callerOf(request), 'keys'),
      },
    ),
  );
}

const deps = once(
  (): ApiKeyDeps => ({ keys: apiKeyStore(), agents: agentStore(), events: eventPublisher() }),
);

export const handler = httpHandler(keysApi(deps), logger);
