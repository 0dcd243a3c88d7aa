/**
 * What a workflow step gets as its task's input: its `input` template rendered against the
 * workflow input and the outputs of the steps that succeeded, or its strategy's default (the
 * previous step's output, its dependencies' outputs); a supervisor gets the round's history, an
 * aggregator every step's output.
 */
import { renderTemplate } from './template.js';
import { byOrder, isStepFinished, type StepState, type Workflow } from './workflow.js';

export const SUPERVISOR_INSTRUCTIONS =
  'You supervise this workflow. Decide which agents run next. Answer only JSON: ' +
  '{"next": [{"agentId": "...", "input": ...}], "done": false} to run agents (all at once), or ' +
  '{"done": true, "final": ...} when the task is complete.';

/** What a step gets as its task input: its template rendered, or its strategy's default. */
export function stepInput(workflow: Workflow, steps: StepState[], step: StepState): unknown {
  const ordered = [...steps].sort(byOrder);
  const work = ordered.filter((s) => s.role === 'step');
  const outputs = new Map(
    ordered.filter((s) => s.status === 'succeeded').map((s) => [s.id, s.output] as const),
  );
  if (step.role === 'supervisor') {
    return {
      instructions: SUPERVISOR_INSTRUCTIONS,
      task: workflow.input,
      round: step.round,
      maxRounds: workflow.supervisor?.maxRounds ?? null,
      agents: [...new Set(workflow.steps.map((s) => s.agentId))],
      history: work
        .filter((s) => isStepFinished(s.status))
        .map((s) => ({
          round: s.round,
          stepId: s.id,
          agentId: s.agentId,
          status: s.status,
          output: s.output,
        })),
    };
  }
  if (step.role === 'aggregator') {
    return {
      input: workflow.input,
      outputs: work.map((s) => ({ stepId: s.id, agentId: s.agentId, output: s.output })),
    };
  }
  if (step.input !== undefined) {
    return renderTemplate(step.input, { input: workflow.input, outputs });
  }
  switch (workflow.chosenStrategy) {
    case 'sequential': {
      const previous = work.filter((s) => s.order < step.order).at(-1);
      return previous ? previous.output : workflow.input;
    }
    case 'dag': {
      if (step.dependsOn.length === 0) return workflow.input;
      if (step.dependsOn.length === 1) return outputs.get(step.dependsOn[0] ?? '') ?? null;
      return Object.fromEntries(step.dependsOn.map((id) => [id, outputs.get(id) ?? null]));
    }
    default:
      return workflow.input;
  }
}
