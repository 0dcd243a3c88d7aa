/** DynamoInboxStore against a real DynamoDB protocol server (dynalite). */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoInboxStore } from '../../shared/adapters/dynamo-inbox-store.js';
import { ValidationError } from '../../shared/core/errors.js';
import { newId } from '../../shared/core/ids.js';
import type { InboxItem } from '../../shared/core/ipc/message.js';
import { uniqueId, useLocalAws } from '../helpers/aws-local.js';

const aws = useLocalAws();
const store = () => new DynamoInboxStore(aws().dynamo, aws().tableName);

const T0 = Date.parse('2030-06-01T12:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function message(agentId: string, overrides: Partial<InboxItem> = {}): InboxItem {
  return {
    messageId: newId(),
    agentId,
    from: 'sender',
    to: agentId,
    subject: 'subject',
    body: { n: 1, nested: [true, null, 'x'] },
    sentAt: at(0),
    expiresAt: at(3600),
    deliveredAt: at(1),
    ackedAt: null,
    taskId: null,
    announcedAt: null,
    ...overrides,
  };
}

async function rawItem(pk: string, sk: string) {
  const result = await aws().dynamo.send(
    new GetCommand({ TableName: aws().tableName, Key: { pk, sk }, ConsistentRead: true }),
  );
  return result.Item;
}

