/** What a tool is: a name, a description, a zod input schema, the permission it needs, limits. */
import type * as z from 'zod';

/**
 * A folder of files that belongs to one agent; no path can leave it. Each operation stops at
 * `signal` (the tool's deadline) between its steps: nothing is created or read after it.
 */
export interface Workspace {
  /** Reads a UTF-8 text file; throws ToolInputError for a path that escapes or does not exist. */
  read(path: string, maxBytes: number, signal?: AbortSignal): Promise<string>;
  /** Writes (creates or replaces) a UTF-8 text file, creating parent folders. */
  write(path: string, content: string, signal?: AbortSignal): Promise<{ bytes: number }>;
  /** Lists a folder: names, kinds and sizes. */
  list(
    path: string,
    signal?: AbortSignal,
  ): Promise<{ name: string; kind: 'file' | 'directory'; bytes: number }[]>;
}

/** Memory as the running agent's tools see it, under the same access rules as the API. */
export interface MemoryToolService {
  write(
    agentId: string,
    input: {
      text: string;
      namespace?: string;
      metadata?: Record<string, unknown>;
      ttlSeconds?: number;
    },
  ): Promise<{ id: string; namespace: string }>;
  search(
    agentId: string,
    input: {
      query: string;
      k?: number;
      namespace?: string;
      includeShared?: boolean;
      minScore?: number;
    },
  ): Promise<{
    items: {
      memoryId: string;
      text: string;
      namespace: string;
      ownerAgentId: string;
      score: number;
    }[];
  }>;
}

/** Messaging as the running agent's tools see it: sent as that agent, under the recipients' ACL. */
export interface MessagingToolService {
  send(
    from: string,
    input: { to: string; subject?: string; body: unknown; ttlSeconds?: number },
  ): Promise<{ id: string; deliveredTo: string[] }>;
}

/** What the runtime lends tools. Injected, so tests can replace DNS or the network. */
export interface ToolServices {
  /** The workspace of an agent. */
  workspace(agentId: string): Workspace;
  /** Resolves a host name to its IP addresses (all of them), e.g. dns.lookup with all: true. */
  resolveHost(hostname: string): Promise<string[]>;
  /** Memory (memory.search, memory.write); absent where the runtime offers none. */
  memory?: MemoryToolService;
  /** Messages (agent.message); absent where the runtime offers none. */
  messaging?: MessagingToolService;
}

export interface ToolContext {
  agentId: string;
  taskId: string;
  /** Hosts the agent may reach over HTTP (its `network.allow`). */
  allowedHosts: readonly string[];
  /** Aborted when the tool's timeout or the task's deadline passes. */
  signal: AbortSignal;
  services: ToolServices;
}

/** A tool call refused for its input (a path that escapes, a host not allowed): the task goes on. */
export class ToolInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolInputError';
  }
}

export interface ToolDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  input: S;
  /** The input's JSON Schema when the tool publishes its own (MCP); else derived from `input`. */
  inputJsonSchema?: unknown;
  /** The permission an agent needs, granted by listing the tool in its `tools`. */
  permission: string;
  timeoutMs: number;
  /** Larger results are refused rather than passed to the model. */
  maxOutputBytes: number;
  /** Calls per minute an agent may make of this tool unless its limits say otherwise. */
  callsPerMinute: number;
  run(input: z.output<S>, context: ToolContext): Promise<unknown>;
  /**
   * Called when an attempt whose agent may use the tool starts: a tool that takes long to get
   * ready (a worker thread loading a compiler) starts getting ready while the model thinks.
   */
  warmUp?(): void;
}

export function defineTool<S extends z.ZodType>(tool: ToolDefinition<S>): ToolDefinition {
  return tool as unknown as ToolDefinition;
}
