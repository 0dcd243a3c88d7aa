/** The planner: step checks at submission, and what each strategy does next from stored state. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/core/errors.js';
import {
  AGGREGATOR_STEP_ID,
  findCycle,
  initialSteps,
  type Plan,
  parseSupervisorAnswer,
  plan,
  validateSteps,
} from '../../shared/core/workflows/planner.js';
import {
  newStepState,
  type StepSpec,
  type StepState,
  stepTaskId,
  type Workflow,
} from '../../shared/core/workflows/workflow.js';
import { buildWorkflow } from '../helpers/in-memory.js';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const TIME = '2025-01-01T00:00:00.000Z';

const spec = (id: string, agentId = 'worker', extra: Partial<StepSpec> = {}): StepSpec => ({
  id,
  agentId,
  dependsOn: [],
  ...extra,
});

const workflowOf = (
  strategy: Workflow['chosenStrategy'],
  steps: StepSpec[],
  extra: Partial<Workflow> = {},
): Workflow => buildWorkflow({ strategy, chosenStrategy: strategy, steps, ...extra });

/** A copy of `states` with one step changed. */
function withStep(states: StepState[], id: string, change: Partial<StepState>): StepState[] {
  if (!states.some((s) => s.id === id)) throw new Error(`no step '${id}'`);
  return states.map((s) => (s.id === id ? { ...s, ...change } : s));
}

const succeeded = (states: StepState[], id: string, output: unknown) =>
  withStep(states, id, { status: 'succeeded', output, finishedAt: TIME });

/** Adds a plan's new states and marks the planned steps running, as the engine would. */
function apply(states: StepState[], next: Plan): StepState[] {
  if (next.kind !== 'run') throw new Error(`expected a run plan, got ${JSON.stringify(next)}`);
  const all = [...states, ...next.add];
  return all.map((s) => (next.stepIds.includes(s.id) ? { ...s, status: 'running' } : s));
}

/**
 * Runs a workflow to its end on the planner alone: every planned step succeeds with what
 * `answer` says. Returns the batches planned and the final plan.
 */
function drive(
  workflow: Workflow,
  answer: (step: StepState) => unknown,
  states: StepState[] = initialSteps(workflow),
): { batches: string[][]; end: Plan; states: StepState[] } {
  const batches: string[][] = [];
  let current = states;
  for (let i = 0; i < 100; i++) {
    const next = plan(workflow, current);
    if (next.kind !== 'run') return { batches, end: next, states: current };
    batches.push(next.stepIds);
    current = apply(current, next);
    for (const id of next.stepIds) {
      const step = current.find((s) => s.id === id) as StepState;
      current = succeeded(current, id, answer(step));
    }
  }
  throw new Error('the workflow did not end after 100 plans');
}

function validationError(run: () => void): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

const pathsOf = (run: () => void) => (validationError(run).details ?? []).map((d) => d.path);

// ---------------------------------------------------------------------------------------------
// validateSteps
// ---------------------------------------------------------------------------------------------

