/**
 * What a workflow does next, decided from its stored state alone: the state machine asks after
 * every batch of steps, and asking twice gives the same answer (so advancing is idempotent and a
 * restarted execution carries on where the data says it is). Pure functions, no I/O.
 */
import * as z from 'zod';
import type { FieldIssue } from '../errors.js';
import { ValidationError } from '../errors.js';
import { AggregationError, aggregate, qualityOf, type StepOutput } from './aggregate.js';
import { referencesOf } from './template.js';
import {
  byOrder,
  MAX_STEPS_PER_ROUND,
  newStepState,
  type StepSpec,
  type StepState,
  type Workflow,
  type WorkflowError,
} from './workflow.js';

export type Plan =
  /** Run these steps (all at once); `add` are new step states to store first (adaptive rounds). */
  | { kind: 'run'; stepIds: string[]; add: StepState[] }
  | { kind: 'succeed'; output: unknown; quality: number | null }
  | { kind: 'fail'; error: WorkflowError };

export const SUPERVISOR_PREFIX = 'supervisor-';
export const AGGREGATOR_STEP_ID = 'aggregate';

/**
 * Checks the steps of a new workflow for what the schema cannot see: unique ids, known and
 * acyclic `dependsOn`, templates that only read steps that will have finished before.
 */
export function validateSteps(strategy: Workflow['chosenStrategy'], steps: StepSpec[]): void {
  const issues: FieldIssue[] = [];
  const index = new Map<string, number>();
  steps.forEach((step, i) => {
    if (
      index.has(step.id) ||
      step.id === AGGREGATOR_STEP_ID ||
      step.id.startsWith(SUPERVISOR_PREFIX)
    ) {
      issues.push({
        path: `steps.${i}.id`,
        message: index.has(step.id) ? `duplicate step id '${step.id}'` : `'${step.id}' is reserved`,
      });
    }
    index.set(step.id, i);
  });
  steps.forEach((step, i) => {
    for (const [j, dep] of step.dependsOn.entries()) {
      if (!index.has(dep)) {
        issues.push({ path: `steps.${i}.dependsOn.${j}`, message: `unknown step '${dep}'` });
      } else if (dep === step.id) {
        issues.push({
          path: `steps.${i}.dependsOn.${j}`,
          message: 'a step cannot depend on itself',
        });
      }
    }
    // Sequential runs in the order given, so a dependency must come earlier; parallel has no
    // order at all. Say so rather than ignore a dependency.
    if (step.dependsOn.length && strategy === 'parallel') {
      issues.push({
        path: `steps.${i}.dependsOn`,
        message: 'parallel steps cannot depend on each other; use dag',
      });
    }
    if (strategy === 'sequential') {
      for (const [j, dep] of step.dependsOn.entries()) {
        const at = index.get(dep);
        if (at !== undefined && at > i) {
          issues.push({
            path: `steps.${i}.dependsOn.${j}`,
            message: `step '${dep}' comes later; in sequence a step can only depend on earlier ones`,
          });
        }
      }
    }
  });
  if (issues.length === 0 && strategy === 'dag') {
    const cycle = findCycle(steps);
    if (cycle) {
      const i = index.get(cycle[0] ?? '') ?? 0;
      issues.push({
        path: `steps.${i}.dependsOn`,
        message: `dependency cycle: ${cycle.join(' → ')}`,
      });
    }
  }
  if (issues.length === 0) {
    steps.forEach((step, i) => {
      const before = earlierSteps(strategy, steps, i);
      for (const { expression, ref } of referencesOf(step.input)) {
        if (!ref) {
          issues.push({
            path: `steps.${i}.input`,
            message: `unknown placeholder {{${expression}}}`,
          });
        } else if (ref.kind === 'step' && !before.has(ref.stepId)) {
          issues.push({
            path: `steps.${i}.input`,
            message: index.has(ref.stepId)
              ? `{{${expression}}}: step '${ref.stepId}' has not finished when '${step.id}' starts`
              : `{{${expression}}}: unknown step '${ref.stepId}'`,
          });
        }
      }
    });
  }
  if (issues.length) {
    throw new ValidationError(
      `invalid workflow steps: ${issues.map((issue) => issue.path).join(', ')}`,
      issues,
    );
  }
}

