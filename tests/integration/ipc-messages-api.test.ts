/**
 * The IPC API handler (`messagesApi`) behind middy and httpErrorHandler, with the real DynamoDB
 * stores and rate limiter on dynalite; sent messages reach inboxes through the real delivery
 * handler (`deliverMessages`), fed with what the API published.
 */
// The handler logs what it answers with a 500; those here are on purpose.
await vi.hoisted(async () => (await import('../helpers/quiet-logs.js')).quietLogs());

import { describe, expect, it, vi } from 'vitest';
import { deliverMessages } from '../../functions/ipc/deliver-messages.js';
import { type MessagesApiDeps, messagesApi } from '../../functions/ipc/messages-api.js';
import { DynamoAgentStore } from '../../shared/adapters/dynamo-agent-store.js';
import { DynamoInboxStore } from '../../shared/adapters/dynamo-inbox-store.js';
import { DynamoRateLimiter } from '../../shared/adapters/dynamo-rate-limiter.js';
import { DynamoTaskStore } from '../../shared/adapters/dynamo-task-store.js';
import { newId } from '../../shared/core/ids.js';
import { uniqueId, useLocalAws } from '../helpers/aws-local.js';
import { callHttp, type HttpCallOptions } from '../helpers/http-calls.js';
import {
  buildAgent,
  FixedClock,
  InMemoryTaskQueue,
  RecordingEventPublisher,
} from '../helpers/in-memory.js';
import { busRecord, sqsEvent } from '../helpers/lambda-events.js';

const aws = useLocalAws();

async function setup(options: { perMinute?: number } = {}) {
  const { dynamo, tableName } = aws();
  const agents = new DynamoAgentStore(dynamo, tableName);
  const inbox = new DynamoInboxStore(dynamo, tableName);
  const events = new RecordingEventPublisher();
  const clock = new FixedClock('2030-08-01T08:00:00.000Z');
  const deps: MessagesApiDeps = {
    agents,
    inbox,
    events,
    clock,
    rateLimiter: new DynamoRateLimiter(dynamo, tableName, () => clock.now().getTime()),
    messagesPerMinute: options.perMinute ?? 60,
  };
  const deliver = deliverMessages(() => ({
    agents,
    inbox,
    events,
    clock,
    tasks: new DynamoTaskStore(dynamo, tableName),
    queue: new InMemoryTaskQueue(),
  }));
  const delivered = new Set<string>();

  const call = (routeKey: string, options: HttpCallOptions = {}) =>
    callHttp(
      messagesApi(() => deps),
      routeKey,
      options,
    );

  return {
    events,
    clock,
    call,
    retire: (agentId: string) => agents.update(agentId, { status: 'retired' }, ['active']),
    async agent(registration: Record<string, unknown> & { id: string }) {
      const id = uniqueId(registration.id);
      await agents.create(buildAgent({ ...registration, id }));
      return id;
    },
    send: (body: Record<string, unknown>, principal = 'admin') =>
      call('POST /v1/messages', { body, principal }),
    /**
     * Runs the delivery handler on the message.sent events not delivered yet (only those of
     * `messageId` when given).
     */
    async deliverPending(messageId?: string) {
      const sent = events
        .ofType('message.sent')
        .filter((event) => !delivered.has(event.detail.id))
        .filter((event) => messageId === undefined || event.detail.data.messageId === messageId);
      for (const event of sent) delivered.add(event.detail.id);
      const result = await deliver(sqsEvent(...sent.map((event) => busRecord(event))));
      expect(result.batchItemFailures).toEqual([]);
    },
    inboxOf: (agentId: string, query: Record<string, string> = {}, principal = 'admin') =>
      call('GET /v1/agents/{id}/inbox', { path: { id: agentId }, query, principal }),
    ack: (agentId: string, messageId: string, principal = 'admin') =>
      call('POST /v1/agents/{id}/inbox/{messageId}/ack', {
        path: { id: agentId, messageId },
        principal,
      }),
  };
}