describe('validateSteps', () => {
  it('accepts well-formed steps under every strategy', () => {
    // Prepare
    const independent = [spec('a'), spec('b', 'other', { input: '{{input}} please' })];
    const chain = [
      spec('a'),
      spec('b', 'worker', { dependsOn: ['a'], input: '{{steps.a.output.x}}' }),
      spec('c', 'worker', { dependsOn: ['b'], input: { first: '{{steps.a.output}}' } }),
    ];

    // Act / Assess
    for (const strategy of ['sequential', 'parallel', 'dag', 'adaptive'] as const) {
      expect(() => validateSteps(strategy, independent)).not.toThrow();
    }
    expect(() => validateSteps('dag', chain)).not.toThrow();
    expect(() => validateSteps('sequential', chain)).not.toThrow();
  });

  it('refuses duplicate step ids, naming the later one', () => {
    // Act
    const error = validationError(() =>
      validateSteps('sequential', [spec('a'), spec('b'), spec('a')]),
    );

    // Assess
    expect(error.details).toEqual([{ path: 'steps.2.id', message: "duplicate step id 'a'" }]);
  });

  it.each(['aggregate', 'supervisor-1', 'supervisor-x'])('refuses the reserved id %s', (id) => {
    // Act
    const error = validationError(() => validateSteps('dag', [spec('a'), spec(id)]));

    // Assess
    expect(error.details).toEqual([{ path: 'steps.1.id', message: `'${id}' is reserved` }]);
  });

  it('refuses an unknown dependsOn, at its index', () => {
    // Act
    const error = validationError(() =>
      validateSteps('dag', [spec('a'), spec('b', 'worker', { dependsOn: ['a', 'ghost'] })]),
    );

    // Assess
    expect(error.details).toEqual([
      { path: 'steps.1.dependsOn.1', message: "unknown step 'ghost'" },
    ]);
    expect(error.message).toContain('steps.1.dependsOn.1');
  });

  it('refuses a step that depends on itself', () => {
    expect(
      validationError(() => validateSteps('dag', [spec('a', 'worker', { dependsOn: ['a'] })]))
        .details,
    ).toEqual([{ path: 'steps.0.dependsOn.0', message: 'a step cannot depend on itself' }]);
  });

  it('refuses a cycle a → b → c → a under dag, spelling it out', () => {
    // Prepare
    const steps = [
      spec('a', 'worker', { dependsOn: ['c'] }),
      spec('b', 'worker', { dependsOn: ['a'] }),
      spec('c', 'worker', { dependsOn: ['b'] }),
      spec('d'),
    ];

    // Act
    const error = validationError(() => validateSteps('dag', steps));

    // Assess
    expect(error.details).toHaveLength(1);
    expect(error.details?.[0]?.path).toBe('steps.0.dependsOn');
    expect(error.details?.[0]?.message).toBe('dependency cycle: a → c → b → a');
  });

  it('refuses dependsOn under parallel', () => {
    expect(
      pathsOf(() => validateSteps('parallel', [spec('a'), spec('b', 'w2', { dependsOn: ['a'] })])),
    ).toEqual(['steps.1.dependsOn']);
  });

  it('refuses a template that reads a later step under sequential', () => {
    // Act
    const error = validationError(() =>
      validateSteps('sequential', [
        spec('a', 'worker', { input: '{{steps.b.output}}' }),
        spec('b'),
      ]),
    );

    // Assess
    expect(error.details).toEqual([
      {
        path: 'steps.0.input',
        message: "{{steps.b.output}}: step 'b' has not finished when 'a' starts",
      },
    ]);
  });

  it('refuses a template that reads an unknown step', () => {
    expect(
      validationError(() =>
        validateSteps('sequential', [
          spec('a'),
          spec('b', 'worker', { input: ['{{steps.zz.output}}'] }),
        ]),
      ).details,
    ).toEqual([{ path: 'steps.1.input', message: "{{steps.zz.output}}: unknown step 'zz'" }]);
  });

  it('refuses a template that reads itself', () => {
    expect(
      pathsOf(() => validateSteps('sequential', [spec('a', 'w', { input: '{{steps.a.output}}' })])),
    ).toEqual(['steps.0.input']);
  });

  it('refuses a template that reads any step under parallel', () => {
    expect(
      pathsOf(() =>
        validateSteps('parallel', [spec('a'), spec('b', 'w2', { input: '{{steps.a.output}}' })]),
      ),
    ).toEqual(['steps.1.input']);
  });

  it('under dag, lets a template read ancestors only, not a sibling', () => {
    // Prepare: a → b, a → c; d depends on b only.
    const steps = [
      spec('a'),
      spec('b', 'w', { dependsOn: ['a'] }),
      spec('c', 'w', { dependsOn: ['a'] }),
      spec('d', 'w', { dependsOn: ['b'], input: '{{steps.a.output}} {{steps.b.output}}' }),
    ];
    const sibling = [
      ...steps.slice(0, 3),
      spec('d', 'w', { dependsOn: ['b'], input: '{{steps.c.output}}' }),
    ];

    // Act / Assess
    expect(() => validateSteps('dag', steps)).not.toThrow();
    expect(pathsOf(() => validateSteps('dag', sibling))).toEqual(['steps.3.input']);
  });

  it('refuses a malformed placeholder', () => {
    expect(
      validationError(() =>
        validateSteps('sequential', [spec('a', 'w', { input: 'x {{foo.bar}}' })]),
      ).details,
    ).toEqual([{ path: 'steps.0.input', message: 'unknown placeholder {{foo.bar}}' }]);
  });

  it('reports every bad field of a pass at once', () => {
    expect(
      pathsOf(() =>
        validateSteps('dag', [
          spec('a', 'w', { dependsOn: ['x'] }),
          spec('a'),
          spec('b', 'w', { dependsOn: ['b', 'y'] }),
        ]),
      ),
    ).toEqual(['steps.1.id', 'steps.0.dependsOn.0', 'steps.2.dependsOn.0', 'steps.2.dependsOn.1']);
  });
});

