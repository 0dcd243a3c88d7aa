/**
 * Metric buckets: one item per minute and key, in one partition per hour:
 * `METRIC#<yyyy-mm-ddTHH>` / `<yyyy-mm-ddTHH:MM>#<key>`, the key `all` | `agent#<id>` |
 * `model#<name>`, holding counters (named attributes) and a latency sketch (its bins,
 * dynamo-latency-sketch.ts). Totals only ever grow by ADD, so concurrent writers never lose a
 * count; the event sink decides what is added, once per event. Buckets expire by TTL after the
 * retention period. A window is read with one query per hour it touches: a day's window is 25
 * queries (one a minute, 1,441, took longer than the API's 10 s on the local runtime: a 500 the
 * route fuzz found).
 */
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { MetricBucket, MetricDelta, MetricStore } from '../core/observability/ports.js';
import { isSketchAttribute, sketchAdds, sketchOfItem } from './dynamo-latency-sketch.js';

const DAY_SECONDS = 86_400;
/** Hour partitions read at once: a day's window touches 25 of them. */
const READ_CONCURRENCY = 8;

/** The fixed-bucket histogram of earlier versions, in buckets written before the sketch. */
const LEGACY_HISTOGRAM_ATTRIBUTE = /^lat\d{2}$/;
const notCounter = (name: string) =>
  isSketchAttribute(name) || LEGACY_HISTOGRAM_ATTRIBUTE.test(name);
const KEY_ATTRIBUTES = new Set(['pk', 'sk', 'ttl']);
const COUNTER_NAME = /^[a-zA-Z][a-zA-Z0-9]{0,63}$/;

/** `yyyy-mm-ddTHH:MM` → its hour, `yyyy-mm-ddTHH`. */
const hourOf = (minute: string) => minute.slice(0, 13);
const partitionOf = (minute: string) => `METRIC#${hourOf(minute)}`;
const sortKeyOf = (minute: string, key: string) => `${minute}#${key}`;

function toBucket(item: Record<string, unknown>): MetricBucket {
  const counters: Record<string, number> = {};
  for (const [name, value] of Object.entries(item)) {
    if (KEY_ATTRIBUTES.has(name) || notCounter(name)) continue;
    if (typeof value === 'number') counters[name] = value;
  }
  const sk = item.sk as string;
  const split = sk.indexOf('#');
  return {
    minute: sk.slice(0, split),
    key: sk.slice(split + 1),
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
        Key: { pk: partitionOf(delta.minute), sk: sortKeyOf(delta.minute, delta.key) },
        UpdateExpression: `SET #ttl = :ttl ADD ${adds.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async read(minutes: readonly string[]): Promise<MetricBucket[]> {
    const wanted = new Set(minutes);
    const byHour = new Map<string, string[]>();
    for (const minute of wanted) {
      byHour.set(hourOf(minute), [...(byHour.get(hourOf(minute)) ?? []), minute]);
    }
    const buckets: MetricBucket[] = [];
    const pending = [...byHour.values()].map((inHour) => inHour.sort());
    const worker = async () => {
      for (let inHour = pending.shift(); inHour !== undefined; inHour = pending.shift()) {
        const hour = await this.readMinutes(inHour[0] as string, inHour.at(-1) as string);
        buckets.push(...hour.filter((bucket) => wanted.has(bucket.minute)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, pending.length) }, worker));
    return buckets.sort((a, b) =>
      a.minute === b.minute ? (a.key < b.key ? -1 : 1) : a.minute < b.minute ? -1 : 1,
    );
  }

  /** The buckets from `first` to `last`, two minutes of one hour. */
  private async readMinutes(first: string, last: string): Promise<MetricBucket[]> {
    const buckets: MetricBucket[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          // Expired buckets never count, whether or not DynamoDB has deleted them yet.
          FilterExpression: '#ttl > :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':pk': partitionOf(first),
            ':from': `${first}#`,
            // `~` sorts after every character of a key.
            ':to': `${last}#~`,
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
