/** IPC HTTP API: send messages between agents under their ACL, read an inbox, acknowledge. */
import {
  ackMessage,
  type InboxDeps,
  type MessagingDeps,
  readInbox,
  sendMessage,
} from '../../shared/core/ipc/message-service.js';
import {
  callerOf,
  createHttpApi,
  type HttpRequest,
  ok,
  pageRequest,
} from '../../shared/runtime/http-api.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { inboxStore, messagingDeps } from '../../shared/runtime/messaging.js';
import { once } from '../../shared/runtime/wiring.js';

const logger = createLogger('ipc');

export type MessagesApiDeps = MessagingDeps & InboxDeps;

const idOf = (request: HttpRequest) => request.pathParameters.id ?? '';

export function messagesApi(deps: () => MessagesApiDeps) {
  return createHttpApi({
    'POST /v1/messages': async (request) =>
      ok(await sendMessage(deps(), callerOf(request), request.body), 202),
    'GET /v1/agents/{id}/inbox': async (request) =>
      ok(
        await readInbox(deps(), callerOf(request), idOf(request), {
          ...pageRequest(request.query),
          since: request.query.since,
        }),
      ),
    'POST /v1/agents/{id}/inbox/{messageId}/ack': async (request) =>
      ok(
        await ackMessage(
          deps(),
          callerOf(request),
          idOf(request),
          request.pathParameters.messageId ?? '',
        ),
      ),
  });
}

const deps = once((): MessagesApiDeps => ({ ...messagingDeps(), inbox: inboxStore() }));

export const handler = httpHandler(messagesApi(deps), logger);
