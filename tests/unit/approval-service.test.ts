/**
 * Approvals' use cases on in-memory stores: a decision queues the waiting task again with what
 * was decided (once: a second decision is 409), an edit is checked against the tool's schema,
 * expiry applies onTimeout (deny goes on, fail ends the task), and every outcome is announced.
 */
import { describe, expect, it } from 'vitest';
import type { Approval } from '../../shared/core/approvals/approval.js';
import {
  type ApprovalDeps,
  closeApproval,
  decideApproval,
  expireApproval,
  rearmPendingApprovals,
  toolApproval,
} from '../../shared/core/approvals/approval-service.js';
import { ConflictError, ValidationError } from '../../shared/core/errors.js';
import type { Task } from '../../shared/core/tasks/task.js';
import { toolCatalogue } from '../../shared/core/tools/catalogue.js';
import {
  buildAgent,
  buildTask,
  FixedClock,
  InMemoryApprovalStore,
  InMemoryTaskQueue,
  InMemoryTaskStore,
  RecordingApprovalTimer,
  RecordingEventPublisher,
} from '../helpers/in-memory.js';

const actor = { principal: 'admin', keyId: 'admin' };

function world(settings: { onTimeout?: 'deny' | 'fail'; timeoutSeconds?: number } = {}) {
  const clock = new FixedClock();
  const approvals = new InMemoryApprovalStore();
  const tasks = new InMemoryTaskStore(clock);
  const queue = new InMemoryTaskQueue();
  const events = new RecordingEventPublisher();
  const finished: Task[] = [];
  const gates: Approval[] = [];
  const deps: ApprovalDeps = {
    approvals,
    tasks,
    queue,
    events,
    clock,
    tools: toolCatalogue,
    onFinished: async (task) => {
      finished.push(task);
    },
    gates: { report: async (approval) => void gates.push(approval) },
  };
  const agent = buildAgent({
    id: 'writer',
    tools: ['fs.write'],
    toolPolicy: { 'fs.write': 'ask' },
    approval: {
      timeoutSeconds: settings.timeoutSeconds ?? 60,
      onTimeout: settings.onTimeout ?? 'deny',
    },
  });
  const call = { id: 'c1', name: 'fs.write', input: { path: 'a.txt', content: 'hi' } };
  const task = buildTask({ agentId: 'writer', status: 'waiting', attempts: 1 });
  const approval = toolApproval({ task, agent, call, now: clock.now() });
  task.pendingApproval = approval.id;
  task.suspended = {
    approvalId: approval.id,
    calls: [call],
    stored: 2,
    steps: 1,
    usage: task.usage,
    elapsedMs: 120,
  };
  tasks.seed(task);
  void approvals.create(approval);
  const ctx = { correlationId: 'corr-decide', clock, actor };
  return { clock, approvals, tasks, queue, events, finished, gates, deps, approval, task, ctx };
}

describe('decideApproval', () => {
  it('approve queues the waiting task again with the decision, for the same attempt', async () => {
    // Prepare
    const w = world();

    // Act
    const decided = await decideApproval(
      w.deps,
      w.approval.id,
      { decision: 'approve', comment: 'ok' },
      w.ctx,
    );

    // Assess
    expect(decided).toMatchObject({
      status: 'approved',
      decision: 'approve',
      decidedBy: 'admin',
      comment: 'ok',
      decidedAt: w.clock.iso(),
    });
    const task = w.tasks.stored(w.task.id);
    expect(task).toMatchObject({ status: 'queued', pendingApproval: null, attempts: 0 });
    expect(task.suspended?.decision).toEqual({ decision: 'approve', comment: 'ok', by: 'admin' });
    expect(w.queue.sentIds()).toEqual([w.task.id]);
    expect(w.events.types()).toEqual(['approval.decided', 'task.queued']);
    expect(w.events.events[0]?.detail.actor).toEqual(actor);
    expect(w.events.events[1]?.detail.data).toMatchObject({ reason: 'decided' });
  });

  it('refuses a second decision with 409, and changes nothing', async () => {
    // Prepare
    const w = world();
    await decideApproval(w.deps, w.approval.id, { decision: 'deny' }, w.ctx);

    // Act
    const again = decideApproval(w.deps, w.approval.id, { decision: 'approve' }, w.ctx);

    // Assess
    await expect(again).rejects.toBeInstanceOf(ConflictError);
    expect((await w.approvals.get(w.approval.id))?.status).toBe('denied');
    expect(w.queue.sent).toHaveLength(1);
  });

  it('checks an edited input against the tool’s schema, naming input.<field>', async () => {
    // Prepare
    const w = world();

    // Act
    const bad = decideApproval(
      w.deps,
      w.approval.id,
      { decision: 'edit', input: { path: 3 } },
      w.ctx,
    );

    // Assess
    const error = await bad.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details?.map((d) => d.path)).toEqual([
      'input.path',
      'input.content',
    ]);
    expect((await w.approvals.get(w.approval.id))?.status).toBe('pending');
    expect(w.events.events).toHaveLength(0);
  });

  it('an edit carries the new input to the task', async () => {
    // Prepare
    const w = world();

    // Act
    await decideApproval(
      w.deps,
      w.approval.id,
      { decision: 'edit', input: { path: 'b.txt', content: 'safer' } },
      w.ctx,
    );

    // Assess
    expect(w.tasks.stored(w.task.id).suspended?.decision).toEqual({
      decision: 'edit',
      input: { path: 'b.txt', content: 'safer' },
      by: 'admin',
    });
  });

  it.each([
    [{ decision: 'edit' }, 'input'],
    [{ decision: 'approve', input: {} }, 'input'],
    [{ decision: 'maybe' }, 'decision'],
    [{ decision: 'deny', comment: 'x'.repeat(2001) }, 'comment'],
    [{ decision: 'deny', extra: 1 }, 'extra'],
  ])('refuses %j with 400 naming %s', async (body, path) => {
    // Prepare
    const w = world();

    // Act
    const error = await decideApproval(w.deps, w.approval.id, body, w.ctx).then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details?.map((d) => d.path)).toContain(path);
  });

  it('an approval past its time is expired (onTimeout applied) and the decision is 409', async () => {
    // Prepare
    const w = world({ timeoutSeconds: 60 });
    w.clock.advance(61_000);

    // Act
    const late = decideApproval(w.deps, w.approval.id, { decision: 'approve' }, w.ctx);

    // Assess
    await expect(late).rejects.toBeInstanceOf(ConflictError);
    expect((await w.approvals.get(w.approval.id))?.status).toBe('expired');
    expect(w.tasks.stored(w.task.id).suspended?.decision?.decision).toBe('deny');
  });
});

