/**
 * Memory as a running agent's tools see it (`memory.write`, `memory.search`): the same use cases
 * as the HTTP API, called as that agent (principal `agent:<id>`), so the same rules apply.
 */
import { newId } from '../ids.js';
import type { Caller } from '../security/authorization.js';
import type { MemoryToolService } from '../tools/tool.js';
import { type MemoryDeps, searchMemories, writeMemory } from './memory-service.js';

const callerFor = (agentId: string, tool: string): Caller => ({
  principal: { kind: 'agent', id: `agent:${agentId}`, agentId },
  action: `tool:${tool}`,
  correlationId: newId(),
});

export function createMemoryToolService(deps: () => MemoryDeps): MemoryToolService {
  return {
    async write(agentId, input) {
      const memory = await writeMemory(deps(), callerFor(agentId, 'memory.write'), agentId, input);
      return { id: memory.id, namespace: memory.namespace, expiresAt: memory.expiresAt };
    },
    async search(agentId, input) {
      const result = await searchMemories(
        deps(),
        callerFor(agentId, 'memory.search'),
        agentId,
        input,
      );
      return {
        items: result.items.map((hit) => ({
          memoryId: hit.memory.id,
          text: hit.memory.text,
          namespace: hit.memory.namespace,
          ownerAgentId: hit.ownerAgentId,
          score: hit.score,
          metadata: hit.memory.metadata,
        })),
        truncated: result.truncated,
      };
    },
  };
}
