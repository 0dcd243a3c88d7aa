/**
 * Workflows and their steps' states in the single table, in one item collection so that one
 * Query reads a whole workflow:
 *
 *   workflow   pk WORKFLOW#<id>   sk WORKFLOW
 *     gsi1     WORKFLOWS                     <id>     all workflows, newest first
 *     gsi3     WORKFLOWSTATUS#<status>       <id>     by status, newest first
 *   step       pk WORKFLOW#<id>   sk STEP#<stepId>    one item per step: parallel steps never
 *                                                     write the same item
 *
 * Caller-supplied payloads (inputs, outputs, metadata, step templates) are stored as JSON strings
 * so that any JSON value round-trips exactly.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, TransitionConflictError } from '../core/errors.js';
import type { Page, PageRequest } from '../core/ports.js';
import type { WorkflowStore, WorkflowWithSteps } from '../core/workflows/ports.js';
import type {
  StepState,
  StepStatus,
  Workflow,
  WorkflowStatus,
} from '../core/workflows/workflow.js';
import { batchPutAll } from './dynamo-batch-write.js';
import { isConditionFailure, queryPage } from './dynamo-pages.js';

const WORKFLOW_JSON = ['input', 'output', 'metadata', 'steps'] as const;
const STEP_JSON = ['input', 'output'] as const;

const workflowKey = (id: string) => ({ pk: `WORKFLOW#${id}`, sk: 'WORKFLOW' });
const stepKey = (workflowId: string, stepId: string) => ({
  pk: `WORKFLOW#${workflowId}`,
  sk: `STEP#${stepId}`,
});
const statusKey = (status: WorkflowStatus, id: string) => ({
  gsi3pk: `WORKFLOWSTATUS#${status}`,
  gsi3sk: id,
});

function workflowItem(workflow: Workflow): Record<string, unknown> {
  const { input, output, metadata, steps, ...rest } = workflow;
  return {
    ...workflowKey(workflow.id),
    type: 'workflow',
    gsi1pk: 'WORKFLOWS',
    gsi1sk: workflow.id,
    ...statusKey(workflow.status, workflow.id),
    ...rest,
    inputJson: JSON.stringify(input),
    outputJson: JSON.stringify(output),
    metadataJson: JSON.stringify(metadata),
    stepsJson: JSON.stringify(steps),
  };
}

function toWorkflow(item: Record<string, unknown>): Workflow {
  const stored = item as unknown as Workflow & Record<string, string>;
  return {
    id: stored.id,
    name: stored.name,
    status: stored.status,
    strategy: stored.strategy,
    chosenStrategy: stored.chosenStrategy,
    recommendation: stored.recommendation ?? null,
    input: JSON.parse(stored.inputJson as string),
    steps: JSON.parse(stored.stepsJson as string),
    supervisor: stored.supervisor ?? null,
    aggregate: stored.aggregate ?? null,
    objective: stored.objective,
    priority: stored.priority,
    maxAttempts: stored.maxAttempts,
    timeoutMs: stored.timeoutMs ?? null,
    metadata: JSON.parse(stored.metadataJson as string),
    output: JSON.parse(stored.outputJson as string),
    error: stored.error ?? null,
    quality: stored.quality ?? null,
    costUsd: stored.costUsd ?? 0,
    executionArn: stored.executionArn ?? null,
    executions: stored.executions ?? 1,
    announced: stored.announced ?? true,
    correlationId: stored.correlationId,
    createdAt: stored.createdAt,
    finishedAt: stored.finishedAt ?? null,
    updatedAt: stored.updatedAt,
  };
}

function stepItem(workflowId: string, step: StepState): Record<string, unknown> {
  const { input, output, ...rest } = step;
  return {
    ...stepKey(workflowId, step.id),
    type: 'workflow-step',
    ...rest,
    ...(input === undefined ? {} : { inputJson: JSON.stringify(input) }),
    outputJson: JSON.stringify(output),
  };
}

function toStep(item: Record<string, unknown>): StepState {
  const stored = item as unknown as StepState & Record<string, string | undefined>;
  return {
    id: stored.id,
    order: stored.order,
    role: stored.role,
    round: stored.round ?? null,
    agentId: stored.agentId ?? null,
    ...(stored.gate ? { gate: stored.gate } : {}),
    ...(stored.inputJson === undefined ? {} : { input: JSON.parse(stored.inputJson) }),
    dependsOn: stored.dependsOn ?? [],
    status: stored.status,
    taskId: stored.taskId,
    token: stored.token ?? null,
    output: stored.outputJson === undefined ? null : JSON.parse(stored.outputJson),
    error: stored.error ?? null,
    costUsd: stored.costUsd ?? 0,
    startedAt: stored.startedAt ?? null,
    finishedAt: stored.finishedAt ?? null,
  };
}

/** SET clauses for a change, JSON fields encoded. */
function setClauses(
  set: Record<string, unknown>,
  jsonFields: readonly string[],
  names: Record<string, string>,
  values: Record<string, unknown>,
): string[] {
  const clauses: string[] = [];
  Object.entries(set).forEach(([field, value], i) => {
    if (value === undefined) return;
    const json = jsonFields.includes(field);
    names[`#s${i}`] = json ? `${field}Json` : field;
    values[`:s${i}`] = json ? JSON.stringify(value) : value;
    clauses.push(`#s${i} = :s${i}`);
  });
  return clauses;
}