describe('IPC API', () => {
  it('sends, delivers and shows the message in the recipient inbox, oldest first', async () => {
    // Prepare
    const api = await setup();
    const sender = await api.agent({ id: 'sender' });
    const other = await api.agent({ id: 'reader' });
    // Act
    const first = await api.send(
      { from: sender, to: other, subject: 'one', body: 1 },
      `agent:${sender}`,
    );
    api.clock.advance(1_000);
    const second = await api.send({ from: sender, to: other, subject: 'two', body: { n: 2 } });
    await api.deliverPending();
    const inbox = await api.inboxOf(other, {}, `agent:${other}`);
    // Assess
    expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
    expect(first.json.deliveredTo).toEqual([other]);
    expect(inbox.statusCode).toBe(200);
    expect(inbox.json).toEqual({
      items: [
        {
          id: first.json.id,
          from: sender,
          to: other,
          subject: 'one',
          body: 1,
          sentAt: '2030-08-01T08:00:00.000Z',
          expiresAt: '2030-08-08T08:00:00.000Z',
          deliveredAt: '2030-08-01T08:00:01.000Z',
          ackedAt: null,
          taskId: null,
        },
        expect.objectContaining({ id: second.json.id, subject: 'two', body: { n: 2 } }),
      ],
      nextCursor: null,
    });
  });

  it('lets only the admin and the agent itself read or acknowledge its inbox', async () => {
    // Prepare
    const api = await setup();
    const owner = await api.agent({ id: 'owner' });
    const nosy = await api.agent({ id: 'nosy' });
    const sent = await api.send({ from: nosy, to: owner, body: 'hi' });
    await api.deliverPending();
    const deniedBefore = api.events.ofType('security.denied').length;
    // Act
    const read = await api.inboxOf(owner, {}, `agent:${nosy}`);
    const ack = await api.ack(owner, sent.json.id, `agent:${nosy}`);
    const admin = await api.inboxOf(owner);
    // Assess
    expect([read.statusCode, ack.statusCode, admin.statusCode]).toEqual([403, 403, 200]);
    const denials = api.events.ofType('security.denied').slice(deniedBefore);
    expect(denials.map((d) => d.detail.data)).toEqual([
      expect.objectContaining({
        principal: `agent:${nosy}`,
        action: 'GET /v1/agents/{id}/inbox',
        resource: `agent:${owner}`,
      }),
      expect.objectContaining({
        principal: `agent:${nosy}`,
        action: 'POST /v1/agents/{id}/inbox/{messageId}/ack',
      }),
    ]);
    expect(admin.json.items.map((m: { id: string }) => m.id)).toEqual([sent.json.id]);
  });

  it('answers 404 for the inbox of an unknown agent', async () => {
    // Prepare
    const api = await setup();
    // Act
    const response = await api.inboxOf(uniqueId('ghost'));
    // Assess
    expect(response.statusCode).toBe(404);
  });

  it('reads an inbox since a message id or an ISO time, and pages it', async () => {
    // Prepare
    const api = await setup();
    const sender = await api.agent({ id: 'sender' });
    const reader = await api.agent({ id: 'reader' });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push((await api.send({ from: sender, to: reader, body: i })).json.id);
      await api.deliverPending();
      api.clock.advance(60_000);
    }
    const idsOf = (response: { json: { items: { id: string }[] } }) =>
      response.json.items.map((m) => m.id);
    // Act
    const sinceId = await api.inboxOf(reader, { since: ids[1] as string });
    const sinceTime = await api.inboxOf(reader, { since: '2030-08-01T08:02:00Z' });
    const sinceOffsetTime = await api.inboxOf(reader, { since: '2030-08-01T10:01:30+02:00' });
    const firstPage = await api.inboxOf(reader, { limit: '3' });
    const nextPage = await api.inboxOf(reader, { limit: '3', cursor: firstPage.json.nextCursor });
    const badSince = await api.inboxOf(reader, { since: 'yesterday' });
    const badLimit = await api.inboxOf(reader, { limit: '0' });
    // Assess
    expect(idsOf(sinceId)).toEqual(ids.slice(2));
    expect(idsOf(sinceTime)).toEqual(ids.slice(2));
    expect(idsOf(sinceOffsetTime)).toEqual(ids.slice(2));
    expect(idsOf(firstPage)).toEqual(ids.slice(0, 3));
    expect(firstPage.json.nextCursor).toEqual(expect.any(String));
    expect(idsOf(nextPage)).toEqual(ids.slice(3));
    expect(badSince.statusCode).toBe(400);
    expect(badSince.json.error.details).toEqual([{ path: 'since', message: expect.any(String) }]);
    expect(badLimit.statusCode).toBe(400);
  });

  it('lists in delivery order, so a reader polling since its last message misses none delivered late', async () => {
    // Prepare: `early` is sent first but delivered after `prompt` was read.
    const api = await setup();
    const sender = await api.agent({ id: 'sender' });
    const reader = await api.agent({ id: 'reader' });
    const early = await api.send({ from: sender, to: reader, body: 'early' });
    api.clock.advance(1_000);
    const prompt = await api.send({ from: sender, to: reader, body: 'prompt' });
    await api.deliverPending(prompt.json.id);
    const firstRead = await api.inboxOf(reader);
    api.clock.advance(1_000);
    await api.deliverPending(early.json.id);
    // Act
    const nextRead = await api.inboxOf(reader, { since: prompt.json.id });
    // Assess
    expect(firstRead.json.items.map((m: { id: string }) => m.id)).toEqual([prompt.json.id]);
    expect(nextRead.json.items.map((m: { id: string }) => m.id)).toEqual([early.json.id]);
  });

  it('never shows or acknowledges an expired message', async () => {
    // Prepare
    const api = await setup();
    const sender = await api.agent({ id: 'sender' });
    const reader = await api.agent({ id: 'reader' });
    const short = await api.send({ from: sender, to: reader, body: 'soon gone', ttlSeconds: 60 });
    const long = await api.send({ from: sender, to: reader, body: 'stays', ttlSeconds: 3600 });
    await api.deliverPending();
    // Act
    const before = await api.inboxOf(reader);
    api.clock.advance(60_000);
    const after = await api.inboxOf(reader);
    const ack = await api.ack(reader, short.json.id);
    // Assess
    expect(before.json.items.map((m: { id: string }) => m.id)).toEqual([
      short.json.id,
      long.json.id,
    ]);
    expect(after.json.items.map((m: { id: string }) => m.id)).toEqual([long.json.id]);
    expect(ack.statusCode).toBe(404);
  });

  it('acknowledges a message once: the first ackedAt stands; unknown ids are 404', async () => {
    // Prepare
    const api = await setup();
    const sender = await api.agent({ id: 'sender' });
    const reader = await api.agent({ id: 'reader' });
    const sent = await api.send({ from: sender, to: reader, body: 'ack me' });
    await api.deliverPending();
    // Act
    api.clock.advance(5_000);
    const first = await api.ack(reader, sent.json.id, `agent:${reader}`);
    api.clock.advance(5_000);
    const again = await api.ack(reader, sent.json.id, `agent:${reader}`);
    const unknown = await api.ack(reader, newId());
    const malformed = await api.ack(reader, 'not-a-message-id');
    const listed = await api.inboxOf(reader);
    // Assess
    expect(first.statusCode).toBe(200);
    expect(first.json).toMatchObject({ id: sent.json.id, ackedAt: '2030-08-01T08:00:05.000Z' });
    expect(again.json.ackedAt).toBe('2030-08-01T08:00:05.000Z');
    expect([unknown.statusCode, malformed.statusCode]).toEqual([404, 404]);
    expect(listed.json.items[0].ackedAt).toBe('2030-08-01T08:00:05.000Z');
  });

  it("keeps a retired agent's inbox readable by its key, but neither acknowledged nor sent from", async () => {
    // Prepare
    const api = await setup();
    const sender = await api.agent({ id: 'sender' });
    const reader = await api.agent({ id: 'reader' });
    const sent = await api.send({ from: sender, to: reader, body: 'read me later' });
    await api.deliverPending();
    await api.retire(reader);

    // Act
    const read = await api.inboxOf(reader, {}, `agent:${reader}`);
    const ack = await api.ack(reader, sent.json.id, `agent:${reader}`);
    const send = await api.send({ from: reader, to: sender, body: 'hi' }, `agent:${reader}`);

    // Assess
    expect(read.statusCode).toBe(200);
    expect(read.json.items).toHaveLength(1);
    expect([ack.statusCode, send.statusCode]).toEqual([409, 409]);
    expect(read.json.items[0].ackedAt).toBeNull();
    expect((await api.inboxOf(reader)).json.items[0].ackedAt).toBeNull();
  });

  it('answers 429 with Retry-After from the DynamoDB rate limiter', async () => {
    // Prepare: 2 a minute, so a token comes back every 30 s.
    const api = await setup({ perMinute: 2 });
    const sender = await api.agent({ id: 'sender' });
    const reader = await api.agent({ id: 'reader' });
    const send = () => api.send({ from: sender, to: reader, body: 'x' });
    // Act
    const statuses = [(await send()).statusCode, (await send()).statusCode];
    const limited = await send();
    api.clock.advance(30_000);
    const afterRefill = await send();
    // Assess
    expect(statuses).toEqual([202, 202]);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers?.['retry-after']).toBe('30');
    expect(afterRefill.statusCode).toBe(202);
  });
});
