/**
 * What the IPC layer gets from the runtime: the inbox store, the per-sender message rate
 * (`AGENT_CORE_MESSAGES_PER_MINUTE`, default 60), and the messaging service the task worker lends
 * the `agent.message` tool: the running agent sends, under the same rules as `POST /v1/messages`.
 */
import * as z from 'zod';
import { dynamoClient } from '../adapters/clients/dynamodb.js';
import { DynamoInboxStore } from '../adapters/dynamo-inbox-store.js';
import { newId } from '../core/ids.js';
import {
  DEFAULT_MESSAGES_PER_MINUTE,
  type MessagingDeps,
  sendMessage,
} from '../core/ipc/message-service.js';
import { once } from '../core/once.js';
import { systemClock } from '../core/ports.js';
import type { MessagingToolService } from '../core/tools/tool.js';
import { ConfigError, tableName } from './config.js';
import { agentStore, eventPublisher, rateLimiter } from './wiring.js';

export const MESSAGES_PER_MINUTE_ENV = 'AGENT_CORE_MESSAGES_PER_MINUTE';

const rateSchema = z.coerce.number().int().min(1).max(100_000);

/** Messages a sender may send a minute; a malformed value is a startup error naming the variable. */
export function readMessagesPerMinute(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[MESSAGES_PER_MINUTE_ENV];
  if (raw === undefined || raw === '') return DEFAULT_MESSAGES_PER_MINUTE;
  const result = rateSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      `environment variable ${MESSAGES_PER_MINUTE_ENV}: an integer from 1 to 100000, got '${raw}'`,
    );
  }
  return result.data;
}

export const messagesPerMinute = /* @__PURE__ */ once(() => readMessagesPerMinute());

export const inboxStore = /* @__PURE__ */ once(
  () => new DynamoInboxStore(dynamoClient(), tableName()),
);

export const messagingDeps = /* @__PURE__ */ once(
  (): MessagingDeps => ({
    agents: agentStore(),
    events: eventPublisher(),
    rateLimiter: rateLimiter(),
    clock: systemClock,
    messagesPerMinute: messagesPerMinute(),
  }),
);

/** `MessagingToolService` over any deps: the running agent is the sender and the caller. */
export function createMessagingService(deps: () => MessagingDeps): MessagingToolService {
  return {
    send: (from, input) =>
      sendMessage(
        deps(),
        {
          principal: { kind: 'agent', id: `agent:${from}`, agentId: from },
          action: 'tool:agent.message',
          correlationId: newId(),
        },
        { ...input, from },
      ),
  };
}

export const messagingService = /* @__PURE__ */ once(
  (): MessagingToolService => createMessagingService(messagingDeps),
);
