/**
 * The workflow: what a caller submits (API.md, Workflows), what is stored, and the state of each
 * step. Workflows are durable by data: this state lives in DynamoDB and the state machine only
 * carries the workflow id and the ids of the steps to run next.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import {
  type RunStrategy,
  WORKFLOW_STRATEGIES,
  type WorkflowStrategy,
} from '../../../events/workflow-strategies.js';
import { MAX_APPROVAL_TIMEOUT_SECONDS } from '../agents/agent.js';
import { AGENT_ID_PATTERN } from '../ids.js';
import { MAX_TASK_ATTEMPTS, MAX_TASK_TIMEOUT_MS } from '../tasks/limits.js';
import { PRIORITIES, type Priority } from '../tasks/task.js';

export const WORKFLOW_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

export const STEP_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];
export const isStepFinished = (status: StepStatus): boolean =>
  status === 'succeeded' || status === 'failed' || status === 'cancelled';

export const AGGREGATE_MODES = ['last', 'concat', 'merge', 'vote', 'agent'] as const;
export type AggregateMode = (typeof AGGREGATE_MODES)[number];

export const OBJECTIVES = ['speed', 'quality', 'balanced'] as const;
export type Objective = (typeof OBJECTIVES)[number];

/**
 * Limits on one workflow's size. (Its length is not bounded by one Step Functions execution's
 * history: an execution hands over to the next before that fills; see engine.ts.)
 */
export const MAX_STEPS = 100;
export const MAX_ROUNDS = 20;
export const MAX_STEPS_PER_ROUND = 10;

/** How long a step may wait for its task before the workflow gives up: 7 days. */
export const STEP_WAIT_LIMIT_MS = 7 * 24 * 3600 * 1000;

/**
 * The name of a workflow's n-th Step Functions execution. Deterministic, so that starting the
 * same generation twice (a retried hand-over, a restart) is one execution.
 */
export const executionName = (workflowId: string, n: number): string => `${workflowId}-${n}`;

const STEP_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/i;
const agentId = z.string().regex(AGENT_ID_PATTERN, 'must match ^[a-z0-9][a-z0-9-]{1,62}$');
const present = z.unknown().refine((value) => value !== undefined, 'required');

/** A gate: the workflow waits there for a person's decision (API.md, Approvals). */
export const gateSchema = z.strictObject({
  prompt: z.string().trim().min(1).max(2000),
  /** How long the decision may take; past it the gate fails the workflow (ApprovalTimedOut). */
  timeoutSeconds: z.number().int().min(1).max(MAX_APPROVAL_TIMEOUT_SECONDS).default(86_400),
});
export type Gate = z.output<typeof gateSchema>;

export const stepSpecSchema = z
  .strictObject({
    id: z.string().regex(STEP_ID_PATTERN, 'must be 1-63 letters, digits, _ or -'),
    /** The agent that runs the step; a gate names none. */
    agentId: agentId.optional(),
    approval: gateSchema.optional(),
    /** A template over `{{input}}` and `{{steps.<id>.output}}`; see template.ts. */
    input: z.unknown().optional(),
    dependsOn: z.array(z.string()).max(MAX_STEPS).default([]),
  })
  .superRefine((step, ctx) => {
    if (step.agentId === undefined && step.approval === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['agentId'],
        message: 'required (or approval, for a gate)',
      });
    }
    if (step.agentId !== undefined && step.approval !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['approval'], message: 'a gate names no agentId' });
    }
    if (step.approval !== undefined && step.input !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['input'], message: 'a gate takes no input' });
    }
  });
export type StepSpec = z.output<typeof stepSpecSchema>;

