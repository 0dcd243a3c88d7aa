/**
 * Tools HTTP API: the tool catalogue with each input's JSON Schema and the permission it needs;
 * with `?agentId=`, also that agent's MCP tools and which tools it may call.
 */
import type { Agent } from '../../shared/core/agents/agent.js';
import { getAgent } from '../../shared/core/agents/agent-service.js';
import { jsonSchemaOf } from '../../shared/core/kernel/agent-loop.js';
import type { McpToolset } from '../../shared/core/kernel/run-task.js';
import { type AgentStore, type EventPublisher, systemClock } from '../../shared/core/ports.js';
import { Authorization } from '../../shared/core/security/authorization.js';
import { toolCatalogue } from '../../shared/core/tools/catalogue.js';
import { mayUseTool } from '../../shared/core/tools/permissions.js';
import type { ToolDefinition } from '../../shared/core/tools/tool.js';
import { callerOf, createHttpApi, ok } from '../../shared/runtime/http-api.js';
import { implement } from '../../shared/runtime/http-contract.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { agentMcpTools } from '../../shared/runtime/tools.js';
import { agentStore, eventPublisher, once } from '../../shared/runtime/wiring.js';
import { toolRoutes } from './tools-contract.js';

const logger = createLogger('tools');

export interface ToolsApiDeps {
  agents: AgentStore;
  events: EventPublisher;
  catalogue: ReadonlyMap<string, ToolDefinition>;
  loadMcpTools: (agent: Agent) => Promise<McpToolset>;
}

const describe = (tool: ToolDefinition, source: string) => ({
  name: tool.name,
  description: tool.description,
  inputSchema: jsonSchemaOf(tool),
  permission: tool.permission,
  timeoutMs: tool.timeoutMs,
  maxOutputBytes: tool.maxOutputBytes,
  callsPerMinute: tool.callsPerMinute,
  source,
});

export function toolsApi(deps: () => ToolsApiDeps) {
  return createHttpApi(
    implement(toolRoutes, {
      list: async ({ query }, request) => {
        const { catalogue, agents, loadMcpTools } = deps();
        const builtIn = [...catalogue.values()].map((tool) => describe(tool, 'built-in'));
        const agentId = query.agentId;
        if (!agentId) return ok({ items: builtIn });

        await new Authorization(deps().events, systemClock).requireAgent(
          callerOf(request),
          agentId,
        );
        const agent = await getAgent({ agents }, agentId);
        const mcp = agent.mcpServers.length ? await loadMcpTools(agent) : undefined;
        try {
          const items = [
            ...builtIn,
            ...(mcp?.tools ?? []).map((tool) => describe(tool, `mcp:${tool.name.split('.')[1]}`)),
          ].map((tool) => ({ ...tool, allowed: mayUseTool(agent, tool.name) }));
          return ok({ items, errors: mcp?.errors ?? [] });
        } finally {
          await mcp?.close();
        }
      },
    }),
  );
}

const deps = once(
  (): ToolsApiDeps => ({
    agents: agentStore(),
    events: eventPublisher(),
    catalogue: toolCatalogue,
    loadMcpTools: agentMcpTools,
  }),
);

export const handler = httpHandler(toolsApi(deps), logger);
