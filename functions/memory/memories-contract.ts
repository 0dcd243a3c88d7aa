/** The HTTP contract of memories and grants (handler: memories-api.ts). */
import * as z from 'zod';
import { createGrantSchema, GRANT_ACCESS } from '../../shared/core/memory/grant.js';
import {
  listMemoriesQuerySchema,
  searchMemorySchema,
  writeMemorySchema,
} from '../../shared/core/memory/memory.js';
import {
  defineRoutes,
  isoTime,
  jsonObject,
  nullableTime,
  pageOf,
  pathId,
} from '../../shared/runtime/http-contract.js';

export const memorySchema = z
  .object({
    id: z.string(),
    agentId: z.string().meta({ description: 'The owner: whose namespace holds it.' }),
    namespace: z.string(),
    text: z.string(),
    metadata: jsonObject,
    createdBy: z.string().meta({ description: '`admin` or `agent:<id>`.' }),
    createdAt: isoTime,
    expiresAt: nullableTime.meta({ description: 'Null: kept until deleted.' }),
    embeddingModel: z.string(),
  })
  .meta({ id: 'Memory' });

export const grantSchema = z
  .object({
    id: z.string(),
    agentId: z.string().meta({ description: 'The owner of the namespace.' }),
    namespace: z.string(),
    grantee: z.string().meta({ description: 'An agent id or `tag:<tag>`.' }),
    access: z.enum(GRANT_ACCESS),
    createdBy: z.string(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'Grant' });

const agentParam = { id: pathId('The agent id (the owner).') };

export const memoryRoutes = defineRoutes({
  write: {
    method: 'POST',
    path: '/v1/agents/{id}/memories',
    operationId: 'writeMemory',
    summary: 'Write a memory',
    description: "Into one of the agent's namespaces, or one shared with the caller for writing.",
    tag: 'memory',
    access: 'key',
    params: z.object(agentParam),
    body: writeMemorySchema.meta({ id: 'MemoryRequest' }),
    bodyName: 'memory',
    responses: { 201: { description: 'Written.', schema: memorySchema } },
    errors: [403, 429],
    example: { text: 'Prefer early returns', namespace: 'style', metadata: { source: 'review' } },
  },
  list: {
    method: 'GET',
    path: '/v1/agents/{id}/memories',
    operationId: 'listMemories',
    summary: "List an agent's memories",
    tag: 'memory',
    access: 'key',
    params: z.object(agentParam),
    // Not strict: the page's `limit` and `cursor` are in the same query.
    query: z.object(listMemoriesQuerySchema.shape),
    paginated: true,
    responses: { 200: { description: 'A page of memories.', schema: pageOf(memorySchema) } },
    errors: [403],
  },
  delete: {
    method: 'DELETE',
    path: '/v1/agents/{id}/memories/{memoryId}',
    operationId: 'deleteMemory',
    summary: 'Delete a memory',
    tag: 'memory',
    access: 'key',
    params: z.object({ ...agentParam, memoryId: pathId('The memory id.') }),
    responses: { 200: { description: 'The deleted memory.', schema: memorySchema } },
    errors: [403],
  },
  search: {
    method: 'POST',
    path: '/v1/agents/{id}/memories/search',
    operationId: 'searchMemories',
    summary: 'Search memories by meaning, best first',
    description: 'As the agent: its own namespaces and, with includeShared, those shared with it.',
    tag: 'memory',
    access: 'key',
    params: z.object({ id: pathId('The agent that searches.') }),
    body: searchMemorySchema.meta({ id: 'MemorySearch' }),
    bodyName: 'search',
    bodyOptional: true,
    responses: {
      200: {
        description: 'The best matches.',
        schema: z
          .object({
            items: z.array(
              z.object({ memory: memorySchema, score: z.number(), ownerAgentId: z.string() }),
            ),
            scanned: z.number().int().meta({ description: 'Memories compared.' }),
            truncated: z
              .boolean()
              .meta({ description: 'True when the search stopped at its bound.' }),
          })
          .meta({ id: 'MemorySearchResult' }),
      },
    },
    errors: [403, 429],
    example: { query: 'early return', k: 5, includeShared: true, minScore: 0.2 },
  },
  grant: {
    method: 'POST',
    path: '/v1/agents/{id}/grants',
    operationId: 'grantMemoryAccess',
    summary: 'Share a namespace with an agent or a tag',
    description: '201 when new; 200 when it changed or confirmed an existing grant.',
    tag: 'memory',
    access: 'key',
    params: z.object(agentParam),
    body: createGrantSchema.meta({ id: 'GrantRequest' }),
    bodyName: 'grant',
    responses: {
      200: { description: 'An existing grant, as it now is.', schema: grantSchema },
      201: { description: 'Granted.', schema: grantSchema },
    },
    errors: [403],
    example: { namespace: 'style', grantee: 'tag:analysis', access: 'read' },
  },
  grants: {
    method: 'GET',
    path: '/v1/agents/{id}/grants',
    operationId: 'listGrants',
    summary: "List the grants of an agent's namespaces",
    tag: 'memory',
    access: 'key',
    params: z.object(agentParam),
    paginated: true,
    responses: { 200: { description: 'A page of grants.', schema: pageOf(grantSchema) } },
    errors: [403],
  },
  revoke: {
    method: 'DELETE',
    path: '/v1/agents/{id}/grants/{grantId}',
    operationId: 'revokeGrant',
    summary: 'Revoke a grant',
    tag: 'memory',
    access: 'key',
    params: z.object({ ...agentParam, grantId: pathId('The grant id.') }),
    responses: { 200: { description: 'The revoked grant.', schema: grantSchema } },
    errors: [403],
  },
});
