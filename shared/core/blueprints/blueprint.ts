/**
 * Blueprints: ready agent definitions (instructions, the fewest tools, limits) that
 * `POST /v1/agents {"id", "blueprint": "<id>", ...overrides}` registers, and the small evaluation
 * set that shows how a model does as that agent.
 */

import type * as z from 'zod';
import type { registerAgentSchema } from '../agents/agent.js';
import { ValidationError } from '../errors.js';
import type { EvaluationCase } from './evaluation.js';

/**
 * The agent a blueprint registers: every field of a registration but the id, as sent (so fields
 * with defaults, like `limits.contextTokens`, may be left out).
 */
type RegistrationBody = z.input<typeof registerAgentSchema>;
export type BlueprintAgent = Omit<Partial<RegistrationBody>, 'id'> &
  Pick<RegistrationBody, 'name' | 'instructions' | 'model'> &
  Required<Pick<RegistrationBody, 'tools'>>;

export interface Blueprint {
  id: string;
  name: string;
  /** What it does, and which of its tools write or send anything. */
  description: string;
  agent: BlueprintAgent;
  /** Fields a registration must give (dotted paths) and why, e.g. the hosts a researcher reads. */
  requires?: { path: string; message: string }[];
  /** Cases a user runs against a real model (npm run eval), and agent fields they need. */
  evaluation: { agent?: Partial<BlueprintAgent>; cases: EvaluationCase[] };
}

/** A blueprint as `GET /v1/blueprints` shows it. */
export const publicBlueprint = ({ id, name, description, agent }: Blueprint) => ({
  id,
  name,
  description,
  agent,
});

/** The tag every agent registered from a blueprint carries, so that they can be listed. */
export const blueprintTag = (id: string) => `blueprint:${id}`;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A registration body that names a blueprint, as the registration it stands for: the blueprint's
 * agent, with the fields given beside `blueprint` in its place (`limits` field by field, every
 * other field whole), tagged `blueprint:<id>`. A body without `blueprint` is returned as it is.
 */
export function expandBlueprint(
  body: unknown,
  find: (id: string) => Blueprint | undefined,
): unknown {
  if (!isPlainObject(body) || !('blueprint' in body)) return body;
  const { blueprint: id, ...overrides } = body;
  const blueprint = typeof id === 'string' ? find(id) : undefined;
  if (!blueprint) {
    throw new ValidationError('invalid agent', [
      {
        path: 'blueprint',
        message:
          typeof id === 'string'
            ? `unknown blueprint '${id.slice(0, 64)}' (see GET /v1/blueprints)`
            : 'must be the id of a blueprint (see GET /v1/blueprints)',
      },
    ]);
  }
  const agent: Record<string, unknown> = { ...blueprint.agent, ...overrides };
  if (isPlainObject(overrides.limits)) {
    agent.limits = { ...blueprint.agent.limits, ...overrides.limits };
  }
  // Anything but a list of tags is left as it is, for the agent schema to refuse by name.
  const tags = agent.tags ?? [];
  if (Array.isArray(tags) && !tags.includes(blueprintTag(blueprint.id))) {
    agent.tags = [...tags, blueprintTag(blueprint.id)];
  }
  const missing = (blueprint.requires ?? []).filter(({ path }) => isEmpty(valueAt(agent, path)));
  if (missing.length) {
    throw new ValidationError(
      `blueprint '${blueprint.id}' needs ${missing.map((m) => m.path).join(', ')}`,
      missing,
    );
  }
  return agent;
}

const valueAt = (value: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((at, key) => (isPlainObject(at) ? at[key] : undefined), value);

const isEmpty = (value: unknown) =>
  value === undefined || value === null || (Array.isArray(value) && value.length === 0);
