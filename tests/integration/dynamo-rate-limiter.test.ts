/** DynamoRateLimiter against a real DynamoDB protocol server (dynalite). */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoRateLimiter } from '../../shared/adapters/dynamo-rate-limiter.js';
import { uniqueId, useLocalAws } from '../helpers/aws-local.js';

const aws = useLocalAws();
const T0 = Date.parse('2030-03-01T00:00:00.000Z');

/** A limiter whose clock reads `clock.now` (milliseconds after T0). */
const limiterAt = (clock: { now: number }, client?: DynamoDBDocumentClient) =>
  new DynamoRateLimiter(client ?? aws().dynamo, aws().tableName, () => T0 + clock.now);

const bucketItem = async (key: string) =>
  (
    await aws().dynamo.send(
      new GetCommand({
        TableName: aws().tableName,
        Key: { pk: `RATE#${key}`, sk: 'RATE' },
        ConsistentRead: true,
      }),
    )
  ).Item;

async function takeTimes(limiter: DynamoRateLimiter, key: string, perMinute: number, n: number) {
  const decisions = [];
  for (let i = 0; i < n; i++) decisions.push(await limiter.take(key, perMinute));
  return decisions;
}

describe('DynamoRateLimiter', () => {
  it('allows a full bucket of takes, then refuses with the time until the next token', async () => {
    // Prepare
    const key = uniqueId('bucket');
    const limiter = limiterAt({ now: 0 });
    // Act
    const decisions = await takeTimes(limiter, key, 5, 6);
    // Assess
    expect(decisions.slice(0, 5)).toEqual(Array(5).fill({ allowed: true, retryAfterMs: 0 }));
    expect(decisions[5]).toEqual({ allowed: false, retryAfterMs: 12_000 });
  });

  it('stores the bucket under RATE#<key> with tokens, updatedAt and a ttl after it refills', async () => {
    // Prepare
    const key = uniqueId('bucket');
    const limiter = limiterAt({ now: 1_500 });
    // Act
    await takeTimes(limiter, key, 5, 2);
    // Assess: 3 tokens left, full again 24 s later; the ttl is a few minutes after that.
    const item = await bucketItem(key);
    expect(item).toMatchObject({ pk: `RATE#${key}`, sk: 'RATE', tokens: 3, updatedAt: T0 + 1_500 });
    const fullAtSeconds = (T0 + 1_500 + 24_000) / 1000;
    expect(item?.ttl).toBeGreaterThan(fullAtSeconds);
    expect(item?.ttl).toBeLessThanOrEqual(fullAtSeconds + 600);
  });

  it('does not write when it refuses', async () => {
    // Prepare: an empty bucket.
    const key = uniqueId('bucket');
    const clock = { now: 0 };
    await takeTimes(limiterAt(clock), key, 2, 2);
    const before = await bucketItem(key);
    // Act
    clock.now = 1_000;
    const refused = await limiterAt(clock).take(key, 2);
    // Assess
    expect(refused).toEqual({ allowed: false, retryAfterMs: 29_000 });
    expect(await bucketItem(key)).toEqual(before);
  });

  it('refills continuously at perMinute/60 per second, up to its capacity', async () => {
    // Prepare: an empty bucket of 5 a minute (one token every 12 s).
    const key = uniqueId('bucket');
    const clock = { now: 0 };
    const limiter = limiterAt(clock);
    await takeTimes(limiter, key, 5, 5);
    // Act + Assess: half a token after 6 s.
    clock.now = 6_000;
    expect(await limiter.take(key, 5)).toEqual({ allowed: false, retryAfterMs: 6_000 });
    // One token after 12 s, and only one.
    clock.now = 12_000;
    expect(await limiter.take(key, 5)).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(await limiter.take(key, 5)).toEqual({ allowed: false, retryAfterMs: 12_000 });
    // An hour later the bucket holds its capacity, not an hour's worth of tokens.
    clock.now = 12_000 + 3_600_000;
    const later = await takeTimes(limiter, key, 5, 6);
    expect(later.filter((d) => d.allowed)).toHaveLength(5);
    expect(later[5]).toEqual({ allowed: false, retryAfterMs: 12_000 });
  });

  it('keeps keys apart', async () => {
    // Prepare
    const [a, b] = [uniqueId('bucket'), uniqueId('bucket')];
    const limiter = limiterAt({ now: 0 });
    await takeTimes(limiter, a, 3, 3);
    // Act
    const onA = await limiter.take(a, 3);
    const onB = await takeTimes(limiter, b, 3, 3);
    // Assess
    expect(onA.allowed).toBe(false);
    expect(onB.every((d) => d.allowed)).toBe(true);
  });

  it('lets exactly 10 of 20 concurrent takes of a bucket of 10 through', async () => {
    // Prepare: separate limiter objects, as separate Lambda instances would have.
    const key = uniqueId('race');
    const clock = { now: 0 };
    // Act
    const decisions = await Promise.all(
      Array.from({ length: 20 }, () => limiterAt(clock).take(key, 10)),
    );
    // Assess
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(decisions.filter((d) => !d.allowed).every((d) => d.retryAfterMs > 0)).toBe(true);
    expect((await bucketItem(key))?.tokens).toBe(0);
  });

  it('treats a bucket whose ttl has passed as full, before DynamoDB deletes it', async () => {
    // Prepare: an empty bucket written a moment ago, but with a ttl already in the past.
    const key = uniqueId('bucket');
    const clock = { now: 10_000 };
    await aws().dynamo.send(
      new PutCommand({
        TableName: aws().tableName,
        Item: {
          pk: `RATE#${key}`,
          sk: 'RATE',
          type: 'rate-bucket',
          tokens: 0,
          updatedAt: T0 + 9_999,
          version: 7,
          ttl: (T0 + 9_000) / 1000,
        },
      }),
    );
    // Act
    const decisions = await takeTimes(limiterAt(clock), key, 4, 5);
    // Assess
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, false]);
    expect(await bucketItem(key)).toMatchObject({ tokens: 0, version: 11 });
  });

  it('refuses, without spending a token, when another writer wins every race', async () => {
    // Prepare: a client that lets a competitor rewrite the bucket just before each of our writes,
    // so that every conditional write of the limiter fails for real in DynamoDB.
    const key = uniqueId('contended');
    const real = aws().dynamo;
    let competitorWrites = 0;
    const contended = {
      send: async (command: unknown) => {
        if (command instanceof PutCommand) {
          competitorWrites++;
          await real.send(
            new PutCommand({
              TableName: aws().tableName,
              Item: {
                pk: `RATE#${key}`,
                sk: 'RATE',
                tokens: 10,
                updatedAt: T0,
                version: 1_000 + competitorWrites,
                ttl: T0 / 1000 + 3600,
              },
            }),
          );
        }
        return real.send(command as GetCommand);
      },
    } as unknown as DynamoDBDocumentClient;
    // Act
    const decision = await limiterAt({ now: 0 }, contended).take(key, 10);
    // Assess
    expect(decision).toEqual({ allowed: false, retryAfterMs: 6_000 });
    expect(competitorWrites).toBeGreaterThan(1);
    expect(await bucketItem(key)).toMatchObject({ tokens: 10, version: 1_000 + competitorWrites });
  });

  it('rejects a perMinute that is not a number of at least 1', async () => {
    const limiter = limiterAt({ now: 0 });
    for (const perMinute of [0, 0.5, -3, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(limiter.take(uniqueId('bucket'), perMinute)).rejects.toThrow(RangeError);
    }
  });
});
