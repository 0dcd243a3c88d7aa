/** The agent: its registration schema (what a caller may send) and the stored shape. */
import * as z from 'zod';
import { ConflictError, type FieldIssue, ValidationError } from '../errors.js';
import { AGENT_ID_PATTERN } from '../ids.js';
import { modelSpecSchema } from '../kernel/model-spec.js';
import { MAX_TASK_TIMEOUT_MS } from '../tasks/limits.js';
import { MCP_TOOL_PATTERN } from '../tools/permissions.js';
import { toolNames } from '../tools/tool-names.js';

const tagSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/, 'tag must be 1-63 chars of a-z 0-9 : _ -');

/** A built-in tool, or `mcp.<server>.<tool>` / `mcp.<server>.*` (checked against mcpServers). */
const toolNameSchema = z
  .string()
  .refine((name) => toolNames.has(name) || MCP_TOOL_PATTERN.test(name), {
    error: (issue) => `unknown tool '${String(issue.input)}' (see GET /v1/tools)`,
  });

const mcpServerSchema = z.strictObject({
  /** Its tools appear as `mcp.<name>.<tool>`. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'a server name (a-z 0-9 -, up to 31)'),
  url: z.url({ protocol: /^https?$/ }),
  /** Sent with every request (e.g. authorization); write-only: answers show `***`. */
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name'), z.string().max(4096))
    .optional(),
  /**
   * A server on a private network or this machine, connected to without the address policy
   * (public addresses only, as for http.fetch). Only the admin registers and patches agents.
   */
  private: z.boolean().optional(),
});

/**
 * What one model call may receive of the conversation (thread history, the task's own tool
 * calls and results), in estimated tokens. The default suits today's smaller context windows and
 * keeps a long thread's turns cheap; instructions and tool schemas come on top.
 */
export const DEFAULT_CONTEXT_TOKENS = 16_000;
export const MAX_CONTEXT_TOKENS = 1_000_000;

export const agentLimitsSchema = z.strictObject({
  maxSteps: z.number().int().min(1).max(100).default(8),
  timeoutMs: z.number().int().min(100).max(MAX_TASK_TIMEOUT_MS).default(60_000),
  maxTokens: z.number().int().min(1).max(1_000_000).default(4096),
  /** Calls a minute of each tool; unset, each tool's own default applies. */
  toolCallsPerMinute: z.number().int().min(1).max(100_000).optional(),
  contextTokens: z.number().int().min(1).max(MAX_CONTEXT_TOKENS).default(DEFAULT_CONTEXT_TOKENS),
});

const DEFAULT_LIMITS = {
  maxSteps: 8,
  timeoutMs: 60_000,
  maxTokens: 4096,
  contextTokens: DEFAULT_CONTEXT_TOKENS,
};

export const TOOL_POLICIES = ['allow', 'ask', 'deny'] as const;
export type ToolPolicy = (typeof TOOL_POLICIES)[number];

/**
 * `allow` | `ask` | `deny` per tool name or `*` (API.md, Approvals). It only narrows what the agent
 * lists in `tools`: a tool it does not list stays denied whatever the policy says.
 */
const toolPolicySchema = z
  .record(z.string(), z.enum(TOOL_POLICIES, { error: 'must be allow, ask or deny' }))
  .superRefine((policy, ctx) => {
    const names = Object.keys(policy);
    if (names.length > 100) ctx.addIssue({ code: 'custom', message: 'at most 100 entries' });
    for (const name of names) {
      if (name !== '*' && !toolNames.has(name) && !MCP_TOOL_PATTERN.test(name)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `unknown tool '${name}' (a tool name, mcp.<server>.<tool>, or *)`,
        });
      }
    }
  });

/** Seven days: the longest a step of the workflow runner waits, and more than a person needs. */
export const MAX_APPROVAL_TIMEOUT_SECONDS = 604_800;
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 86_400;

export const approvalSettingsSchema = z.strictObject({
  timeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(MAX_APPROVAL_TIMEOUT_SECONDS)
    .default(DEFAULT_APPROVAL_TIMEOUT_SECONDS),
  onTimeout: z.enum(['deny', 'fail']).default('deny'),
});
export type ApprovalSettings = z.output<typeof approvalSettingsSchema>;