/** Steps certain to have finished before step `i` starts, under a strategy. */
function earlierSteps(
  strategy: Workflow['chosenStrategy'],
  steps: StepSpec[],
  i: number,
): Set<string> {
  if (strategy === 'sequential') return new Set(steps.slice(0, i).map((s) => s.id));
  if (strategy === 'dag') {
    const byId = new Map(steps.map((s) => [s.id, s]));
    const seen = new Set<string>();
    const stack = [...(steps[i]?.dependsOn ?? [])];
    while (stack.length) {
      const id = stack.pop() as string;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...(byId.get(id)?.dependsOn ?? []));
    }
    return seen;
  }
  return new Set();
}

/** A cycle among `dependsOn`, as the ids along it, or undefined. */
export function findCycle(steps: StepSpec[]): string[] | undefined {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const dep of byId.get(id)?.dependsOn ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const step of steps) {
    const cycle = visit(step.id);
    if (cycle) return cycle;
  }
  return undefined;
}

/** The step states a new workflow starts with (adaptive ones get theirs round by round). */
export function initialSteps(workflow: Workflow): StepState[] {
  if (workflow.chosenStrategy === 'adaptive') return [];
  return workflow.steps.map((spec, order) =>
    newStepState(workflow.id, {
      id: spec.id,
      order,
      role: 'step',
      round: null,
      agentId: spec.agentId ?? null,
      ...(spec.input === undefined ? {} : { input: spec.input }),
      ...(spec.approval ? { gate: spec.approval } : {}),
      dependsOn: spec.dependsOn,
    }),
  );
}

/** The next thing to do. Steps that are `running` are run again: their task is found, not redone. */
export function plan(workflow: Workflow, states: StepState[]): Plan {
  const steps = [...states].sort(byOrder);
  const broken = steps.find((s) => s.status === 'failed' || s.status === 'cancelled');
  if (broken) {
    return {
      kind: 'fail',
      error: {
        code: broken.error?.code ?? 'StepFailed',
        message: broken.error?.message ?? `step '${broken.id}' ${broken.status}`,
        stepId: broken.id,
      },
    };
  }
  const work = steps.filter((s) => s.role === 'step');
  const unfinished = work.filter((s) => s.status !== 'succeeded');
  switch (workflow.chosenStrategy) {
    case 'sequential': {
      const next = unfinished[0];
      if (next) return run([next.id]);
      break;
    }
    case 'parallel':
      if (unfinished.length) return run(unfinished.map((s) => s.id));
      break;
    case 'dag': {
      const done = new Set(work.filter((s) => s.status === 'succeeded').map((s) => s.id));
      const ready = unfinished.filter((s) => s.dependsOn.every((dep) => done.has(dep)));
      if (ready.length) return run(ready.map((s) => s.id));
      if (unfinished.length) {
        return fail('Stuck', `steps ${unfinished.map((s) => s.id).join(', ')} can never start`);
      }
      break;
    }
    case 'adaptive': {
      const next = planAdaptive(workflow, steps);
      if (next) return next;
      break;
    }
  }
  return finish(workflow, steps);
}

const run = (stepIds: string[], add: StepState[] = []): Plan => ({ kind: 'run', stepIds, add });
const fail = (code: string, message: string, stepId: string | null = null): Plan => ({
  kind: 'fail',
  error: { code, message, stepId },
});

/** All steps have run: aggregate, asking the aggregator agent first when there is one. */
function finish(workflow: Workflow, steps: StepState[]): Plan {
  const outputs: StepOutput[] = steps
    .filter((s) => s.role === 'step')
    .map((s) => ({ stepId: s.id, output: s.output }));
  const mode = workflow.aggregate?.mode ?? 'last';
  if (mode === 'agent') {
    const aggregator = steps.find((s) => s.role === 'aggregator');
    if (!aggregator) {
      const add = newStepState(workflow.id, {
        id: AGGREGATOR_STEP_ID,
        order: nextOrder(steps),
        role: 'aggregator',
        round: null,
        agentId: workflow.aggregate?.agentId ?? '',
        dependsOn: [],
      });
      return run([add.id], [add]);
    }
    if (aggregator.status !== 'succeeded') return run([aggregator.id]);
    return { kind: 'succeed', output: aggregator.output, quality: qualityOf(aggregator.output) };
  }
  // Adaptive without an aggregate mode: the supervisor's `final`, when it gave one.
  if (workflow.chosenStrategy === 'adaptive' && !workflow.aggregate) {
    const final = finalAnswer(steps);
    if (final !== undefined) return { kind: 'succeed', output: final, quality: null };
  }
  try {
    return { kind: 'succeed', output: aggregate(mode, outputs), quality: null };
  } catch (error) {
    if (error instanceof AggregationError)
      return fail('AggregationFailed', error.message, error.stepId);
    throw error;
  }
}

