/**
 * Events of the memory layer: memories written, and namespaces shared (granted) or no longer
 * shared (revoked). Grants and revokes change who may read an agent's memories, so the event
 * sink keeps them in the audit log. Events carry ids and sizes, never the memory text.
 */
import * as z from 'zod';
import { defineEvent } from './envelope.js';

const SOURCE = 'agent-core.memory';

export const memoryWritten = defineEvent(
  'memory.written',
  SOURCE,
  z.object({
    /** The owner of the namespace written to. */
    agentId: z.string(),
    namespace: z.string(),
    memoryId: z.string(),
    /** Who wrote it: `admin`, `agent:<id>` (the owner, or a grantee with write access). */
    by: z.string(),
    /** UTF-8 bytes of the text. */
    bytes: z.number().int().nonnegative(),
    expiresAt: z.string().nullable(),
  }),
);

const grantData = z.object({
  grantId: z.string(),
  /** The owner of the namespace shared. */
  agentId: z.string(),
  namespace: z.string(),
  /** `<agentId>` or `tag:<tag>`. */
  grantee: z.string(),
  access: z.enum(['read', 'write']),
  /** Who granted or revoked: `admin` or `agent:<owner>`. */
  by: z.string(),
});

export const memoryGranted = defineEvent('memory.granted', SOURCE, grantData);

export const memoryRevoked = defineEvent('memory.revoked', SOURCE, grantData);
