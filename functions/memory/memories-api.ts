/** Memory HTTP API: an agent's memories (write, list, delete, search) and its grants. */
import {
  deleteMemory,
  grantAccess,
  listGrants,
  listMemories,
  type MemoryDeps,
  revokeGrant,
  searchMemories,
  writeMemory,
} from '../../shared/core/memory/memory-service.js';
import {
  callerOf,
  createHttpApi,
  type HttpRequest,
  ok,
  pageRequest,
} from '../../shared/runtime/http-api.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { memoryDeps } from '../../shared/runtime/memory.js';

const logger = createLogger('memory');

const idOf = (request: HttpRequest) => request.pathParameters.id ?? '';

export function memoriesApi(deps: () => MemoryDeps) {
  return createHttpApi({
    'POST /v1/agents/{id}/memories': async (request) =>
      ok(await writeMemory(deps(), callerOf(request), idOf(request), request.body), 201),
    'GET /v1/agents/{id}/memories': async (request) =>
      ok(
        await listMemories(
          deps(),
          callerOf(request),
          idOf(request),
          { namespace: request.query.namespace },
          pageRequest(request.query),
        ),
      ),
    'DELETE /v1/agents/{id}/memories/{memoryId}': async (request) =>
      ok(
        await deleteMemory(
          deps(),
          callerOf(request),
          idOf(request),
          request.pathParameters.memoryId ?? '',
        ),
      ),
    'POST /v1/agents/{id}/memories/search': async (request) =>
      ok(await searchMemories(deps(), callerOf(request), idOf(request), request.body ?? {})),
    'POST /v1/agents/{id}/grants': async (request) => {
      const { grant, created } = await grantAccess(
        deps(),
        callerOf(request),
        idOf(request),
        request.body,
      );
      return ok(grant, created ? 201 : 200);
    },
    'GET /v1/agents/{id}/grants': async (request) =>
      ok(await listGrants(deps(), callerOf(request), idOf(request), pageRequest(request.query))),
    'DELETE /v1/agents/{id}/grants/{grantId}': async (request) =>
      ok(
        await revokeGrant(
          deps(),
          callerOf(request),
          idOf(request),
          request.pathParameters.grantId ?? '',
        ),
      ),
  });
}

export const handler = httpHandler(memoriesApi(memoryDeps), logger);
