/**
 * The worker with a person in the loop, on in-memory stores: an `ask` call makes the task
 * `waiting` with its approval stored and its timer armed; the resumed attempt has the running
 * time left, not the time spent waiting; a runtime that keeps no approvals fails the task
 * clearly instead of waiting for ever.
 */
import { describe, expect, it } from 'vitest';
import { runTaskMessage, type WorkerDeps } from '../../shared/core/kernel/run-task.js';
import type { TaskConversationStore } from '../../shared/core/threads/ports.js';
import type { StoredMessage } from '../../shared/core/threads/thread.js';
import { toolCatalogue } from '../../shared/core/tools/catalogue.js';
import {
  buildAgent,
  buildTask,
  FixedClock,
  InMemoryAgentStore,
  InMemoryApprovalStore,
  InMemoryTaskStore,
  RecordingApprovalTimer,
  RecordingEventPublisher,
} from '../helpers/in-memory.js';

class ListConversations implements TaskConversationStore {
  readonly stored = new Map<string, StoredMessage[]>();
  async put(taskId: string, messages: StoredMessage[]): Promise<void> {
    this.stored.set(taskId, [...(this.stored.get(taskId) ?? []), ...messages]);
  }
  async newest(taskId: string) {
    return { items: [...(this.stored.get(taskId) ?? [])].reverse(), nextCursor: null };
  }
}

function world(withApprovals = true, timeoutMs = 60_000, delayMs = 0) {
  const clock = new FixedClock();
  const agents = new InMemoryAgentStore().seed(
    buildAgent({
      id: 'asker',
      tools: ['math.eval'],
      toolPolicy: { 'math.eval': 'ask' },
      limits: { timeoutMs },
      model: {
        provider: 'scripted',
        turns: [
          { toolCalls: [{ name: 'math.eval', input: { expression: '2+2' } }] },
          { text: 'it is {{lastToolResult}}', delayMs },
        ],
      },
    }),
  );
  const tasks = new InMemoryTaskStore(clock);
  const approvals = new InMemoryApprovalStore();
  const timer = new RecordingApprovalTimer();
  const conversations = new ListConversations();
  const deps: WorkerDeps = {
    agents,
    tasks,
    events: new RecordingEventPublisher(),
    clock,
    tools: toolCatalogue,
    retry: { baseSeconds: 1, maxSeconds: 1 },
    ...(withApprovals ? { approvals, approvalTimer: timer, conversations } : {}),
  };
  const task = buildTask({ agentId: 'asker' });
  tasks.seed(task);
  const deliver = () => runTaskMessage(deps, { taskId: task.id, agentId: 'asker' });
  return { deps, tasks, approvals, timer, conversations, task, deliver };
}

describe('a task whose tool call needs a person', () => {
  it('waits: approval pending, timer armed, conversation stored, attempt not used up', async () => {
    // Prepare
    const w = world();

    // Act
    const outcome = await w.deliver();

    // Assess
    expect(outcome).toEqual({ kind: 'done' });
    const task = w.tasks.stored(w.task.id);
    expect(task).toMatchObject({ status: 'waiting', attempts: 1, leaseUntil: null });
    const approval = await w.approvals.get(task.pendingApproval ?? '');
    expect(approval).toMatchObject({ status: 'pending', toolName: 'math.eval', taskId: task.id });
    expect(w.timer.armed).toEqual([{ approvalId: approval?.id, dueAt: approval?.expiresAt }]);
    expect(task.suspended).toMatchObject({ stored: 1, steps: 1, calls: [{ name: 'math.eval' }] });
    expect(w.conversations.stored.get(task.id)?.map((m) => m.role)).toEqual(['assistant']);
  });

  it('goes on with the running time left, not the time spent waiting', async () => {
    // Prepare: 1.8 s of a 2 s budget used before the stop; the next model call takes 0.5 s.
    const w = world(true, 2000, 500);
    await w.deliver();
    const waiting = w.tasks.stored(w.task.id);
    await w.tasks.transition(w.task.id, {
      from: ['waiting'],
      to: 'queued',
      set: {
        attempts: 0,
        suspended: {
          ...(waiting.suspended as NonNullable<typeof waiting.suspended>),
          elapsedMs: 1800,
          decision: { decision: 'approve', by: 'admin' },
        },
      },
    });

    // Act
    await w.deliver();

    // Assess
    expect(w.tasks.stored(w.task.id)).toMatchObject({
      status: 'failed',
      error: { code: 'Timeout' },
    });
  });

  it('with the same budget and no time used before, finishes', async () => {
    // Prepare
    const w = world(true, 2000, 500);
    await w.deliver();
    const waiting = w.tasks.stored(w.task.id);
    await w.tasks.transition(w.task.id, {
      from: ['waiting'],
      to: 'queued',
      set: {
        attempts: 0,
        suspended: {
          ...(waiting.suspended as NonNullable<typeof waiting.suspended>),
          elapsedMs: 0,
          decision: { decision: 'approve', by: 'admin' },
        },
      },
    });

    // Act
    await w.deliver();

    // Assess
    expect(w.tasks.stored(w.task.id)).toMatchObject({
      status: 'succeeded',
      output: 'it is {"value":4}',
      attempts: 1,
    });
  });

  it('fails clearly where the runtime keeps no approvals', async () => {
    // Prepare
    const w = world(false);

    // Act
    await w.deliver();

    // Assess
    expect(w.tasks.stored(w.task.id)).toMatchObject({
      status: 'failed',
      error: { code: 'ApprovalsUnavailable', retryable: false },
    });
  });
});
