/** The workflow as submitted (createWorkflowSchema), step task ids, and what the API shows. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/core/errors.js';
import { newId, ULID_PATTERN } from '../../shared/core/ids.js';
import { parseInput } from '../../shared/core/validation.js';
import {
  createWorkflowSchema,
  newStepState,
  publicWorkflow,
  type StepState,
  stepTaskId,
} from '../../shared/core/workflows/workflow.js';
import { buildWorkflow } from '../helpers/in-memory.js';

/** The field paths a body is refused for (empty when it is accepted). */
function refusedPaths(body: unknown): string[] {
  try {
    parseInput(createWorkflowSchema, body, 'workflow');
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return (error.details ?? []).map((d) => d.path);
  }
}

const minimal = {
  name: 'pipeline',
  strategy: 'sequential',
  input: 'go',
  steps: [{ id: 'scan', agentId: 'scanner' }],
};

describe('createWorkflowSchema', () => {
  it('accepts the API.md example and fills the defaults', () => {
    // Act
    const parsed = createWorkflowSchema.parse({
      name: 'review-pipeline',
      strategy: 'dag',
      input: { repo: 'x' },
      steps: [
        { id: 'scan', agentId: 'scanner' },
        { id: 'review', agentId: 'reviewer', input: '{{steps.scan.output}}', dependsOn: ['scan'] },
      ],
      aggregate: { mode: 'last' },
    });

    // Assess
    expect(parsed).toMatchObject({
      objective: 'balanced',
      priority: 'normal',
      maxAttempts: 3,
      metadata: {},
      steps: [
        { id: 'scan', agentId: 'scanner', dependsOn: [] },
        { id: 'review', dependsOn: ['scan'], input: '{{steps.scan.output}}' },
      ],
    });
    expect(parsed.timeoutMs).toBeUndefined();
  });

  it('gives the supervisor 5 rounds unless told', () => {
    const parsed = createWorkflowSchema.parse({
      name: 'adapt',
      strategy: 'adaptive',
      input: 'x',
      supervisor: { agentId: 'lead' },
    });
    expect(parsed.supervisor).toEqual({ agentId: 'lead', maxRounds: 5 });
    expect(parsed.steps).toEqual([]);
  });

  it('takes a workflow without a name (API.md: name is optional)', () => {
    // Act
    const parsed = createWorkflowSchema.parse({ ...minimal, name: undefined });

    // Assess
    expect(parsed.name).toBeUndefined();
    expect(refusedPaths({ strategy: 'parallel', input: 1, steps: minimal.steps })).toEqual([]);
  });

  it('accepts any JSON input, null and false included', () => {
    expect(refusedPaths({ ...minimal, input: null })).toEqual([]);
    expect(refusedPaths({ ...minimal, input: false })).toEqual([]);
    expect(refusedPaths({ ...minimal, input: { deep: [1, { x: 2 }] } })).toEqual([]);
  });

  it.each([
    ['a missing input', { ...minimal, input: undefined }, ['input']],
    ['a blank name', { ...minimal, name: '   ' }, ['name']],
    ['an unknown strategy', { ...minimal, strategy: 'random' }, ['strategy']],
    ['empty steps (sequential)', { ...minimal, steps: [] }, ['steps']],
    [
      'no steps at all (parallel)',
      { ...minimal, strategy: 'parallel', steps: undefined },
      ['steps'],
    ],
    ['empty steps (auto)', { ...minimal, strategy: 'auto', steps: [] }, ['steps']],
    ['adaptive without a supervisor', { ...minimal, strategy: 'adaptive' }, ['supervisor']],
    [
      'aggregate agent without agentId',
      { ...minimal, aggregate: { mode: 'agent' } },
      ['aggregate.agentId'],
    ],
    [
      'an agentId for another aggregate mode',
      { ...minimal, aggregate: { mode: 'vote', agentId: 'judge' } },
      ['aggregate.agentId'],
    ],
    ['an unknown aggregate mode', { ...minimal, aggregate: { mode: 'sum' } }, ['aggregate.mode']],
    ['a bad step id', { ...minimal, steps: [{ id: 'has space', agentId: 'a1' }] }, ['steps.0.id']],
    [
      'a bad step agentId',
      {
        ...minimal,
        steps: [
          { id: 'ok', agentId: 'x' },
          { id: 'b', agentId: 'Bad_Agent' },
        ],
      },
      ['steps.0.agentId', 'steps.1.agentId'],
    ],
    [
      'an unknown step field',
      { ...minimal, steps: [{ id: 'a', agentId: 'a1', x: 1 }] },
      ['steps.0.x'],
    ],
    ['an unknown field', { ...minimal, colour: 'red' }, ['colour']],
    [
      'too many rounds',
      { ...minimal, strategy: 'adaptive', supervisor: { agentId: 'lead', maxRounds: 21 } },
      ['supervisor.maxRounds'],
    ],
    [
      'zero rounds',
      { ...minimal, supervisor: { agentId: 'lead', maxRounds: 0 } },
      ['supervisor.maxRounds'],
    ],
    ['a bad priority', { ...minimal, priority: 'urgent' }, ['priority']],
    ['a bad objective', { ...minimal, objective: 'cheap' }, ['objective']],
    ['zero attempts', { ...minimal, maxAttempts: 0 }, ['maxAttempts']],
    ['a tiny timeout', { ...minimal, timeoutMs: 5 }, ['timeoutMs']],
    [
      'dependsOn that is not a list',
      { ...minimal, steps: [{ id: 'a', agentId: 'a1', dependsOn: 'b' }] },
      ['steps.0.dependsOn'],
    ],
  ])('refuses %s, naming the field', (_what, body, paths) => {
    expect(refusedPaths(body)).toEqual(paths);
  });

  it('refuses more than 100 steps', () => {
    // Prepare
    const steps = Array.from({ length: 101 }, (_, i) => ({ id: `s${i}`, agentId: 'worker' }));

    // Act / Assess
    expect(refusedPaths({ ...minimal, steps })).toEqual(['steps']);
    expect(refusedPaths({ ...minimal, steps: steps.slice(0, 100) })).toEqual([]);
  });

  it('refuses a body that is not an object', () => {
    expect(refusedPaths('hello')).toEqual(['']);
    expect(refusedPaths(null)).toEqual(['']);
  });
});

