/** Use cases of the orchestration layer's API: start, look at, list and cancel workflows. */

import { workflowStarted } from '../../../events/workflow-events.js';
import type { RecommendableStrategy } from '../../../events/workflow-strategies.js';
import type { ApprovalStore } from '../approvals/ports.js';
import type { FieldIssue } from '../errors.js';
import {
  ConflictError,
  NotFoundError,
  TransitionConflictError,
  ValidationError,
} from '../errors.js';
import { createEvent, type EventContext } from '../events.js';
import { newId, ULID_PATTERN } from '../ids.js';
import type { AgentStore, EventPublisher, Page, TaskStore } from '../ports.js';
import { parseInput } from '../validation.js';
import { announceEnd } from './engine.js';
import { findCycle, initialSteps, validateSteps } from './planner.js';
import type { WorkflowRunner, WorkflowStore, WorkflowWithSteps } from './ports.js';
import {
  createWorkflowSchema,
  executionName,
  type PublicWorkflow,
  publicWorkflow,
  type Recommendation,
  type StepSpec,
  type Workflow,
  type WorkflowStatus,
} from './workflow.js';

/** The learning layer's answer for `auto` (see shared/core/learning). */
export type Recommend = (request: {
  steps: { id: string; agentId: string; dependsOn: string[] }[];
  priority: Workflow['objective'];
}) => Promise<Recommendation & { strategy: RecommendableStrategy }>;

export interface WorkflowServiceDeps {
  workflows: WorkflowStore;
  agents: AgentStore;
  tasks: TaskStore;
  runner: WorkflowRunner;
  events: EventPublisher;
  recommend: Recommend;
  /** Gates' approvals, closed when their workflow is cancelled. */
  approvals?: ApprovalStore | undefined;
}

/**
 * Checks a workflow request as POST /v1/workflows does, without starting anything (a schedule's
 * body is checked so when the schedule is made). Field paths are prefixed with `prefix`.
 */
export async function checkWorkflowRequest(
  agents: AgentStore,
  body: unknown,
  prefix: string,
): Promise<void> {
  const input = parseInput(createWorkflowSchema, body, 'workflow', prefix);
  try {
    validateSteps(input.strategy === 'auto' ? 'dag' : input.strategy, input.steps);
    await checkAgents(agents, input);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const details = (error.details ?? []).map((d) => ({ ...d, path: `${prefix}.${d.path}` }));
    throw new ValidationError(
      `invalid ${prefix}: ${details.map((d) => d.path).join(', ')}`,
      details,
    );
  }
}

/**
 * Starts a workflow. `options.id` gives it a chosen id (a schedule's firing derives one): a
 * second start with the same id is a ConflictError and starts nothing.
 */
export async function createWorkflow(
  deps: WorkflowServiceDeps,
  body: unknown,
  ctx: EventContext,
  options: { id?: string } = {},
): Promise<PublicWorkflow> {
  const input = parseInput(createWorkflowSchema, body, 'workflow');
  let chosen: Workflow['chosenStrategy'];
  let recommendation: Recommendation | null = null;
  let steps = input.steps;
  if (input.strategy === 'auto') {
    validateSteps('dag', steps);
    const answer = await deps.recommend({
      // No gates here: the schema keeps them out of auto workflows.
      steps: steps.map(({ id, agentId, dependsOn }) => ({ id, agentId: agentId ?? '', dependsOn })),
      priority: input.objective,
    });
    chosen = answer.strategy;
    recommendation = {
      confidence: answer.confidence,
      rationale: answer.rationale,
      basedOn: answer.basedOn,
    };
    // Run in sequence, the steps must come after what they depend on.
    if (chosen === 'sequential') steps = topologicalOrder(steps);
  } else {
    chosen = input.strategy;
  }
  validateSteps(chosen, steps);
  await checkAgents(deps.agents, input);

  const now = ctx.clock.now().toISOString();
  const id = options.id ?? newId();
  const workflow: Workflow = {
    id,
    name: input.name ?? id,
    status: 'running',
    strategy: input.strategy,
    chosenStrategy: chosen,
    recommendation,
    input: input.input,
    steps,
    supervisor: input.supervisor ?? null,
    aggregate: input.aggregate ?? null,
    objective: input.objective,
    priority: input.priority,
    maxAttempts: input.maxAttempts,
    timeoutMs: input.timeoutMs ?? null,
    metadata: input.metadata,
    output: null,
    error: null,
    quality: null,
    costUsd: 0,
    executionArn: deps.runner.executionArn(executionName(id, 1)),
    executions: 1,
    announced: false,
    correlationId: ctx.correlationId,
    createdAt: now,
    finishedAt: null,
    updatedAt: now,
  };
  const states = initialSteps(workflow);
  await deps.workflows.create(workflow, states);
  try {
    await deps.runner.start(id, executionName(id, 1));
  } catch (error) {
    // Nothing half-written: a workflow whose execution never started is removed.
    await deps.workflows.discard(
      id,
      states.map((s) => s.id),
    );
    throw error;
  }
  await deps.events.publish([
    createEvent(
      workflowStarted,
      {
        workflowId: id,
        name: workflow.name,
        strategy: workflow.strategy,
        chosenStrategy: chosen,
        confidence: recommendation?.confidence ?? null,
        steps: states.length,
      },
      ctx,
    ),
  ]);
  return publicWorkflow(workflow, states);
}