const nextOrder = (steps: StepState[]): number => Math.max(-1, ...steps.map((s) => s.order)) + 1;

export const supervisorAnswerSchema = z.object({
  next: z
    .array(z.object({ agentId: z.string(), input: z.unknown().optional() }))
    .max(MAX_STEPS_PER_ROUND)
    .default([]),
  done: z.boolean().default(false),
  final: z.unknown().optional(),
});
export type SupervisorAnswer = z.infer<typeof supervisorAnswerSchema>;

/** The supervisor's answer, from its output (an object, or JSON text, possibly in a code fence). */
export function parseSupervisorAnswer(
  output: unknown,
): { answer: SupervisorAnswer } | { problem: string } {
  let value = output;
  if (typeof value === 'string') {
    const text = value.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
    try {
      value = JSON.parse(text);
    } catch {
      return { problem: 'the supervisor did not answer JSON' };
    }
  }
  const parsed = supervisorAnswerSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      problem:
        `the supervisor's answer is not {"next": [{"agentId", "input"}], "done", "final"}: ${issue?.path.join('.') || '(answer)'} ${issue?.message ?? ''}`.trim(),
    };
  }
  return { answer: parsed.data };
}

function finalAnswer(steps: StepState[]): unknown {
  const last = steps.filter((s) => s.role === 'supervisor').at(-1);
  if (!last) return undefined;
  const parsed = parseSupervisorAnswer(last.output);
  return 'answer' in parsed && parsed.answer.done ? parsed.answer.final : undefined;
}

/**
 * Adaptive: ask the supervisor (round r), run what it names (steps `r<r>-<i>`), ask again, until
 * it says `done` or `maxRounds` answers have been acted on. Undefined when it is time to finish.
 */
function planAdaptive(workflow: Workflow, steps: StepState[]): Plan | undefined {
  const supervisor = workflow.supervisor;
  if (!supervisor) return fail('InvalidWorkflow', 'an adaptive workflow needs a supervisor');
  const rounds = steps.filter((s) => s.role === 'supervisor');
  const last = rounds.at(-1);
  const askSupervisor = (round: number): Plan => {
    const add = newStepState(workflow.id, {
      id: `${SUPERVISOR_PREFIX}${round}`,
      order: nextOrder(steps),
      role: 'supervisor',
      round,
      agentId: supervisor.agentId,
      dependsOn: [],
    });
    return run([add.id], [add]);
  };
  if (!last) return askSupervisor(1);
  if (last.status !== 'succeeded') return run([last.id]);
  const round = last.round ?? rounds.length;
  const parsed = parseSupervisorAnswer(last.output);
  if ('problem' in parsed) return fail('SupervisorAnswerInvalid', parsed.problem, last.id);
  const { answer } = parsed;
  if (answer.done) return undefined;
  const allowed = new Set(workflow.steps.map((s) => s.agentId));
  const wanted = answer.next.map((next, i) => ({ ...next, id: `r${round}-${i + 1}` }));
  // The supervisor's answer is model output: it may only choose among the agents the caller
  // declared as steps (none declared: it can only answer done).
  const refused = wanted.find((w) => !allowed.has(w.agentId));
  if (refused) {
    return fail(
      'SupervisorAnswerInvalid',
      `the supervisor asked for agent '${refused.agentId}', which is not among the workflow's steps`,
      last.id,
    );
  }
  const existing = new Map(steps.map((s) => [s.id, s]));
  let order = nextOrder(steps);
  const add = wanted
    .filter((w) => !existing.has(w.id))
    .map((w) =>
      newStepState(workflow.id, {
        id: w.id,
        order: order++,
        role: 'step',
        round,
        agentId: w.agentId,
        ...(w.input === undefined ? {} : { input: w.input }),
        dependsOn: [],
      }),
    );
  const pending = wanted.filter((w) => existing.get(w.id)?.status !== 'succeeded').map((w) => w.id);
  if (pending.length) return run(pending, add);
  if (round >= supervisor.maxRounds) return undefined;
  return askSupervisor(round + 1);
}
