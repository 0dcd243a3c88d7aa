import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { toolCatalogue, toolNames } from '../../shared/core/tools/catalogue.js';
import { type ToolContext, ToolInputError } from '../../shared/core/tools/tool.js';

describe('the tool catalogue', () => {
  it('offers the built-in tools under their names', () => {
    // Prepare
    const expected = [
      'math.eval',
      'time.now',
      'fs.read',
      'fs.write',
      'fs.list',
      'http.fetch',
      'code.analyze',
      'code.scan',
      'agent.message',
      'memory.search',
      'memory.write',
    ];
    // Act
    const names = [...toolNames];
    // Assess
    expect(names).toEqual(expected);
    expect([...toolCatalogue.keys()]).toEqual(expected);
  });

  it.each([...toolCatalogue.values()].map((tool) => [tool.name, tool] as const))(
    '%s has its permission, positive limits and an input schema models can read',
    (name, tool) => {
      // Prepare: the catalogue entry.
      // Act
      const schema = z.toJSONSchema(tool.input, { io: 'input' }) as { type?: string };
      // Assess
      expect(tool.permission).toBe(`tool:${name}`);
      expect(tool.description.length).toBeGreaterThan(20);
      expect(tool.timeoutMs).toBeGreaterThan(0);
      expect(tool.maxOutputBytes).toBeGreaterThan(0);
      expect(tool.callsPerMinute).toBeGreaterThan(0);
      expect(schema.type).toBe('object');
      expect(tool.input.safeParse({ unexpected: true }).success).toBe(false);
    },
  );

  it('uses the default address policy for http.fetch: loopback is refused', async () => {
    // Prepare
    const tool = toolCatalogue.get('http.fetch')!;
    const context: ToolContext = {
      agentId: 'agent-1',
      taskId: '01HZZZZZZZZZZZZZZZZZZZZZZZ',
      allowedHosts: ['localhost', '127.0.0.1'],
      signal: new AbortController().signal,
      services: {
        workspace: () => {
          throw new Error('not used');
        },
        resolveHost: async () => ['127.0.0.1'],
      },
    };
    // Act
    const byName = tool.run(tool.input.parse({ url: 'http://localhost:1/' }), context);
    const byAddress = tool.run(tool.input.parse({ url: 'http://127.0.0.1:1/' }), context);
    // Assess
    await expect(byName).rejects.toBeInstanceOf(ToolInputError);
    await expect(byAddress).rejects.toThrow(/not a public address/);
  });
});
