/** IPC HTTP API: send messages between agents under their ACL, read an inbox, acknowledge. */
import {
  ackMessage,
  type InboxDeps,
  type MessagingDeps,
  readInbox,
  sendMessage,
} from '../../shared/core/ipc/message-service.js';
import { callerOf, createHttpApi, ok } from '../../shared/runtime/http-api.js';
import { implement } from '../../shared/runtime/http-contract.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { inboxStore, messagingDeps } from '../../shared/runtime/messaging.js';
import { once } from '../../shared/runtime/wiring.js';
import { messageRoutes } from './messages-contract.js';

const logger = createLogger('ipc');

export type MessagesApiDeps = MessagingDeps & InboxDeps;

export function messagesApi(deps: () => MessagesApiDeps) {
  return createHttpApi(
    implement(messageRoutes, {
      send: async ({ body }, request) =>
        ok(await sendMessage(deps(), callerOf(request), body), 202),
      inbox: async ({ params, query, page }, request) =>
        ok(await readInbox(deps(), callerOf(request), params.id, { ...page, since: query.since })),
      ack: async ({ params }, request) =>
        ok(await ackMessage(deps(), callerOf(request), params.id, params.messageId)),
    }),
  );
}

const deps = once((): MessagesApiDeps => ({ ...messagingDeps(), inbox: inboxStore() }));

export const handler = httpHandler(messagesApi(deps), logger);
