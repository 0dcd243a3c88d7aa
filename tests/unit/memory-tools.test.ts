/** memory.search and memory.write: bound to the running agent, and a clear error without memory. */
import { describe, expect, it } from 'vitest';
import {
  MAX_RESULT_TEXT_CHARS,
  memorySearchTool,
  memoryWriteTool,
} from '../../shared/core/tools/memory-tools.js';
import type { MemoryToolService, ToolContext, ToolServices } from '../../shared/core/tools/tool.js';

type Call = { op: 'write' | 'search'; agentId: string; input: unknown };

function fakeMemory(calls: Call[], text = 'remembered'): MemoryToolService {
  return {
    async write(agentId, input) {
      calls.push({ op: 'write', agentId, input });
      return { id: '01JTESTMEMORY0000000000000', namespace: input.namespace ?? 'default' };
    },
    async search(agentId, input) {
      calls.push({ op: 'search', agentId, input });
      return {
        items: [{ memoryId: 'm1', text, namespace: 'default', ownerAgentId: 'owner', score: 0.9 }],
      };
    },
  };
}

function context(memory: MemoryToolService | undefined): ToolContext {
  const services: ToolServices = {
    workspace: () => {
      throw new Error('no workspace in this test');
    },
    resolveHost: async () => [],
    ...(memory ? { memory } : {}),
  };
  return {
    agentId: 'researcher',
    taskId: 'task-1',
    allowedHosts: [],
    signal: new AbortController().signal,
    services,
  };
}

describe('memory tools', () => {
  it('are named memory.search / memory.write with matching permissions', () => {
    // Assess
    expect([memorySearchTool.name, memorySearchTool.permission]).toEqual([
      'memory.search',
      'tool:memory.search',
    ]);
    expect([memoryWriteTool.name, memoryWriteTool.permission]).toEqual([
      'memory.write',
      'tool:memory.write',
    ]);
  });

  it('memory.write writes as the running agent', async () => {
    // Prepare
    const calls: Call[] = [];
    const input = memoryWriteTool.input.parse({
      text: 'the build uses node 20',
      namespace: 'notes',
    });

    // Act
    const result = await memoryWriteTool.run(input, context(fakeMemory(calls)));

    // Assess
    expect(result).toEqual({ id: '01JTESTMEMORY0000000000000', namespace: 'notes' });
    expect(calls).toEqual([
      {
        op: 'write',
        agentId: 'researcher',
        input: { text: 'the build uses node 20', namespace: 'notes' },
      },
    ]);
  });

  it('memory.search searches as the running agent and cuts long texts', async () => {
    // Prepare
    const calls: Call[] = [];
    const long = 'x'.repeat(MAX_RESULT_TEXT_CHARS + 500);
    const input = memorySearchTool.input.parse({ query: 'node version', k: 3 });

    // Act
    const result = (await memorySearchTool.run(input, context(fakeMemory(calls, long)))) as {
      items: { text: string }[];
    };

    // Assess
    expect(calls).toEqual([
      { op: 'search', agentId: 'researcher', input: { query: 'node version', k: 3 } },
    ]);
    expect(result.items[0]?.text).toHaveLength(MAX_RESULT_TEXT_CHARS + '… [cut]'.length);
    expect(result.items[0]?.text.endsWith('… [cut]')).toBe(true);
  });

  it('fails with a clear error when the runtime offers no memory service', async () => {
    // Assess
    await expect(memoryWriteTool.run({ text: 'x' }, context(undefined))).rejects.toThrow(
      /memory is not available in this runtime/,
    );
    await expect(memorySearchTool.run({ query: 'x' }, context(undefined))).rejects.toThrow(
      /memory is not available in this runtime/,
    );
  });

  it.each([
    [memoryWriteTool, { text: '' }, 'text'],
    [memoryWriteTool, { text: 'x', namespace: 'Bad_NS' }, 'namespace'],
    [memoryWriteTool, { text: 'x', ttlSeconds: -1 }, 'ttlSeconds'],
    [memoryWriteTool, { text: 'x', owner: 'someone-else' }, ''],
    [memorySearchTool, { query: 'x', k: 51 }, 'k'],
    [memorySearchTool, { query: 'x', minScore: 2 }, 'minScore'],
  ])('%#: refuses bad input naming the field', (tool, input, field) => {
    // Act
    const parsed = tool.input.safeParse(input);

    // Assess
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path.join('.')).toBe(field);
  });
});
