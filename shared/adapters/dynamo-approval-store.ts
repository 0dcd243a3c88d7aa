/**
 * Approvals in the single table:
 *
 *   approval   pk APPROVAL#<id>  sk APPROVAL
 *     gsi1     APPROVALS                          <id>   all, newest first
 *     gsi2     AGENT#<agent>#APPROVALS            <id>   an agent's tool approvals
 *              WORKFLOW#<workflow>#APPROVALS      <id>   a workflow's gates
 *     gsi3     APPROVALSTATUS#<status>            <id>   by status (pending ones, above all)
 *
 * Filters the key does not cover (a task, a workflow, a status within an agent's) are filters
 * on the chosen index; people make approvals, so these collections stay small.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Approval, ApprovalFilter, ApprovalStatus } from '../core/approvals/approval.js';
import type { ApprovalStore } from '../core/approvals/ports.js';
import { ConflictError, TransitionConflictError } from '../core/errors.js';
import type { Page, PageRequest } from '../core/ports.js';
import { isConditionFailure, queryPage } from './dynamo-pages.js';

type Item = Record<string, NativeAttributeValue>;

const JSON_FIELDS = ['input', 'editedInput'] as const;
const key = (id: string) => ({ pk: `APPROVAL#${id}`, sk: 'APPROVAL' });
const statusKey = (status: ApprovalStatus, id: string) => ({
  gsi3pk: `APPROVALSTATUS#${status}`,
  gsi3sk: id,
});
const ownerKey = (approval: Pick<Approval, 'agentId' | 'workflowId'>) =>
  approval.agentId
    ? `AGENT#${approval.agentId}#APPROVALS`
    : `WORKFLOW#${approval.workflowId}#APPROVALS`;

function toItem(approval: Approval): Item {
  const { input, editedInput, ...rest } = approval;
  return {
    ...key(approval.id),
    type: 'approval',
    gsi1pk: 'APPROVALS',
    gsi1sk: approval.id,
    gsi2pk: ownerKey(approval),
    gsi2sk: approval.id,
    ...statusKey(approval.status, approval.id),
    ...rest,
    inputJson: JSON.stringify(input ?? null),
    ...(editedInput === undefined ? {} : { editedInputJson: JSON.stringify(editedInput) }),
  };
}

function toApproval(item: Item): Approval {
  return {
    id: item.id,
    kind: item.kind,
    status: item.status,
    agentId: item.agentId ?? null,
    taskId: item.taskId ?? null,
    threadId: item.threadId ?? null,
    workflowId: item.workflowId ?? null,
    stepId: item.stepId ?? null,
    toolName: item.toolName ?? null,
    input: JSON.parse(item.inputJson ?? 'null'),
    prompt: item.prompt ?? null,
    requestedAt: item.requestedAt,
    expiresAt: item.expiresAt,
    decidedAt: item.decidedAt ?? null,
    decidedBy: item.decidedBy ?? null,
    comment: item.comment ?? null,
    decision: item.decision ?? null,
    ...(item.editedInputJson ? { editedInput: JSON.parse(item.editedInputJson) } : {}),
    onTimeout: item.onTimeout ?? 'deny',
    correlationId: item.correlationId,
  };
}

export class DynamoApprovalStore implements ApprovalStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(approval: Approval): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(approval),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`approval '${approval.id}' exists`);
      throw error;
    }
  }

  async get(id: string): Promise<Approval | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key(id), ConsistentRead: true }),
    );
    return result.Item ? toApproval(result.Item) : undefined;
  }

  list(filter: ApprovalFilter & PageRequest): Promise<Page<Approval>> {
    const values: Item = {};
    const filters: string[] = [];
    const names: Item = {};
    let index: 'gsi1' | 'gsi2' | 'gsi3';
    let partition: string;
    if (filter.agentId) {
      index = 'gsi2';
      partition = `AGENT#${filter.agentId}#APPROVALS`;
      if (filter.status) {
        names['#status'] = 'status';
        values[':status'] = filter.status;
        filters.push('#status = :status');
      }
    } else if (filter.status) {
      index = 'gsi3';
      partition = `APPROVALSTATUS#${filter.status}`;
    } else {
      index = 'gsi1';
      partition = 'APPROVALS';
    }
    if (filter.taskId) {
      values[':taskId'] = filter.taskId;
      filters.push('taskId = :taskId');
    }
    if (filter.workflowId) {
      values[':workflowId'] = filter.workflowId;
      filters.push('workflowId = :workflowId');
    }
    values[':pk'] = partition;
    return queryPage(
      this.client,
      {
        TableName: this.tableName,
        IndexName: index,
        KeyConditionExpression: `${index}pk = :pk`,
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
        map: toApproval,
      },
    );
  }

  async update(
    id: string,
    change: { from: readonly ApprovalStatus[]; set: Partial<Omit<Approval, 'id' | 'kind'>> },
  ): Promise<Approval> {
    const names: Item = { '#status': 'status' };
    const values: Item = {};
    const sets: string[] = [];
    Object.entries(change.set).forEach(([field, value], i) => {
      const json = (JSON_FIELDS as readonly string[]).includes(field);
      names[`#s${i}`] = json ? `${field}Json` : field;
      values[`:s${i}`] = json ? JSON.stringify(value ?? null) : value;
      sets.push(`#s${i} = :s${i}`);
    });
    if (change.set.status) {
      const g3 = statusKey(change.set.status, id);
      values[':g3pk'] = g3.gsi3pk;
      sets.push('gsi3pk = :g3pk');
    }
    const from = change.from.map((status, i) => {
      values[`:from${i}`] = status;
      return `:from${i}`;
    });
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(id),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `attribute_exists(pk) AND #status IN (${from.join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toApproval(result.Attributes ?? {});
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new TransitionConflictError(`approval '${id}' is not ${change.from.join('/')}`);
      }
      throw error;
    }
  }
}
