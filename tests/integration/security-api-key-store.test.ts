/** DynamoApiKeyStore against a real DynamoDB protocol server (dynalite). */
import { createHash } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoApiKeyStore } from '../../shared/adapters/dynamo-api-key-store.js';
import { NotFoundError, ValidationError } from '../../shared/core/errors.js';
import { newId } from '../../shared/core/ids.js';
import type { ApiKeyRecord } from '../../shared/core/ports.js';
import { mintApiKey, revokeApiKey } from '../../shared/core/security/api-key-service.js';
import { authenticate, hashKey } from '../../shared/core/security/api-keys.js';
import { uniqueId, useLocalAws } from '../helpers/aws-local.js';
import {
  buildAgent,
  FixedClock,
  InMemoryAgentStore,
  RecordingEventPublisher,
} from '../helpers/in-memory.js';

const aws = useLocalAws();
const store = () => new DynamoApiKeyStore(aws().dynamo, aws().tableName);

const hashOf = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');

/** A key as mintApiKey makes it: never revoked yet, so `revokedAt: null`. */
function aKey(overrides: Partial<ApiKeyRecord> = {}): {
  record: ApiKeyRecord;
  secret: string;
  hash: string;
} {
  const secret = `ac_agent_${uniqueId('secret')}`;
  return {
    secret,
    hash: hashOf(secret),
    record: {
      keyId: newId(),
      scope: `agent:${uniqueId('agent')}`,
      hint: secret.slice(-4),
      createdAt: '2025-02-01T10:00:00.000Z',
      createdBy: 'admin',
      revokedAt: null,
      ...overrides,
    },
  };
}

/** Every API key in the table, newest first, across all pages. */
async function listAll(limit: number): Promise<{ pages: number; items: ApiKeyRecord[] }> {
  const items: ApiKeyRecord[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await store().list({ limit, cursor });
    pages += 1;
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    if (pages > 100) throw new Error('the listing does not end');
  } while (cursor);
  return { pages, items };
}

