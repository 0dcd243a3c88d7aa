/** Use cases of the agent registry (kernel layer). */
import {
  agentPaused,
  agentRegistered,
  agentResumed,
  agentRetired,
  agentUpdated,
} from '../../../events/agent-events.js';
import { expandBlueprint } from '../blueprints/blueprint.js';
import { findBlueprint } from '../blueprints/catalogue.js';
import {
  ConflictError,
  NotFoundError,
  TransitionConflictError,
  ValidationError,
} from '../errors.js';
import { createEvent, type EventContext } from '../events.js';
import type { AgentStore, EventPublisher, Page, PageRequest } from '../ports.js';
import { parseInput } from '../validation.js';
import {
  type Agent,
  type AgentStatus,
  checkAgentConsistency,
  patchAgentSchema,
  registerAgentSchema,
} from './agent.js';

export interface AgentDeps {
  agents: AgentStore;
  events: EventPublisher;
  /** Checks that the configuration can serve a model spec (routes exist, models enabled). */
  models?: { check(spec: Agent['model']): void };
}

/** Registers an agent; a body naming a `blueprint` stands for that blueprint with its overrides. */
export async function registerAgent(
  deps: AgentDeps,
  body: unknown,
  ctx: EventContext,
): Promise<Agent> {
  const input = parseInput(registerAgentSchema, expandBlueprint(body, findBlueprint), 'agent');
  checkAgentConsistency(input);
  deps.models?.check(input.model);
  const now = ctx.clock.now().toISOString();
  const agent: Agent = {
    ...input,
    name: input.name ?? input.id,
    status: 'active',
    createdAt: now,
    updatedAt: now,
  };
  await deps.agents.create(agent);
  await deps.events.publish([
    createEvent(agentRegistered, { agentId: agent.id, name: agent.name, tags: agent.tags }, ctx),
  ]);
  return agent;
}

export async function getAgent(deps: Pick<AgentDeps, 'agents'>, id: string): Promise<Agent> {
  const agent = await deps.agents.get(id);
  if (!agent) throw new NotFoundError(`agent '${id}' not found`);
  return agent;
}

export function listAgents(
  deps: Pick<AgentDeps, 'agents'>,
  request: PageRequest & { tag?: string | undefined },
): Promise<Page<Agent>> {
  return deps.agents.list(request);
}

export async function patchAgent(
  deps: AgentDeps,
  id: string,
  body: unknown,
  ctx: EventContext,
): Promise<Agent> {
  if (typeof body === 'object' && body !== null && 'id' in body) {
    throw new ValidationError('the id of an agent cannot be changed', [
      { path: 'id', message: 'cannot be changed' },
    ]);
  }
  const patch = parseInput(patchAgentSchema, body, 'agent patch');
  const current = await getAgent(deps, id);
  checkAgentConsistency({ ...current, ...patch });
  if (patch.model) deps.models?.check(patch.model);
  const agent = await updateOrExplain(deps, id, { ...patch }, ['active', 'paused'], ctx, 'update');
  await deps.events.publish([
    createEvent(agentUpdated, { agentId: id, fields: Object.keys(patch) }, ctx),
  ]);
  return agent;
}

const lifecycle = {
  pause: { from: ['active', 'paused'], to: 'paused', event: agentPaused },
  resume: { from: ['paused', 'active'], to: 'active', event: agentResumed },
  retire: { from: ['active', 'paused', 'retired'], to: 'retired', event: agentRetired },
} as const;

/**
 * Pause, resume or retire. Repeating one is harmless and answers the agent as it is, but only a
 * real change emits an event, so `agent.resumed` (which releases parked tasks) fires once.
 */
export async function changeAgentStatus(
  deps: AgentDeps,
  id: string,
  action: keyof typeof lifecycle,
  ctx: EventContext,
): Promise<Agent> {
  const { from, to, event } = lifecycle[action];
  const before = await getAgent(deps, id);
  if (before.status === to) return before;
  const agent = await updateOrExplain(deps, id, { status: to }, from, ctx, action);
  await deps.events.publish([createEvent(event, { agentId: id }, ctx)]);
  return agent;
}

async function updateOrExplain(
  deps: AgentDeps,
  id: string,
  fields: Partial<Agent>,
  allowed: readonly AgentStatus[],
  ctx: EventContext,
  action: string,
): Promise<Agent> {
  try {
    return await deps.agents.update(
      id,
      { ...fields, updatedAt: ctx.clock.now().toISOString() },
      allowed,
    );
  } catch (error) {
    if (error instanceof TransitionConflictError) {
      const current = await getAgent(deps, id);
      throw new ConflictError(`cannot ${action} agent '${id}': it is ${current.status}`);
    }
    throw error;
  }
}
