/** DynamoIdempotencyStore against a real DynamoDB protocol server (dynalite). */
import { describe, expect, it } from 'vitest';
import { DynamoIdempotencyStore } from '../../shared/adapters/dynamo-idempotency-store.js';
import { uniqueId, useLocalAws } from '../helpers/aws-local.js';

const aws = useLocalAws();
const T0 = Date.parse('2030-03-01T00:00:00.000Z');
const TTL_SECONDS = 60;

/** A store whose clock reads `offsetSeconds` after T0. */
const storeAt = (offsetSeconds = 0) =>
  new DynamoIdempotencyStore(
    aws().dynamo,
    aws().tableName,
    () => new Date(T0 + offsetSeconds * 1000),
  );

describe('DynamoIdempotencyStore', () => {
  it('claims a fresh key, then answers the in-progress record with the first hash', async () => {
    // Prepare
    const key = uniqueId('key');
    // Act
    const first = await storeAt().claim(key, 'hash-a', TTL_SECONDS);
    const second = await storeAt(1).claim(key, 'hash-b', TTL_SECONDS);
    // Assess
    expect(first).toBeUndefined();
    expect(second).toEqual({ requestHash: 'hash-a', status: 'in-progress', response: undefined });
  });

  it('answers the stored response once the request completed', async () => {
    // Prepare
    const key = uniqueId('key');
    const response = {
      statusCode: 202,
      body: { id: 'task-1', input: 'héllo', n: 0.1, list: [null, ''] },
    };
    await storeAt().claim(key, 'hash-a', TTL_SECONDS);
    // Act
    await storeAt().complete(key, response);
    const again = await storeAt(2).claim(key, 'hash-a', TTL_SECONDS);
    // Assess
    expect(again).toEqual({ requestHash: 'hash-a', status: 'done', response });
  });

  it('makes a key claimable again after release', async () => {
    // Prepare
    const key = uniqueId('key');
    await storeAt().claim(key, 'hash-a', TTL_SECONDS);
    // Act
    await storeAt().release(key);
    const reclaimed = await storeAt().claim(key, 'hash-b', TTL_SECONDS);
    const after = await storeAt().claim(key, 'hash-c', TTL_SECONDS);
    // Assess
    expect(reclaimed).toBeUndefined();
    expect(after).toMatchObject({ requestHash: 'hash-b', status: 'in-progress' });
  });

  it('keeps a record until its ttl and lets it be claimed afresh after, response gone', async () => {
    // Prepare: a completed request at T0.
    const key = uniqueId('key');
    await storeAt().claim(key, 'hash-a', TTL_SECONDS);
    await storeAt().complete(key, { statusCode: 201, body: { ok: true } });
    // Act
    const beforeExpiry = await storeAt(TTL_SECONDS - 1).claim(key, 'hash-b', TTL_SECONDS);
    const afterExpiry = await storeAt(TTL_SECONDS + 1).claim(key, 'hash-b', TTL_SECONDS);
    const afterReclaim = await storeAt(TTL_SECONDS + 2).claim(key, 'hash-c', TTL_SECONDS);
    // Assess
    expect(beforeExpiry).toMatchObject({ requestHash: 'hash-a', status: 'done' });
    expect(afterExpiry).toBeUndefined();
    expect(afterReclaim).toEqual({
      requestHash: 'hash-b',
      status: 'in-progress',
      response: undefined,
    });
  });

  it('keeps keys apart', async () => {
    const [a, b] = [uniqueId('key'), uniqueId('key')];
    expect(await storeAt().claim(a, 'hash-a', TTL_SECONDS)).toBeUndefined();
    expect(await storeAt().claim(b, 'hash-b', TTL_SECONDS)).toBeUndefined();
  });

  it('lets exactly one of several concurrent claims of one key win', async () => {
    // Prepare
    const key = uniqueId('race');
    // Act
    const outcomes = await Promise.all(
      ['h1', 'h2', 'h3', 'h4'].map((hash) => storeAt().claim(key, hash, TTL_SECONDS)),
    );
    // Assess
    const winners = outcomes.filter((o) => o === undefined);
    expect(winners).toHaveLength(1);
    const winnerHash = ['h1', 'h2', 'h3', 'h4'][outcomes.indexOf(undefined)];
    for (const loser of outcomes.filter((o) => o !== undefined)) {
      expect(loser).toEqual({
        requestHash: winnerHash,
        status: 'in-progress',
        response: undefined,
      });
    }
  });
});
