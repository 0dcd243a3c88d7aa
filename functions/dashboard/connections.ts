/**
 * The dashboard WebSocket API's routes, one handler routed by `requestContext.routeKey`:
 * `$connect` records the connection under the scope its authorizer found, `$disconnect` forgets
 * it, `$default` takes subscribe (by types, or to one task or thread: replay, then live),
 * unsubscribe and ping messages (a bad one gets an error frame).
 */
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import {
  type ConnectionDeps,
  connect,
  disconnect,
  isFeedPrincipal,
  receive,
} from '../../shared/core/dashboard/connection-service.js';
import { errorFrame } from '../../shared/core/dashboard/frames.js';
import { connectionDeps } from '../../shared/runtime/dashboard.js';
import { eventHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';

const logger = createLogger('dashboard');

/** The route event, with the context the `$connect` authorizer returned (kept for the connection). */
export type ConnectionEvent = APIGatewayProxyWebsocketEventV2 & {
  requestContext: { authorizer?: { principal?: string; keyId?: string } | null };
};

type Result = { statusCode: number; body?: string } & APIGatewayProxyResultV2;

export function handleConnection(deps: () => ConnectionDeps) {
  return async (event: ConnectionEvent): Promise<Result> => {
    const { routeKey, connectionId } = event.requestContext;
    const principal = event.requestContext.authorizer?.principal;
    switch (routeKey) {
      case '$connect':
        if (!isFeedPrincipal(principal)) {
          // The authorizer lets no such connection through; refuse rather than store it.
          logger.warn('connection without a principal refused', { connectionId });
          return { statusCode: 403 };
        }
        await connect(deps(), connectionId, principal);
        logger.info('dashboard connected', { connectionId, principal });
        return { statusCode: 200 };
      case '$disconnect':
        await disconnect(deps(), connectionId);
        return { statusCode: 200 };
      default: {
        // API Gateway passes the $connect authorizer's context on with every message; the stored
        // connection says the same, should a context ever come without it.
        const scope = isFeedPrincipal(principal)
          ? principal
          : (await deps().connections.get(connectionId))?.principal;
        if (!isFeedPrincipal(scope)) {
          await deps().poster.post(connectionId, errorFrame('this connection is not authorized'));
          return { statusCode: 403 };
        }
        try {
          await receive(deps(), connectionId, scope, event.body);
        } catch (error) {
          logger.error('dashboard message failed', { connectionId, error: error as Error });
          await deps()
            .poster.post(connectionId, errorFrame('internal error; try again'))
            .catch(() => undefined);
          return { statusCode: 500 };
        }
        return { statusCode: 200 };
      }
    }
  };
}

export const handler = eventHandler(handleConnection(connectionDeps), logger);
