/**
 * Memory grants in the single table.
 *
 *   grant   pk MEMGRANT#<owner>   sk G#<namespace>#<grantee>   id, access, …
 *     gsi2  MEMGRANTEE#<grantee>  <owner>#<namespace>          what was shared with a grantee
 *
 * One item per (namespace, grantee), so granting is a conditional put and concurrent grants of
 * the same pair make one grant. Access checks on one namespace read the base table
 * (consistently); a search discovers what was shared with it through gsi2, then confirms each
 * grant on the base table, so a revoked grant stops counting at once even while the index lags.
 */
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../core/errors.js';
import type { Grant } from '../core/memory/grant.js';
import type { GrantStore } from '../core/memory/ports.js';
import type { Page, PageRequest } from '../core/ports.js';
import { isConditionFailure, queryPage } from './dynamo-pages.js';

type Item = Record<string, unknown>;

const grantKey = (owner: string, namespace: string, grantee: string) => ({
  pk: `MEMGRANT#${owner}`,
  sk: `G#${namespace}#${grantee}`,
});

/** Pages of grants a revoke looks through for an id, or a grantee query reads, at most. */
const MAX_PAGES = 50;

function toGrant(item: Item): Grant {
  return {
    id: item.id as string,
    agentId: item.agentId as string,
    namespace: item.namespace as string,
    grantee: item.grantee as string,
    access: item.access as Grant['access'],
    createdBy: item.createdBy as string,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
  };
}

export class DynamoGrantStore implements GrantStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async upsert(
    grant: Grant,
  ): Promise<{ grant: Grant; outcome: 'created' | 'updated' | 'unchanged' }> {
    const key = grantKey(grant.agentId, grant.namespace, grant.grantee);
    // A revoke or another change may come between our reads and writes: try again from the top.
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...key,
              type: 'memory-grant',
              gsi2pk: `MEMGRANTEE#${grant.grantee}`,
              gsi2sk: `${grant.agentId}#${grant.namespace}`,
              ...grant,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return { grant, outcome: 'created' };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const existing = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      if (!existing.Item) continue;
      const current = toGrant(existing.Item);
      if (current.access === grant.access) return { grant: current, outcome: 'unchanged' };
      try {
        const updated = await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'SET #access = :access, updatedAt = :now',
            ConditionExpression: 'id = :id AND #access = :old',
            ExpressionAttributeNames: { '#access': 'access' },
            ExpressionAttributeValues: {
              ':access': grant.access,
              ':now': grant.updatedAt,
              ':id': current.id,
              ':old': current.access,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { grant: toGrant(updated.Attributes ?? {}), outcome: 'updated' };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new ConflictError(
      `the grant of '${grant.namespace}' to '${grant.grantee}' kept changing; try again`,
    );
  }

  list(owner: string, request: PageRequest): Promise<Page<Grant>> {
    const pk = `MEMGRANT#${owner}`;
    return queryPage(
      this.client,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': 'G#' },
        ConsistentRead: true,
      },
      {
        limit: request.limit,
        cursor: request.cursor,
        keyNames: ['pk', 'sk'],
        partition: ['pk', pk],
        map: toGrant,
      },
    );
  }

  async forNamespace(owner: string, namespace: string): Promise<Grant[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `MEMGRANT#${owner}`, ':prefix': `G#${namespace}#` },
      ConsistentRead: true,
    });
    return items.map(toGrant);
  }

  async forGrantees(grantees: string[]): Promise<Grant[]> {
    const indexed = (
      await Promise.all(
        [...new Set(grantees)].map((grantee) =>
          this.queryAll({
            TableName: this.tableName,
            IndexName: 'gsi2',
            KeyConditionExpression: 'gsi2pk = :pk',
            ExpressionAttributeValues: { ':pk': `MEMGRANTEE#${grantee}` },
          }),
        ),
      )
    ).flat();
    // The index may still show a grant just revoked: only what the table holds now counts.
    const confirmed: Grant[] = [];
    for (let i = 0; i < indexed.length; i += 100) {
      const chunk = indexed.slice(i, i + 100).map(toGrant);
      const ids = new Map(chunk.map((g) => [`${g.agentId}/${g.namespace}/${g.grantee}`, g.id]));
      let pending: Item[] | undefined = chunk.map((g) =>
        grantKey(g.agentId, g.namespace, g.grantee),
      );
      for (let attempt = 0; pending?.length; attempt++) {
        if (attempt > 5) throw new Error('grant keys stayed unprocessed after retries');
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const result = await this.client.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
          }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          const grant = toGrant(item);
          if (ids.get(`${grant.agentId}/${grant.namespace}/${grant.grantee}`) === grant.id) {
            confirmed.push(grant);
          }
        }
        pending = result.UnprocessedKeys?.[this.tableName]?.Keys as Item[] | undefined;
      }
    }
    return confirmed;
  }

  async revoke(owner: string, grantId: string): Promise<Grant | undefined> {
    const [found] = await this.queryAll(
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: 'id = :id',
        ExpressionAttributeValues: { ':pk': `MEMGRANT#${owner}`, ':prefix': 'G#', ':id': grantId },
        ConsistentRead: true,
      },
      1,
    );
    if (!found) return undefined;
    try {
      const result = await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: found.pk, sk: found.sk },
          ConditionExpression: 'id = :id',
          ExpressionAttributeValues: { ':id': grantId },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return result.Attributes ? toGrant(result.Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** Every item of a query (at most MAX_PAGES pages), or the first `enough` found. */
  private async queryAll(
    input: ConstructorParameters<typeof QueryCommand>[0],
    enough = Number.POSITIVE_INFINITY,
  ): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await this.client.send(
        new QueryCommand({ ...input, ExclusiveStartKey: startKey }),
      );
      items.push(...(result.Items ?? []));
      startKey = result.LastEvaluatedKey;
      if (!startKey || items.length >= enough) break;
    }
    return items;
  }
}
