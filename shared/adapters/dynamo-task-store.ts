/**
 * Tasks in the single table.
 *
 *   task          pk TASK#<id>        sk TASK
 *     gsi1        TASKS               <id>                 all tasks, newest first
 *     gsi2        AGENT#<agent>#TASKS <id>                 an agent's tasks
 *     gsi3        TASKSTATUS#<status> <id>                 by status, newest first
 *
 * Dead-lettered tasks are `failed` ones with `deadLettered: true`, found by a filter on gsi3's
 * `failed` partition: the cost of listing them grows with the failed tasks kept.
 *   parked task   pk AGENT#<agent>    sk PARKED#<id>       waits for its paused agent
 *
 * Caller-supplied payloads (input, output, metadata) are stored as JSON strings: any JSON value
 * round-trips exactly, whatever DynamoDB's number and empty-value rules are.
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
import type {
  Page,
  PageRequest,
  TaskListFilter,
  TaskStore,
  TaskTransition,
} from '../core/ports.js';
import { type Task, type TaskStatus, TRANSITIONS } from '../core/tasks/task.js';
import {
  countAll,
  decodeCursor,
  encodeCursor,
  isConditionFailure,
  queryPage,
} from './dynamo-pages.js';

// The suspended loop holds a model's tool inputs: any JSON, like the caller's payloads.
const JSON_FIELDS = ['input', 'output', 'metadata', 'suspended'] as const;
type JsonField = (typeof JSON_FIELDS)[number];
const isJsonField = (name: string): name is JsonField =>
  (JSON_FIELDS as readonly string[]).includes(name);

const key = (id: string) => ({ pk: `TASK#${id}`, sk: 'TASK' });
const statusKey = (status: TaskStatus, id: string) => ({
  gsi3pk: `TASKSTATUS#${status}`,
  gsi3sk: id,
});

function toItem(task: Task): Record<string, unknown> {
  // No startedAt until the first attempt: `if_not_exists` then sets it exactly once.
  const { input, output, metadata, suspended, startedAt, ...rest } = task;
  return {
    ...(startedAt ? { startedAt } : {}),
    ...key(task.id),
    type: 'task',
    gsi1pk: 'TASKS',
    gsi1sk: task.id,
    gsi2pk: `AGENT#${task.agentId}#TASKS`,
    gsi2sk: task.id,
    ...statusKey(task.status, task.id),
    ...rest,
    inputJson: JSON.stringify(input),
    outputJson: JSON.stringify(output),
    metadataJson: JSON.stringify(metadata),
    suspendedJson: JSON.stringify(suspended ?? null),
  };
}

/** The stored item back as a Task, fields in the order API.md shows them. */
function toTask(item: Record<string, unknown>): Task {
  const stored = item as unknown as Task & Record<`${JsonField}Json`, string>;
  return {
    id: stored.id,
    agentId: stored.agentId,
    status: stored.status,
    priority: stored.priority,
    input: JSON.parse(stored.inputJson),
    output: JSON.parse(stored.outputJson),
    error: stored.error ?? null,
    attempts: stored.attempts,
    maxAttempts: stored.maxAttempts,
    timeoutMs: stored.timeoutMs ?? null,
    deadLettered: stored.deadLettered,
    workflowId: stored.workflowId ?? null,
    threadId: stored.threadId ?? null,
    pendingApproval: stored.pendingApproval ?? null,
    metadata: JSON.parse(stored.metadataJson),
    usage: stored.usage,
    steps: stored.steps,
    context: stored.context ?? null,
    // Records written before steps were bounded have no count: they kept every step.
    stepsOmitted: stored.stepsOmitted ?? 0,
    correlationId: stored.correlationId,
    suspended: stored.suspendedJson ? JSON.parse(stored.suspendedJson) : null,
    turn: stored.turn ?? null,
    leaseUntil: stored.leaseUntil ?? null,
    createdAt: stored.createdAt,
    startedAt: stored.startedAt ?? null,
    finishedAt: stored.finishedAt ?? null,
    updatedAt: stored.updatedAt,
  };
}

