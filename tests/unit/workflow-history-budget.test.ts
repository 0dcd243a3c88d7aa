/**
 * The workflow runner's history bound (infra/workflow-state-machine.ts): how many events a round
 * can add at worst, from the definition's own retriers, and what that leaves an execution before
 * Step Functions' 25,000-event limit.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HISTORY_BUDGET,
  HISTORY_EVENT_LIMIT,
  historyCosts,
  workflowRunnerDefinition,
} from '../../infra/workflow-state-machine.js';
import { MAX_STEPS, MAX_STEPS_PER_ROUND } from '../../shared/core/workflows/workflow.js';

type Retrier = { MaxAttempts: number };
type State = { Retry?: Retrier[]; ItemProcessor?: { States: Record<string, State> } };

describe('the history bound of a workflow execution', () => {
  const costs = historyCosts();

  it('counts a Task state at its worst: six events and four more per retry the definition allows', () => {
    // Prepare: the retries the definition really gives Advance and RunStep.
    const states = (workflowRunnerDefinition() as { States: Record<string, State> }).States;
    const retries = (state: State | undefined) =>
      (state?.Retry ?? []).reduce((sum, r) => sum + r.MaxAttempts, 0);
    const runStep = states.RunSteps?.ItemProcessor?.States.RunStep;

    // Assess
    expect(retries(states.Advance)).toBe(9);
    expect(retries(runStep)).toBe(9);
    expect(costs).toEqual({
      start: 3,
      round: 6 + 4 * 9 + 2 + 4,
      step: 2 + 6 + 4 * 9 + 2,
      end: 3 * (6 + 4 * 9) + 2 + 2 + 1,
    });
  });

  it('leaves room for 39 ten-step rounds in an execution, and even a 100-step round fits', () => {
    const budget = DEFAULT_HISTORY_BUDGET - costs.end;
    const tenStepRound = costs.round + MAX_STEPS_PER_ROUND * costs.step;
    expect(Math.floor((budget - costs.start) / tenStepRound)).toBe(39);
    expect(costs.start + costs.round + MAX_STEPS * costs.step + costs.end).toBeLessThan(
      DEFAULT_HISTORY_BUDGET,
    );
    expect(DEFAULT_HISTORY_BUDGET).toBeLessThanOrEqual(HISTORY_EVENT_LIMIT * 0.8);
  });

  it('hands a step waiting days over about every two days (a round every 15 minutes)', () => {
    const budget = DEFAULT_HISTORY_BUDGET - costs.end;
    const rounds = Math.floor((budget - costs.start) / (costs.round + costs.step));
    expect(rounds).toBe(211);
    expect((rounds * 15) / 60).toBeGreaterThan(48);
  });

  it('passes the budget less what ending takes, and the costs, to Advance', () => {
    const states = (
      workflowRunnerDefinition('workflow-engine', { historyBudget: 1000 }) as {
        States: Record<string, { Parameters?: { Payload?: { history?: unknown } } }>;
      }
    ).States;
    expect(states.Advance?.Parameters?.Payload?.history).toEqual({
      'used.$': '$.plan.historyEvents',
      budget: 1000 - costs.end,
      round: costs.round,
      step: costs.step,
    });
  });
});