/** Every field an agent has, but its id and lifecycle, with defaults. */
const agentFields = {
  name: z.string().min(1).max(200),
  instructions: z.string().max(20_000).default(''),
  model: modelSpecSchema,
  tools: z.array(toolNameSchema).max(100).default([]),
  mcpServers: z.array(mcpServerSchema).max(10).default([]),
  tags: z.array(tagSchema).max(50).default([]),
  acceptsMessagesFrom: z.array(z.string().min(1).max(70)).max(100).default(['*']),
  network: z
    .strictObject({ allow: z.array(z.string().min(1).max(253)).max(100).default([]) })
    .default({ allow: [] }),
  limits: agentLimitsSchema.default(DEFAULT_LIMITS),
  onMessage: z.enum(['ignore', 'task']).default('ignore'),
  toolPolicy: toolPolicySchema.default({}),
  approval: approvalSettingsSchema.default({
    timeoutSeconds: DEFAULT_APPROVAL_TIMEOUT_SECONDS,
    onTimeout: 'deny',
  }),
};

export const registerAgentSchema = z.strictObject({
  id: z.string().regex(AGENT_ID_PATTERN, 'id must match ^[a-z0-9][a-z0-9-]{1,62}$'),
  ...agentFields,
  name: agentFields.name.optional(),
});

/** PATCH: any field but the id; nested objects are replaced whole (the model included). */
export const patchAgentSchema = z
  .strictObject({
    name: agentFields.name.optional(),
    instructions: z.string().max(20_000).optional(),
    model: modelSpecSchema.optional(),
    tools: z.array(toolNameSchema).max(100).optional(),
    mcpServers: z.array(mcpServerSchema).max(10).optional(),
    tags: z.array(tagSchema).max(50).optional(),
    acceptsMessagesFrom: z.array(z.string().min(1).max(70)).max(100).optional(),
    network: z.strictObject({ allow: z.array(z.string().min(1).max(253)).max(100) }).optional(),
    limits: agentLimitsSchema.optional(),
    onMessage: z.enum(['ignore', 'task']).optional(),
    toolPolicy: toolPolicySchema.optional(),
    approval: approvalSettingsSchema.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { message: 'nothing to change' });

export type RegisterAgentInput = z.output<typeof registerAgentSchema>;
export type AgentPatch = z.output<typeof patchAgentSchema>;

export type AgentStatus = 'active' | 'paused' | 'retired';

export interface Agent extends Omit<RegisterAgentInput, 'name'> {
  name: string;
  status: AgentStatus;
  createdAt: string;
  updatedAt: string;
}

/**
 * Rules across fields, for a registration and for an agent after a patch: MCP tools name one of
 * the agent's MCP servers, and server names are unique.
 */
export function checkAgentConsistency(agent: Pick<Agent, 'tools' | 'mcpServers'>): void {
  const issues: FieldIssue[] = [];
  const servers = new Set<string>();
  agent.mcpServers.forEach((server, i) => {
    if (servers.has(server.name))
      issues.push({ path: `mcpServers.${i}.name`, message: 'duplicate server name' });
    servers.add(server.name);
  });
  agent.tools.forEach((tool, i) => {
    const match = MCP_TOOL_PATTERN.exec(tool);
    if (match && !servers.has(match[1] as string)) {
      issues.push({ path: `tools.${i}`, message: `no MCP server '${match[1]}' in mcpServers` });
    }
  });
  if (issues.length) throw new ValidationError('invalid agent', issues);
}

/** An agent's context budget; agents registered before the limit existed get the default. */
export const contextTokensOf = (agent: Pick<Agent, 'limits'>): number =>
  agent.limits.contextTokens ?? DEFAULT_CONTEXT_TOKENS;

/** An agent's approval settings, with the defaults for agents registered before they existed. */
export const approvalSettingsOf = (agent: Partial<Pick<Agent, 'approval'>>): ApprovalSettings =>
  agent.approval ?? { timeoutSeconds: DEFAULT_APPROVAL_TIMEOUT_SECONDS, onTimeout: 'deny' };
/**
 * A retired agent keeps its history, read-only: nothing new is written to it or by its keys
 * (tasks, messages, memories, grants, acknowledgements, keys). A 409: the request is well formed,
 * the agent's state refuses it.
 */
export function refuseIfRetired(agent: Pick<Agent, 'id' | 'status'>, refused: string): void {
  if (agent.status === 'retired') {
    throw new ConflictError(`agent '${agent.id}' is retired: ${refused}`);
  }
}

/** The agent as the API shows it: MCP header values are write-only. */
export function publicAgent(agent: Agent): Agent {
  if (!agent.mcpServers?.some((server) => server.headers)) return agent;
  return {
    ...agent,
    mcpServers: agent.mcpServers.map((server) =>
      server.headers
        ? {
            ...server,
            headers: Object.fromEntries(Object.keys(server.headers).map((k) => [k, '***'])),
          }
        : server,
    ),
  };
}
