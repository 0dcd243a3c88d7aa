/**
 * Use cases of approvals: a task asks (the worker stores the approval and arms its timer), a
 * person decides through the API, the timer expires what nobody decided. Deciding and expiring
 * are conditional writes on `pending`, so an approval ends once; what follows (the task queued
 * again with the decision, or failed; a gate's workflow told) is idempotent, and repeated by the
 * timer should a fault cut it short.
 */
import {
  approvalDecided,
  approvalExpired,
  approvalRequested,
} from '../../../events/approval-events.js';
import { taskFailed, taskQueued } from '../../../events/task-events.js';
import type { Agent } from '../agents/agent.js';
import { approvalSettingsOf } from '../agents/agent.js';
import {
  ConflictError,
  NotFoundError,
  TransitionConflictError,
  ValidationError,
} from '../errors.js';
import { createEvent, type EventContext } from '../events.js';
import { newId, ULID_PATTERN } from '../ids.js';
import type { ToolCall } from '../kernel/model-provider.js';
import type { Clock, EventPublisher, Page, PageRequest, TaskQueue, TaskStore } from '../ports.js';
import { type LoopDecision, type Task, type TaskError, taskRefOf } from '../tasks/task.js';
import { envelopeOf } from '../tasks/task-service.js';
import type { ToolDefinition } from '../tools/tool.js';
import { parseInput } from '../validation.js';
import {
  type Approval,
  type ApprovalFilter,
  approvalRef,
  decideSchema,
  isDue,
} from './approval.js';
import type { ApprovalStore, ApprovalTimer } from './ports.js';

/** Tells a gate's workflow that its approval was decided or expired. */
export interface GateReporter {
  report(approval: Approval): Promise<void>;
}

export interface ApprovalDeps {
  approvals: ApprovalStore;
  tasks: TaskStore;
  queue: TaskQueue;
  events: EventPublisher;
  clock: Clock;
  timer?: ApprovalTimer | undefined;
  /** The built-in tools: an edited input is checked against the tool's schema. */
  tools?: ReadonlyMap<string, ToolDefinition> | undefined;
  /** Told of a task ended here (an approval that expired with onTimeout: fail). */
  onFinished?: ((task: Task) => Promise<void>) | undefined;
  gates?: GateReporter | undefined;
}

/** The error a task fails with when its approval expires with `onTimeout: fail`. */
export const APPROVAL_TIMED_OUT = 'ApprovalTimedOut';

/** What a tool call that waits for a person is asked as. */
export function toolApproval(fields: {
  task: Task;
  agent: Agent;
  call: ToolCall;
  now: Date;
}): Approval {
  const { task, agent, call, now } = fields;
  const settings = approvalSettingsOf(agent);
  return {
    id: newId(),
    kind: 'tool',
    status: 'pending',
    agentId: agent.id,
    taskId: task.id,
    threadId: task.threadId,
    workflowId: task.workflowId,
    stepId: null,
    toolName: call.name,
    input: call.input,
    prompt: `Agent '${agent.id}' asks to call ${call.name}`,
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + settings.timeoutSeconds * 1000).toISOString(),
    decidedAt: null,
    decidedBy: null,
    comment: null,
    decision: null,
    onTimeout: settings.onTimeout,
    correlationId: task.correlationId,
  };
}

/** Stores a new approval and arms its timer; the caller announces it. */
export async function requestApproval(
  deps: { approvals: ApprovalStore; timer?: ApprovalTimer | undefined },
  approval: Approval,
): Promise<void> {
  if (!deps.timer) throw new Error('no approval timer is configured for this function');
  await deps.approvals.create(approval);
  // Armed before anyone can wait on it: a timer for an approval that ends otherwise is a no-op.
  await deps.timer.arm([{ approvalId: approval.id, dueAt: approval.expiresAt }]);
}

export const approvalRequestedEvent = (approval: Approval, ctx: EventContext) =>
  createEvent(approvalRequested, { ...approvalRef(approval), expiresAt: approval.expiresAt }, ctx);

export async function getApproval(
  deps: Pick<ApprovalDeps, 'approvals'>,
  id: string,
): Promise<Approval> {
  const approval = ULID_PATTERN.test(id) ? await deps.approvals.get(id) : undefined;
  if (!approval) throw new NotFoundError(`approval '${id}' not found`);
  return approval;
}

