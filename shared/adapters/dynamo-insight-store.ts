/**
 * The learning layer's summaries and anomaly log in the single table.
 *
 *   summary       pk INSIGHT#<kind>:<name>   sk SUMMARY
 *   listing       pk INSIGHT#<kind>:<name>   sk LISTING              written once, with the summary's first
 *     gsi1        INSIGHTS#<kind>            <name>                  every agent or strategy, by name
 *   anomaly       pk INSIGHTANOMALIES        sk <time>#<anomaly id>  newest last; expires by `ttl`
 *
 * A key's summary is one item, so learning a batch costs one read and one write per key. A write
 * costs a WCU per KB, so the window's size is the price of learning: it travels as compact JSON
 * tuples (`[eventId, at, ok, latencyMs, costUsd, quality]`, ~60 bytes each), gzipped (1,000
 * executions: ~61 KB of JSON, ~24 KB stored; 2.5× fewer units for ~3 ms of CPU). The summary
 * carries no index keys: gsi1 projects ALL, so an indexed summary was written twice, window and
 * all. A small listing item holds the index entry instead, written when the summary is created.
 * Summaries written before either change (a `windowJson` string, gsi1 keys) still read; their
 * next write converts them. Writes are read-modify-write guarded by a `version` attribute (a
 * conditional put; no transactions), tried again on a lost race.
 */

import { gunzipSync, gzipSync } from 'node:zlib';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Anomaly } from '../core/learning/anomaly.js';
import type { InsightKey, InsightKind } from '../core/learning/outcome.js';
import { type InsightStore, InsightWriteConflictError } from '../core/learning/ports.js';
import type { Execution } from '../core/learning/stats.js';
import type { InsightSummary } from '../core/learning/summary.js';
import type { Page, PageRequest } from '../core/ports.js';
import { batchPutAll } from './dynamo-batch-write.js';
import { isConditionFailure, queryPage } from './dynamo-pages.js';

const DAY_SECONDS = 86_400;
const SUMMARY_SK = 'SUMMARY';
const LISTING_SK = 'LISTING';
const ANOMALY_PK = 'INSIGHTANOMALIES';

const key = (insightKey: InsightKey) => ({ pk: `INSIGHT#${insightKey}`, sk: SUMMARY_SK });
const listPartition = (kind: InsightKind) => `INSIGHTS#${kind}`;

type Tuple = [string, number, 0 | 1, number | null, number, number | null];

const toTuple = (e: Execution): Tuple => [
  e.id,
  e.at,
  e.ok ? 1 : 0,
  e.latencyMs === null ? null : Number(e.latencyMs.toFixed(3)),
  e.costUsd,
  e.quality,
];

const fromTuple = ([id, at, ok, latencyMs, costUsd, quality]: Tuple): Execution => ({
  id,
  at,
  ok: ok === 1,
  latencyMs,
  costUsd,
  quality,
});

interface StoredState {
  baseline: InsightSummary['baseline'];
  anomalies: InsightSummary['anomalies'];
  lastAnomalyAt: InsightSummary['lastAnomalyAt'];
}

function toItem(summary: InsightSummary, version: number): Record<string, unknown> {
  const state: StoredState = {
    baseline: summary.baseline,
    anomalies: summary.anomalies,
    lastAnomalyAt: summary.lastAnomalyAt,
  };
  return {
    ...key(summary.key),
    type: 'insight',
    insightKey: summary.key,
    kind: summary.kind,
    name: summary.name,
    version,
    executions: summary.executions,
    updatedAt: summary.updatedAt,
    windowGz: gzipSync(JSON.stringify(summary.window.map(toTuple))),
    stateJson: JSON.stringify(state),
  };
}

/** The window's JSON: gzipped, or (summaries written before) as a string. */
const windowJsonOf = (item: Record<string, unknown>): string =>
  item.windowGz instanceof Uint8Array
    ? gunzipSync(item.windowGz).toString('utf8')
    : (item.windowJson as string);

/** The index entry that lists a key's summary (a summary itself carries no index keys). */
const listingItem = (summary: InsightSummary): Record<string, unknown> => ({
  pk: key(summary.key).pk,
  sk: LISTING_SK,
  type: 'insight-listing',
  gsi1pk: listPartition(summary.kind),
  gsi1sk: summary.name,
  insightKey: summary.key,
});

function toSummary(item: Record<string, unknown>): InsightSummary {
  const state = JSON.parse(item.stateJson as string) as StoredState;
  return {
    key: item.insightKey as InsightKey,
    kind: item.kind as InsightKind,
    name: item.name as string,
    executions: Number(item.executions),
    window: (JSON.parse(windowJsonOf(item)) as Tuple[]).map(fromTuple),
    baseline: state.baseline,
    anomalies: state.anomalies,
    lastAnomalyAt: state.lastAnomalyAt,
    updatedAt: item.updatedAt as string,
  };
}

export interface DynamoInsightStoreOptions {
  /** How long the anomaly log keeps an anomaly. */
  anomalyRetentionDays: number;
  /** Tries of a read-modify-write before it gives up (default 10). */
  maxAttempts?: number;
  now?: () => Date;
}