export const createWorkflowSchema = z
  .strictObject({
    /** Optional (API.md); a workflow without one is named by its id, as agents are. */
    name: z.string().trim().min(1).max(128).optional(),
    strategy: z.enum(WORKFLOW_STRATEGIES),
    input: present,
    steps: z.array(stepSpecSchema).max(MAX_STEPS).default([]),
    supervisor: z
      .strictObject({
        agentId,
        maxRounds: z.number().int().min(1).max(MAX_ROUNDS).default(5),
      })
      .optional(),
    aggregate: z
      .strictObject({ mode: z.enum(AGGREGATE_MODES), agentId: agentId.optional() })
      .optional(),
    /** What `auto` optimises for (extension). */
    objective: z.enum(OBJECTIVES).default('balanced'),
    /** Priority of every step's task (extension). */
    priority: z.enum(PRIORITIES).default('normal'),
    /** Attempts of every step's task (extension; retries use the scheduler's backoff). */
    maxAttempts: z.number().int().min(1).max(MAX_TASK_ATTEMPTS).default(3),
    timeoutMs: z.number().int().min(100).max(MAX_TASK_TIMEOUT_MS).optional(),
    metadata: z.record(z.string(), z.unknown()).default({}),
  })
  .superRefine((body, ctx) => {
    if (body.strategy === 'adaptive' || body.strategy === 'auto') {
      body.steps.forEach((step, i) => {
        if (step.approval) {
          ctx.addIssue({
            code: 'custom',
            path: ['steps', i, 'approval'],
            message: 'gates run in sequential, parallel and dag workflows',
          });
        }
      });
    }
    if (body.strategy === 'adaptive') {
      if (!body.supervisor) {
        ctx.addIssue({ code: 'custom', path: ['supervisor'], message: 'required for adaptive' });
      }
    } else if (body.steps.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['steps'], message: 'at least one step is required' });
    }
    if (body.aggregate?.mode === 'agent' && !body.aggregate.agentId) {
      ctx.addIssue({
        code: 'custom',
        path: ['aggregate', 'agentId'],
        message: 'required when mode is agent',
      });
    }
    if (body.aggregate && body.aggregate.mode !== 'agent' && body.aggregate.agentId) {
      ctx.addIssue({
        code: 'custom',
        path: ['aggregate', 'agentId'],
        message: 'only for mode agent',
      });
    }
  });
export type CreateWorkflowInput = z.output<typeof createWorkflowSchema>;

export interface WorkflowError {
  code: string;
  message: string;
  /** The step whose failure failed the workflow; null when it was not a step. */
  stepId: string | null;
}

export interface Recommendation {
  confidence: number;
  rationale: string;
  basedOn: { executions: number };
}

export interface Workflow {
  id: string;
  name: string;
  status: WorkflowStatus;
  strategy: WorkflowStrategy;
  /** The strategy that runs: the same as `strategy`, or the learning layer's choice for `auto`. */
  chosenStrategy: RunStrategy;
  /** For `auto`: the learning layer's confidence and reasons; null otherwise. */
  recommendation: Recommendation | null;
  input: unknown;
  /** The steps as declared (adaptive ones are added to the step states as rounds go). */
  steps: StepSpec[];
  supervisor: { agentId: string; maxRounds: number } | null;
  /** How outputs become the workflow's output; null: `last` (adaptive: the supervisor's `final`). */
  aggregate: { mode: AggregateMode; agentId?: string | undefined } | null;
  objective: Objective;
  priority: Priority;
  maxAttempts: number;
  timeoutMs: number | null;
  metadata: Record<string, unknown>;
  output: unknown;
  error: WorkflowError | null;
  /** 0..1 when the aggregator agent gave a `score`. */
  quality: number | null;
  costUsd: number;
  /** The current Step Functions execution (a new one after a local restart). */
  executionArn: string | null;
  /** How many executions were started for it; the next execution's name uses it. */
  executions: number;
  /**
   * Whether its end was announced (terminal event published, other steps stopped). Written
   * false with the terminal status and true after, so that whoever meets an ended workflow that
   * is not announced yet (a retried engine call) announces it: no terminal event is lost.
   */
  announced: boolean;
  correlationId: string;
  createdAt: string;
  finishedAt: string | null;
  updatedAt: string;
}

