/** The HTTP contract of the agent registry and the health check (handler: agents-api.ts). */
import * as z from 'zod';
import {
  agentLimitsSchema,
  approvalSettingsSchema,
  patchAgentSchema,
  registerAgentSchema,
  TOOL_POLICIES,
} from '../../shared/core/agents/agent.js';
import { expandBlueprint } from '../../shared/core/blueprints/blueprint.js';
import { findBlueprint } from '../../shared/core/blueprints/catalogue.js';
import {
  modelSpecSchema,
  providerSpecSchema,
  routeSpecSchema,
} from '../../shared/core/kernel/model-spec.js';
import {
  defineRoutes,
  documentAs,
  isoTime,
  pageOf,
  pathId,
} from '../../shared/runtime/http-contract.js';

/** An agent's model as answers show it: a route, or a provider spec. */
export const modelSpecShape = z
  .union([routeSpecSchema, providerSpecSchema])
  .meta({ id: 'ModelSpec', description: 'A configured route, or a provider spec.' });
documentAs(modelSpecSchema, z.union([routeSpecSchema, providerSpecSchema]));

export const agentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    instructions: z.string(),
    model: modelSpecShape,
    tools: z.array(z.string()),
    mcpServers: z.array(
      z.object({
        name: z.string(),
        url: z.string(),
        headers: z
          .record(z.string(), z.string())
          .optional()
          .meta({ description: 'Values are write-only: answers show `***`.' }),
        private: z
          .boolean()
          .optional()
          .meta({ description: 'On a private network: connected to without the address policy.' }),
      }),
    ),
    tags: z.array(z.string()),
    acceptsMessagesFrom: z.array(z.string()),
    network: z.object({ allow: z.array(z.string()) }),
    limits: agentLimitsSchema,
    onMessage: z.enum(['ignore', 'task']),
    toolPolicy: z.record(z.string(), z.enum(TOOL_POLICIES)).meta({
      description: 'Tool name (or `*`) to `allow`, `ask` (a person decides) or `deny`.',
    }),
    approval: approvalSettingsSchema,
    status: z.enum(['active', 'paused', 'retired']),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .meta({ id: 'Agent' });

const agentParams = z.object({ id: pathId('The agent id.') });

/** A ready agent definition: what registering it gives, but the id. */
const blueprintSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z
      .string()
      .meta({ description: 'What it does, and which of its tools write or send anything.' }),
    // As sent: fields with defaults (a limit like `contextTokens`) may be left out.
    agent: registerAgentSchema
      .omit({ id: true })
      .partial()
      .extend({ limits: agentLimitsSchema.partial().optional() }),
  })
  .meta({ id: 'Blueprint' });
const blueprintParams = z.object({ id: pathId('The blueprint id.') });

const agentExample = {
  id: 'calculator',
  name: 'Calculator',
  model: {
    provider: 'scripted',
    turns: [
      { toolCalls: [{ name: 'math.eval', input: { expression: '(2+3)*7' } }] },
      { text: 'The answer is {{lastToolResult}}' },
    ],
  },
  tools: ['math.eval'],
  tags: ['demo'],
};

const lifecycle = (
  operationId: string,
  method: 'POST' | 'DELETE',
  path: string,
  summary: string,
  description: string,
) =>
  ({
    method,
    path,
    operationId,
    summary,
    description,
    tag: 'agents',
    access: 'admin',
    params: agentParams,
    responses: { 200: { description: 'The agent.', schema: agentSchema } },
    errors: [409],
  }) as const;

export const agentRoutes = defineRoutes({
  health: {
    method: 'GET',
    path: '/health',
    operationId: 'getHealth',
    summary: 'Is the API up',
    tag: 'health',
    access: 'public',
    responses: {
      200: {
        description: 'Up.',
        schema: z
          .object({
            status: z.literal('ok'),
            version: z.string(),
            runtime: z.enum(['local', 'aws']),
          })
          .meta({ id: 'Health' }),
      },
    },
  },
  register: {
    method: 'POST',
    path: '/v1/agents',
    operationId: 'registerAgent',
    summary: 'Register an agent',
    description: "The id is the caller's. Registering an existing id is 409.",
    tag: 'agents',
    access: 'admin',
    body: registerAgentSchema.meta({
      id: 'AgentRegistration',
      description:
        'An agent; or `{"id", "blueprint": "<id>", ...fields}`, which stands for that blueprint\'s agent (`GET /v1/blueprints`) with the fields given in its place (`limits` field by field). An unknown blueprint is a 400 naming `blueprint`.',
    }),
    bodyShorthand: (body) => expandBlueprint(body, findBlueprint),
    bodyName: 'agent',
    responses: { 201: { description: 'Registered.', schema: agentSchema } },
    errors: [409],
    example: agentExample,
  },
  list: {
    method: 'GET',
    path: '/v1/agents',
    operationId: 'listAgents',
    summary: 'List agents',
    tag: 'agents',
    access: 'admin',
    query: z.object({
      tag: z.string().optional().meta({ description: 'Only agents with this tag.' }),
    }),
    paginated: true,
    responses: { 200: { description: 'A page of agents.', schema: pageOf(agentSchema) } },
  },
  get: {
    method: 'GET',
    path: '/v1/agents/{id}',
    operationId: 'getAgent',
    summary: 'Get an agent',
    description: "The admin, or that agent's own key.",
    tag: 'agents',
    access: 'key',
    params: agentParams,
    responses: { 200: { description: 'The agent.', schema: agentSchema } },
    errors: [403],
  },
  patch: {
    method: 'PATCH',
    path: '/v1/agents/{id}',
    operationId: 'patchAgent',
    summary: 'Change an agent',
    description: 'Any field but the id; nested objects (the model too) are replaced whole.',
    tag: 'agents',
    access: 'admin',
    params: agentParams,
    body: patchAgentSchema.meta({ id: 'AgentPatch' }),
    bodyName: 'agent patch',
    responses: { 200: { description: 'The changed agent.', schema: agentSchema } },
    errors: [409],
    example: { instructions: 'Answer in French.', tags: ['demo', 'fr'] },
  },
  retire: lifecycle(
    'retireAgent',
    'DELETE',
    '/v1/agents/{id}',
    'Retire an agent',
    'Its status becomes `retired`; its history is kept and new tasks for it are refused (409).',
  ),
  pause: lifecycle(
    'pauseAgent',
    'POST',
    '/v1/agents/{id}/pause',
    'Pause an agent',
    'Its tasks wait queued until it is resumed.',
  ),
  resume: lifecycle(
    'resumeAgent',
    'POST',
    '/v1/agents/{id}/resume',
    'Resume an agent',
    'The tasks that waited while it was paused are queued again.',
  ),
  blueprints: {
    method: 'GET',
    path: '/v1/blueprints',
    operationId: 'listBlueprints',
    summary: 'List the agent blueprints',
    description: 'Ready agent definitions; `POST /v1/agents {"id", "blueprint"}` registers one.',
    tag: 'agents',
    access: 'key',
    paginated: true,
    responses: { 200: { description: 'A page of blueprints.', schema: pageOf(blueprintSchema) } },
  },
  blueprint: {
    method: 'GET',
    path: '/v1/blueprints/{id}',
    operationId: 'getBlueprint',
    summary: 'Get an agent blueprint',
    tag: 'agents',
    access: 'key',
    params: blueprintParams,
    responses: { 200: { description: 'The blueprint.', schema: blueprintSchema } },
  },
});