export class DynamoInsightStore implements InsightStore {
  private readonly maxAttempts: number;
  private readonly now: () => Date;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: DynamoInsightStoreOptions,
  ) {
    this.maxAttempts = options.maxAttempts ?? 10;
    this.now = options.now ?? (() => new Date());
  }

  private async read(
    insightKey: InsightKey,
  ): Promise<{ summary: InsightSummary; version: number; listed: boolean } | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key(insightKey), ConsistentRead: true }),
    );
    if (!result.Item) return undefined;
    return {
      summary: toSummary(result.Item),
      version: Number(result.Item.version),
      // A summary written before the listing item existed carries the index keys itself.
      listed: result.Item.gsi1pk === undefined,
    };
  }

  async get(insightKey: InsightKey): Promise<InsightSummary | undefined> {
    return (await this.read(insightKey))?.summary;
  }

  async getMany(keys: readonly InsightKey[]): Promise<Map<InsightKey, InsightSummary>> {
    const found = new Map<InsightKey, InsightSummary>();
    for (let i = 0; i < keys.length; i += 100) {
      let requested: Record<string, unknown>[] | undefined = [
        ...new Set(keys.slice(i, i + 100)),
      ].map(key);
      for (let attempt = 0; requested?.length; attempt++) {
        if (attempt > 5)
          throw new Error(`${requested.length} key(s) stayed unprocessed after retries`);
        if (attempt > 0) await sleep(25 * 2 ** attempt);
        const result = await this.client.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: requested, ConsistentRead: true } },
          }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          const summary = toSummary(item);
          found.set(summary.key, summary);
        }
        requested = result.UnprocessedKeys?.[this.tableName]?.Keys as
          | Record<string, unknown>[]
          | undefined;
      }
    }
    return found;
  }

  async update(
    insightKey: InsightKey,
    change: (current: InsightSummary | undefined) => InsightSummary | undefined,
  ): Promise<InsightSummary | undefined> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const current = await this.read(insightKey);
      const next = change(current?.summary);
      if (!next) return current?.summary;
      try {
        // Listed before the summary is written, so that no summary is ever unlisted; the same
        // item each time, so a lost race below leaves nothing wrong behind.
        if (!current?.listed) {
          await this.client.send(
            new PutCommand({ TableName: this.tableName, Item: listingItem(next) }),
          );
        }
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: toItem(next, (current?.version ?? 0) + 1),
            ...(current
              ? {
                  ConditionExpression: '#version = :version',
                  ExpressionAttributeNames: { '#version': 'version' },
                  ExpressionAttributeValues: { ':version': current.version },
                }
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          }),
        );
        return next;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Another writer got in first: read what it wrote and apply the change to that. A
        // short random pause keeps two losers from colliding again at once.
        await sleep(Math.random() * Math.min(200, 5 * 2 ** attempt));
      }
    }
    throw new InsightWriteConflictError(insightKey, this.maxAttempts);
  }

  async list(kind: InsightKind, request: PageRequest): Promise<Page<InsightSummary>> {
    const partition = listPartition(kind);
    const page = await queryPage(
      this.client,
      {
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': partition },
      },
      {
        limit: request.limit,
        cursor: request.cursor,
        keyNames: ['gsi1pk', 'gsi1sk', 'pk', 'sk'],
        partition: ['gsi1pk', partition],
        map: (item) => item.insightKey as InsightKey,
      },
    );
    // A summary being converted may be listed twice for a moment (its old index keys and its
    // listing item): once is enough.
    const keys = [...new Set(page.items)];
    const summaries = await this.getMany(keys);
    return {
      ...page,
      items: keys.flatMap((k) => {
        const summary = summaries.get(k);
        return summary ? [summary] : [];
      }),
    };
  }

  async logAnomalies(anomalies: readonly Anomaly[]): Promise<void> {
    const retention = this.options.anomalyRetentionDays * DAY_SECONDS;
    await batchPutAll(
      this.client,
      this.tableName,
      anomalies.map((anomaly) => ({
        pk: ANOMALY_PK,
        sk: `${anomaly.at}#${anomaly.id}`,
        type: 'insight-anomaly',
        anomalyJson: JSON.stringify(anomaly),
        ttl: Math.floor(Date.parse(anomaly.at) / 1000) + retention,
      })),
    );
  }

  async recentAnomalies(limit: number): Promise<Anomaly[]> {
    const anomalies: Anomaly[] = [];
    let startKey: Record<string, unknown> | undefined;
    // Expired items may linger until DynamoDB deletes them: filtered out, at most a few pages.
    for (let page = 0; page < 5 && anomalies.length < limit; page++) {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: '#ttl > :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':pk': ANOMALY_PK,
            ':now': Math.floor(this.now().getTime() / 1000),
          },
          ScanIndexForward: false,
          Limit: limit - anomalies.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) {
        anomalies.push(JSON.parse(item.anomalyJson as string) as Anomaly);
      }
      startKey = result.LastEvaluatedKey;
      if (!startKey) break;
    }
    return anomalies;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