export class DynamoTaskStore implements TaskStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(task: Task): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(task),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`task '${task.id}' already exists`);
      throw error;
    }
  }

  async discard(id: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key(id) }));
  }

  async get(id: string): Promise<Task | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key(id), ConsistentRead: true }),
    );
    return result.Item ? toTask(result.Item) : undefined;
  }

  list(filter: TaskListFilter): Promise<Page<Task>> {
    const values: Record<string, unknown> = {};
    const names: Record<string, string> = {};
    let index: 'gsi1' | 'gsi2' | 'gsi3';
    let partition: string;
    let keyCondition: string;
    const filters: string[] = [];

    if (filter.agentId) {
      index = 'gsi2';
      partition = `AGENT#${filter.agentId}#TASKS`;
      keyCondition = 'gsi2pk = :pk';
      if (filter.status) {
        names['#status'] = 'status';
        values[':status'] = filter.status;
        filters.push('#status = :status');
      }
      if (filter.deadLettered !== undefined) {
        values[':dl'] = filter.deadLettered;
        filters.push('deadLettered = :dl');
      }
    } else if (filter.status) {
      index = 'gsi3';
      partition = `TASKSTATUS#${filter.status}`;
      keyCondition = 'gsi3pk = :pk';
      if (filter.deadLettered !== undefined) {
        values[':dl'] = filter.deadLettered;
        filters.push('deadLettered = :dl');
      }
    } else {
      index = 'gsi1';
      partition = 'TASKS';
      keyCondition = 'gsi1pk = :pk';
    }
    values[':pk'] = partition;

    return queryPage(
      this.client,
      {
        TableName: this.tableName,
        IndexName: index,
        KeyConditionExpression: keyCondition,
        ExpressionAttributeValues: values,
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
        ScanIndexForward: false,
      },
      {
        limit: filter.limit,
        cursor: filter.cursor,
        keyNames: [`${index}pk`, `${index}sk`, 'pk', 'sk'].sort(),
        partition: [`${index}pk`, partition],
        map: toTask,
      },
    );
  }

  async transition(id: string, change: TaskTransition): Promise<Task> {
    for (const from of change.from) {
      if (!TRANSITIONS[from].includes(change.to)) {
        throw new Error(`task transition ${from} → ${change.to} is not allowed`);
      }
    }
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {
      ':to': change.to,
      ':updatedAt': this.now().toISOString(),
    };
    const g3 = statusKey(change.to, id);
    values[':g3pk'] = g3.gsi3pk;
    values[':g3sk'] = g3.gsi3sk;
    const sets = ['#status = :to', 'updatedAt = :updatedAt', 'gsi3pk = :g3pk', 'gsi3sk = :g3sk'];

    Object.entries(change.set ?? {}).forEach(([field, value], i) => {
      const stored = isJsonField(field) ? `${field}Json` : field;
      names[`#s${i}`] = stored;
      values[`:s${i}`] = isJsonField(field) ? JSON.stringify(value) : value;
      sets.push(`#s${i} = :s${i}`);
    });
    if (change.incrementAttempts) {
      values[':one'] = 1;
      sets.push('attempts = attempts + :one');
    }
    if (change.markStarted) {
      values[':startedAt'] = change.markStarted;
      sets.push('startedAt = if_not_exists(startedAt, :startedAt)');
    }

    const conditions = [
      'attribute_exists(pk)',
      `#status IN (${change.from
        .map((status, i) => {
          values[`:from${i}`] = status;
          return `:from${i}`;
        })
        .join(', ')})`,
    ];
    // Whatever path starts an attempt (a first start, a redelivery, a take-over), none is ever
    // counted past maxAttempts.
    if (change.incrementAttempts) conditions.push('attempts < maxAttempts');
    if (change.expectAttempts !== undefined) {
      values[':expectAttempts'] = change.expectAttempts;
      conditions.push('attempts = :expectAttempts');
    }
    if (change.expectDeadLettered !== undefined) {
      values[':expectDl'] = change.expectDeadLettered;
      conditions.push('deadLettered = :expectDl');
    }
    if (change.leaseExpiredBefore !== undefined) {
      values[':leaseBefore'] = change.leaseExpiredBefore;
      conditions.push(
        '(attribute_not_exists(leaseUntil) OR leaseUntil = :null OR leaseUntil < :leaseBefore)',
      );
      values[':null'] = null;
    }

    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(id),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toTask(result.Attributes ?? {});
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new TransitionConflictError(
          `task '${id}' cannot go to ${change.to}: not in ${change.from.join('/')} as required`,
        );
      }
      throw error;
    }
  }

  countDeadLettered(): Promise<number> {
    return countAll(this.client, {
      TableName: this.tableName,
      IndexName: 'gsi3',
      KeyConditionExpression: 'gsi3pk = :pk',
      FilterExpression: 'deadLettered = :dl',
      ExpressionAttributeValues: { ':pk': 'TASKSTATUS#failed', ':dl': true },
    });
  }

  async park(agentId: string, taskId: string): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: `AGENT#${agentId}`, sk: `PARKED#${taskId}`, type: 'parked-task', taskId },
      }),
    );
  }

  async listParked(agentId: string, request: PageRequest): Promise<Page<string>> {
    const pk = `AGENT#${agentId}`;
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': 'PARKED#' },
        ConsistentRead: true,
        Limit: request.limit,
        ExclusiveStartKey: decodeCursor(request.cursor, {
          keyNames: ['pk', 'sk'],
          partition: ['pk', pk],
        }),
      }),
    );
    return {
      items: (result.Items ?? []).map((item) => item.taskId as string),
      nextCursor: encodeCursor(result.LastEvaluatedKey),
    };
  }

  async unpark(agentId: string, taskId: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: `AGENT#${agentId}`, sk: `PARKED#${taskId}` },
      }),
    );
  }
}
