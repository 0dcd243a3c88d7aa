/** The HTTP contract of approvals, what waits for a person (handler: approvals-api.ts). */
import * as z from 'zod';
import {
  APPROVAL_STATUSES,
  decideSchema,
  listApprovalsSchema,
} from '../../shared/core/approvals/approval.js';
import {
  anyJson,
  defineRoutes,
  isoTime,
  nullableTime,
  pageOf,
  pathId,
} from '../../shared/runtime/http-contract.js';

export const approvalSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['tool', 'gate']),
    status: z.enum(APPROVAL_STATUSES),
    agentId: z
      .string()
      .nullable()
      .meta({ description: 'The agent whose tool call waits; null for a gate.' }),
    taskId: z.string().nullable(),
    threadId: z.string().nullable(),
    workflowId: z.string().nullable(),
    stepId: z.string().nullable(),
    toolName: z.string().nullable(),
    input: anyJson.meta({
      description:
        "The tool's input as the model gave it; for a gate, what the step would receive.",
    }),
    prompt: z.string().nullable().meta({ description: "A gate's question." }),
    requestedAt: isoTime,
    expiresAt: isoTime,
    decidedAt: nullableTime,
    decidedBy: z
      .string()
      .nullable()
      .meta({ description: 'The principal that decided, or `system` when it expired.' }),
    comment: z.string().nullable(),
    decision: z.enum(['approve', 'deny', 'edit']).nullable(),
    editedInput: anyJson.optional().meta({ description: 'The input an `edit` ran the tool with.' }),
    onTimeout: z.enum(['deny', 'fail']).meta({
      description: 'What expiry does: `deny` goes on as a denial, `fail` fails the task.',
    }),
  })
  .meta({ id: 'Approval' });

const approvalParams = z.object({ id: pathId('The approval id.') });

export const approvalRoutes = defineRoutes({
  list: {
    method: 'GET',
    path: '/v1/approvals',
    operationId: 'listApprovals',
    summary: 'List approvals, newest first',
    description: "An agent key lists its own agent's approvals.",
    tag: 'approvals',
    access: 'key',
    query: listApprovalsSchema,
    paginated: true,
    responses: { 200: { description: 'A page of approvals.', schema: pageOf(approvalSchema) } },
    errors: [403],
  },
  get: {
    method: 'GET',
    path: '/v1/approvals/{id}',
    operationId: 'getApproval',
    summary: 'Get an approval',
    description: "An agent key reads its own agent's; gates are the admin's.",
    tag: 'approvals',
    access: 'key',
    params: approvalParams,
    responses: { 200: { description: 'The approval.', schema: approvalSchema } },
    errors: [403],
  },
  decide: {
    method: 'POST',
    path: '/v1/approvals/{id}',
    operationId: 'decideApproval',
    summary: 'Decide an approval: approve, edit or deny',
    description:
      'approve runs the tool with the input the model gave; edit with `input` (checked against ' +
      "the tool's schema: 400 naming `input.<field>`); deny tells the model the call was denied. " +
      'A gate: approve lets the workflow go on, deny fails it. Already decided or expired: 409.',
    tag: 'approvals',
    access: 'admin',
    params: approvalParams,
    body: decideSchema.meta({ id: 'ApprovalDecision' }),
    bodyName: 'decision',
    responses: { 200: { description: 'The decided approval.', schema: approvalSchema } },
    errors: [409],
    example: { decision: 'edit', input: { url: 'https://example.com/' }, comment: 'that page' },
  },
});