export class DynamoWorkflowStore implements WorkflowStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(workflow: Workflow, steps: StepState[]): Promise<void> {
    // Steps first: a workflow item is only ever visible with its steps in place. The id is new,
    // so nothing can be there to keep: batches of 25.
    await batchPutAll(
      this.client,
      this.tableName,
      steps.map((step) => stepItem(workflow.id, step)),
    );
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: workflowItem(workflow),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new ConflictError(`workflow '${workflow.id}' already exists`, undefined, {
          cause: error,
        });
      }
      throw error;
    }
  }

  async discard(id: string, stepIds: string[]): Promise<void> {
    await Promise.all([
      this.client.send(new DeleteCommand({ TableName: this.tableName, Key: workflowKey(id) })),
      ...stepIds.map((stepId) =>
        this.client.send(
          new DeleteCommand({ TableName: this.tableName, Key: stepKey(id, stepId) }),
        ),
      ),
    ]);
  }

  async get(id: string): Promise<WorkflowWithSteps | undefined> {
    let workflow: Workflow | undefined;
    const steps: StepState[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `WORKFLOW#${id}` },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) {
        if (item.sk === 'WORKFLOW') workflow = toWorkflow(item);
        else if (typeof item.sk === 'string' && item.sk.startsWith('STEP#'))
          steps.push(toStep(item));
      }
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return workflow ? { workflow, steps } : undefined;
  }

  async getStep(workflowId: string, stepId: string): Promise<StepState | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: stepKey(workflowId, stepId),
        ConsistentRead: true,
      }),
    );
    return result.Item ? toStep(result.Item) : undefined;
  }

  list(filter: PageRequest & { status?: WorkflowStatus | undefined }): Promise<Page<Workflow>> {
    const index = filter.status ? 'gsi3' : 'gsi1';
    const partition = filter.status ? `WORKFLOWSTATUS#${filter.status}` : 'WORKFLOWS';
    return queryPage(
      this.client,
      {
        TableName: this.tableName,
        IndexName: index,
        KeyConditionExpression: `${index}pk = :pk`,
        ExpressionAttributeValues: { ':pk': partition },
        ScanIndexForward: false,
      },
      {
        limit: filter.limit,
        cursor: filter.cursor,
        keyNames: [`${index}pk`, `${index}sk`, 'pk', 'sk'].sort(),
        partition: [`${index}pk`, partition],
        map: toWorkflow,
      },
    );
  }

  async addSteps(workflowId: string, steps: StepState[]): Promise<void> {
    await Promise.all(steps.map((step) => this.putStep(workflowId, step)));
  }

  private async putStep(workflowId: string, step: StepState): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: stepItem(workflowId, step),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // there already: keep what it has
    }
  }

  async updateStep(
    workflowId: string,
    stepId: string,
    change: { from: readonly StepStatus[]; set: Partial<Omit<StepState, 'id' | 'taskId'>> },
  ): Promise<StepState> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = setClauses(change.set, STEP_JSON, names, values);
    const item = await this.updateIfStatus(stepKey(workflowId, stepId), change.from, {
      sets,
      names,
      values,
      conflict: `step '${stepId}' of workflow '${workflowId}' is not ${change.from.join('/')}`,
    });
    return toStep(item);
  }

  async update(
    id: string,
    change: {
      from: readonly WorkflowStatus[];
      set: Partial<Omit<Workflow, 'id' | 'createdAt'>>;
    },
  ): Promise<Workflow> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':updatedAt': this.now().toISOString() };
    const sets = [
      ...setClauses(change.set, WORKFLOW_JSON, names, values),
      'updatedAt = :updatedAt',
    ];
    if (change.set.status) {
      const g3 = statusKey(change.set.status, id);
      values[':g3pk'] = g3.gsi3pk;
      values[':g3sk'] = g3.gsi3sk;
      sets.push('gsi3pk = :g3pk', 'gsi3sk = :g3sk');
    }
    const item = await this.updateIfStatus(workflowKey(id), change.from, {
      sets,
      names,
      values,
      conflict: `workflow '${id}' is not ${change.from.join('/')}`,
    });
    return toWorkflow(item);
  }

  /** SET clauses applied only while the item's status is one of `from`; the item after. */
  private async updateIfStatus(
    key: Record<string, string>,
    from: readonly string[],
    update: {
      sets: string[];
      names: Record<string, string>;
      values: Record<string, unknown>;
      conflict: string;
    },
  ): Promise<Record<string, unknown>> {
    const values = { ...update.values };
    const allowed = from.map((status, i) => {
      values[`:from${i}`] = status;
      return `:from${i}`;
    });
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `SET ${update.sets.join(', ')}`,
          ConditionExpression: `attribute_exists(pk) AND #status IN (${allowed.join(', ')})`,
          ExpressionAttributeNames: { ...update.names, '#status': 'status' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes ?? {};
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new TransitionConflictError(update.conflict, { cause: error });
      }
      throw error;
    }
  }
}
