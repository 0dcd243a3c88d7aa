/**
 * Which tools an agent may call: exactly those its record lists, by name, or all the tools of
 * one of its MCP servers with `mcp.<server>.*`. Nothing else grants a tool.
 */
import type { Agent } from '../agents/agent.js';

export const MCP_TOOL_PATTERN = /^mcp\.([a-z0-9][a-z0-9-]{0,30})\.([A-Za-z0-9_*-]{1,64})$/;

export function mayUseTool(agent: Pick<Agent, 'tools'>, toolName: string): boolean {
  if (agent.tools.includes(toolName)) return true;
  const match = MCP_TOOL_PATTERN.exec(toolName);
  return match !== null && agent.tools.includes(`mcp.${match[1]}.*`);
}
