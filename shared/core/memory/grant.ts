/**
 * Grants: an owner shares one of its namespaces with an agent or with every agent of a tag.
 * `read` lets the grantee read and search the namespace; `write` also lets it add memories to
 * it. Only the owner (or the admin) grants on the owner's namespaces, so a grantee can never
 * pass on more than it was given.
 */
import * as z from 'zod';
import type { Agent } from '../agents/agent.js';
import { AGENT_ID_PATTERN } from '../ids.js';
import { namespaceSchema } from './memory.js';

export const GRANT_ACCESS = ['read', 'write'] as const;
export type GrantAccess = (typeof GRANT_ACCESS)[number];

/** `<agentId>` or `tag:<tag>` (tags as agents carry them). */
const TAG_GRANTEE = /^tag:[a-z0-9][a-z0-9:_-]{0,62}$/;

export const createGrantSchema = z.strictObject({
  namespace: namespaceSchema,
  grantee: z
    .string()
    .refine((grantee) => AGENT_ID_PATTERN.test(grantee) || TAG_GRANTEE.test(grantee), {
      message: "grantee must be an agent id or 'tag:<tag>'",
    }),
  access: z.enum(GRANT_ACCESS).default('read'),
});

export type CreateGrantInput = z.output<typeof createGrantSchema>;

export interface Grant {
  id: string;
  /** The owner of the namespace. */
  agentId: string;
  namespace: string;
  grantee: string;
  access: GrantAccess;
  /** `admin` or `agent:<owner>`. */
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export const isTagGrantee = (grantee: string): boolean => grantee.startsWith('tag:');

/** Every grantee value that names this agent: its id and each of its tags. */
export const granteesOf = (agent: Pick<Agent, 'id' | 'tags'>): string[] => [
  agent.id,
  ...agent.tags.map((tag) => `tag:${tag}`),
];

/** Whether access `granted` covers what is `needed` (write includes read). */
export const covers = (granted: GrantAccess, needed: GrantAccess): boolean =>
  granted === 'write' || needed === 'read';
