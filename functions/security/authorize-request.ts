/**
 * HTTP API Lambda authorizer. It labels every request with its principal rather than denying:
 * API Gateway would answer a denial with its own body, and the contract wants 401 in the
 * agent-core error shape, which the route handler gives for an anonymous principal. A route
 * handler never runs its logic for a request this function did not authenticate.
 */
import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import {
  type AdminKeySource,
  type AgentKeyLookup,
  authenticate,
} from '../../shared/core/security/api-keys.js';
import type { AuthorizerContext } from '../../shared/core/security/principal.js';
import { eventHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { apiKeyAuthentication } from '../../shared/runtime/wiring.js';

const logger = createLogger('security');

export interface AuthorizerDeps {
  admin: AdminKeySource;
  agentKeys?: AgentKeyLookup;
}

export function authorizeRequest(deps: () => AuthorizerDeps) {
  return async (
    event: APIGatewayRequestAuthorizerEventV2,
  ): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>> => {
    const header = event.headers?.authorization ?? event.headers?.Authorization;
    const { admin, agentKeys } = deps();
    const result = await authenticate(header, admin, agentKeys);
    if (result.authenticated) {
      return { isAuthorized: true, context: { principal: result.principal, keyId: result.keyId } };
    }
    logger.info('unauthenticated request', { routeKey: event.routeKey, reason: result.reason });
    return { isAuthorized: true, context: { principal: '', reason: result.reason } };
  };
}

export const handler = eventHandler(authorizeRequest(apiKeyAuthentication), logger);