export type StepRole = 'step' | 'supervisor' | 'aggregator';

/** The state of one step, kept in its own item so parallel steps never write the same item. */
export interface StepState {
  id: string;
  /** Position for display and for `sequential`/`last`/`vote` order. */
  order: number;
  role: StepRole;
  /** The adaptive round that asked for it (supervisor and its steps); null otherwise. */
  round: number | null;
  /** Null for a gate. */
  agentId: string | null;
  /** A gate waits for a person instead of running an agent. */
  gate?: Gate | undefined;
  /** The step's input template; undefined means the strategy's default input. */
  input?: unknown;
  dependsOn: string[];
  status: StepStatus;
  /** Derived from workflow id + step id, so a re-run finds the same task. */
  taskId: string;
  /** The Step Functions task token the running step reports to (internal). */
  token: string | null;
  output: unknown;
  error: { code: string; message: string } | null;
  costUsd: number;
  startedAt: string | null;
  finishedAt: string | null;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The task id of a step: a valid ULID whose time part is the workflow's (so the step's task sorts
 * with the workflow) and whose random part is a hash of workflow id and step id. Any run of the
 * workflow computes the same id, which is what makes starting a step idempotent.
 */
export function stepTaskId(workflowId: string, stepId: string): string {
  const digest = createHash('sha256').update(`${workflowId}/${stepId}`).digest();
  let random = '';
  for (let i = 0; i < 16; i++) random += CROCKFORD[(digest[i] ?? 0) & 31];
  return `${workflowId.slice(0, 10)}${random}`;
}

export function newStepState(
  workflowId: string,
  fields: Pick<StepState, 'id' | 'order' | 'role' | 'round' | 'agentId' | 'dependsOn'> & {
    input?: unknown;
    gate?: Gate | undefined;
  },
): StepState {
  return {
    ...fields,
    status: 'pending',
    taskId: stepTaskId(workflowId, fields.id),
    token: null,
    output: null,
    error: null,
    costUsd: 0,
    startedAt: null,
    finishedAt: null,
  };
}

export interface PublicWorkflow
  extends Omit<Workflow, 'steps' | 'correlationId' | 'updatedAt' | 'executions' | 'announced'> {
  confidence: number | null;
  steps: PublicStep[];
}

export type PublicStep = Omit<StepState, 'token' | 'input' | 'taskId' | 'gate'> & {
  input?: unknown;
  /** Null until the step has started (its task is made then); always null for a gate. */
  taskId: string | null;
  /** A gate's prompt and its approval, once the gate is reached. */
  approval?: { prompt: string; approvalId: string | null };
};

/** What the API shows: steps in order, without tokens or bookkeeping. */
export function publicWorkflow(workflow: Workflow, steps: StepState[]): PublicWorkflow {
  const {
    steps: _declared,
    correlationId: _c,
    updatedAt: _u,
    executions: _e,
    announced: _a,
    ...visible
  } = workflow;
  return {
    ...visible,
    confidence: workflow.recommendation?.confidence ?? null,
    // A step's task exists once the step has started; before, its (derived) id would be a 404.
    steps: [...steps].sort(byOrder).map(({ token: _t, gate, ...step }) =>
      gate
        ? {
            ...step,
            taskId: null,
            approval: {
              prompt: gate.prompt,
              approvalId: step.startedAt ? gateApprovalId(workflow.id, step.id) : null,
            },
          }
        : { ...step, taskId: step.startedAt ? step.taskId : null },
    ),
  };
}

/** A gate's approval id, derived like a step's task id: a re-started gate finds its approval. */
export const gateApprovalId = (workflowId: string, stepId: string): string =>
  stepTaskId(workflowId, `gate/${stepId}`);

export const byOrder = (a: StepState, b: StepState): number => a.order - b.order;
