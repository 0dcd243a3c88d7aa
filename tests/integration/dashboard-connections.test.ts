/**
 * Dashboard connections in DynamoDB (dynalite) and the push handler over them with a fake poster:
 * expired connections ignored, 410 deletes the connection, other failures fail the record.
 */
import { describe, expect, it } from 'vitest';
import { taskQueued, taskSucceeded } from '../../events/task-events.js';
import { pushEvents } from '../../functions/dashboard/push-events.js';
import { DynamoConnectionStore } from '../../shared/adapters/dynamo-connection-store.js';
import type {
  ConnectionPoster,
  ConnectionStore,
  DashboardConnection,
  PostOutcome,
} from '../../shared/core/dashboard/connection.js';
import { createEvent } from '../../shared/core/events.js';
import { newId } from '../../shared/core/ids.js';
import { uniqueId, useLocalAws } from '../helpers/aws-local.js';
import { FixedClock } from '../helpers/in-memory.js';
import { busRecord, sqsEvent } from '../helpers/lambda-events.js';

const aws = useLocalAws();
const store = () => new DynamoConnectionStore(aws().dynamo, aws().tableName);

const NOW = '2025-06-01T12:00:00.000Z';
const nowSeconds = Math.floor(Date.parse(NOW) / 1000);

const connection = (overrides: Partial<DashboardConnection> = {}): DashboardConnection => ({
  connectionId: `${uniqueId('conn')}=`,
  principal: 'admin',
  patterns: ['*'],
  connectedAt: NOW,
  ttl: nowSeconds + 600,
  ...overrides,
});

async function ownConnections(ids: string[]): Promise<DashboardConnection[]> {
  return (await store().listActive(nowSeconds)).filter((c) => ids.includes(c.connectionId));
}

describe('DynamoConnectionStore', () => {
  it('puts, lists the unexpired, refreshes and removes connections', async () => {
    const live = connection({ principal: 'agent:alice', patterns: ['task.*'] });
    const expired = connection({ ttl: nowSeconds - 1 });
    await store().put(live);
    await store().put(expired);
    expect(await ownConnections([live.connectionId, expired.connectionId])).toEqual([live]);

    // Subscribe: new patterns and TTL, connectedAt kept.
    await store().refresh(live.connectionId, {
      principal: 'agent:alice',
      ttl: nowSeconds + 7200,
      connectedAt: '2030-01-01T00:00:00.000Z',
      patterns: ['workflow.*', 'task.failed'],
    });
    // Ping: the TTL only.
    await store().refresh(live.connectionId, {
      principal: 'agent:alice',
      ttl: nowSeconds + 7300,
      connectedAt: '2030-01-01T00:00:00.000Z',
    });
    // A refresh also brings an expired connection back, with its patterns.
    await store().refresh(expired.connectionId, {
      principal: 'admin',
      ttl: nowSeconds + 10,
      connectedAt: NOW,
    });
    const listed = await ownConnections([live.connectionId, expired.connectionId]);
    expect(listed).toHaveLength(2);
    expect(listed.find((c) => c.connectionId === live.connectionId)).toEqual({
      ...live,
      patterns: ['workflow.*', 'task.failed'],
      ttl: nowSeconds + 7300,
    });

    expect(await store().get(live.connectionId)).toMatchObject({
      patterns: ['workflow.*', 'task.failed'],
    });
    await store().remove(live.connectionId);
    await store().remove(live.connectionId); // idempotent
    expect(await store().get(live.connectionId)).toBeUndefined();
    expect(
      (await ownConnections([live.connectionId, expired.connectionId])).map((c) => c.connectionId),
    ).toEqual([expired.connectionId]);
  });

  it('recreates a connection whose record has gone, with the default patterns', async () => {
    const id = `${uniqueId('conn')}+/=`;
    await store().refresh(id, { principal: 'admin', ttl: nowSeconds + 60, connectedAt: NOW });
    expect(await ownConnections([id])).toEqual([
      {
        connectionId: id,
        principal: 'admin',
        patterns: ['*'],
        connectedAt: NOW,
        ttl: nowSeconds + 60,
      },
    ]);
  });

  it('keeps an empty subscription (receives nothing)', async () => {
    const c = connection();
    await store().put(c);
    await store().refresh(c.connectionId, { ...c, patterns: [] });
    expect((await ownConnections([c.connectionId]))[0]?.patterns).toEqual([]);
  });
});

class FakePoster implements ConnectionPoster {
  readonly sent: { connectionId: string; frame: string }[] = [];
  constructor(private readonly outcomes: Map<string, PostOutcome | Error>) {}
  async post(connectionId: string, frame: string): Promise<PostOutcome> {
    const outcome = this.outcomes.get(connectionId) ?? 'sent';
    if (outcome instanceof Error) throw outcome;
    if (outcome === 'sent') this.sent.push({ connectionId, frame });
    return outcome;
  }
}

describe('push handler on DynamoDB connections', () => {
  it('sends to the live matching connections, deletes gone ones, fails records on other errors', async () => {
    const clock = new FixedClock(NOW);
    const context = { correlationId: 'c', clock };
    const agentId = uniqueId('agent');
    const queued = createEvent(
      taskQueued,
      { taskId: newId(), agentId, priority: 'normal', reason: 'submitted' },
      context,
    );
    const succeeded = createEvent(
      taskSucceeded,
      {
        taskId: newId(),
        agentId: 'someone-else',
        attempt: 1,
        durationMs: 5,
        usage: { modelCalls: 1, toolCalls: 0, inputTokens: 1, outputTokens: 1, costUsd: 0 },
      },
      context,
    );

    const ok = connection({ principal: `agent:${agentId}` });
    const gone = connection();
    const broken = connection({ patterns: ['task.succeeded'] });
    const expired = connection({ ttl: nowSeconds - 5 });
    for (const c of [ok, gone, broken, expired]) await store().put(c);
    const ids = [ok, gone, broken, expired].map((c) => c.connectionId);
    const poster = new FakePoster(
      new Map<string, PostOutcome | Error>([
        [gone.connectionId, 'gone'],
        [
          broken.connectionId,
          Object.assign(new Error('rate exceeded'), { name: 'LimitExceededException' }),
        ],
        [expired.connectionId, new Error('an expired connection must not be tried')],
      ]),
    );
    // Other tests' connections share the table: only this test's are looked at.
    const connections = store();
    const scoped: ConnectionStore = {
      put: (c) => connections.put(c),
      refresh: (id, fields) => connections.refresh(id, fields),
      remove: (id) => connections.remove(id),
      get: (id) => connections.get(id),
      listActive: async (now) =>
        (await connections.listActive(now)).filter((c) => ids.includes(c.connectionId)),
    };
    const handler = pushEvents(() => ({ connections: scoped, poster, clock }));

    const response = await handler(
      sqsEvent(...[queued, succeeded].map((event, i) => busRecord(event, { messageId: `m${i}` }))),
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(poster.sent.map((s) => [s.connectionId, JSON.parse(s.frame).event.type])).toEqual([
      [ok.connectionId, 'task.queued'],
    ]);
    expect(JSON.parse(poster.sent[0]!.frame)).toEqual({
      type: 'event',
      event: {
        id: queued.detail.id,
        time: queued.detail.time,
        type: 'task.queued',
        source: queued.source,
        detail: queued.detail,
      },
    });
    const left = await ownConnections(ids);
    expect(left.map((c) => c.connectionId).sort()).toEqual(
      [ok.connectionId, broken.connectionId].sort(),
    );
  });
});