/** Newest first. A task's approvals are found through its agent. */
export async function listApprovals(
  deps: Pick<ApprovalDeps, 'approvals' | 'tasks'>,
  filter: ApprovalFilter & PageRequest,
): Promise<Page<Approval>> {
  if (filter.taskId && !filter.agentId) {
    const task = await deps.tasks.get(filter.taskId);
    if (!task) return { items: [], nextCursor: null };
    return deps.approvals.list({ ...filter, agentId: task.agentId });
  }
  return deps.approvals.list(filter);
}

/**
 * A person's decision (admin keys only; the caller checks). Already decided or expired: 409. An
 * edit's input is checked against the tool's schema first (400 naming `input.<field>`).
 */
export async function decideApproval(
  deps: ApprovalDeps,
  id: string,
  body: unknown,
  ctx: EventContext & { actor: { principal: string; keyId?: string } },
): Promise<Approval> {
  const request = parseInput(decideSchema, body, 'decision');
  const approval = await getApproval(deps, id);
  if (approval.status !== 'pending') {
    throw new ConflictError(`approval '${id}' is already ${approval.status}`);
  }
  if (request.decision === 'edit') checkEditedInput(deps, approval, request.input);
  const now = ctx.clock.now();
  if (isDue(approval, now)) {
    // Its timer has not run yet: it expires now, as it would have.
    await expire(deps, approval);
    throw new ConflictError(`approval '${id}' expired at ${approval.expiresAt}`);
  }
  let decided: Approval;
  try {
    decided = await deps.approvals.update(id, {
      from: ['pending'],
      set: {
        status: request.decision === 'deny' ? 'denied' : 'approved',
        decision: request.decision,
        ...(request.decision === 'edit' ? { editedInput: request.input } : {}),
        comment: request.comment ?? null,
        decidedAt: now.toISOString(),
        decidedBy: ctx.actor.principal,
      },
    });
  } catch (error) {
    if (!(error instanceof TransitionConflictError)) throw error;
    const current = await getApproval(deps, id);
    throw new ConflictError(`approval '${id}' is already ${current.status}`);
  }
  await deps.events.publish([
    createEvent(
      approvalDecided,
      {
        ...approvalRef(decided),
        decision: request.decision,
        status: decided.status as 'approved' | 'denied',
        decidedBy: ctx.actor.principal,
      },
      ctx,
    ),
  ]);
  await applyOutcome(deps, decided);
  return decided;
}

function checkEditedInput(deps: ApprovalDeps, approval: Approval, input: unknown): void {
  if (approval.kind === 'gate') {
    throw new ValidationError('a gate is approved or denied, not edited', [
      { path: 'decision', message: 'edit is for tool approvals' },
    ]);
  }
  // Built-in tools are checked here; an MCP tool's input is checked when it runs (the model is
  // told if it does not fit).
  const tool = approval.toolName ? deps.tools?.get(approval.toolName) : undefined;
  if (tool) parseInput(tool.input, input, `input for ${tool.name}`, 'input');
}

export type ExpiryOutcome = { kind: 'done' } | { kind: 'not-due'; dueAt: string };

/**
 * What the approval timer does when an approval's message comes due: expire it if it is still
 * pending and due, or say when to look again. An approval that ended otherwise is finished off
 * (its outcome applied again, harmlessly), so a decision cut short by a fault is not lost.
 */
export async function expireApproval(deps: ApprovalDeps, id: string): Promise<ExpiryOutcome> {
  const approval = await deps.approvals.get(id);
  if (!approval) return { kind: 'done' };
  if (approval.status !== 'pending') {
    await applyOutcome(deps, approval);
    return { kind: 'done' };
  }
  if (!isDue(approval, deps.clock.now())) return { kind: 'not-due', dueAt: approval.expiresAt };
  await expire(deps, approval);
  return { kind: 'done' };
}

async function expire(deps: ApprovalDeps, approval: Approval): Promise<void> {
  let expired: Approval;
  try {
    expired = await deps.approvals.update(approval.id, {
      from: ['pending'],
      set: {
        status: 'expired',
        decidedAt: deps.clock.now().toISOString(),
        decidedBy: 'system',
        comment: `no decision was made by ${approval.expiresAt}`,
      },
    });
  } catch (error) {
    if (!(error instanceof TransitionConflictError)) throw error;
    // Decided meanwhile: that decision stands.
    return;
  }
  await deps.events.publish([
    createEvent(
      approvalExpired,
      { ...approvalRef(expired), onTimeout: expired.onTimeout },
      { correlationId: expired.correlationId, clock: deps.clock },
    ),
  ]);
  await applyOutcome(deps, expired);
}

