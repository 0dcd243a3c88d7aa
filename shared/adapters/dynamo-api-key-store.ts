/**
 * Agent-scoped API keys, stored by the SHA-256 of their secret (never the secret):
 * `APIKEY#<hash>` / `APIKEY`, listed through gsi1 `APIKEYS` by key id.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '../core/errors.js';
import type { ApiKeyRecord, ApiKeyStore, Page, PageRequest } from '../core/ports.js';
import { queryPage } from './dynamo-pages.js';

const key = (secretHash: string) => ({ pk: `APIKEY#${secretHash}`, sk: 'APIKEY' });

const toRecord = (item: Record<string, unknown>): ApiKeyRecord => ({
  keyId: item.keyId as string,
  scope: item.scope as string,
  hint: item.hint as string,
  createdAt: item.createdAt as string,
  createdBy: item.createdBy as string,
  revokedAt: (item.revokedAt as string | undefined) ?? null,
});

export class DynamoApiKeyStore implements ApiKeyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(record: ApiKeyRecord, secretHash: string): Promise<void> {
    // No revokedAt attribute until a revocation sets it (if_not_exists would keep a null).
    const { revokedAt: _unrevoked, ...fields } = record;
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...key(secretHash),
          type: 'api-key',
          gsi1pk: 'APIKEYS',
          gsi1sk: record.keyId,
          secretHash,
          ...fields,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async findByHash(secretHash: string): Promise<ApiKeyRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key(secretHash), ConsistentRead: true }),
    );
    return result.Item ? toRecord(result.Item) : undefined;
  }

  list(request: PageRequest): Promise<Page<ApiKeyRecord>> {
    return queryPage(
      this.client,
      {
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': 'APIKEYS' },
        ScanIndexForward: false,
      },
      {
        limit: request.limit,
        cursor: request.cursor,
        keyNames: ['gsi1pk', 'gsi1sk', 'pk', 'sk'],
        partition: ['gsi1pk', 'APIKEYS'],
        map: toRecord,
      },
    );
  }

  async revoke(keyId: string, at: string): Promise<ApiKeyRecord> {
    const found = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk = :id',
        ExpressionAttributeValues: { ':pk': 'APIKEYS', ':id': keyId },
      }),
    );
    const item = found.Items?.[0];
    if (!item) throw new NotFoundError(`API key '${keyId}' not found`);
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(item.secretHash as string),
        // The first revocation's time stays.
        UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
        ExpressionAttributeValues: { ':at': at },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toRecord(result.Attributes ?? item);
  }
}
