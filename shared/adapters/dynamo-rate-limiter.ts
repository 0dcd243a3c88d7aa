/**
 * Token buckets in DynamoDB: `RATE#<key>` / `RATE`, one item a bucket. A take reads the bucket,
 * refills it for the time elapsed and writes it back one token lighter with a condition on the
 * version it read, so two processes can never spend the same token (optimistic concurrency;
 * DynamoDB Local emulators have no transactions, and none are needed). Idle buckets expire by TTL.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { RateLimitDecision, RateLimiter } from '../core/ports.js';
import { isConditionFailure } from './dynamo-pages.js';

/**
 * Read-compute-write rounds before a take gives up and answers "not allowed". A round fails only
 * when another take of the same bucket succeeded in between, so under a fixed clock a bucket of
 * capacity c never turns a take away for contention while c + 1 rounds remain.
 */
const MAX_ATTEMPTS = 16;
/** An idle bucket outlives the moment it would be full again by this much, then expires. */
const TTL_MARGIN_SECONDS = 300;
/** Absorbs floating-point dust so that 0.9999999999 refilled tokens count as one. */
const EPSILON = 1e-9;
const MS_PER_MINUTE = 60_000;

const key = (bucket: string) => ({ pk: `RATE#${bucket}`, sk: 'RATE' });

interface Bucket {
  tokens: number;
  updatedAt: number;
  /** Absent only on an item this adapter did not write. */
  version: number | undefined;
  ttl: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class DynamoRateLimiter implements RateLimiter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async take(bucketKey: string, perMinute: number): Promise<RateLimitDecision> {
    if (!Number.isFinite(perMinute) || perMinute < 1) {
      throw new RangeError(`perMinute must be a finite number >= 1, got ${perMinute}`);
    }
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(Math.random() * 2 * attempt);
      const now = this.now();
      const bucket = await this.read(bucketKey);
      const tokens = refilled(bucket, perMinute, now);
      if (tokens + EPSILON < 1) {
        return { allowed: false, retryAfterMs: msUntilOneToken(tokens, perMinute) };
      }
      if (await this.write(bucketKey, bucket, Math.max(0, tokens - 1), perMinute, now)) {
        return { allowed: true, retryAfterMs: 0 };
      }
    }
    // Contention persists: refuse rather than risk spending a token twice. The caller retries
    // after about one token's worth of time, when the others have drawn theirs.
    return { allowed: false, retryAfterMs: Math.ceil(MS_PER_MINUTE / perMinute) };
  }

  private async read(bucketKey: string): Promise<Bucket | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key(bucketKey), ConsistentRead: true }),
    );
    const item = result.Item;
    if (!item) return undefined;
    return {
      tokens: Number(item.tokens),
      updatedAt: Number(item.updatedAt),
      version: typeof item.version === 'number' ? item.version : undefined,
      ttl: Number(item.ttl),
    };
  }

  /** Writes the bucket if nobody else did since `read`; false when somebody did. */
  private async write(
    bucketKey: string,
    read: Bucket | undefined,
    tokens: number,
    perMinute: number,
    now: number,
  ): Promise<boolean> {
    const msUntilFull = ((perMinute - tokens) * MS_PER_MINUTE) / perMinute;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key(bucketKey),
            type: 'rate-bucket',
            tokens,
            updatedAt: now,
            // The version, not updatedAt, guards the write: two takes in the same millisecond
            // would write the same updatedAt and both pass a condition on it.
            version: (read?.version ?? 0) + 1,
            ttl: Math.ceil((now + msUntilFull) / 1000) + TTL_MARGIN_SECONDS,
          },
          ...condition(read),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

function condition(read: Bucket | undefined) {
  if (!read) return { ConditionExpression: 'attribute_not_exists(pk)' };
  if (read.version === undefined) {
    return {
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#version)',
      ExpressionAttributeNames: { '#version': 'version' },
    };
  }
  return {
    ConditionExpression: '#version = :version',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':version': read.version },
  };
}

/** Tokens in the bucket at `now`: full when absent or expired (TTL deletion lags), else refilled. */
function refilled(bucket: Bucket | undefined, perMinute: number, now: number): number {
  if (
    !bucket ||
    !Number.isFinite(bucket.tokens) ||
    !Number.isFinite(bucket.updatedAt) ||
    bucket.ttl * 1000 <= now
  ) {
    return perMinute;
  }
  // A clock that went backwards refills nothing rather than draining the bucket.
  const elapsed = Math.max(0, now - bucket.updatedAt);
  return Math.min(perMinute, bucket.tokens + (elapsed * perMinute) / MS_PER_MINUTE);
}

function msUntilOneToken(tokens: number, perMinute: number): number {
  return Math.max(0, Math.ceil(((1 - tokens) * MS_PER_MINUTE) / perMinute));
}