/** Every agent a workflow names exists and takes tasks; otherwise 400 naming the field. */
async function checkAgents(
  agents: AgentStore,
  input: {
    steps: StepSpec[];
    supervisor?: { agentId: string } | undefined;
    aggregate?: { agentId?: string | undefined } | undefined;
  },
): Promise<void> {
  const named: { path: string; agentId: string }[] = input.steps.flatMap((s, i) =>
    s.agentId ? [{ path: `steps.${i}.agentId`, agentId: s.agentId }] : [],
  );
  if (input.supervisor)
    named.push({ path: 'supervisor.agentId', agentId: input.supervisor.agentId });
  if (input.aggregate?.agentId)
    named.push({ path: 'aggregate.agentId', agentId: input.aggregate.agentId });
  const unique = [...new Set(named.map((n) => n.agentId))];
  const found = new Map(
    await Promise.all(unique.map(async (id) => [id, await agents.get(id)] as const)),
  );
  const issues: FieldIssue[] = [];
  for (const { path, agentId } of named) {
    const agent = found.get(agentId);
    if (!agent) issues.push({ path, message: `no agent '${agentId}'` });
    else if (agent.status === 'retired')
      issues.push({ path, message: `agent '${agentId}' is retired` });
  }
  if (issues.length) {
    throw new ValidationError(`invalid workflow: ${issues.map((i) => i.path).join(', ')}`, issues);
  }
}

/** Steps ordered so that each comes after those it depends on (stable otherwise). */
export function topologicalOrder(steps: StepSpec[]): StepSpec[] {
  if (findCycle(steps)) return steps;
  const placed = new Set<string>();
  const ordered: StepSpec[] = [];
  while (ordered.length < steps.length) {
    const next = steps.find((s) => !placed.has(s.id) && s.dependsOn.every((d) => placed.has(d)));
    if (!next) break;
    placed.add(next.id);
    ordered.push(next);
  }
  return ordered;
}

export async function getWorkflow(
  deps: Pick<WorkflowServiceDeps, 'workflows'>,
  id: string,
): Promise<WorkflowWithSteps> {
  const found = ULID_PATTERN.test(id) ? await deps.workflows.get(id) : undefined;
  if (!found) throw new NotFoundError(`workflow '${id}' not found`);
  return found;
}

export function listWorkflows(
  deps: Pick<WorkflowServiceDeps, 'workflows'>,
  filter: { limit: number; cursor?: string | undefined; status?: WorkflowStatus | undefined },
): Promise<Page<Workflow>> {
  return deps.workflows.list(filter);
}

/** Stops the execution and cancels the steps' running tasks; 409 once the workflow has ended. */
export async function cancelWorkflow(
  deps: Pick<WorkflowServiceDeps, 'workflows' | 'tasks' | 'runner' | 'events' | 'approvals'>,
  id: string,
  ctx: EventContext,
): Promise<PublicWorkflow> {
  const { steps } = await getWorkflow(deps, id);
  let cancelled: Workflow;
  try {
    cancelled = await deps.workflows.update(id, {
      from: ['running'],
      set: { status: 'cancelled', finishedAt: ctx.clock.now().toISOString() },
    });
  } catch (error) {
    if (!(error instanceof TransitionConflictError)) throw error;
    const current = await getWorkflow(deps, id);
    throw new ConflictError(`workflow '${id}' is already ${current.workflow.status}`);
  }
  // The ARN as the cancel left it: an execution that handed over meanwhile stored its
  // successor's before starting it, and a successor started after this finds the workflow ended.
  if (cancelled.executionArn) {
    await deps.runner.stop(cancelled.executionArn, 'cancelled through the API');
  }
  await announceEnd({ ...deps, clock: ctx.clock }, cancelled, steps, ctx);
  const after = await getWorkflow(deps, id);
  return publicWorkflow(after.workflow, after.steps);
}

/**
 * After the local runtime restarts: every workflow still `running` gets a new execution, which
 * plans from the stored state (finished steps are not run again; running ones find their task).
 */
export async function recoverRunningWorkflows(
  deps: Pick<WorkflowServiceDeps, 'workflows' | 'runner'>,
): Promise<number> {
  let recovered = 0;
  let cursor: string | undefined;
  do {
    const page = await deps.workflows.list({ status: 'running', limit: 100, cursor });
    for (const workflow of page.items) {
      const n = workflow.executions + 1;
      try {
        await deps.workflows.update(workflow.id, {
          from: ['running'],
          set: {
            executions: n,
            executionArn: deps.runner.executionArn(executionName(workflow.id, n)),
          },
        });
      } catch (error) {
        if (error instanceof TransitionConflictError) continue;
        throw error;
      }
      await deps.runner.start(workflow.id, executionName(workflow.id, n));
      recovered++;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return recovered;
}
