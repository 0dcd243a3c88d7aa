/**
 * `POST /v1/messages` through the real handler factory behind middy and httpErrorHandler, with
 * in-memory stores: who may send as whom, the recipients' ACL, the rate limit, the answer.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { type MessagesApiDeps, messagesApi } from '../../functions/ipc/messages-api.js';
import type { InboxStore } from '../../shared/core/ipc/inbox-store.js';
import { MAX_BODY_BYTES } from '../../shared/core/ipc/message.js';
import { RECIPIENTS_PER_EVENT } from '../../shared/core/ipc/message-service.js';
import type { RateLimitDecision, RateLimiter } from '../../shared/core/ports.js';
import type { AuthorizerContext } from '../../shared/core/security/principal.js';
import {
  type HttpEvent,
  type HttpResponse,
  httpErrorHandler,
} from '../../shared/runtime/http-api.js';
import {
  buildAgent,
  FixedClock,
  InMemoryAgentStore,
  RecordingEventPublisher,
} from '../helpers/in-memory.js';

/** A bucket per key that never refills: `perMinute` takes, then refusals. */
class CountingRateLimiter implements RateLimiter {
  readonly takes: { key: string; perMinute: number }[] = [];
  private readonly used = new Map<string, number>();

  async take(key: string, perMinute: number): Promise<RateLimitDecision> {
    this.takes.push({ key, perMinute });
    const used = this.used.get(key) ?? 0;
    if (used >= perMinute) return { allowed: false, retryAfterMs: 2_500 };
    this.used.set(key, used + 1);
    return { allowed: true, retryAfterMs: 0 };
  }
}

/** Sending never touches the inbox; a call to it is a test failure. */
const noInbox = new Proxy({} as InboxStore, {
  get: (_, name) => () => Promise.reject(new Error(`inbox.${String(name)} called while sending`)),
});

const lambdaContext = { awsRequestId: 'aws-req-1' } as Context;

