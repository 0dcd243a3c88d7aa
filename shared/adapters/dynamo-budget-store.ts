/**
 * Budgets in the single table:
 *
 *   definition  pk BUDGET#<id>  sk BUDGET                  gsi1 BUDGETS / <id>
 *   counter     pk BUDGET#<id>  sk SPEND#day#2025-06-01    one item per budget and period, so a
 *               pk BUDGET#<id>  sk SPEND#month#2025-06     new period starts at 0 with no reset
 *
 * A counter keeps `spent`, `reserved` and `committed` (their sum: DynamoDB conditions cannot add,
 * so the sum is kept as its own number and the limit is checked against it), all in integer
 * nano-dollars, and one attribute `hold_<id>` per call in flight ({a: amount, u: until}). Taking
 * and giving back a hold are single conditional updates (dynalite has no transactions, and none
 * are needed), and settling or releasing a hold twice changes nothing.
 */
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Budget, BudgetCounter, PeriodSpend } from '../core/budgets/budget.js';
import { type BudgetStore, type Hold, MAX_BUDGETS } from '../core/budgets/ports.js';
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { Page, PageRequest } from '../core/ports.js';
import { isConditionFailure, queryPage } from './dynamo-pages.js';

const definitionKey = (id: string) => ({ pk: `BUDGET#${id}`, sk: 'BUDGET' });
const counterKey = (c: BudgetCounter) => ({
  pk: `BUDGET#${c.budgetId}`,
  sk: `SPEND#${c.kind}#${c.period}`,
});
const HOLD_PREFIX = 'hold_';
const holdName = (hold: Hold) => `${HOLD_PREFIX}${hold.id}`;
/** BatchGetItem reads at most 100 keys a call. */
const BATCH_GET_LIMIT = 100;

function toBudget(item: Record<string, unknown>): Budget {
  return {
    id: String(item.id),
    scope: String(item.scope),
    usdPerDay: typeof item.usdPerDay === 'number' ? item.usdPerDay : null,
    usdPerMonth: typeof item.usdPerMonth === 'number' ? item.usdPerMonth : null,
    createdAt: String(item.createdAt),
    updatedAt: String(item.updatedAt),
  };
}

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);

function toSpend(item: Record<string, unknown> | undefined): PeriodSpend {
  return {
    spentNano: num(item?.spent),
    reservedNano: num(item?.reserved),
    unpricedCalls: num(item?.unpricedCalls),
  };
}

