/**
 * The dashboard feed's core: event-type patterns, key scoping, event frames under 32 KB, client
 * messages, the connection routes and the fan-out, with in-memory connections and poster.
 */
import { describe, expect, it } from 'vitest';
import { handleConnection } from '../../functions/dashboard/connections.js';
import { pushEvents } from '../../functions/dashboard/push-events.js';
import {
  CONNECTION_TTL_SECONDS,
  type ConnectionPoster,
  type ConnectionStore,
  type DashboardConnection,
  type PostOutcome,
} from '../../shared/core/dashboard/connection.js';
import { fanOut } from '../../shared/core/dashboard/fan-out.js';
import {
  eventFrame,
  type FeedEvent,
  frameBytes,
  MAX_FRAME_BYTES,
  parseClientMessage,
} from '../../shared/core/dashboard/frames.js';
import { matchesPatterns, mayReceive, wants } from '../../shared/core/dashboard/subscription.js';
import { FixedClock, START_TIME } from '../helpers/in-memory.js';
import { busRecord, sqsEvent, sqsRecord } from '../helpers/lambda-events.js';

let seq = 0;
function feedEvent(type: string, data: Record<string, unknown> = {}, time = START_TIME): FeedEvent {
  const id = `01JZ${String(seq++).padStart(22, '0')}`;
  return {
    id,
    time,
    type,
    source: `agent-core.${type.split('.')[0]}`,
    detail: { version: 1, id, time, correlationId: 'c-1', data },
  };
}

class MemoryConnections implements ConnectionStore {
  readonly items = new Map<string, DashboardConnection>();
  async put(connection: DashboardConnection): Promise<void> {
    this.items.set(connection.connectionId, { ...connection });
  }
  async refresh(
    connectionId: string,
    fields: { principal: string; ttl: number; connectedAt: string; patterns?: string[] },
  ): Promise<void> {
    const existing = this.items.get(connectionId);
    this.items.set(connectionId, {
      connectionId,
      principal: fields.principal,
      ttl: fields.ttl,
      connectedAt: existing?.connectedAt ?? fields.connectedAt,
      patterns: fields.patterns ?? existing?.patterns ?? ['*'],
    });
  }
  async remove(connectionId: string): Promise<void> {
    this.items.delete(connectionId);
  }
  async get(connectionId: string): Promise<DashboardConnection | undefined> {
    return this.items.get(connectionId);
  }
  async listActive(nowSeconds: number): Promise<DashboardConnection[]> {
    return [...this.items.values()].filter((c) => c.ttl > nowSeconds);
  }
}

class FakePoster implements ConnectionPoster {
  readonly sent: { connectionId: string; frame: any }[] = [];
  constructor(private readonly answer: (id: string) => PostOutcome | Error = () => 'sent') {}
  async post(connectionId: string, frame: string): Promise<PostOutcome> {
    const outcome = this.answer(connectionId);
    if (outcome instanceof Error) throw outcome;
    if (outcome === 'sent') this.sent.push({ connectionId, frame: JSON.parse(frame) });
    return outcome;
  }
  to(connectionId: string): any[] {
    return this.sent.filter((s) => s.connectionId === connectionId).map((s) => s.frame);
  }
}

const connection = (
  connectionId: string,
  principal: string,
  patterns: string[],
  ttl = Math.floor(Date.parse(START_TIME) / 1000) + 60,
): DashboardConnection => ({ connectionId, principal, patterns, connectedAt: START_TIME, ttl });

describe('event-type patterns', () => {
  it.each([
    [['task.*'], 'task.queued', true],
    [['task.*'], 'task', false],
    [['task.*'], 'tasks.queued', false],
    [['workflow.step.*'], 'workflow.step.started', true],
    [['workflow.step.*'], 'workflow.started', false],
    [['task.failed'], 'task.failed', true],
    [['task.failed'], 'task.failed-again', false],
    [['*'], 'insight.anomaly', true],
    [[], 'task.queued', false],
    [['memory.*', 'task.succeeded'], 'task.succeeded', true],
  ])('%j matches %s: %s', (patterns, type, expected) => {
    expect(matchesPatterns(patterns, type)).toBe(expected);
  });
});