function setup(options: { perMinute?: number } = {}) {
  const agents = new InMemoryAgentStore().seed(
    buildAgent({ id: 'scanner', tags: ['analysis'] }),
    buildAgent({ id: 'reviewer', tags: ['analysis'], acceptsMessagesFrom: ['scanner'] }),
    buildAgent({ id: 'closed', tags: ['private'], acceptsMessagesFrom: ['nobody'] }),
    buildAgent({ id: 'old', tags: ['analysis'] }, 'retired'),
    buildAgent({ id: 'gone', tags: [] }, 'retired'),
  );
  const events = new RecordingEventPublisher();
  const rateLimiter = new CountingRateLimiter();
  const clock = new FixedClock('2030-05-01T10:00:00.000Z');
  const deps: MessagesApiDeps = {
    agents,
    events,
    rateLimiter,
    clock,
    messagesPerMinute: options.perMinute ?? 60,
    inbox: noInbox,
  };
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const handler = middy<HttpEvent, HttpResponse, Error, Context>(messagesApi(() => deps)).use(
    httpErrorHandler({ logger }),
  );
  const send = async (body: unknown, principal = 'admin') => {
    const authorizer: AuthorizerContext = { principal };
    const event = {
      version: '2.0',
      routeKey: 'POST /v1/messages',
      rawPath: '/v1/messages',
      rawQueryString: '',
      headers: { 'x-correlation-id': 'corr-msg' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      isBase64Encoded: false,
      requestContext: {
        requestId: 'req-1',
        routeKey: 'POST /v1/messages',
        http: { method: 'POST', path: '/v1/messages' },
        authorizer: { lambda: authorizer },
      },
    } as unknown as HttpEvent;
    const response = await handler(event, lambdaContext);
    return { ...response, json: response.body ? JSON.parse(response.body) : undefined };
  };
  return { agents, events, rateLimiter, clock, send };
}

const hello = { from: 'scanner', to: 'reviewer', subject: 'hi', body: { text: 'hello' } };

describe('POST /v1/messages', () => {
  it('answers 202 with the id and deliveredTo, and publishes message.sent with the whole message', async () => {
    // Prepare
    const { send, events } = setup();
    // Act
    const response = await send({ ...hello, ttlSeconds: 600 }, 'agent:scanner');
    // Assess
    expect(response.statusCode).toBe(202);
    expect(response.json).toEqual({
      id: expect.stringMatching(/^[0-9A-Z]{26}$/),
      deliveredTo: ['reviewer'],
    });
    expect(events.types()).toEqual(['message.sent']);
    const [sent] = events.events;
    expect(sent?.source).toBe('agent-core.ipc');
    expect(sent?.detail.correlationId).toBe('corr-msg');
    expect(sent?.detail.data).toEqual({
      messageId: response.json.id,
      from: 'scanner',
      to: 'reviewer',
      recipients: ['reviewer'],
      subject: 'hi',
      body: { text: 'hello' },
      ttlSeconds: 600,
      sentAt: '2030-05-01T10:00:00.000Z',
    });
  });

  it('fills in an empty subject and a default TTL', async () => {
    // Prepare
    const { send, events } = setup();
    // Act
    const response = await send({ from: 'scanner', to: 'reviewer', body: 'plain text' });
    // Assess
    expect(response.statusCode).toBe(202);
    expect(events.events[0]?.detail.data).toMatchObject({ subject: '', ttlSeconds: 7 * 24 * 3600 });
  });

  it('lets the admin send as any existing agent', async () => {
    // Prepare
    const { send } = setup();
    // Act
    const response = await send({ from: 'closed', to: 'scanner', body: 1 }, 'admin');
    // Assess
    expect(response.statusCode).toBe(202);
    expect(response.json.deliveredTo).toEqual(['scanner']);
  });

  it('refuses an agent key sending as another agent: 403, security.denied, no message, no token', async () => {
    // Prepare
    const { send, events, rateLimiter } = setup();
    // Act
    const response = await send(hello, 'agent:reviewer');
    // Assess
    expect(response.statusCode).toBe(403);
    expect(response.json.error.code).toBe('Forbidden');
    expect(events.types()).toEqual(['security.denied']);
    expect(events.events[0]?.detail.data).toMatchObject({
      principal: 'agent:reviewer',
      action: 'POST /v1/messages',
      resource: 'agent:scanner',
    });
    expect(rateLimiter.takes).toEqual([]);
  });

  it('refuses a message to an agent that does not accept the sender: 403, audited, nothing sent', async () => {
    // Prepare
    const { send, events } = setup();
    // Act
    const response = await send({ ...hello, to: 'closed' }, 'agent:scanner');
    // Assess
    expect(response.statusCode).toBe(403);
    expect(response.json.error.message).toContain(
      "agent 'closed' does not accept messages from 'scanner'",
    );
    expect(events.types()).toEqual(['security.denied']);
    expect(events.events[0]?.detail.data).toMatchObject({
      principal: 'agent:scanner',
      resource: 'agent:closed',
    });
  });

  it('refuses a message to a retired agent with 403', async () => {
    // Prepare
    const { send, events } = setup();
    // Act
    const response = await send({ ...hello, to: 'old' });
    // Assess
    expect(response.statusCode).toBe(403);
    expect(response.json.error.message).toContain("agent 'old' is retired");
    expect(events.ofType('message.sent')).toEqual([]);
  });

  it('broadcasts to a tag: the accepting, non-retired members but the sender', async () => {
    // Prepare
    const { send, events } = setup();
    // Act
    const response = await send({ ...hello, to: 'tag:analysis' }, 'agent:scanner');
    // Assess: reviewer accepts scanner; old is retired; scanner is the sender.
    expect(response.statusCode).toBe(202);
    expect(response.json.deliveredTo).toEqual(['reviewer']);
    expect(events.ofType('message.sent')[0]?.detail.data).toMatchObject({
      to: 'tag:analysis',
      recipients: ['reviewer'],
    });
  });

  it('refuses a broadcast nobody may receive with 403 on the tag', async () => {
    // Prepare
    const { send, events } = setup();
    // Act
    const response = await send({ ...hello, to: 'tag:private' }, 'agent:scanner');
    // Assess
    expect(response.statusCode).toBe(403);
    expect(events.types()).toEqual(['security.denied']);
    expect(events.events[0]?.detail.data).toMatchObject({ resource: 'tag:private' });
  });

  it('splits a large broadcast into events of at most RECIPIENTS_PER_EVENT recipients, one id', async () => {
    // Prepare
    const { send, events, agents } = setup();
    const count = RECIPIENTS_PER_EVENT + 50;
    agents.seed(
      ...Array.from({ length: count }, (_, i) =>
        buildAgent({ id: `m-${String(i).padStart(3, '0')}`, tags: ['crowd'] }),
      ),
    );
    // Act
    const response = await send({ ...hello, to: 'tag:crowd' });
    // Assess
    expect(response.statusCode).toBe(202);
    expect(response.json.deliveredTo).toHaveLength(count);
    const sent = events.ofType('message.sent');
    expect(sent.map((e) => (e.detail.data.recipients as string[]).length)).toEqual([
      RECIPIENTS_PER_EVENT,
      50,
    ]);
    expect(new Set(sent.map((e) => e.detail.data.messageId))).toEqual(new Set([response.json.id]));
  });

  it('answers 404 naming `from` for an unknown sender and `to` for an unknown recipient', async () => {
    // Prepare
    const { send, events } = setup();
    // Act
    const unknownSender = await send({ ...hello, from: 'ghost' });
    const unknownRecipient = await send({ ...hello, to: 'ghost' });
    // Assess
    expect(unknownSender.statusCode).toBe(404);
    expect(unknownSender.json.error.details).toEqual([{ path: 'from', message: 'no such agent' }]);
    expect(unknownRecipient.statusCode).toBe(404);
    expect(unknownRecipient.json.error.details).toEqual([{ path: 'to', message: 'no such agent' }]);
    expect(events.types()).toEqual([]);
  });

  it('answers an agent key 403 alike for an unknown recipient, one that refuses it and a retired one', async () => {
    // Prepare
    const { send, events } = setup();
    // Act
    const answers = await Promise.all(
      ['ghost', 'closed', 'old'].map((to) => send({ ...hello, to }, 'agent:scanner')),
    );
    // Assess: the same answer but for the name; each refusal audited.
    expect(answers.map((a) => a.statusCode)).toEqual([403, 403, 403]);
    const messages = answers.map((a, i) =>
      (a.json.error.message as string).replace(['ghost', 'closed', 'old'][i] as string, 'X'),
    );
    expect(new Set(messages).size).toBe(1);
    expect(events.ofType('security.denied')).toHaveLength(3);
    expect(events.ofType('message.sent')).toHaveLength(0);
  });

  it('answers 409 for a retired sender', async () => {
    // Prepare
    const { send } = setup();
    // Act
    const response = await send({ ...hello, from: 'gone', to: 'scanner' });
    // Assess
    expect(response.statusCode).toBe(409);
  });

  it('answers 429 with Retry-After once the sender used its messages of the minute', async () => {
    // Prepare
    const { send, events, rateLimiter } = setup({ perMinute: 3 });
    // Act
    const statuses: (number | undefined)[] = [];
    let last: Awaited<ReturnType<typeof send>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await send(hello, 'agent:scanner');
      statuses.push(last.statusCode);
    }
    // Assess
    expect(statuses).toEqual([202, 202, 202, 429]);
    expect(last?.json.error.code).toBe('TooManyRequests');
    expect(last?.headers?.['retry-after']).toBe('3');
    expect(rateLimiter.takes.at(-1)).toEqual({ key: 'message/scanner', perMinute: 3 });
    expect(events.ofType('message.sent')).toHaveLength(3);
  });

  it('keeps senders apart in the rate limit', async () => {
    // Prepare
    const { send } = setup({ perMinute: 1 });
    // Act
    const first = await send(hello);
    const other = await send({ ...hello, from: 'reviewer', to: 'scanner' });
    // Assess
    expect([first.statusCode, other.statusCode]).toEqual([202, 202]);
  });

  it.each([
    [{ ...hello, body: 'x'.repeat(MAX_BODY_BYTES) }, 'body'],
    [{ ...hello, body: undefined }, 'body'],
    [{ ...hello, to: 'Not An Id' }, 'to'],
    [{ ...hello, to: 'tag:' }, 'to'],
    [{ ...hello, from: 'X' }, 'from'],
    [{ ...hello, ttlSeconds: 0 }, 'ttlSeconds'],
    [{ ...hello, ttlSeconds: 31 * 24 * 3600 }, 'ttlSeconds'],
    [{ ...hello, subject: 's'.repeat(201) }, 'subject'],
    [{ ...hello, extra: true }, 'extra'],
  ])('answers 400 naming the bad field (%#)', async (body, path) => {
    // Prepare
    const { send, events } = setup();
    // Act
    const response = await send(body);
    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json.error.code).toBe('ValidationError');
    expect(response.json.error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(events.types()).toEqual([]);
  });

  it('accepts a body of exactly 64 KiB as JSON', async () => {
    // Prepare: a JSON string's quotes count.
    const { send } = setup();
    // Act
    const response = await send({ ...hello, body: 'x'.repeat(MAX_BODY_BYTES - 2) });
    // Assess
    expect(response.statusCode).toBe(202);
  });

  it('answers 401 without a key', async () => {
    // Prepare
    const { send } = setup();
    // Act
    const response = await send(hello, '');
    // Assess
    expect(response.statusCode).toBe(401);
  });
});