describe('DynamoInboxStore', () => {
  it('stores a message once: a second put of the same message and recipient changes nothing', async () => {
    // Prepare
    const agent = uniqueId('inbox');
    const first = message(agent);
    // Act
    const fresh = await store().put(first);
    const again = await store().put({ ...first, subject: 'changed', deliveredAt: at(99) });
    // Assess
    expect([fresh, again]).toEqual([true, false]);
    expect(await store().get(agent, first.messageId)).toEqual(first);
  });

  it('keeps the same message apart per recipient', async () => {
    // Prepare
    const [a, b] = [uniqueId('inbox'), uniqueId('inbox')];
    const id = newId();
    // Act
    const results = [
      await store().put(message(a, { messageId: id })),
      await store().put(message(b, { messageId: id })),
    ];
    // Assess
    expect(results).toEqual([true, true]);
  });

  it('writes the key layout, the listing index and a TTL at expiresAt', async () => {
    // Prepare
    const agent = uniqueId('inbox');
    const item = message(agent, { expiresAt: at(90.5) });
    // Act
    await store().put(item);
    // Assess
    const raw = await rawItem(`INBOX#${agent}`, `MSG#${item.messageId}`);
    expect(raw).toMatchObject({
      type: 'inbox-message',
      gsi2pk: `INBOX#${agent}`,
      gsi2sk: `${item.deliveredAt}#${item.messageId}`,
      ttl: Math.ceil((T0 + 90_500) / 1000),
    });
  });

  it('lists in delivery order, oldest first, and never returns a message that expired, whatever TTL deletion did', async () => {
    // Prepare: `late` was sent first but delivered last.
    const agent = uniqueId('inbox');
    const old = message(agent, { sentAt: at(0), deliveredAt: at(1), expiresAt: at(100) });
    const mid = message(agent, { sentAt: at(10), deliveredAt: at(11), expiresAt: at(1000) });
    const recent = message(agent, { sentAt: at(20), deliveredAt: at(21), expiresAt: at(200) });
    const late = message(agent, { sentAt: at(5), deliveredAt: at(25), expiresAt: at(150) });
    for (const item of [recent, late, old, mid]) await store().put(item);
    const ids = async (nowSeconds: number) =>
      (await store().list(agent, { limit: 25, now: at(nowSeconds) })).items.map((i) => i.messageId);
    // Act
    const [before, afterOld, atRecentExpiry, allGone] = [
      await ids(50),
      await ids(100),
      await ids(200),
      await ids(1000),
    ];
    // Assess
    expect(before).toEqual([old.messageId, mid.messageId, recent.messageId, late.messageId]);
    expect(afterOld).toEqual([mid.messageId, recent.messageId, late.messageId]);
    expect(atRecentExpiry).toEqual([mid.messageId]);
    expect(allGone).toEqual([]);
  });

  it('lists from a delivery time (at or after it) and after a message (strictly after it)', async () => {
    // Prepare: two messages delivered at the same instant are ordered by id.
    const agent = uniqueId('inbox');
    const items = [
      message(agent, { deliveredAt: at(0) }),
      message(agent, { deliveredAt: at(10) }),
      message(agent, { deliveredAt: at(10) }),
      message(agent, { deliveredAt: at(20) }),
    ];
    for (const item of items) await store().put(item);
    const list = async (since: Parameters<DynamoInboxStore['list']>[1]['since']) =>
      (await store().list(agent, { limit: 25, now: at(30), since })).items.map((i) => i.messageId);
    const id = (i: number) => items[i]?.messageId as string;
    // Act
    const fromTime = await list({ kind: 'time', at: at(10) });
    const fromLater = await list({ kind: 'time', at: at(10.001) });
    const afterFirstOfPair = await list({ kind: 'after', at: at(10), messageId: id(1) });
    const afterLast = await list({ kind: 'after', at: at(20), messageId: id(3) });
    // Assess
    expect(fromTime).toEqual([id(1), id(2), id(3)]);
    expect(fromLater).toEqual([id(3)]);
    expect(afterFirstOfPair).toEqual([id(2), id(3)]);
    expect(afterLast).toEqual([]);
  });

  it('pages with cursors, and refuses a cursor of another inbox', async () => {
    // Prepare
    const agent = uniqueId('inbox');
    const items = Array.from({ length: 5 }, (_, i) => message(agent, { deliveredAt: at(i) }));
    for (const item of items) await store().put(item);
    // Act
    const seen: string[] = [];
    const cursors: (string | null)[] = [];
    let cursor: string | undefined;
    do {
      const page = await store().list(agent, { limit: 2, cursor, now: at(10) });
      seen.push(...page.items.map((i) => i.messageId));
      cursors.push(page.nextCursor);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && cursors.length < 10);
    const foreign = store().list(uniqueId('inbox'), {
      limit: 2,
      cursor: cursors[0] ?? '',
      now: at(10),
    });
    // Assess
    expect(seen).toEqual(items.map((i) => i.messageId));
    expect(cursors.filter((c) => c !== null).length).toBeGreaterThanOrEqual(2);
    await expect(foreign).rejects.toBeInstanceOf(ValidationError);
  });

  it('acknowledges once: the first ackedAt stands; unknown or expired messages are undefined', async () => {
    // Prepare
    const agent = uniqueId('inbox');
    const item = message(agent, { expiresAt: at(100) });
    const expiring = message(agent, { expiresAt: at(50) });
    await store().put(item);
    await store().put(expiring);
    // Act
    const first = await store().ack(agent, item.messageId, at(60));
    const second = await store().ack(agent, item.messageId, at(70));
    const unknown = await store().ack(agent, newId(), at(60));
    const expired = await store().ack(agent, expiring.messageId, at(60));
    const otherInbox = await store().ack(uniqueId('inbox'), item.messageId, at(60));
    // Assess
    expect(first?.ackedAt).toBe(at(60));
    expect(second?.ackedAt).toBe(at(60));
    expect([unknown, expired, otherInbox]).toEqual([undefined, undefined, undefined]);
  });

  it('records the announcement and the started task on the message', async () => {
    // Prepare
    const agent = uniqueId('inbox');
    const item = message(agent);
    await store().put(item);
    // Act
    await store().markAnnounced(agent, item.messageId, { announcedAt: at(5), taskId: 'TASK1' });
    // Assess
    expect(await store().get(agent, item.messageId)).toMatchObject({
      announcedAt: at(5),
      taskId: 'TASK1',
    });
  });

  it('claims a task marker once, reports the task once recorded, and takes over a stale claim', async () => {
    // Prepare
    const agent = uniqueId('inbox');
    const [done, stale] = [newId(), newId()];
    const claim = (seconds: number) => ({
      now: at(seconds),
      staleBefore: at(seconds - 60),
      expiresAt: at(3600),
    });
    // Act
    const first = await store().claimTask(done, agent, claim(0));
    const whileClaimed = await store().claimTask(done, agent, claim(10));
    await store().recordTask(done, agent, 'TASK-A');
    const afterRecord = await store().claimTask(done, agent, claim(500));
    const staleFirst = await store().claimTask(stale, agent, claim(0));
    const takeover = await store().claimTask(stale, agent, claim(61));
    const afterTakeover = await store().claimTask(stale, agent, claim(62));
    // Assess
    expect(first).toEqual({ kind: 'claimed', previousClaimAt: null });
    expect(whileClaimed).toEqual({ kind: 'busy' });
    expect(afterRecord).toEqual({ kind: 'started', taskId: 'TASK-A' });
    expect(staleFirst).toEqual({ kind: 'claimed', previousClaimAt: null });
    expect(takeover).toEqual({ kind: 'claimed', previousClaimAt: at(0) });
    expect(afterTakeover).toEqual({ kind: 'busy' });
    expect(await rawItem(`MSGTASK#${done}#${agent}`, 'MSGTASK')).toMatchObject({
      taskId: 'TASK-A',
      ttl: Math.ceil((T0 + 3_600_000) / 1000) + 24 * 3600,
    });
  });
});