describe('scoping by key', () => {
  const aliceEvent = feedEvent('task.queued', { agentId: 'alice', taskId: 't1' });
  const bobEvent = feedEvent('task.queued', { agentId: 'bob' });
  const noAgent = feedEvent('security.denied', { actor: 'agent:alice' });

  it('lets the admin see everything', () => {
    for (const event of [aliceEvent, bobEvent, noAgent])
      expect(mayReceive('admin', event)).toBe(true);
  });

  it('lets an agent key see only events whose data.agentId is its agent', () => {
    expect(mayReceive('agent:alice', aliceEvent)).toBe(true);
    expect(mayReceive('agent:alice', bobEvent)).toBe(false);
    expect(mayReceive('agent:alice', noAgent)).toBe(false);
    expect(mayReceive('agent:', feedEvent('task.queued', { agentId: '' }))).toBe(false);
  });

  it('refuses any other principal', () => {
    expect(mayReceive('', aliceEvent)).toBe(false);
    expect(mayReceive('anonymous', aliceEvent)).toBe(false);
  });

  it('needs both the scope and a matching pattern', () => {
    expect(wants({ principal: 'agent:alice', patterns: ['task.*'] }, aliceEvent)).toBe(true);
    expect(wants({ principal: 'agent:alice', patterns: ['memory.*'] }, aliceEvent)).toBe(false);
    expect(wants({ principal: 'agent:bob', patterns: ['*'] }, aliceEvent)).toBe(false);
  });
});

describe('event frames', () => {
  it('carry the event id, time, type, source and detail', () => {
    const event = feedEvent('task.succeeded', { taskId: 't1', agentId: 'a', output: 'x' });
    expect(JSON.parse(eventFrame(event))).toEqual({ type: 'event', event });
  });

  it('are truncated over 32 KB, keeping the ids and short fields, and say so', () => {
    const event = feedEvent('task.succeeded', {
      taskId: 't1',
      agentId: 'alice',
      attempts: 2,
      deadLettered: false,
      output: 'é'.repeat(20_000), // 40 000 bytes in UTF-8
      steps: [{ name: 'x' }],
    });
    const frame = eventFrame(event);
    expect(frameBytes(frame)).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    const parsed = JSON.parse(frame);
    expect(parsed).toEqual({
      type: 'event',
      truncated: true,
      event: {
        id: event.id,
        time: event.time,
        type: 'task.succeeded',
        source: event.source,
        detail: {
          version: 1,
          id: event.id,
          time: event.time,
          correlationId: 'c-1',
          data: { taskId: 't1', agentId: 'alice', attempts: 2, deadLettered: false },
        },
      },
    });
  });

  it('drop data entirely when even its short fields do not fit', () => {
    const data = Object.fromEntries(
      Array.from({ length: 400 }, (_, i) => [`field${i}`, 'x'.repeat(120)]),
    );
    const frame = eventFrame(feedEvent('insight.anomaly', data));
    expect(frameBytes(frame)).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    const parsed = JSON.parse(frame);
    expect(parsed.truncated).toBe(true);
    expect(parsed.event.detail).not.toHaveProperty('data');
    expect(parsed.event.id).toBeDefined();
  });

  it('a frame of exactly the limit is sent whole', () => {
    const base = frameBytes(eventFrame(feedEvent('task.step', { s: '' })));
    const event = feedEvent('task.step', { s: 'y'.repeat(MAX_FRAME_BYTES - base) });
    expect(frameBytes(eventFrame(event))).toBe(MAX_FRAME_BYTES);
    expect(JSON.parse(eventFrame(event)).truncated).toBeUndefined();
  });
});