/**
 * Closes an approval nobody needs any more (its task or workflow ended): it expires quietly, and
 * a late decision gets 409.
 */
export async function closeApproval(
  deps: Pick<ApprovalDeps, 'approvals' | 'events' | 'clock'>,
  id: string,
  reason: string,
): Promise<void> {
  try {
    const closed = await deps.approvals.update(id, {
      from: ['pending'],
      set: {
        status: 'expired',
        decidedAt: deps.clock.now().toISOString(),
        decidedBy: 'system',
        comment: reason,
      },
    });
    await deps.events.publish([
      createEvent(
        approvalExpired,
        { ...approvalRef(closed), onTimeout: closed.onTimeout },
        { correlationId: closed.correlationId, clock: deps.clock },
      ),
    ]);
  } catch (error) {
    if (!(error instanceof TransitionConflictError)) throw error;
  }
}

/**
 * What an ended approval does: a gate's workflow is told; a tool call's task, if it still waits
 * for this approval, is queued again with the decision (a denial when it expired with onTimeout
 * deny) or fails with ApprovalTimedOut. Safe to repeat.
 */
export async function applyOutcome(deps: ApprovalDeps, approval: Approval): Promise<void> {
  if (approval.status === 'pending') return;
  if (approval.kind === 'gate') {
    await deps.gates?.report(approval);
    return;
  }
  const task = approval.taskId ? await deps.tasks.get(approval.taskId) : undefined;
  if (task?.status !== 'waiting' || task.pendingApproval !== approval.id || !task.suspended) return;
  const ctx: EventContext = { correlationId: task.correlationId, clock: deps.clock };
  const ref = taskRefOf(task);
  try {
    if (approval.status === 'expired' && approval.onTimeout === 'fail') {
      const error: TaskError = {
        code: APPROVAL_TIMED_OUT,
        message: `nobody decided the call to ${approval.toolName} by ${approval.expiresAt}`,
        retryable: false,
      };
      const failed = await deps.tasks.transition(task.id, {
        from: ['waiting'],
        to: 'failed',
        expectAttempts: task.attempts,
        set: {
          error,
          pendingApproval: null,
          finishedAt: deps.clock.now().toISOString(),
          leaseUntil: null,
        },
      });
      await deps.events.publish([
        createEvent(taskFailed, { ...ref, attempt: task.attempts, error }, ctx),
      ]);
      await deps.onFinished?.(failed);
      return;
    }
    // The attempt that stopped goes on: the start of the resumed run counts it again.
    const queued = await deps.tasks.transition(task.id, {
      from: ['waiting'],
      to: 'queued',
      expectAttempts: task.attempts,
      set: {
        pendingApproval: null,
        attempts: Math.max(0, task.attempts - 1),
        suspended: { ...task.suspended, decision: loopDecisionOf(approval) },
      },
    });
    await deps.queue.enqueue([envelopeOf(queued)]);
    await deps.events.publish([
      createEvent(taskQueued, { ...ref, priority: queued.priority, reason: 'decided' }, ctx),
    ]);
  } catch (error) {
    if (!(error instanceof TransitionConflictError)) throw error;
  }
}

function loopDecisionOf(approval: Approval): LoopDecision {
  const by = approval.decidedBy ?? 'system';
  if (approval.status === 'approved') {
    return approval.decision === 'edit'
      ? {
          decision: 'edit',
          input: approval.editedInput,
          comment: approval.comment ?? undefined,
          by,
        }
      : { decision: 'approve', comment: approval.comment ?? undefined, by };
  }
  const comment =
    approval.status === 'expired'
      ? `the approval expired: ${approval.comment ?? 'no decision in time'}`
      : (approval.comment ?? undefined);
  return { decision: 'deny', comment, by };
}

/** After a restart of the local runtime: every pending approval gets its timer again. */
export async function rearmPendingApprovals(
  deps: Pick<ApprovalDeps, 'approvals' | 'timer'>,
): Promise<number> {
  let armed = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.approvals.list({ status: 'pending', limit: 100, cursor });
    await deps.timer?.arm(
      page.items.map((approval) => ({ approvalId: approval.id, dueAt: approval.expiresAt })),
    );
    armed += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return armed;
}