describe('DynamoApiKeyStore', () => {
  it('finds a key by the hash of its secret, and stores the hash, never the secret', async () => {
    // Prepare
    const { record, secret, hash } = aKey();

    // Act
    await store().create(record, hash);

    // Assess
    expect(await store().findByHash(hash)).toEqual(record);
    const raw = await aws().dynamo.send(
      new GetCommand({ TableName: aws().tableName, Key: { pk: `APIKEY#${hash}`, sk: 'APIKEY' } }),
    );
    expect(raw.Item).toBeDefined();
    expect(JSON.stringify(raw.Item)).not.toContain(secret);
  });

  it('finds nothing for an unknown hash, or for the secret itself', async () => {
    // Prepare
    const { record, secret, hash } = aKey();
    await store().create(record, hash);

    // Act
    const unknown = await store().findByHash(hashOf('ac_agent_never_minted'));
    const bySecret = await store().findByHash(secret);

    // Assess
    expect(unknown).toBeUndefined();
    expect(bySecret).toBeUndefined();
  });

  it('refuses a second key with the same secret hash and keeps the first', async () => {
    // Prepare
    const { record, hash } = aKey();
    await store().create(record, hash);
    const other = aKey({ scope: 'agent:intruder' }).record;

    // Act
    const second = store().create(other, hash);

    // Assess
    await expect(second).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(await store().findByHash(hash)).toEqual(record);
  });

  it('lists keys newest first, page by page to the end, without hashes or secrets', async () => {
    // Prepare: the table is shared by the file, so compare the keys of this test only.
    const keys = Array.from({ length: 5 }, () => aKey());
    for (const { record, hash } of keys) await store().create(record, hash);

    // Act
    const { pages, items } = await listAll(2);

    // Assess
    const mine = new Set(keys.map((key) => key.record.keyId));
    const listed = items.filter((item) => mine.has(item.keyId));
    expect(listed).toEqual(keys.map((key) => key.record).reverse());
    expect(pages).toBeGreaterThanOrEqual(3);
    // Each key once, whatever the page size.
    expect(new Set(items.map((item) => item.keyId)).size).toBe(items.length);
    const text = JSON.stringify(items);
    for (const { secret, hash } of keys) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(hash);
    }
    for (const item of listed)
      expect(Object.keys(item).sort()).toEqual(Object.keys(keys[0]?.record ?? {}).sort());
  });

  it('answers a cursor it did not give as a ValidationError on the cursor', async () => {
    // Prepare
    const foreign = Buffer.from(
      JSON.stringify({ gsi1pk: 'AGENTS', gsi1sk: 'x', pk: 'AGENT#x', sk: 'AGENT' }),
    ).toString('base64url');

    // Act
    const listing = store().list({ limit: 5, cursor: foreign });

    // Assess
    await expect(listing).rejects.toBeInstanceOf(ValidationError);
    await expect(listing).rejects.toMatchObject({ details: [{ path: 'cursor' }] });
  });

  it('revokes a key: the record says when, and finding it by hash says so too', async () => {
    // Prepare
    const { record, hash } = aKey();
    await store().create(record, hash);
    const at = '2025-02-02T08:00:00.000Z';

    // Act
    const revoked = await store().revoke(record.keyId, at);

    // Assess
    expect(revoked).toEqual({ ...record, revokedAt: at });
    expect(await store().findByHash(hash)).toEqual({ ...record, revokedAt: at });
  });

  it('keeps the first revocation time when a key is revoked again', async () => {
    // Prepare
    const { record, hash } = aKey();
    await store().create(record, hash);
    const first = '2025-02-02T08:00:00.000Z';
    await store().revoke(record.keyId, first);

    // Act
    const again = await store().revoke(record.keyId, '2025-02-03T09:00:00.000Z');

    // Assess
    expect(again.revokedAt).toBe(first);
    expect((await store().findByHash(hash))?.revokedAt).toBe(first);
  });

  it('revokes only the key named', async () => {
    // Prepare
    const target = aKey();
    const bystander = aKey();
    for (const { record, hash } of [target, bystander]) await store().create(record, hash);

    // Act
    await store().revoke(target.record.keyId, '2025-02-02T08:00:00.000Z');

    // Assess
    expect((await store().findByHash(bystander.hash))?.revokedAt).toBeNull();
  });

  it('refuses to revoke an unknown key id with NotFoundError and writes nothing', async () => {
    // Prepare
    const unknown = newId();

    // Act
    const revoking = store().revoke(unknown, '2025-02-02T08:00:00.000Z');

    // Assess
    await expect(revoking).rejects.toBeInstanceOf(NotFoundError);
    const found = await aws().dynamo.send(
      new QueryCommand({
        TableName: aws().tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk = :id',
        ExpressionAttributeValues: { ':pk': 'APIKEYS', ':id': unknown },
      }),
    );
    expect(found.Items ?? []).toEqual([]);
  });

  it('refuses a minted key once it is revoked, end to end through authenticate', async () => {
    // Prepare
    const agentId = uniqueId('agent');
    const deps = {
      keys: store(),
      agents: new InMemoryAgentStore().seed(buildAgent({ id: agentId })),
      events: new RecordingEventPublisher(),
    };
    const ctx = { correlationId: 'corr-it', clock: new FixedClock() };
    const admin = { adminKeyHash: async () => hashKey('ac_admin_not_this_one') };
    const minted = await mintApiKey(deps, { scope: `agent:${agentId}` }, 'admin', ctx);
    const before = await authenticate(`Bearer ${minted.key}`, admin, store());

    // Act
    await revokeApiKey(deps, minted.keyId, 'admin', ctx);
    const after = await authenticate(`Bearer ${minted.key}`, admin, store());

    // Assess
    expect(before).toEqual({
      authenticated: true,
      principal: `agent:${agentId}`,
      keyId: minted.keyId,
    });
    expect(after).toEqual({ authenticated: false, reason: 'this API key was revoked' });
  });
});
