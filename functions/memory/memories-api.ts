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
import { callerOf, createHttpApi, ok } from '../../shared/runtime/http-api.js';
import { implement } from '../../shared/runtime/http-contract.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { memoryDeps } from '../../shared/runtime/memory.js';
import { memoryRoutes } from './memories-contract.js';

const logger = createLogger('memory');

export function memoriesApi(deps: () => MemoryDeps) {
  return createHttpApi(
    implement(memoryRoutes, {
      write: async ({ params, body }, request) =>
        ok(await writeMemory(deps(), callerOf(request), params.id, body), 201),
      list: async ({ params, query, page }, request) =>
        ok(await listMemories(deps(), callerOf(request), params.id, query, page)),
      delete: async ({ params }, request) =>
        ok(await deleteMemory(deps(), callerOf(request), params.id, params.memoryId)),
      search: async ({ params, body }, request) =>
        ok(await searchMemories(deps(), callerOf(request), params.id, body)),
      grant: async ({ params, body }, request) => {
        const { grant, created } = await grantAccess(deps(), callerOf(request), params.id, body);
        return ok(grant, created ? 201 : 200);
      },
      grants: async ({ params, page }, request) =>
        ok(await listGrants(deps(), callerOf(request), params.id, page)),
      revoke: async ({ params }, request) =>
        ok(await revokeGrant(deps(), callerOf(request), params.id, params.grantId)),
    }),
  );
}

export const handler = httpHandler(memoriesApi(memoryDeps), logger);
