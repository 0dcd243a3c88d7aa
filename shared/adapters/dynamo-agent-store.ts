/** Agents in the single table: `AGENT#<id>` / `AGENT`, listed through gsi1 `AGENTS` by id. */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Agent, AgentStatus } from '../core/agents/agent.js';
import { ConflictError, NotFoundError, TransitionConflictError } from '../core/errors.js';
import type { AgentStore, Page, PageRequest } from '../core/ports.js';
import { isConditionFailure, queryPage } from './dynamo-pages.js';

const key = (id: string) => ({ pk: `AGENT#${id}`, sk: 'AGENT' });
const INTERNAL = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'type'];

function toAgent(item: Record<string, unknown>): Agent {
  const agent = { ...item };
  for (const name of INTERNAL) delete agent[name];
  // Agents registered before MCP servers existed have none.
  agent.mcpServers ??= [];
  return agent as unknown as Agent;
}

export class DynamoAgentStore implements AgentStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(agent: Agent): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key(agent.id), gsi1pk: 'AGENTS', gsi1sk: agent.id, type: 'agent', ...agent },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) {
        throw new ConflictError(`agent '${agent.id}' already exists`, undefined, { cause: error });
      }
      throw error;
    }
  }

  async get(id: string): Promise<Agent | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key(id), ConsistentRead: true }),
    );
    return result.Item ? toAgent(result.Item) : undefined;
  }

  list(request: PageRequest & { tag?: string | undefined }): Promise<Page<Agent>> {
    return queryPage(
      this.client,
      {
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: {
          ':pk': 'AGENTS',
          ...(request.tag ? { ':tag': request.tag } : {}),
        },
        ...(request.tag ? { FilterExpression: 'contains(tags, :tag)' } : {}),
      },
      {
        limit: request.limit,
        cursor: request.cursor,
        keyNames: ['gsi1pk', 'gsi1sk', 'pk', 'sk'],
        partition: ['gsi1pk', 'AGENTS'],
        map: toAgent,
      },
    );
  }

  async update(
    id: string,
    fields: Partial<Omit<Agent, 'id' | 'createdAt'>>,
    allowedStatuses: readonly AgentStatus[],
  ): Promise<Agent> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {};
    const sets = Object.entries(fields).map(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:f${i}`] = value;
      return `#f${i} = :f${i}`;
    });
    const allowed = allowedStatuses.map((status, i) => {
      values[`:s${i}`] = status;
      return `:s${i}`;
    });
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(id),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `attribute_exists(pk) AND #status IN (${allowed.join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toAgent(result.Attributes ?? {});
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      if (!(await this.get(id))) throw new NotFoundError(`agent '${id}' not found`);
      throw new TransitionConflictError(
        `agent '${id}' is not in status ${allowedStatuses.join('/')}`,
        { cause: error },
      );
    }
  }
}
