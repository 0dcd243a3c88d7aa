/**
 * Metric buckets: one item per minute and key, `METRIC#<yyyy-mm-ddTHH:MM>` / `all` |
 * `agent#<id>` | `model#<name>`, holding counters (named attributes) and a latency sketch (its
 * bins, dynamo-latency-sketch.ts). Totals only ever grow by ADD, so concurrent writers never lose
 * a count; the event sink decides what is added, once per event. Buckets expire by TTL after the
 * retention period.
 */
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { MetricBucket, MetricDelta, MetricStore } from '../core/observability/ports.js';
import { isSketchAttribute, sketchAdds, sketchOfItem } from './dynamo-latency-sketch.js';

const DAY_SECONDS = 86_400;
/** Minute partitions read at once: a day's window is 1 441 of them. */
const READ_CONCURRENCY = 16;

/** The fixed-bucket histogram of earlier versions, in buckets written before the sketch. */
const LEGACY_HISTOGRAM_ATTRIBUTE = /^lat\d{2}$/;
const notCounter = (name: string) =>
  isSketchAttribute(name) || LEGACY_HISTOGRAM_ATTRIBUTE.test(name);
const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'ttl']);
const COUNTER_NAME = /^[a-zA-Z][a-zA-Z0-9]{0,63}$/;

const partitionOf = (minute: string) => `METRIC#${minute}`;

function toBucket(item: Record<string, unknown>): MetricBucket {
  const counters: Record<string, number> = {};
  for (const [name, value] of Object.entries(item)) {
    if (KEY_ATTRIBUTES.has(name) || notCounter(name)) continue;
    if (typeof value === 'number') counters[name] = value;
  }
  return {
    minute: (item.pk as string).slice('METRIC#'.length),
    key: item.sk as string,
    counters,
    latency: sketchOfItem(item),
  };
}

export class DynamoMetricStore implements MetricStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
    private readonly now: () => number = Date.now,
  ) {}

  async add(delta: MetricDelta): Promise<void> {
    const names: Record<string, string> = { '#ttl': 'ttl' };
    const values: Record<string, unknown> = {
      ':ttl':
        Math.floor(Date.parse(`${delta.minute}:00.000Z`) / 1000) + this.retentionDays * DAY_SECONDS,
    };
    const adds: string[] = [];
    Object.entries(delta.counters).forEach(([name, value], i) => {
      if (!COUNTER_NAME.test(name) || KEY_ATTRIBUTES.has(name) || notCounter(name)) {
        throw new Error(`'${name}' cannot name a metric counter`);
      }
      names[`#c${i}`] = name;
      values[`:c${i}`] = value;
      adds.push(`#c${i} :c${i}`);
    });
    adds.push(...sketchAdds(delta.latency, values));
    if (adds.length === 0) return;
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: partitionOf(delta.minute), sk: delta.key },
        UpdateExpression: `SET #ttl = :ttl ADD ${adds.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async read(minutes: readonly string[]): Promise<MetricBucket[]> {
    const buckets: MetricBucket[] = [];
    const pending = [...new Set(minutes)];
    const worker = async () => {
      for (let minute = pending.shift(); minute !== undefined; minute = pending.shift()) {
        buckets.push(...(await this.readMinute(minute)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, pending.length) }, worker));
    return buckets.sort((a, b) =>
      a.minute === b.minute ? (a.key < b.key ? -1 : 1) : a.minute < b.minute ? -1 : 1,
    );
  }

  private async readMinute(minute: string): Promise<MetricBucket[]> {
    const buckets: MetricBucket[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          // Expired buckets never count, whether or not DynamoDB has deleted them yet.
          FilterExpression: '#ttl > :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':pk': partitionOf(minute),
            ':now': Math.floor(this.now() / 1000),
          },
          ExclusiveStartKey: startKey,
        }),
      );
      buckets.push(...(page.Items ?? []).map(toBucket));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return buckets;
  }
}
