/** Threads HTTP API: conversations with an agent, a turn per message (API.md, Threads). */
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
import {
  callerOf,
  createHttpApi,
  eventContextOf,
  type HttpRequest,
  ok,
} from '../../shared/runtime/http-api.js';
import { implement } from '../../shared/runtime/http-contract.js';
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
import { threadRoutes } from './threads-contract.js';

const logger = createLogger('kernel');

/** An agent-scoped key sees and uses its own agent's threads only (403 otherwise, audited). */
export function threadsApi(deps: () => ThreadDeps) {
  const authorization = () => new Authorization(deps().events, systemClock);
  /** The thread, once the caller has been allowed to use it. */
  const ownThread = async (id: string, request: HttpRequest) => {
    const thread = await getThread(deps(), id);
    await authorization().requireAgent(callerOf(request), thread.agentId, `thread:${thread.id}`);
    return thread;
  };
  return createHttpApi(
    implement(threadRoutes, {
      create: async ({ body }, request) => {
        // Authorised before the agent is looked up, so a foreign key learns nothing of it.
        await authorization().requireAgent(callerOf(request), body.agentId);
        return ok(await createThread(deps(), body, eventContextOf(request)), 201);
      },
      list: async ({ query, page }, request) => {
        const agentId = await authorization().listedAgent(callerOf(request), query.agentId);
        const filter = { ...query, agentId };
        return ok(await listThreads(deps(), { ...page, ...filter }));
      },
      get: async ({ params }, request) => ok(await ownThread(params.id, request)),
      delete: async ({ params }, request) => {
        const thread = await ownThread(params.id, request);
        await deleteThread(deps(), thread, eventContextOf(request));
        // As the other DELETEs answer: the thing removed, as it was.
        return ok(thread);
      },
      post: async ({ params, body }, request) => {
        const thread = await ownThread(params.id, request);
        return ok(await postMessage(deps(), thread, body, eventContextOf(request)), 202);
      },
      messages: async ({ params, query, page }, request) => {
        const thread = await ownThread(params.id, request);
        return ok(
          await listMessages(deps(), thread, {
            limit: page.limit,
            after: query.after,
            cursor: page.cursor,
          }),
        );
      },
    }),
  );
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
