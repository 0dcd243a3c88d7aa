/**
 * What tools get from the runtime: per-agent workspaces (a folder under the data folder locally,
 * under /tmp in Lambda, or AGENT_CORE_WORKSPACE_DIR), the system DNS resolver, the DynamoDB rate
 * limiter, and an agent's MCP servers.
 */
import { lookup } from 'node:dns/promises';
import { join } from 'node:path';
import { loadMcpTools } from '../adapters/mcp-tools.js';
import type { Agent } from '../core/agents/agent.js';
import type { McpToolset } from '../core/kernel/run-task.js';
import { once } from '../core/once.js';
import { directoryWorkspaces } from '../core/tools/local-workspace.js';
import type { ToolServices } from '../core/tools/tool.js';
import { settings } from './config.js';

export function workspaceRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AGENT_CORE_WORKSPACE_DIR) return env.AGENT_CORE_WORKSPACE_DIR;
  // Lambda's only writable place is /tmp: a workspace lives as long as the execution environment.
  return settings().AGENT_CORE_RUNTIME === 'aws'
    ? '/tmp/agent-core-workspaces'
    : join(env.AGENT_CORE_DATA_DIR ?? '.data', 'workspaces');
}

export const toolServices = /* @__PURE__ */ once(
  (): ToolServices => ({
    workspace: directoryWorkspaces(workspaceRoot()),
    resolveHost: async (hostname) =>
      (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address),
  }),
);

/**
 * Connects an agent's MCP servers for one attempt; servers that fail are left out. Their names
 * resolve through the same resolver as http.fetch's, under the same address policy.
 */
export const agentMcpTools = (agent: Pick<Agent, 'mcpServers'>): Promise<McpToolset> =>
  loadMcpTools(agent.mcpServers, { resolveHost: toolServices().resolveHost });
