/**
 * Events of approvals (a person in the loop): one is requested when a task stops at an `ask`
 * tool call or a workflow reaches a gate, decided through the API (with who decided, audited),
 * or expired by its timer. They carry ids, never the tool's input.
 */
import * as z from 'zod';
import { defineEvent } from './envelope.js';

const SOURCE = 'agent-core.kernel';

const approvalRef = {
  approvalId: z.string(),
  kind: z.enum(['tool', 'gate']),
  /** The agent whose tool call waits; null for a workflow gate (only the admin sees those). */
  agentId: z.string().nullable(),
  taskId: z.string().nullable(),
  threadId: z.string().nullable(),
  workflowId: z.string().nullable(),
  stepId: z.string().nullable(),
  toolName: z.string().nullable(),
};

export const approvalRequested = defineEvent(
  'approval.requested',
  SOURCE,
  z.object({ ...approvalRef, expiresAt: z.string() }),
);

export const approvalDecided = defineEvent(
  'approval.decided',
  SOURCE,
  z.object({
    ...approvalRef,
    decision: z.enum(['approve', 'deny', 'edit']),
    status: z.enum(['approved', 'denied']),
    decidedBy: z.string(),
  }),
);

export const approvalExpired = defineEvent(
  'approval.expired',
  SOURCE,
  z.object({ ...approvalRef, onTimeout: z.enum(['deny', 'fail']) }),
);
