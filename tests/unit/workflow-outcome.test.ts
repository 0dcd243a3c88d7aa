/** What a workflow's terminal event says (`outcomeOf`): steps that ran, duration, cost, quality. */
import { describe, expect, it } from 'vitest';
import { outcomeOf } from '../../shared/core/workflows/engine.js';
import { newStepState, type StepState } from '../../shared/core/workflows/workflow.js';
import { buildWorkflow, FixedClock, START_TIME } from '../helpers/in-memory.js';

const step = (workflowId: string, id: string, order: number, extra: Partial<StepState>) => ({
  ...newStepState(workflowId, { id, order, role: 'step', round: 0, agentId: 'a', dependsOn: [] }),
  ...extra,
});

describe('outcomeOf', () => {
  it('counts the steps that started, sums their cost and measures to the end', () => {
    const workflow = buildWorkflow({
      status: 'failed',
      quality: 0.5,
      finishedAt: '2025-01-01T00:00:30.000Z',
    });
    const steps = [
      step(workflow.id, 'a', 0, { startedAt: START_TIME, costUsd: 0.25 }),
      step(workflow.id, 'b', 1, { startedAt: START_TIME, costUsd: 0.5 }),
      // Cancelled before it started: it did not run, and cost nothing.
      step(workflow.id, 'c', 2, { status: 'cancelled' }),
    ];

    expect(outcomeOf(workflow, steps, new FixedClock())).toEqual({
      workflowId: workflow.id,
      name: 'wf',
      strategy: 'sequential',
      chosenStrategy: 'sequential',
      steps: 2,
      durationMs: 30_000,
      costUsd: 0.75,
      quality: 0.5,
    });
  });

  it('measures a workflow without an end time to now, as the injected clock tells it', () => {
    const clock = new FixedClock(START_TIME);
    clock.advance(90_000);

    const outcome = outcomeOf(buildWorkflow({ status: 'cancelled' }), [], clock);

    expect(outcome.durationMs).toBe(90_000);
  });
});
