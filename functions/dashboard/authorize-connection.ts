/**
 * The dashboard WebSocket API's `$connect` authorizer. The API key comes in the `token` query
 * parameter (browsers cannot set headers on a WebSocket); a valid key is allowed, labelled with
 * its scope, and anything else is denied, so the connection is refused before it opens.
 * WebSocket APIs take only IAM policy responses (no simple responses). The token is never logged.
 */
import type {
  APIGatewayAuthorizerWithContextResult,
  APIGatewayRequestAuthorizerEvent,
} from 'aws-lambda';
import {
  type AdminKeySource,
  type AgentKeyLookup,
  authenticate,
} from '../../shared/core/security/api-keys.js';
import { eventHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { apiKeyAuthentication } from '../../shared/runtime/wiring.js';

const logger = createLogger('dashboard');

export interface ConnectionAuthorizerDeps {
  admin: AdminKeySource;
  agentKeys?: AgentKeyLookup;
}

/** What the connection's routes find in `requestContext.authorizer`. */
export interface ConnectionAuthorizerContext {
  [key: string]: string;
  /** `admin` or `agent:<id>`. */
  principal: string;
  keyId: string;
}

export type ConnectionAuthorizerResult = APIGatewayAuthorizerWithContextResult<
  ConnectionAuthorizerContext | Record<string, never>
>;

const policy = (effect: 'Allow' | 'Deny', methodArn: string) => ({
  Version: '2012-10-17',
  Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: methodArn }],
});

export function authorizeConnection(deps: () => ConnectionAuthorizerDeps) {
  return async (event: APIGatewayRequestAuthorizerEvent): Promise<ConnectionAuthorizerResult> => {
    const token = event.queryStringParameters?.token;
    const { admin, agentKeys } = deps();
    // `authenticate` reads an Authorization header; a token with whitespace is not a key.
    const result = token
      ? await authenticate(`Bearer ${token}`, admin, agentKeys)
      : ({ authenticated: false, reason: 'missing token query parameter' } as const);
    if (result.authenticated) {
      return {
        principalId: result.principal,
        policyDocument: policy('Allow', event.methodArn),
        context: { principal: result.principal, keyId: result.keyId },
      };
    }
    logger.info('dashboard connection refused', { reason: result.reason });
    return {
      principalId: 'anonymous',
      policyDocument: policy('Deny', event.methodArn),
      context: {},
    };
  };
}

export const handler = eventHandler(authorizeConnection(apiKeyAuthentication), logger);