describe('client messages', () => {
  it('reads subscribe and ping', () => {
    expect(
      parseClientMessage('{"action":"subscribe","types":["task.*","*","task.failed"]}'),
    ).toEqual({ message: { action: 'subscribe', types: ['task.*', '*', 'task.failed'] } });
    expect(parseClientMessage('{"action":"ping"}')).toEqual({ message: { action: 'ping' } });
  });

  it.each([
    ['not json', /JSON/],
    [undefined, /JSON/],
    ['{"action":"dance"}', /action/],
    ['{"action":"subscribe"}', /types: required/],
    ['{"action":"subscribe","types":["Task!"]}', /types\.0/],
    ['{"action":"subscribe","types":["task.**"]}', /types\.0/],
    [JSON.stringify({ action: 'subscribe', types: Array(51).fill('task.*') }), /types/],
    ['[]', /expected/],
  ])('refuses %s with a reason', (body, reason) => {
    const parsed = parseClientMessage(body);
    expect(parsed).toHaveProperty('problem');
    expect((parsed as { problem: string }).problem).toMatch(reason);
  });

  it.each([
    [
      '10,000 levels of nesting',
      `{"action":"ping","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      /x\.0\.0.*nests deeper than 64/,
    ],
    ['a __proto__ key', '{"action":"ping","__proto__":{"polluted":true}}', /__proto__: /],
    [
      'a constructor key',
      '{"action":"subscribe","types":[],"o":{"constructor":1}}',
      /o\.constructor: /,
    ],
  ])('refuses a message with %s, naming where', (_what, body, reason) => {
    const parsed = parseClientMessage(body);
    expect(parsed).toHaveProperty('problem');
    expect((parsed as { problem: string }).problem).toMatch(reason);
  });
});

describe('connection routes', () => {
  const setup = () => {
    const connections = new MemoryConnections();
    const poster = new FakePoster();
    const clock = new FixedClock();
    const handler = handleConnection(() => ({ connections, poster, clock }));
    const event = (routeKey: string, principal: string | undefined, body?: string) =>
      ({
        requestContext: {
          routeKey,
          connectionId: 'c1=',
          eventType: routeKey === '$connect' ? 'CONNECT' : 'MESSAGE',
          authorizer: principal === undefined ? undefined : { principal, keyId: 'k' },
        },
        body,
        isBase64Encoded: false,
      }) as never;
    return { connections, poster, clock, handler, event };
  };
  const nowSeconds = Math.floor(Date.parse(START_TIME) / 1000);

  it('$connect stores the connection with its principal, the default patterns and a TTL', async () => {
    const { connections, handler, event } = setup();
    expect(await handler(event('$connect', 'agent:alice'))).toEqual({ statusCode: 200 });
    expect(connections.items.get('c1=')).toEqual({
      connectionId: 'c1=',
      principal: 'agent:alice',
      patterns: ['*'],
      connectedAt: START_TIME,
      ttl: nowSeconds + CONNECTION_TTL_SECONDS,
    });
  });

  it('$connect without an authorized principal is refused', async () => {
    const { connections, handler, event } = setup();
    expect(await handler(event('$connect', undefined))).toEqual({ statusCode: 403 });
    expect(await handler(event('$connect', ''))).toEqual({ statusCode: 403 });
    expect(connections.items.size).toBe(0);
  });

  it('subscribe replaces the patterns, refreshes the TTL and is acknowledged', async () => {
    const { connections, poster, clock, handler, event } = setup();
    await handler(event('$connect', 'admin'));
    clock.advance(60_000);
    await handler(event('$default', 'admin', '{"action":"subscribe","types":["task.*","task.*"]}'));
    expect(connections.items.get('c1=')).toMatchObject({
      patterns: ['task.*'],
      connectedAt: START_TIME,
      ttl: nowSeconds + 60 + CONNECTION_TTL_SECONDS,
    });
    expect(poster.to('c1=')).toEqual([{ type: 'subscribed', types: ['task.*'] }]);
  });

  it('ping answers pong and refreshes the TTL, keeping the patterns', async () => {
    const { connections, poster, clock, handler, event } = setup();
    await handler(event('$connect', 'admin'));
    await handler(event('$default', 'admin', '{"action":"subscribe","types":[]}'));
    clock.advance(3_600_000);
    expect(await handler(event('$default', 'admin', '{"action":"ping"}'))).toEqual({
      statusCode: 200,
    });
    expect(poster.to('c1=').at(-1)).toEqual({ type: 'pong' });
    expect(connections.items.get('c1=')).toMatchObject({
      patterns: [],
      ttl: nowSeconds + 3600 + CONNECTION_TTL_SECONDS,
    });
  });

  it('a bad message gets an error frame, not a failure', async () => {
    const { poster, handler, event } = setup();
    await handler(event('$connect', 'admin'));
    expect(await handler(event('$default', 'admin', '{nope'))).toEqual({ statusCode: 200 });
    expect(poster.to('c1=')).toEqual([{ type: 'error', message: expect.stringContaining('JSON') }]);
  });

  it('a message without the authorizer context takes the stored principal, or is refused', async () => {
    const { poster, connections, handler, event } = setup();
    await handler(event('$connect', 'agent:alice'));
    expect(await handler(event('$default', undefined, '{"action":"ping"}'))).toEqual({
      statusCode: 200,
    });
    expect(connections.items.get('c1=')?.principal).toBe('agent:alice');
    await handler(event('$disconnect', undefined));
    expect(await handler(event('$default', undefined, '{"action":"ping"}'))).toEqual({
      statusCode: 403,
    });
    expect(poster.to('c1=')).toEqual([
      { type: 'pong' },
      { type: 'error', message: 'this connection is not authorized' },
    ]);
    expect(connections.items.size).toBe(0);
  });

  it('$disconnect deletes the connection', async () => {
    const { connections, handler, event } = setup();
    await handler(event('$connect', 'admin'));
    await handler(event('$disconnect', 'admin'));
    expect(connections.items.size).toBe(0);
  });
});

describe('fan-out', () => {
  it('sends each connection the events it wants, in event order', async () => {
    const connections = new MemoryConnections();
    const poster = new FakePoster();
    const later = feedEvent('task.succeeded', { agentId: 'alice' }, '2025-01-01T00:00:02.000Z');
    const earlier = feedEvent('task.queued', { agentId: 'alice' }, '2025-01-01T00:00:01.000Z');
    const bob = feedEvent('task.queued', { agentId: 'bob' }, '2025-01-01T00:00:01.500Z');
    const memory = feedEvent('memory.written', { agentId: 'alice' });
    const result = await fanOut(
      [
        { recordId: 'r1', event: later },
        { recordId: 'r2', event: earlier },
        { recordId: 'r3', event: bob },
        { recordId: 'r4', event: memory },
      ],
      [connection('admin', 'admin', ['task.*']), connection('alice', 'agent:alice', ['*'])],
      { poster, connections },
    );
    expect(poster.to('admin').map((f) => f.event.id)).toEqual([earlier.id, bob.id, later.id]);
    expect(poster.to('alice').map((f) => f.event.id)).toEqual([memory.id, earlier.id, later.id]);
    expect(result).toMatchObject({ sent: 6, gone: [], failed: new Set() });
  });

  it('deletes a connection that is gone and fails records only for other errors', async () => {
    const connections = new MemoryConnections();
    for (const c of [
      connection('ok', 'admin', ['*']),
      connection('gone', 'admin', ['*']),
      connection('broken', 'admin', ['task.failed']),
    ]) {
      await connections.put(c);
    }
    const poster = new FakePoster((id) =>
      id === 'gone' ? 'gone' : id === 'broken' ? new Error('throttled') : 'sent',
    );
    const queued = feedEvent('task.queued', {});
    const failed = feedEvent('task.failed', {});
    const result = await fanOut(
      [
        { recordId: 'r1', event: queued },
        { recordId: 'r2', event: failed },
      ],
      [...connections.items.values()],
      { poster, connections },
    );
    expect(result.gone).toEqual(['gone']);
    expect([...connections.items.keys()].sort()).toEqual(['broken', 'ok']);
    expect([...result.failed]).toEqual(['r2']);
    expect(poster.to('ok')).toHaveLength(2);
  });
});

describe('push handler', () => {
  it('ignores expired connections and fails malformed records alone', async () => {
    const connections = new MemoryConnections();
    const nowSeconds = Math.floor(Date.parse(START_TIME) / 1000);
    await connections.put(connection('live', 'admin', ['*'], nowSeconds + 10));
    await connections.put(connection('expired', 'admin', ['*'], nowSeconds - 1));
    const poster = new FakePoster();
    const handler = pushEvents(() => ({ connections, poster, clock: new FixedClock() }));
    const event = feedEvent('task.queued', { agentId: 'a' });
    const response = await handler(
      sqsEvent(busRecord(event, { messageId: 'm1' }), sqsRecord('not json', { messageId: 'm2' })),
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm2' }]);
    expect(poster.sent.map((s) => s.connectionId)).toEqual(['live']);
    expect(poster.sent[0]?.frame.event.id).toBe(event.id);
  });
});
