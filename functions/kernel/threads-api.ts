/** Threads HTTP API: conversations with an agent, a turn per message (API.md, Threads). */
import * as z from 'zod';
import { systemClock } from '../../shared/core/ports.js';
import { Authorization } from '../../shared/core/security/authorization.js';
import {
  createThread,
  deleteThread,
  getThread,
  listMessages,
  listThreads,
  postMessage,
  type ThreadDeps,
} from '../../shared/core/threads/thread-service.js';
import { parseInput } from '../../shared/core/validation.js';
import {
  actorOf,
  callerOf,
  createHttpApi,
  type HttpRequest,
  ok,
  pageRequest,
} from '../../shared/runtime/http-api.js';
import { threadStore } from '../../shared/runtime/interaction.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import {
  agentStore,
  eventPublisher,
  once,
  taskSender,
  taskStore,
} from '../../shared/runtime/wiring.js';

const logger = createLogger('kernel');

const listQuerySchema = z.object({ agentId: z.string().min(1).max(63).optional() });

const eventContext = (request: HttpRequest) => ({
  correlationId: request.correlationId,
  clock: systemClock,
  actor: actorOf(request),
});
const idOf = (request: HttpRequest) => request.pathParameters.id ?? '';

/** An agent-scoped key sees and uses its own agent's threads only (403 otherwise, audited). */
export function threadsApi(deps: () => ThreadDeps) {
  const authorization = () => new Authorization(deps().events, systemClock);
  /** The thread, once the caller has been allowed to use it. */
  const ownThread = async (request: HttpRequest) => {
    const thread = await getThread(deps(), idOf(request));
    await authorization().requireAgent(callerOf(request), thread.agentId, `thread:${thread.id}`);
    return thread;
  };
  return createHttpApi({
    'POST /v1/threads': async (request) => {
      const agentId = (request.body as { agentId?: unknown } | undefined)?.agentId;
      // Authorised before the agent is looked up; without an agentId the body fails validation.
      if (typeof agentId === 'string')
        await authorization().requireAgent(callerOf(request), agentId);
      return ok(await createThread(deps(), request.body, eventContext(request)), 201);
    },
    'GET /v1/threads': async (request) => {
      const page = pageRequest(request.query);
      const filter = parseInput(listQuerySchema, { agentId: request.query.agentId }, 'query');
      const { principal } = request;
      if (principal.kind === 'agent') {
        if (filter.agentId && filter.agentId !== principal.agentId) {
          await authorization().requireAgent(callerOf(request), filter.agentId);
        }
        filter.agentId = principal.agentId;
      }
      return ok(await listThreads(deps(), { ...page, ...filter }));
    },
    'GET /v1/threads/{id}': async (request) => ok(await ownThread(request)),
    'DELETE /v1/threads/{id}': async (request) => {
      const thread = await ownThread(request);
      await deleteThread(deps(), thread, eventContext(request));
      // As the other DELETEs answer: the thing removed, as it was.
      return ok(thread);
    },
    'POST /v1/threads/{id}/messages': async (request) => {
      const thread = await ownThread(request);
      return ok(await postMessage(deps(), thread, request.body, eventContext(request)), 202);
    },
    'GET /v1/threads/{id}/messages': async (request) => {
      const thread = await ownThread(request);
      const { limit } = pageRequest({
        ...(request.query.limit ? { limit: request.query.limit } : {}),
      });
      return ok(
        await listMessages(deps(), thread, {
          limit,
          after: request.query.after,
          cursor: request.query.cursor,
        }),
      );
    },
  });
}

const deps = once(
  (): ThreadDeps => ({
    threads: threadStore(),
    agents: agentStore(),
    tasks: taskStore(),
    queue: taskSender(),
    events: eventPublisher(),
  }),
);

export const handler = httpHandler(threadsApi(deps), logger);