export class DynamoBudgetStore implements BudgetStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(budget: Budget): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.definitionItem(budget),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(`budget '${budget.id}' exists`);
      throw error;
    }
  }

  async get(id: string): Promise<Budget | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: definitionKey(id), ConsistentRead: true }),
    );
    return result.Item ? toBudget(result.Item) : undefined;
  }

  list(request: PageRequest): Promise<Page<Budget>> {
    return queryPage(
      this.client,
      {
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': 'BUDGETS' },
      },
      {
        limit: request.limit,
        cursor: request.cursor,
        keyNames: ['gsi1pk', 'gsi1sk', 'pk', 'sk'],
        partition: ['gsi1pk', 'BUDGETS'],
        map: toBudget,
      },
    );
  }

  async listAll(): Promise<Budget[]> {
    const budgets: Budget[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.list({ limit: 100, cursor });
      budgets.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && budgets.length < MAX_BUDGETS);
    return budgets;
  }

  async put(budget: Budget): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.definitionItem(budget),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new NotFoundError(`budget '${budget.id}' not found`);
      throw error;
    }
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: definitionKey(id),
        ReturnValues: 'ALL_OLD',
      }),
    );
    return result.Attributes !== undefined;
  }

  async spend(counters: BudgetCounter[]): Promise<PeriodSpend[]> {
    const found = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < counters.length; i += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] | undefined = counters
        .slice(i, i + BATCH_GET_LIMIT)
        .map(counterKey);
      // Unprocessed keys (throttling) are asked again until none is left.
      for (let round = 0; keys?.length && round < 10; round++) {
        const result: BatchGetCommandOutput = await this.client.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } },
          }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          found.set(`${item.pk}|${item.sk}`, item);
        }
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys;
      }
      if (keys?.length) throw new Error('budget counters could not be read (throttled)');
    }
    return counters.map((c) => {
      const key = counterKey(c);
      return toSpend(found.get(`${key.pk}|${key.sk}`));
    });
  }

  async reserve(counter: BudgetCounter, hold: Hold): Promise<boolean> {
    const limited = counter.limitNano !== null;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: counterKey(counter),
          UpdateExpression:
            'ADD committed :a, reserved :a SET #h = :hold, #ttl = if_not_exists(#ttl, :ttl), #type = :type',
          ...(limited
            ? { ConditionExpression: 'attribute_not_exists(committed) OR committed <= :max' }
            : {}),
          ExpressionAttributeNames: { '#h': holdName(hold), '#ttl': 'ttl', '#type': 'type' },
          ExpressionAttributeValues: {
            ':a': hold.amountNano,
            ':hold': { a: hold.amountNano, u: hold.until },
            ':ttl': counter.ttl,
            ':type': 'budget-counter',
            ...(limited ? { ':max': (counter.limitNano as number) - hold.amountNano } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async settle(
    counter: BudgetCounter,
    hold: Hold | undefined,
    costNano: number,
    unpriced: boolean,
  ): Promise<PeriodSpend> {
    const counts = unpriced ? ', unpricedCalls :one' : '';
    const common = {
      ':cost': costNano,
      ':ttl': counter.ttl,
      ':type': 'budget-counter',
      ...(unpriced ? { ':one': 1 } : {}),
    };
    if (hold) {
      try {
        const result = await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: counterKey(counter),
            UpdateExpression: `ADD committed :delta, reserved :neg, spent :cost${counts} REMOVE #h SET #ttl = if_not_exists(#ttl, :ttl), #type = :type`,
            ConditionExpression: 'attribute_exists(#h)',
            ExpressionAttributeNames: { '#h': holdName(hold), '#ttl': 'ttl', '#type': 'type' },
            ExpressionAttributeValues: {
              ...common,
              ':delta': costNano - hold.amountNano,
              ':neg': -hold.amountNano,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return toSpend(result.Attributes);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // The hold was reclaimed (this call outlived it): the cost is counted all the same.
      }
    }
    const result = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: counterKey(counter),
        UpdateExpression: `ADD committed :cost, spent :cost${counts} SET #ttl = if_not_exists(#ttl, :ttl), #type = :type`,
        ExpressionAttributeNames: { '#ttl': 'ttl', '#type': 'type' },
        ExpressionAttributeValues: common,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toSpend(result.Attributes);
  }

  async release(counter: BudgetCounter, hold: Hold): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: counterKey(counter),
          UpdateExpression: 'ADD committed :neg, reserved :neg REMOVE #h',
          ConditionExpression: 'attribute_exists(#h)',
          ExpressionAttributeNames: { '#h': holdName(hold) },
          ExpressionAttributeValues: { ':neg': -hold.amountNano },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async reclaimExpired(counter: BudgetCounter, now: number): Promise<number> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: counterKey(counter), ConsistentRead: true }),
    );
    const expired: Hold[] = Object.entries(result.Item ?? {}).flatMap(([name, value]) => {
      if (!name.startsWith(HOLD_PREFIX) || typeof value !== 'object' || value === null) return [];
      const { a, u } = value as { a?: unknown; u?: unknown };
      if (typeof a !== 'number' || typeof u !== 'number' || u > now) return [];
      return [{ id: name.slice(HOLD_PREFIX.length), amountNano: a, until: u }];
    });
    await Promise.all(expired.map((hold) => this.release(counter, hold)));
    return expired.length;
  }

  async flag(
    counter: BudgetCounter,
    kind: 'warned' | 'exceeded',
    limitNano: number,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: counterKey(counter),
          UpdateExpression: 'SET #f = :limit, #ttl = if_not_exists(#ttl, :ttl), #type = :type',
          ConditionExpression: 'attribute_not_exists(#f) OR #f <> :limit',
          ExpressionAttributeNames: { '#f': `${kind}Limit`, '#ttl': 'ttl', '#type': 'type' },
          ExpressionAttributeValues: {
            ':limit': limitNano,
            ':ttl': counter.ttl,
            ':type': 'budget-counter',
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private definitionItem(budget: Budget): Record<string, unknown> {
    return {
      ...definitionKey(budget.id),
      type: 'budget',
      gsi1pk: 'BUDGETS',
      gsi1sk: budget.id,
      ...budget,
    };
  }
}