describe('stepTaskId', () => {
  const workflowId = newId();

  it('is a valid ULID', () => {
    for (const stepId of ['a', 'scan', 'supervisor-1', 'aggregate', 'r3-10', 'X_Y-z']) {
      expect(stepTaskId(workflowId, stepId)).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    }
    expect(stepTaskId(workflowId, 'a')).toMatch(ULID_PATTERN);
  });

  it('is the same for the same workflow and step, whenever computed', () => {
    expect(stepTaskId(workflowId, 'scan')).toBe(stepTaskId(workflowId, 'scan'));
    expect(stepTaskId('01JABCDEFGHJKMNPQRSTVWXYZ0', 'scan')).toBe(
      stepTaskId('01JABCDEFGHJKMNPQRSTVWXYZ0', 'scan'),
    );
  });

  it('differs between steps and between workflows', () => {
    // Prepare
    const stepIds = Array.from({ length: 200 }, (_, i) => `step-${i}`);

    // Act
    const ids = new Set(stepIds.map((s) => stepTaskId(workflowId, s)));

    // Assess
    expect(ids.size).toBe(stepIds.length);
    expect(stepTaskId(newId(), 'scan')).not.toBe(stepTaskId(workflowId, 'scan'));
  });

  it("keeps the workflow's time part, so its steps' tasks sort with it", () => {
    expect(stepTaskId(workflowId, 'scan').slice(0, 10)).toBe(workflowId.slice(0, 10));
  });
});

describe('newStepState and publicWorkflow', () => {
  const workflowId = newId();
  const workflow = buildWorkflow({
    id: workflowId,
    strategy: 'auto',
    chosenStrategy: 'dag',
    recommendation: { confidence: 0.7, rationale: 'because', basedOn: { executions: 12 } },
    input: 'in',
    executionArn: 'arn:exec',
  });

  it('starts a step pending with its derived task id and no token', () => {
    // Act
    const step = newStepState(workflowId, {
      id: 'scan',
      order: 0,
      role: 'step',
      round: null,
      agentId: 'scanner',
      dependsOn: [],
    });

    // Assess
    expect(step).toEqual({
      id: 'scan',
      order: 0,
      role: 'step',
      round: null,
      agentId: 'scanner',
      dependsOn: [],
      status: 'pending',
      taskId: stepTaskId(workflowId, 'scan'),
      token: null,
      output: null,
      error: null,
      costUsd: 0,
      startedAt: null,
      finishedAt: null,
    });
    expect('input' in step).toBe(false);
  });

  it('shows steps in order, without tokens or bookkeeping, with the confidence', () => {
    // Prepare
    const step = (id: string, order: number): StepState => ({
      ...newStepState(workflowId, {
        id,
        order,
        role: 'step',
        round: null,
        agentId: 'a1',
        dependsOn: [],
      }),
      token: `secret-token-${id}`,
    });

    // Act
    const shown = publicWorkflow(workflow, [step('c', 2), step('a', 0), step('b', 1)]);

    // Assess
    expect(shown.steps.map((s) => s.id)).toEqual(['a', 'b', 'c']);
    expect(JSON.stringify(shown)).not.toContain('secret-token');
    expect(shown).not.toHaveProperty('correlationId');
    expect(shown).not.toHaveProperty('updatedAt');
    expect(shown).not.toHaveProperty('executions');
    expect(shown).not.toHaveProperty('steps.0.token');
    expect(shown.confidence).toBe(0.7);
    expect(shown.chosenStrategy).toBe('dag');
    expect(publicWorkflow({ ...workflow, recommendation: null }, []).confidence).toBeNull();
  });
});
