/**
 * Which tools an agent may call: exactly those its record lists, by name, or all the tools of
 * one of its MCP servers with `mcp.<server>.*`. Nothing else grants a tool.
 */
import type { Agent, ToolPolicy } from '../agents/agent.js';

export const MCP_TOOL_PATTERN = /^mcp\.([a-z0-9][a-z0-9-]{0,30})\.([A-Za-z0-9_*-]{1,64})$/;

export function mayUseTool(agent: Pick<Agent, 'tools'>, toolName: string): boolean {
  if (agent.tools.includes(toolName)) return true;
  const match = MCP_TOOL_PATTERN.exec(toolName);
  return match !== null && agent.tools.includes(`mcp.${match[1]}.*`);
}

/**
 * What the agent's `toolPolicy` says of a call to a tool it may use: the tool's own entry, else
 * its MCP server's `mcp.<server>.*` entry, else `*`, else `allow`. Only `mayUseTool` grants a
 * tool; a policy never does.
 */
export function toolPolicyFor(
  agent: Partial<Pick<Agent, 'toolPolicy'>>,
  toolName: string,
): ToolPolicy {
  const policy = agent.toolPolicy ?? {};
  const own = policy[toolName];
  if (own) return own;
  const match = MCP_TOOL_PATTERN.exec(toolName);
  const server = match ? policy[`mcp.${match[1]}.*`] : undefined;
  return server ?? policy['*'] ?? 'allow';
}
