/**
 * Workflow gates: a step that waits for a person instead of running an agent. Reaching a gate
 * stores the state machine's task token on the step and asks for an approval (its id derived
 * from the workflow and step, like a step's task id); nothing runs while it waits. Deciding it
 * (POST /v1/approvals/{id}) records the step and answers the token: approve goes on with
 * `{"approved": true, "comment"}` as the step's output, deny (or expiry) fails the workflow.
 * A gate started again (the runner re-checks a waiting step every 15 minutes, and a restarted
 * local runtime starts new executions) finds its approval, keeps the new token, and answers at
 * once if the approval has ended.
 */
import type { OutgoingEvent } from '../../../events/envelope.js';
import { workflowStepCompleted, workflowStepStarted } from '../../../events/workflow-events.js';
import type { Approval } from '../approvals/approval.js';
import {
  approvalRequestedEvent,
  closeApproval,
  requestApproval,
} from '../approvals/approval-service.js';
import { ConflictError, TransitionConflictError } from '../errors.js';
import { createEvent, type EventContext } from '../events.js';
import { answerStep, type EngineDeps } from './engine.js';
import { stepInput } from './step-input.js';
import { gateApprovalId, type StepState, type Workflow } from './workflow.js';

/** Inputs larger than this are shown to the person as a preview. */
const INPUT_PREVIEW_BYTES = 16_384;

export async function startGate(
  deps: EngineDeps,
  workflow: Workflow,
  steps: StepState[],
  step: StepState,
  taskToken: string,
): Promise<void> {
  const gate = step.gate;
  if (!gate) throw new Error(`step '${step.id}' is not a gate`);
  if (!deps.approvals) throw new Error('no approval store is configured for the workflow engine');
  const now = deps.clock.now();
  // The token first: a decision made right after the approval exists must find it.
  try {
    await deps.workflows.updateStep(workflow.id, step.id, {
      from: ['pending', 'running'],
      set: { status: 'running', token: taskToken, startedAt: step.startedAt ?? now.toISOString() },
    });
  } catch (error) {
    if (!(error instanceof TransitionConflictError)) throw error;
    const ended = await deps.workflows.getStep(workflow.id, step.id);
    if (ended) await answerStep(deps, taskToken, ended);
    return;
  }
  const approval = gateApproval(workflow, steps, step, now);
  try {
    await requestApproval({ approvals: deps.approvals, timer: deps.timer }, approval);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    // Started again: the approval exists. Decided meanwhile: record it and answer now.
    const existing = await deps.approvals.get(approval.id);
    if (existing && existing.status !== 'pending') await reportGate(deps, existing);
    return;
  }
  const ctx: EventContext = { correlationId: workflow.correlationId, clock: deps.clock };
  await deps.events.publish([
    createEvent(
      workflowStepStarted,
      {
        workflowId: workflow.id,
        stepId: step.id,
        agentId: null,
        taskId: null,
        approvalId: approval.id,
      },
      ctx,
    ),
    approvalRequestedEvent(approval, ctx),
  ]);
}

function gateApproval(
  workflow: Workflow,
  steps: StepState[],
  step: StepState,
  now: Date,
): Approval {
  const input = stepInput(workflow, steps, step);
  const text = JSON.stringify(input ?? null);
  return {
    id: gateApprovalId(workflow.id, step.id),
    kind: 'gate',
    status: 'pending',
    agentId: null,
    taskId: null,
    threadId: null,
    workflowId: workflow.id,
    stepId: step.id,
    toolName: null,
    // What reached the gate, so the person sees what they let through.
    input:
      Buffer.byteLength(text) > INPUT_PREVIEW_BYTES
        ? { preview: text.slice(0, INPUT_PREVIEW_BYTES), truncated: true }
        : input,
    prompt: step.gate?.prompt ?? null,
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + (step.gate?.timeoutSeconds ?? 86_400) * 1000).toISOString(),
    decidedAt: null,
    decidedBy: null,
    comment: null,
    decision: null,
    onTimeout: 'fail',
    correlationId: workflow.correlationId,
  };
}

/**
 * A gate's approval ended: the step records it and the execution's token is answered. Safe to
 * repeat (the step changes once; a used token is ignored).
 */
export async function reportGate(
  deps: Pick<EngineDeps, 'workflows' | 'events' | 'reporter' | 'clock'>,
  approval: Approval,
): Promise<void> {
  if (approval.kind !== 'gate' || !approval.workflowId || !approval.stepId) return;
  if (approval.status === 'pending') return;
  const approved = approval.status === 'approved';
  const error = approved
    ? null
    : approval.status === 'denied'
      ? {
          code: 'ApprovalDenied',
          message: `denied by ${approval.decidedBy ?? 'a person'}${approval.comment ? `: ${approval.comment}` : ''}`,
        }
      : { code: 'ApprovalTimedOut', message: approval.comment ?? 'no decision was made in time' };
  let step: StepState | undefined;
  let changed = false;
  try {
    step = await deps.workflows.updateStep(approval.workflowId, approval.stepId, {
      from: ['pending', 'running'],
      set: {
        status: approved ? 'succeeded' : 'failed',
        output: approved ? { approved: true, comment: approval.comment } : null,
        error,
        finishedAt: approval.decidedAt ?? deps.clock.now().toISOString(),
      },
    });
    changed = true;
  } catch (e) {
    if (!(e instanceof TransitionConflictError)) throw e;
    step = await deps.workflows.getStep(approval.workflowId, approval.stepId);
  }
  if (!step) return;
  const events: OutgoingEvent[] = [];
  if (changed) {
    const started = Date.parse(step.startedAt ?? approval.requestedAt);
    const finished = Date.parse(step.finishedAt ?? deps.clock.now().toISOString());
    events.push(
      createEvent(
        workflowStepCompleted,
        {
          workflowId: approval.workflowId,
          stepId: step.id,
          agentId: null,
          taskId: null,
          approvalId: approval.id,
          status: approved ? 'succeeded' : 'failed',
          durationMs: Math.max(0, finished - started),
          error,
        },
        { correlationId: approval.correlationId, clock: deps.clock },
      ),
    );
  }
  await Promise.all([
    events.length ? deps.events.publish(events) : undefined,
    step.token ? answerStep(deps, step.token, step) : undefined,
  ]);
}

/** The workflow ended while a gate waited: the step is cancelled and its approval closed. */
export async function closeGate(
  deps: Pick<EngineDeps, 'workflows' | 'events' | 'clock' | 'approvals'>,
  workflow: Workflow,
  step: StepState,
  _ctx: EventContext,
): Promise<void> {
  try {
    await deps.workflows.updateStep(workflow.id, step.id, {
      from: ['pending', 'running'],
      set: {
        status: 'cancelled',
        error: { code: 'Cancelled', message: `the workflow ended before gate '${step.id}'` },
        finishedAt: deps.clock.now().toISOString(),
      },
    });
  } catch (error) {
    if (!(error instanceof TransitionConflictError)) throw error;
    return;
  }
  // A gate the snapshot saw pending may have been reached since: closing an approval that does
  // not exist is a no-op.
  if (deps.approvals) {
    await closeApproval(
      { approvals: deps.approvals, events: deps.events, clock: deps.clock },
      gateApprovalId(workflow.id, step.id),
      `the workflow ${workflow.status}`,
    );
  }
}
