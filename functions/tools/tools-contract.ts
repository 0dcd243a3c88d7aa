/** The HTTP contract of the tool catalogue (handler: tools-api.ts). */
import * as z from 'zod';
import { defineRoutes } from '../../shared/runtime/http-contract.js';

const toolSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    inputSchema: z.record(z.string(), z.unknown()).meta({ description: 'JSON Schema.' }),
    permission: z.string(),
    timeoutMs: z.number(),
    maxOutputBytes: z.number(),
    callsPerMinute: z.number(),
    source: z.string().meta({ description: '`built-in` or `mcp:<server>`.' }),
    allowed: z
      .boolean()
      .optional()
      .meta({ description: 'With ?agentId=: whether that agent may call it.' }),
  })
  .meta({ id: 'Tool' });

export const toolRoutes = defineRoutes({
  list: {
    method: 'GET',
    path: '/v1/tools',
    operationId: 'listTools',
    summary: 'The tool catalogue',
    description: "With `?agentId=`, also that agent's MCP tools and which tools it may call.",
    tag: 'tools',
    access: 'key',
    query: z.object({ agentId: z.string().optional() }),
    responses: {
      200: {
        description: 'Every tool.',
        schema: z
          .object({
            items: z.array(toolSchema),
            errors: z
              .array(z.object({ server: z.string(), message: z.string() }))
              .optional()
              .meta({ description: 'With ?agentId=: MCP servers that could not be reached.' }),
          })
          .meta({ id: 'Tools' }),
      },
    },
    errors: [403, 404],
  },
});