describe('expireApproval', () => {
  it('says when to look again while the approval is not due', async () => {
    // Prepare
    const w = world({ timeoutSeconds: 60 });

    // Act
    const outcome = await expireApproval(w.deps, w.approval.id);

    // Assess
    expect(outcome).toEqual({ kind: 'not-due', dueAt: w.approval.expiresAt });
    expect((await w.approvals.get(w.approval.id))?.status).toBe('pending');
  });

  it('onTimeout deny: the task goes on as a denial', async () => {
    // Prepare
    const w = world({ onTimeout: 'deny' });
    w.clock.advance(60_000);

    // Act
    const outcome = await expireApproval(w.deps, w.approval.id);

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    expect(await w.approvals.get(w.approval.id)).toMatchObject({
      status: 'expired',
      decidedBy: 'system',
    });
    expect(w.tasks.stored(w.task.id)).toMatchObject({ status: 'queued' });
    expect(w.tasks.stored(w.task.id).suspended?.decision).toMatchObject({
      decision: 'deny',
      by: 'system',
    });
    expect(w.events.types()).toEqual(['approval.expired', 'task.queued']);
  });

  it('onTimeout fail: the task fails with ApprovalTimedOut and its end is told', async () => {
    // Prepare
    const w = world({ onTimeout: 'fail' });
    w.clock.advance(60_000);

    // Act
    await expireApproval(w.deps, w.approval.id);

    // Assess
    const task = w.tasks.stored(w.task.id);
    expect(task).toMatchObject({ status: 'failed', pendingApproval: null });
    expect(task.error).toMatchObject({ code: 'ApprovalTimedOut', retryable: false });
    expect(w.finished.map((t) => t.id)).toEqual([w.task.id]);
    expect(w.events.types()).toEqual(['approval.expired', 'task.failed']);
    expect(w.queue.sent).toEqual([]);
  });

  it('finishes off a decision a fault cut short, and does nothing the second time', async () => {
    // Prepare: decided, but the task was never queued again.
    const w = world();
    await w.approvals.update(w.approval.id, {
      from: ['pending'],
      set: {
        status: 'approved',
        decision: 'approve',
        decidedBy: 'admin',
        decidedAt: w.clock.iso(),
      },
    });

    // Act
    await expireApproval(w.deps, w.approval.id);
    await expireApproval(w.deps, w.approval.id);

    // Assess
    expect(w.queue.sentIds()).toEqual([w.task.id]);
    expect(w.tasks.stored(w.task.id).status).toBe('queued');
  });
});

describe('gates and housekeeping', () => {
  it('a gate’s decision is reported to its workflow', async () => {
    // Prepare
    const w = world();
    const gate: Approval = {
      ...w.approval,
      id: '01JGATEGATEGATEGATEGATEGAT',
      kind: 'gate',
      agentId: null,
      taskId: null,
      workflowId: '01JWORKFLOWWORKFLOWWORKFL0',
      stepId: 'signoff',
      toolName: null,
    };
    await w.approvals.create(gate);

    // Act
    await decideApproval(w.deps, gate.id, { decision: 'approve', comment: 'ship' }, w.ctx);

    // Assess
    expect(w.gates).toHaveLength(1);
    expect(w.gates[0]).toMatchObject({ status: 'approved', comment: 'ship' });
    expect(w.queue.sent).toEqual([]);
  });

  it('closeApproval expires a pending approval quietly; a later decision is 409', async () => {
    // Prepare
    const w = world();

    // Act
    await closeApproval(w.deps, w.approval.id, 'the task was cancelled');

    // Assess
    expect(await w.approvals.get(w.approval.id)).toMatchObject({
      status: 'expired',
      comment: 'the task was cancelled',
    });
    await expect(
      decideApproval(w.deps, w.approval.id, { decision: 'approve' }, w.ctx),
    ).rejects.toBeInstanceOf(ConflictError);
  });

  it('rearmPendingApprovals arms a timer for every pending approval', async () => {
    // Prepare
    const w = world();
    const timer = new RecordingApprovalTimer();

    // Act
    const armed = await rearmPendingApprovals({ approvals: w.approvals, timer });

    // Assess
    expect(armed).toBe(1);
    expect(timer.armed).toEqual([{ approvalId: w.approval.id, dueAt: w.approval.expiresAt }]);
  });
});