describe('findCycle', () => {
  it('finds none in a diamond', () => {
    expect(
      findCycle([
        spec('a'),
        spec('b', 'w', { dependsOn: ['a'] }),
        spec('c', 'w', { dependsOn: ['a'] }),
        spec('d', 'w', { dependsOn: ['b', 'c'] }),
      ]),
    ).toBeUndefined();
  });

  it('finds a two-step cycle and a self loop', () => {
    expect(
      findCycle([spec('a', 'w', { dependsOn: ['b'] }), spec('b', 'w', { dependsOn: ['a'] })]),
    ).toEqual(['a', 'b', 'a']);
    expect(findCycle([spec('a', 'w', { dependsOn: ['a'] })])).toEqual(['a', 'a']);
  });
});

// ---------------------------------------------------------------------------------------------
// initialSteps
// ---------------------------------------------------------------------------------------------

describe('initialSteps', () => {
  it('makes one pending state per declared step, in order, with its task id', () => {
    // Prepare
    const workflow = workflowOf('dag', [
      spec('a', 'scanner', { input: { q: '{{input}}' } }),
      spec('b', 'reviewer', { dependsOn: ['a'] }),
    ]);

    // Act
    const states = initialSteps(workflow);

    // Assess
    expect(states).toEqual([
      expect.objectContaining({
        id: 'a',
        order: 0,
        role: 'step',
        round: null,
        agentId: 'scanner',
        input: { q: '{{input}}' },
        dependsOn: [],
        status: 'pending',
        taskId: stepTaskId(workflow.id, 'a'),
      }),
      expect.objectContaining({ id: 'b', order: 1, agentId: 'reviewer', dependsOn: ['a'] }),
    ]);
    expect('input' in (states[1] as StepState)).toBe(false);
  });

  it('makes none for adaptive: the supervisor adds them round by round', () => {
    expect(initialSteps(workflowOf('adaptive', [spec('a')]))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// plan: sequential, parallel, dag
// ---------------------------------------------------------------------------------------------

describe('plan: sequential', () => {
  it('runs one step at a time, in order, then answers the last output', () => {
    // Prepare
    const workflow = workflowOf('sequential', [spec('a'), spec('b'), spec('c')]);

    // Act
    const { batches, end } = drive(workflow, (step) => `out-${step.id}`);

    // Assess
    expect(batches).toEqual([['a'], ['b'], ['c']]);
    expect(end).toEqual({ kind: 'succeed', output: 'out-c', quality: null });
  });

  it('follows the stored order, not the order of the states given', () => {
    // Prepare
    const workflow = workflowOf('sequential', [spec('a'), spec('b'), spec('c')]);
    const states = succeeded(initialSteps(workflow), 'a', 1).reverse();

    // Act / Assess
    expect(plan(workflow, states)).toEqual({ kind: 'run', stepIds: ['b'], add: [] });
  });

  it('runs a running step again (its task is found, not redone)', () => {
    // Prepare
    const workflow = workflowOf('sequential', [spec('a'), spec('b')]);
    const states = withStep(succeeded(initialSteps(workflow), 'a', 1), 'b', { status: 'running' });

    // Act / Assess
    expect(plan(workflow, states)).toEqual({ kind: 'run', stepIds: ['b'], add: [] });
  });

  it('answers the same plan when asked twice', () => {
    const workflow = workflowOf('sequential', [spec('a'), spec('b')]);
    const states = succeeded(initialSteps(workflow), 'a', 1);
    expect(plan(workflow, states)).toEqual(plan(workflow, states));
  });
});

describe('plan: parallel', () => {
  it('runs every step at once', () => {
    // Prepare
    const workflow = workflowOf('parallel', [spec('a'), spec('b'), spec('c')], {
      aggregate: { mode: 'concat' },
    });

    // Act
    const { batches, end } = drive(workflow, (step) => step.id.toUpperCase());

    // Assess
    expect(batches).toEqual([['a', 'b', 'c']]);
    expect(end).toEqual({ kind: 'succeed', output: 'A\n\nB\n\nC', quality: null });
  });

  it('runs again only the steps that have not succeeded', () => {
    const workflow = workflowOf('parallel', [spec('a'), spec('b'), spec('c')]);
    const states = withStep(succeeded(initialSteps(workflow), 'b', 'x'), 'c', {
      status: 'running',
    });
    expect(plan(workflow, states)).toEqual({ kind: 'run', stepIds: ['a', 'c'], add: [] });
  });

  it('votes over the outputs in step order', () => {
    // Prepare
    const workflow = workflowOf('parallel', [spec('a'), spec('b'), spec('c'), spec('d')], {
      aggregate: { mode: 'vote' },
    });
    const answers: Record<string, string> = { a: 'no', b: 'yes', c: 'yes', d: 'no' };

    // Act: a tie, broken by the earliest step ('a' says no).
    const { end } = drive(workflow, (step) => answers[step.id]);

    // Assess
    expect(end).toEqual({ kind: 'succeed', output: 'no', quality: null });
  });
});

describe('plan: dag', () => {
  const diamond = () =>
    workflowOf('dag', [
      spec('a'),
      spec('b', 'w', { dependsOn: ['a'] }),
      spec('c', 'w', { dependsOn: ['a'] }),
      spec('d', 'w', { dependsOn: ['b', 'c'] }),
    ]);

  it('runs a diamond a → (b, c) → d as [a], then [b, c], then [d]', () => {
    // Act
    const { batches, end } = drive(diamond(), (step) => `out-${step.id}`);

    // Assess
    expect(batches).toEqual([['a'], ['b', 'c'], ['d']]);
    expect(end).toEqual({ kind: 'succeed', output: 'out-d', quality: null });
  });

  it('waits for every dependency: with b done and c running, d does not start', () => {
    // Prepare
    const workflow = diamond();
    let states = succeeded(initialSteps(workflow), 'a', 1);
    states = withStep(succeeded(states, 'b', 2), 'c', { status: 'running' });

    // Act / Assess
    expect(plan(workflow, states)).toEqual({ kind: 'run', stepIds: ['c'], add: [] });
  });

  it('runs independent roots together', () => {
    const workflow = workflowOf('dag', [
      spec('x'),
      spec('y'),
      spec('z', 'w', { dependsOn: ['x'] }),
    ]);
    expect(plan(workflow, initialSteps(workflow))).toEqual({
      kind: 'run',
      stepIds: ['x', 'y'],
      add: [],
    });
  });

  it('merges the outputs in step order', () => {
    // Prepare
    const workflow = { ...diamond(), aggregate: { mode: 'merge' as const } };

    // Act
    const { end } = drive(workflow, (step) => ({ [step.id]: true, last: step.id }));

    // Assess
    expect(end).toEqual({
      kind: 'succeed',
      output: { a: true, b: true, c: true, d: true, last: 'd' },
      quality: null,
    });
  });

  it('fails the workflow naming the step whose output cannot be merged', () => {
    // Prepare
    const workflow = { ...diamond(), aggregate: { mode: 'merge' as const } };

    // Act
    const { end } = drive(workflow, (step) => (step.id === 'c' ? 'plain text' : { ok: 1 }));

    // Assess
    expect(end).toEqual({
      kind: 'fail',
      error: { code: 'AggregationFailed', message: expect.stringContaining("'c'"), stepId: 'c' },
    });
  });

  it('fails as stuck when a step waits on a step that does not exist', () => {
    // Prepare: only possible with data that skipped validation.
    const workflow = workflowOf('dag', [spec('a', 'w', { dependsOn: ['ghost'] })]);

    // Act / Assess
    expect(plan(workflow, initialSteps(workflow))).toMatchObject({
      kind: 'fail',
      error: { code: 'Stuck', stepId: null },
    });
  });
});

describe('plan: a step that did not succeed fails the workflow', () => {
  it.each(['sequential', 'parallel', 'dag'] as const)(
    '%s: fails with the step error and its id',
    (strategy) => {
      // Prepare
      const workflow = workflowOf(strategy, [spec('a'), spec('b'), spec('c')]);
      let states = succeeded(initialSteps(workflow), 'a', 1);
      states = withStep(states, 'b', {
        status: 'failed',
        error: { code: 'MaxStepsExceeded', message: 'the agent took too many steps' },
      });
      states = withStep(states, 'c', { status: 'running' });

      // Act
      const next = plan(workflow, states);

      // Assess
      expect(next).toEqual({
        kind: 'fail',
        error: { code: 'MaxStepsExceeded', message: 'the agent took too many steps', stepId: 'b' },
      });
    },
  );

  it('names the first failed step in order, and a cancelled step without an error', () => {
    // Prepare
    const workflow = workflowOf('parallel', [spec('a'), spec('b'), spec('c')]);
    let states = withStep(initialSteps(workflow), 'c', {
      status: 'failed',
      error: { code: 'X', message: 'x' },
    });
    states = withStep(states, 'b', { status: 'cancelled' });

    // Act / Assess
    expect(plan(workflow, states)).toEqual({
      kind: 'fail',
      error: { code: 'StepFailed', message: "step 'b' cancelled", stepId: 'b' },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// plan: aggregate agent
// ---------------------------------------------------------------------------------------------

describe('plan: an aggregator agent', () => {
  it('adds an aggregate step after the others, then answers its output and score', () => {
    // Prepare
    const workflow = workflowOf('parallel', [spec('a'), spec('b')], {
      aggregate: { mode: 'agent', agentId: 'judge' },
    });
    let states = succeeded(succeeded(initialSteps(workflow), 'a', 'A'), 'b', 'B');

    // Act: all steps done → the aggregator
    const first = plan(workflow, states);

    // Assess
    expect(first).toEqual({
      kind: 'run',
      stepIds: [AGGREGATOR_STEP_ID],
      add: [
        expect.objectContaining({
          id: 'aggregate',
          role: 'aggregator',
          agentId: 'judge',
          order: 2,
          status: 'pending',
          taskId: stepTaskId(workflow.id, 'aggregate'),
        }),
      ],
    });

    // Act: it is running → run it again, nothing added
    states = apply(states, first);
    expect(plan(workflow, states)).toEqual({ kind: 'run', stepIds: ['aggregate'], add: [] });

    // Act: it answered
    const output = { summary: 'both fine', score: 0.9 };
    states = succeeded(states, 'aggregate', output);
    expect(plan(workflow, states)).toEqual({ kind: 'succeed', output, quality: 0.9 });
  });

  it('reads the score from JSON text, and none when there is no score', () => {
    // Prepare
    const workflow = workflowOf('sequential', [spec('a')], {
      aggregate: { mode: 'agent', agentId: 'judge' },
    });

    // Act
    const withScore = drive(workflow, (s) => (s.role === 'aggregator' ? '{"score": 0.4}' : 'x'));
    const without = drive(workflow, (s) => (s.role === 'aggregator' ? 'fine' : 'x'));

    // Assess
    expect(withScore.batches).toEqual([['a'], ['aggregate']]);
    expect(withScore.end).toEqual({ kind: 'succeed', output: '{"score": 0.4}', quality: 0.4 });
    expect(without.end).toEqual({ kind: 'succeed', output: 'fine', quality: null });
  });

  it('fails the workflow when the aggregator fails', () => {
    // Prepare
    const workflow = workflowOf('sequential', [spec('a')], {
      aggregate: { mode: 'agent', agentId: 'judge' },
    });
    let states = succeeded(initialSteps(workflow), 'a', 'x');
    states = apply(states, plan(workflow, states));
    states = withStep(states, 'aggregate', {
      status: 'failed',
      error: { code: 'E', message: 'm' },
    });

    // Act / Assess
    expect(plan(workflow, states)).toEqual({
      kind: 'fail',
      error: { code: 'E', message: 'm', stepId: 'aggregate' },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// plan: adaptive
// ---------------------------------------------------------------------------------------------

describe('plan: adaptive', () => {
  const adaptive = (extra: Partial<Workflow> = {}) =>
    workflowOf('adaptive', [spec('w1', 'writer'), spec('w2', 'critic')], {
      supervisor: { agentId: 'lead', maxRounds: 3 },
      ...extra,
    });

  /** The states after the supervisor of round 1 answered `output`. */
  function answered(workflow: Workflow, output: unknown): StepState[] {
    const first = plan(workflow, []);
    return succeeded(apply([], first), 'supervisor-1', output);
  }

  it('asks the supervisor first: supervisor-1', () => {
    // Prepare
    const workflow = adaptive();

    // Act
    const next = plan(workflow, []);

    // Assess
    expect(next).toEqual({
      kind: 'run',
      stepIds: ['supervisor-1'],
      add: [
        {
          ...newStepState(workflow.id, {
            id: 'supervisor-1',
            order: 0,
            role: 'supervisor',
            round: 1,
            agentId: 'lead',
            dependsOn: [],
          }),
        },
      ],
    });
  });

  it('runs the supervisor again while it is running, adding nothing', () => {
    const workflow = adaptive();
    const states = apply([], plan(workflow, []));
    expect(plan(workflow, states)).toEqual({ kind: 'run', stepIds: ['supervisor-1'], add: [] });
  });

  it('runs the agents the supervisor named as steps r1-1, r1-2 with their inputs', () => {
    // Prepare
    const workflow = adaptive();
    const states = answered(workflow, {
      next: [{ agentId: 'writer', input: 'draft {{input}}' }, { agentId: 'critic' }],
      done: false,
    });

    // Act
    const next = plan(workflow, states);

    // Assess
    expect(next).toMatchObject({ kind: 'run', stepIds: ['r1-1', 'r1-2'] });
    const add = (next as Extract<Plan, { kind: 'run' }>).add;
    expect(add).toEqual([
      expect.objectContaining({
        id: 'r1-1',
        role: 'step',
        round: 1,
        agentId: 'writer',
        input: 'draft {{input}}',
        order: 1,
        taskId: stepTaskId(workflow.id, 'r1-1'),
      }),
      expect.objectContaining({ id: 'r1-2', role: 'step', round: 1, agentId: 'critic', order: 2 }),
    ]);
    expect('input' in (add[1] as StepState)).toBe(false);
  });

  it('accepts the answer as JSON text, also inside a code fence', () => {
    // Prepare
    const workflow = adaptive();
    const fenced = '```json\n{"next": [{"agentId": "writer"}]}\n```';

    // Act / Assess
    expect(
      plan(workflow, answered(workflow, JSON.stringify({ next: [{ agentId: 'critic' }] }))),
    ).toMatchObject({
      kind: 'run',
      stepIds: ['r1-1'],
    });
    expect(plan(workflow, answered(workflow, fenced))).toMatchObject({
      kind: 'run',
      stepIds: ['r1-1'],
    });
  });

  it('runs again only the round steps not yet succeeded, adding none twice', () => {
    // Prepare
    const workflow = adaptive();
    let states = answered(workflow, { next: [{ agentId: 'writer' }, { agentId: 'critic' }] });
    states = apply(states, plan(workflow, states));
    states = succeeded(states, 'r1-1', 'draft');

    // Act / Assess
    expect(plan(workflow, states)).toEqual({ kind: 'run', stepIds: ['r1-2'], add: [] });
  });

  it('asks the supervisor again (supervisor-2) when the round is done', () => {
    // Prepare
    const workflow = adaptive();
    let states = answered(workflow, { next: [{ agentId: 'writer' }] });
    states = succeeded(apply(states, plan(workflow, states)), 'r1-1', 'draft');

    // Act
    const next = plan(workflow, states);

    // Assess
    expect(next).toEqual({
      kind: 'run',
      stepIds: ['supervisor-2'],
      add: [
        expect.objectContaining({ id: 'supervisor-2', role: 'supervisor', round: 2, order: 2 }),
      ],
    });
  });

  it("succeeds with the supervisor's final when it says done", () => {
    // Prepare
    const workflow = adaptive();
    let round = 0;

    // Act
    const { batches, end } = drive(
      workflow,
      (step) => {
        if (step.role !== 'supervisor') return `work of ${step.id}`;
        round++;
        return round === 1
          ? { next: [{ agentId: 'writer', input: 'go' }] }
          : { done: true, final: { answer: 42 } };
      },
      [],
    );

    // Assess
    expect(batches).toEqual([['supervisor-1'], ['r1-1'], ['supervisor-2']]);
    expect(end).toEqual({ kind: 'succeed', output: { answer: 42 }, quality: null });
  });

  it('succeeds with the last step output when done comes without a final', () => {
    // Prepare
    const workflow = adaptive();

    // Act
    const { end } = drive(
      workflow,
      (step) =>
        step.role !== 'supervisor'
          ? `work of ${step.id}`
          : step.round === 1
            ? { next: [{ agentId: 'writer' }, { agentId: 'critic' }] }
            : { done: true },
      [],
    );

    // Assess
    expect(end).toEqual({ kind: 'succeed', output: 'work of r1-2', quality: null });
  });

  it('finishes after maxRounds rounds were acted on, even if never done', () => {
    // Prepare
    const workflow = adaptive({ supervisor: { agentId: 'lead', maxRounds: 2 } });

    // Act
    const { batches, end } = drive(
      workflow,
      (step) => (step.role === 'supervisor' ? { next: [{ agentId: 'writer' }] } : `w-${step.id}`),
      [],
    );

    // Assess
    expect(batches).toEqual([['supervisor-1'], ['r1-1'], ['supervisor-2'], ['r2-1']]);
    expect(end).toEqual({ kind: 'succeed', output: 'w-r2-1', quality: null });
  });

  it('asks again when a round names no agent, and finishes at maxRounds', () => {
    // Prepare
    const workflow = adaptive({ supervisor: { agentId: 'lead', maxRounds: 2 } });

    // Act
    const { batches, end } = drive(workflow, () => ({ next: [], done: false }), []);

    // Assess
    expect(batches).toEqual([['supervisor-1'], ['supervisor-2']]);
    expect(end).toEqual({ kind: 'succeed', output: null, quality: null });
  });

  it.each([
    ['text that is not JSON', 'I think the writer should go next'],
    ['next that is not a list', { next: 'writer' }],
    ['a step without agentId', { next: [{ input: 'x' }] }],
    ['done that is not a boolean', { done: 'yes' }],
    [
      'more than 10 agents at once',
      { next: Array.from({ length: 11 }, () => ({ agentId: 'writer' })) },
    ],
    ['a JSON array', [{ agentId: 'writer' }]],
  ])('fails naming the supervisor when it answers %s', (_what, output) => {
    // Prepare
    const workflow = adaptive();

    // Act
    const next = plan(workflow, answered(workflow, output));

    // Assess
    expect(next).toEqual({
      kind: 'fail',
      error: {
        code: 'SupervisorAnswerInvalid',
        message: expect.any(String),
        stepId: 'supervisor-1',
      },
    });
  });

  it('refuses an agent that is not among the declared steps', () => {
    // Prepare
    const workflow = adaptive();

    // Act
    const next = plan(
      workflow,
      answered(workflow, { next: [{ agentId: 'writer' }, { agentId: 'intruder' }] }),
    );

    // Assess
    expect(next).toEqual({
      kind: 'fail',
      error: {
        code: 'SupervisorAnswerInvalid',
        message: expect.stringContaining("'intruder'"),
        stepId: 'supervisor-1',
      },
    });
  });

  it('lets the supervisor name no agent at all when no steps were declared (it can only finish)', () => {
    const workflow = adaptive({ steps: [] });
    expect(plan(workflow, answered(workflow, { next: [{ agentId: 'anyone' }] }))).toMatchObject({
      kind: 'fail',
      error: { code: 'SupervisorAnswerInvalid', stepId: 'supervisor-1' },
    });
    expect(plan(workflow, answered(workflow, { done: true, final: 'ok' }))).toMatchObject({
      kind: 'succeed',
      output: 'ok',
    });
  });

  it('fails with the supervisor task error when the supervisor fails', () => {
    // Prepare
    const workflow = adaptive();
    const states = withStep(apply([], plan(workflow, [])), 'supervisor-1', {
      status: 'failed',
      error: { code: 'ModelUnavailable', message: 'no model' },
    });

    // Act / Assess
    expect(plan(workflow, states)).toEqual({
      kind: 'fail',
      error: { code: 'ModelUnavailable', message: 'no model', stepId: 'supervisor-1' },
    });
  });

  it('fails an adaptive workflow that has no supervisor', () => {
    expect(plan(adaptive({ supervisor: null }), [])).toMatchObject({
      kind: 'fail',
      error: { code: 'InvalidWorkflow' },
    });
  });

  it('runs the aggregator after done, then succeeds with its output and score', () => {
    // Prepare
    const workflow = adaptive({ aggregate: { mode: 'agent', agentId: 'judge' } });

    // Act
    const { batches, end, states } = drive(
      workflow,
      (step) => {
        if (step.role === 'aggregator') return { verdict: 'good', score: 0.75 };
        if (step.role === 'supervisor') {
          return step.round === 1
            ? { next: [{ agentId: 'critic' }] }
            : { done: true, final: 'ignored' };
        }
        return 'critique';
      },
      [],
    );

    // Assess
    expect(batches).toEqual([['supervisor-1'], ['r1-1'], ['supervisor-2'], ['aggregate']]);
    expect(end).toEqual({
      kind: 'succeed',
      output: { verdict: 'good', score: 0.75 },
      quality: 0.75,
    });
    expect(states.find((s) => s.id === 'aggregate')).toMatchObject({
      role: 'aggregator',
      agentId: 'judge',
    });
  });

  it('aggregates by its mode instead of the final when one is set', () => {
    // Prepare
    const workflow = adaptive({ aggregate: { mode: 'concat' } });

    // Act
    const { end } = drive(
      workflow,
      (step) => {
        if (step.role === 'supervisor') {
          return step.round === 1
            ? { next: [{ agentId: 'writer' }, { agentId: 'critic' }] }
            : { done: true, final: 'not this' };
        }
        return step.id;
      },
      [],
    );

    // Assess
    expect(end).toEqual({ kind: 'succeed', output: 'r1-1\n\nr1-2', quality: null });
  });
});

describe('parseSupervisorAnswer', () => {
  it('fills defaults', () => {
    expect(parseSupervisorAnswer({})).toEqual({ answer: { next: [], done: false } });
    expect(parseSupervisorAnswer('{"done": true, "final": [1]}')).toEqual({
      answer: { next: [], done: true, final: [1] },
    });
  });

  it('names the bad field in its problem', () => {
    const parsed = parseSupervisorAnswer({ next: [{ agentId: 3 }] });
    expect(parsed).toEqual({ problem: expect.stringContaining('next.0.agentId') });
  });
});

describe('validateSteps: sequential dependencies', () => {
  it('accepts a dependency on an earlier step and refuses one on a later step, naming it', () => {
    const earlier = [
      { id: 'a', agentId: 'agent-a', dependsOn: [] },
      { id: 'b', agentId: 'agent-b', dependsOn: ['a'] },
    ];
    expect(() => validateSteps('sequential', earlier)).not.toThrow();
    const later = [
      { id: 'a', agentId: 'agent-a', dependsOn: ['b'] },
      { id: 'b', agentId: 'agent-b', dependsOn: [] },
    ];
    let caught: unknown;
    try {
      validateSteps('sequential', later);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({
      details: [{ path: 'steps.0.dependsOn.0', message: expect.stringMatching(/comes later/) }],
    });
  });
});
