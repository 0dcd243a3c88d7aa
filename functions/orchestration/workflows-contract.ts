/** The HTTP contract of workflows (handler: workflows-api.ts). */
import * as z from 'zod';
import { RUN_STRATEGIES, WORKFLOW_STRATEGIES } from '../../events/workflow-strategies.js';
import { PRIORITIES } from '../../shared/core/tasks/task.js';
import {
  AGGREGATE_MODES,
  createWorkflowSchema,
  OBJECTIVES,
  STEP_STATUSES,
  WORKFLOW_STATUSES,
} from '../../shared/core/workflows/workflow.js';
import {
  anyJson,
  defineRoutes,
  isoTime,
  jsonObject,
  nullableTime,
  pageOf,
  pathId,
} from '../../shared/runtime/http-contract.js';

const workflowStepSchema = z.object({
  id: z.string(),
  order: z.number().int(),
  role: z.enum(['step', 'supervisor', 'aggregator']),
  round: z.number().int().nullable().meta({ description: 'The adaptive round that asked for it.' }),
  agentId: z.string().nullable().meta({ description: 'Null for a gate.' }),
  input: anyJson.optional().meta({ description: 'The input template, when the step has its own.' }),
  approval: z
    .object({
      prompt: z.string(),
      approvalId: z.string().nullable().meta({ description: 'Null until the gate is reached.' }),
    })
    .optional()
    .meta({ description: 'A gate: the workflow waits here for a person (see approvals).' }),
  dependsOn: z.array(z.string()),
  status: z.enum(STEP_STATUSES),
  taskId: z
    .string()
    .nullable()
    .meta({ description: 'Null until the step has started; always null for a gate.' }),
  output: anyJson,
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  costUsd: z.number(),
  startedAt: nullableTime,
  finishedAt: nullableTime,
});

export const workflowSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(WORKFLOW_STATUSES),
    strategy: z.enum(WORKFLOW_STRATEGIES),
    chosenStrategy: z
      .enum(RUN_STRATEGIES)
      .meta({ description: 'The strategy that runs: `strategy`, or what `auto` chose.' }),
    confidence: z.number().nullable().meta({ description: "For `auto`: the choice's confidence." }),
    recommendation: z
      .object({
        confidence: z.number(),
        rationale: z.string(),
        basedOn: z.object({ executions: z.number().int() }),
      })
      .nullable(),
    input: anyJson,
    supervisor: z.object({ agentId: z.string(), maxRounds: z.number().int() }).nullable(),
    aggregate: z
      .object({ mode: z.enum(AGGREGATE_MODES), agentId: z.string().optional() })
      .nullable(),
    objective: z.enum(OBJECTIVES),
    priority: z.enum(PRIORITIES),
    maxAttempts: z.number().int(),
    timeoutMs: z.number().int().nullable(),
    metadata: jsonObject,
    output: anyJson,
    error: z
      .object({ code: z.string(), message: z.string(), stepId: z.string().nullable() })
      .nullable(),
    quality: z.number().nullable(),
    costUsd: z.number(),
    executionArn: z
      .string()
      .nullable()
      .meta({ description: 'The Step Functions execution running it.' }),
    createdAt: isoTime,
    finishedAt: nullableTime,
    steps: z.array(workflowStepSchema),
  })
  .meta({ id: 'Workflow' });

const workflowParams = z.object({ id: pathId('The workflow id.') });

export const workflowRoutes = defineRoutes({
  start: {
    method: 'POST',
    path: '/v1/workflows',
    operationId: 'startWorkflow',
    summary: 'Start a workflow',
    description:
      'sequential, parallel, dag, adaptive (a supervisor agent decides each round) or auto ' +
      '(the learning layer decides). Every step runs as a task.',
    tag: 'workflows',
    access: 'admin',
    body: createWorkflowSchema.meta({ id: 'WorkflowRequest' }),
    bodyName: 'workflow',
    idempotent: true,
    responses: { 202: { description: 'Started.', schema: workflowSchema } },
    errors: [404, 409],
    example: {
      name: 'review-pipeline',
      strategy: 'dag',
      input: 'repo@main',
      steps: [
        { id: 'scan', agentId: 'scanner' },
        {
          id: 'review',
          agentId: 'reviewer',
          input: '{{steps.scan.output}}',
          dependsOn: ['scan'],
        },
      ],
    },
  },
  list: {
    method: 'GET',
    path: '/v1/workflows',
    operationId: 'listWorkflows',
    summary: 'List workflows, newest first',
    tag: 'workflows',
    access: 'admin',
    query: z.object({ status: z.enum(WORKFLOW_STATUSES).optional() }),
    paginated: true,
    responses: { 200: { description: 'A page of workflows.', schema: pageOf(workflowSchema) } },
  },
  get: {
    method: 'GET',
    path: '/v1/workflows/{id}',
    operationId: 'getWorkflow',
    summary: 'Get a workflow with its steps',
    tag: 'workflows',
    access: 'admin',
    params: workflowParams,
    responses: { 200: { description: 'The workflow.', schema: workflowSchema } },
  },
  cancel: {
    method: 'POST',
    path: '/v1/workflows/{id}/cancel',
    operationId: 'cancelWorkflow',
    summary: 'Cancel a workflow',
    description: "Stops its execution and cancels its running steps' tasks; 409 once ended.",
    tag: 'workflows',
    access: 'admin',
    params: workflowParams,
    responses: { 200: { description: 'The cancelled workflow.', schema: workflowSchema } },
    errors: [409],
  },
});
