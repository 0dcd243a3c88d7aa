/** What a tool is: a name, a description, a zod input schema, the permission it needs, limits. */
import type { z } from 'zod';

export interface ToolContext {
  agentId: string;
  taskId: string;
  /** Aborted when the tool's timeout or the task's deadline passes. */
  signal: AbortSignal;
}

export interface ToolDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  input: S;
  /** The permission an agent needs, granted by listing the tool in its `tools`. */
  permission: string;
  timeoutMs: number;
  /** Larger results are refused rather than passed to the model. */
  maxOutputBytes: number;
  run(input: z.output<S>, context: ToolContext): Promise<unknown>;
}

export function defineTool<S extends z.ZodType>(tool: ToolDefinition<S>): ToolDefinition {
  return tool as unknown as ToolDefinition;
}
