/**
 * `memory.search` and `memory.write`: the running agent's memories, through the runtime's memory
 * service, as that agent (its own namespaces, and those shared with it for searches).
 */
import * as z from 'zod';
import { MEMORY_LIMITS, NAMESPACE_PATTERN } from '../memory/memory.js';
import { defineTool, type MemoryToolService, type ToolContext } from './tool.js';

/** Texts handed back to the model are cut here, so that k results fit the output limit. */
export const MAX_RESULT_TEXT_CHARS = 4000;

const namespaceField = z
  .string()
  .regex(NAMESPACE_PATTERN, 'a namespace: a-z 0-9 -, up to 63, starting with a letter or digit');

/** The first MAX_RESULT_TEXT_CHARS characters, never half a surrogate pair, and a marker. */
function cut(text: string): string {
  let end = MAX_RESULT_TEXT_CHARS;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}… [cut]`;
}

const memoryOf = (context: ToolContext): MemoryToolService => {
  const memory = context.services.memory;
  if (!memory) {
    throw new Error('memory is not available in this runtime (no memory service is configured)');
  }
  return memory;
};

export const memorySearchTool = defineTool({
  name: 'memory.search',
  description:
    "Searches the agent's memories, and namespaces other agents shared with it, for the texts most similar to a query; best first, with scores from -1 to 1.",
  input: z.strictObject({
    query: z.string().min(1).max(MEMORY_LIMITS.maxTextBytes),
    k: z.number().int().min(1).max(MEMORY_LIMITS.maxK).optional(),
    namespace: namespaceField.optional(),
    includeShared: z.boolean().optional(),
    minScore: z.number().min(-1).max(1).optional(),
  }),
  permission: 'tool:memory.search',
  timeoutMs: 15_000,
  maxOutputBytes: 512 * 1024,
  callsPerMinute: 120,
  run: async (input, context) => {
    const result = await memoryOf(context).search(context.agentId, input);
    return {
      ...result,
      items: result.items.map((item) =>
        item.text.length > MAX_RESULT_TEXT_CHARS ? { ...item, text: cut(item.text) } : item,
      ),
    };
  },
});

export const memoryWriteTool = defineTool({
  name: 'memory.write',
  description: `Remembers a text (at most ${MEMORY_LIMITS.maxTextBytes / 1024} KiB) in one of the agent's namespaces (default "default"), with optional metadata and a time to live in seconds (0: kept until deleted).`,
  input: z.strictObject({
    text: z.string().min(1).max(MEMORY_LIMITS.maxTextBytes),
    namespace: namespaceField.optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    ttlSeconds: z.number().int().min(0).max(MEMORY_LIMITS.maxTtlSeconds).optional(),
  }),
  permission: 'tool:memory.write',
  timeoutMs: 15_000,
  maxOutputBytes: 4 * 1024,
  callsPerMinute: 120,
  run: async (input, context) => memoryOf(context).write(context.agentId, input),
});
