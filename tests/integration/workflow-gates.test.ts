/**
 * Workflow gates against dynalite, driven as the workflow-runner state machine drives them:
 * reaching a gate asks for an approval and keeps the task token, with nothing running; a gate
 * started again (the 15-minute re-check, a restarted runtime) finds its approval and keeps the new
 * token; the decision answers the token (approve: `{approved, comment}`; deny: StepFailed), and a
 * gate re-started after the decision answers at once.
 */
import { describe, expect, it } from 'vitest';
import { DynamoApprovalStore } from '../../shared/adapters/dynamo-approval-store.js';
import { DynamoTaskStore } from '../../shared/adapters/dynamo-task-store.js';
import { DynamoWorkflowStore } from '../../shared/adapters/dynamo-workflow-store.js';
import { type ApprovalDeps, decideApproval } from '../../shared/core/approvals/approval-service.js';
import {
  advance,
  type EngineDeps,
  recordExecutionFailure,
  startStep,
} from '../../shared/core/workflows/engine.js';
import { reportGate } from '../../shared/core/workflows/gates.js';
import type { StepReporter, WorkflowRunner } from '../../shared/core/workflows/ports.js';
import { gateApprovalId } from '../../shared/core/workflows/workflow.js';
import {
  cancelWorkflow,
  createWorkflow,
  getWorkflow,
} from '../../shared/core/workflows/workflow-service.js';
import { uniqueId, useLocalAws } from '../helpers/aws-local.js';
import {
  buildAgent,
  FixedClock,
  InMemoryAgentStore,
  InMemoryTaskQueue,
  RecordingApprovalTimer,
  RecordingEventPublisher,
} from '../helpers/in-memory.js';

const aws = useLocalAws();

class RecordingReporter implements StepReporter {
  readonly calls: { kind: 'succeed' | 'fail'; token: string; detail: unknown }[] = [];
  async succeed(token: string, output: unknown): Promise<void> {
    this.calls.push({ kind: 'succeed', token, detail: output });
  }
  async fail(token: string, error: string, cause: string): Promise<void> {
    this.calls.push({ kind: 'fail', token, detail: { error, cause: JSON.parse(cause) } });
  }
}

const runner: WorkflowRunner = {
  executionArn: (name) => `arn:aws:states:us-east-1:000000000000:execution:runner:${name}`,
  start: async () => undefined,
  stop: async () => undefined,
};

function world() {
  const clock = new FixedClock(new Date());
  const workflows = new DynamoWorkflowStore(aws().dynamo, aws().tableName);
  const tasks = new DynamoTaskStore(aws().dynamo, aws().tableName);
  const approvals = new DynamoApprovalStore(aws().dynamo, aws().tableName);
  const queue = new InMemoryTaskQueue();
  const events = new RecordingEventPublisher();
  const reporter = new RecordingReporter();
  const timer = new RecordingApprovalTimer();
  const agentId = uniqueId('builder');
  const agents = new InMemoryAgentStore().seed(buildAgent({ id: agentId }));
  const engine: EngineDeps = {
    workflows,
    tasks,
    queue,
    events,
    reporter,
    clock,
    approvals,
    timer,
    runner,
  };
  const decisions: ApprovalDeps = {
    approvals,
    tasks,
    queue,
    events,
    clock,
    gates: { report: (approval) => reportGate(engine, approval) },
  };
  const ctx = { correlationId: 'corr-gates', clock, actor: { principal: 'admin' } };
  const service = {
    workflows,
    agents,
    tasks,
    runner,
    events,
    recommend: async () => {
      throw new Error('no auto here');
    },
    approvals,
  };
  return { clock, workflows, approvals, reporter, timer, agentId, engine, decisions, ctx, service };
}

/** A workflow whose first step is a gate, advanced up to it. */
async function atGate(w: ReturnType<typeof world>) {
  const workflow = await createWorkflow(
    w.service,
    {
      name: 'release',
      strategy: 'sequential',
      input: 'v2',
      steps: [
        { id: 'signoff', approval: { prompt: 'Release v2?', timeoutSeconds: 600 } },
        { id: 'ship', agentId: w.agentId },
      ],
    },
    w.ctx,
  );
  const plan = await advance(w.engine, workflow.id);
  expect(plan.stepIds).toEqual(['signoff']);
  return workflow.id;
}

