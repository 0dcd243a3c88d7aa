/**
 * Approvals (API.md, Approvals): a person decides a tool call the agent's `toolPolicy` marks
 * `ask`, or a workflow's gate. An approval is pending until it is decided (approve, edit, deny)
 * or expires; every change of status is a conditional write, so it is decided at most once.
 */
import * as z from 'zod';
import { ULID_PATTERN } from '../ids.js';

export const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'expired'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];
export type ApprovalKind = 'tool' | 'gate';
export type Decision = 'approve' | 'deny' | 'edit';

export interface Approval {
  id: string;
  kind: ApprovalKind;
  status: ApprovalStatus;
  /** The agent whose tool call waits; null for a gate. */
  agentId: string | null;
  taskId: string | null;
  threadId: string | null;
  workflowId: string | null;
  stepId: string | null;
  toolName: string | null;
  /** The tool's input as the model gave it; for a gate, what the step would receive. */
  input: unknown;
  prompt: string | null;
  requestedAt: string;
  expiresAt: string;
  decidedAt: string | null;
  /** The principal that decided (`admin`), or `system` when it expired. */
  decidedBy: string | null;
  comment: string | null;
  /** What was decided (extension): `edit` runs the tool with `editedInput`. */
  decision: Decision | null;
  editedInput?: unknown;
  /** What expiry does (extension): `deny` goes on as a denial, `fail` fails the task. */
  onTimeout: 'deny' | 'fail';
  correlationId: string;
}

export type PublicApproval = Omit<Approval, 'correlationId'>;

export function publicApproval(approval: Approval): PublicApproval {
  const { correlationId: _c, ...visible } = approval;
  return visible;
}

export const decideSchema = z
  .strictObject({
    decision: z.enum(['approve', 'deny', 'edit']),
    input: z.record(z.string(), z.unknown()).optional(),
    comment: z.string().max(2000).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.decision === 'edit' && body.input === undefined) {
      ctx.addIssue({ code: 'custom', path: ['input'], message: 'required when decision is edit' });
    }
    if (body.decision !== 'edit' && body.input !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['input'], message: 'only with decision edit' });
    }
  });

export const listApprovalsSchema = z.object({
  status: z.enum(APPROVAL_STATUSES).optional(),
  agentId: z.string().min(1).max(63).optional(),
  taskId: z.string().regex(ULID_PATTERN, 'not a task id').optional(),
  workflowId: z.string().regex(ULID_PATTERN, 'not a workflow id').optional(),
});
export type ApprovalFilter = z.infer<typeof listApprovalsSchema>;

/** The references every approval event carries. */
export const approvalRef = (approval: Approval) => ({
  approvalId: approval.id,
  kind: approval.kind,
  agentId: approval.agentId,
  taskId: approval.taskId,
  threadId: approval.threadId,
  workflowId: approval.workflowId,
  stepId: approval.stepId,
  toolName: approval.toolName,
});

/** An approval that is pending past its time counts as expired, whether or not its timer ran. */
export const isDue = (approval: Approval, now: Date): boolean =>
  Date.parse(approval.expiresAt) <= now.getTime();
