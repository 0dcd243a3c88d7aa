/**
 * Events of the orchestration layer: a workflow starts, each of its steps starts (its task is
 * queued) and completes, and the workflow ends. They carry ids, statuses, timings and costs, never
 * step outputs: outputs live in DynamoDB and are read through `GET /v1/workflows/{id}`.
 */
import * as z from 'zod';
import { defineEvent } from './envelope.js';
import { RUN_STRATEGIES, WORKFLOW_STRATEGIES } from './workflow-strategies.js';

const SOURCE = 'agent-core.orchestration';

const errorData = z.object({ code: z.string(), message: z.string() });

export const workflowStarted = defineEvent(
  'workflow.started',
  SOURCE,
  z.object({
    workflowId: z.string(),
    name: z.string(),
    strategy: z.enum(WORKFLOW_STRATEGIES),
    chosenStrategy: z.enum(RUN_STRATEGIES),
    /** The learning layer's confidence in its choice, for `auto`; null otherwise. */
    confidence: z.number().min(0).max(1).nullable(),
    steps: z.number().int().nonnegative(),
  }),
);

export const workflowStepStarted = defineEvent(
  'workflow.step.started',
  SOURCE,
  z.object({
    workflowId: z.string(),
    stepId: z.string(),
    /** Null for a gate: it runs no agent, it waits for a person's decision. */
    agentId: z.string().nullable(),
    /** The step's task; null for a gate, which names its approval instead. */
    taskId: z.string().nullable(),
    approvalId: z.string().optional(),
  }),
);

export const workflowStepCompleted = defineEvent(
  'workflow.step.completed',
  SOURCE,
  z.object({
    workflowId: z.string(),
    stepId: z.string(),
    agentId: z.string().nullable(),
    taskId: z.string().nullable(),
    approvalId: z.string().optional(),
    status: z.enum(['succeeded', 'failed', 'cancelled']),
    durationMs: z.number().nonnegative(),
    error: errorData.nullable(),
  }),
);

/** What every terminal workflow event says: enough for the learning layer to learn from it. */
const outcomeData = z.object({
  workflowId: z.string(),
  name: z.string(),
  strategy: z.enum(WORKFLOW_STRATEGIES),
  chosenStrategy: z.enum(RUN_STRATEGIES),
  /** Steps that ran (supervisor rounds and the aggregator included). */
  steps: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
  costUsd: z.number().nonnegative(),
  /** 0..1 when an aggregator agent answered with a numeric `score`; null otherwise. */
  quality: z.number().min(0).max(1).nullable(),
});

export const workflowSucceeded = defineEvent('workflow.succeeded', SOURCE, outcomeData);

export const workflowFailed = defineEvent(
  'workflow.failed',
  SOURCE,
  outcomeData.extend({ error: errorData.extend({ stepId: z.string().nullable() }) }),
);

export const workflowCancelled = defineEvent('workflow.cancelled', SOURCE, outcomeData);