describe('a gate', () => {
  it('asks for an approval, keeps the token, and runs nothing while it waits', async () => {
    // Prepare
    const w = world();
    const workflowId = await atGate(w);

    // Act
    await startStep(w.engine, { workflowId, stepId: 'signoff', taskToken: 'token-1' });

    // Assess
    const approval = await w.approvals.get(gateApprovalId(workflowId, 'signoff'));
    expect(approval).toMatchObject({
      kind: 'gate',
      status: 'pending',
      prompt: 'Release v2?',
      input: 'v2',
      workflowId,
      stepId: 'signoff',
      agentId: null,
    });
    expect(w.timer.armed).toEqual([{ approvalId: approval?.id, dueAt: approval?.expiresAt }]);
    const { steps } = await getWorkflow(w.service, workflowId);
    expect(steps.find((s) => s.id === 'signoff')).toMatchObject({
      status: 'running',
      token: 'token-1',
    });
    expect(w.reporter.calls).toEqual([]);
  });

  it('started again, keeps the new token; approved, answers it with {approved, comment}', async () => {
    // Prepare: reached, then re-started (as after 15 minutes without a callback).
    const w = world();
    const workflowId = await atGate(w);
    await startStep(w.engine, { workflowId, stepId: 'signoff', taskToken: 'token-1' });
    await startStep(w.engine, { workflowId, stepId: 'signoff', taskToken: 'token-2' });

    // Act
    await decideApproval(
      w.decisions,
      gateApprovalId(workflowId, 'signoff'),
      { decision: 'approve', comment: 'ship it' },
      w.ctx,
    );

    // Assess: one approval, the newest token answered, the workflow goes on to the next step.
    expect(w.timer.armed).toHaveLength(1);
    expect(w.reporter.calls).toEqual([
      { kind: 'succeed', token: 'token-2', detail: { approved: true, comment: 'ship it' } },
    ]);
    expect((await advance(w.engine, workflowId)).stepIds).toEqual(['ship']);
    const { steps } = await getWorkflow(w.service, workflowId);
    expect(steps.find((s) => s.id === 'signoff')?.output).toEqual({
      approved: true,
      comment: 'ship it',
    });
  });

  it('denied, fails the step and the workflow; re-started after, answers at once', async () => {
    // Prepare
    const w = world();
    const workflowId = await atGate(w);
    await startStep(w.engine, { workflowId, stepId: 'signoff', taskToken: 'token-1' });

    // Act
    await decideApproval(
      w.decisions,
      gateApprovalId(workflowId, 'signoff'),
      { decision: 'deny', comment: 'no' },
      w.ctx,
    );
    await startStep(w.engine, { workflowId, stepId: 'signoff', taskToken: 'token-late' });
    const failed = w.reporter.calls[0];
    const status = await recordExecutionFailure(w.engine, {
      workflowId,
      error: {
        Error: 'StepFailed',
        Cause: JSON.stringify((failed?.detail as { cause?: unknown } | undefined)?.cause),
      },
    });

    // Assess
    expect(w.reporter.calls.map((c) => [c.kind, c.token])).toEqual([
      ['fail', 'token-1'],
      ['fail', 'token-late'],
    ]);
    expect(status).toBe('failed');
    const { workflow } = await getWorkflow(w.service, workflowId);
    expect(workflow.error).toMatchObject({ code: 'ApprovalDenied', stepId: 'signoff' });
  });

  it('closes its approval when the workflow is cancelled: a late decision is 409', async () => {
    // Prepare
    const w = world();
    const workflowId = await atGate(w);
    await startStep(w.engine, { workflowId, stepId: 'signoff', taskToken: 'token-1' });

    // Act
    await cancelWorkflow(w.service, workflowId, w.ctx);

    // Assess
    const id = gateApprovalId(workflowId, 'signoff');
    expect((await w.approvals.get(id))?.status).toBe('expired');
    await expect(
      decideApproval(w.decisions, id, { decision: 'approve' }, w.ctx),
    ).rejects.toMatchObject({
      status: 409,
    });
  });
});
