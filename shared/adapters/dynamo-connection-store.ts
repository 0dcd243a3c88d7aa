/**
 * Dashboard WebSocket connections: `WSCONN#<connectionId>` / `WSCONN`, listed through gsi1
 * `WSCONNS`, expiring by TTL. DynamoDB deletes expired items only eventually (and dynalite never),
 * so listings filter on `ttl` themselves.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type ConnectionStore,
  type ConnectionTargets,
  type DashboardConnection,
  DEFAULT_PATTERNS,
} from '../core/dashboard/connection.js';
import { isConditionFailure, queryAll } from './dynamo-pages.js';

const COLLECTION = 'WSCONNS';
const key = (connectionId: string) => ({ pk: `WSCONN#${connectionId}`, sk: 'WSCONN' });

const toConnection = (item: Record<string, unknown>): DashboardConnection => {
  const targets = item.targets as Set<string> | undefined;
  return {
    connectionId: item.connectionId as string,
    principal: item.principal as string,
    patterns: (item.patterns as string[] | undefined) ?? [],
    connectedAt: item.connectedAt as string,
    ttl: item.ttl as number,
    ...(targets?.size ? { targets: [...targets].sort() } : {}),
  };
};

/** The fields every update writes, so that an update recreates a record that has gone. */
const RECORD_FIELDS = [
  'SET #ttl = :ttl, principal = :principal, connectionId = :id, #type = :type',
  'gsi1pk = :gsi1pk, gsi1sk = :id',
  'connectedAt = if_not_exists(connectedAt, :connectedAt)',
].join(', ');

const recordValues = (
  connectionId: string,
  fields: { principal: string; ttl: number; connectedAt: string },
) => ({
  ':ttl': fields.ttl,
  ':principal': fields.principal,
  ':id': connectionId,
  ':type': 'ws-connection',
  ':gsi1pk': COLLECTION,
  ':connectedAt': fields.connectedAt,
});

export class DynamoConnectionStore implements ConnectionStore, ConnectionTargets {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(connection: DashboardConnection): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...key(connection.connectionId),
          type: 'ws-connection',
          gsi1pk: COLLECTION,
          gsi1sk: connection.connectionId,
          ...connection,
        },
      }),
    );
  }

  async refresh(
    connectionId: string,
    fields: { principal: string; ttl: number; connectedAt: string; patterns?: string[] },
  ): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(connectionId),
        UpdateExpression: [
          RECORD_FIELDS,
          // `chosenPatterns` remembers that the client chose: following a task then keeps them.
          fields.patterns
            ? 'patterns = :patterns, chosenPatterns = :patterns'
            : 'patterns = if_not_exists(patterns, :patterns)',
        ].join(', '),
        ExpressionAttributeNames: { '#ttl': 'ttl', '#type': 'type' },
        ExpressionAttributeValues: {
          ...recordValues(connectionId, fields),
          ':patterns': fields.patterns ?? [...DEFAULT_PATTERNS],
        },
      }),
    );
  }

  async addTarget(
    connectionId: string,
    target: string,
    fields: { principal: string; ttl: number; connectedAt: string },
  ): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(connectionId),
        UpdateExpression: `${RECORD_FIELDS}, patterns = if_not_exists(chosenPatterns, :none) ADD targets :target`,
        ExpressionAttributeNames: { '#ttl': 'ttl', '#type': 'type' },
        ExpressionAttributeValues: {
          ...recordValues(connectionId, fields),
          ':none': [],
          ':target': new Set([target]),
        },
      }),
    );
  }

  async removeTarget(connectionId: string, target: string): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(connectionId),
          UpdateExpression: 'DELETE targets :target',
          // Never recreate a connection that has gone just to take a target out of it.
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':target': new Set([target]) },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }

  async remove(connectionId: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: key(connectionId) }),
    );
  }

  async get(connectionId: string): Promise<DashboardConnection | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key(connectionId), ConsistentRead: true }),
    );
    return result.Item ? toConnection(result.Item) : undefined;
  }

  async listActive(nowSeconds: number): Promise<DashboardConnection[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      FilterExpression: '#ttl > :now',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':pk': COLLECTION, ':now': nowSeconds },
    });
    return items.map(toConnection);
  }
}
