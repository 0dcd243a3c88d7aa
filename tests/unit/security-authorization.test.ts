/** Who may do what: shared/core/security/authorization.ts. */
import { beforeEach, describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../shared/core/errors.js';
import { Authorization, actsAs, type Caller } from '../../shared/core/security/authorization.js';
import { type Principal, principalFromContext } from '../../shared/core/security/principal.js';
import { FixedClock, RecordingEventPublisher } from '../helpers/in-memory.js';

const ADMIN: Principal = { kind: 'admin', id: 'admin' };
const ALICE: Principal = { kind: 'agent', id: 'agent:alice', agentId: 'alice' };
const ANONYMOUS: Principal = { kind: 'anonymous', id: 'anonymous', reason: 'missing API key' };

const caller = (principal: Principal, action = 'GET /v1/things'): Caller => ({
  principal,
  action,
  correlationId: 'corr-authz',
});

let events: RecordingEventPublisher;
let authorization: Authorization;

beforeEach(() => {
  events = new RecordingEventPublisher();
  authorization = new Authorization(events, new FixedClock('2025-06-07T08:09:10.000Z'));
});

describe('Authorization.requireAdmin', () => {
  it('lets the admin through and publishes nothing', async () => {
    // Act
    await authorization.requireAdmin(caller(ADMIN), 'queue');

    // Assess
    expect(events.calls).toBe(0);
  });

  it.each([
    ['an agent key', ALICE, 'agent:alice'],
    ['an anonymous caller', ANONYMOUS, 'anonymous'],
  ])('refuses %s with a 403 and one security.denied', async (_label, principal, id) => {
    // Act
    const asking = authorization.requireAdmin(caller(principal, 'GET /v1/queue'), 'queue');

    // Assess
    await expect(asking).rejects.toBeInstanceOf(ForbiddenError);
    await expect(asking).rejects.toMatchObject({
      status: 403,
      code: 'Forbidden',
      message: 'forbidden: only the admin key may do this',
    });
    expect(events.events).toHaveLength(1);
    expect(events.events[0]).toMatchObject({
      type: 'security.denied',
      source: 'agent-core.security',
      detail: {
        version: 1,
        correlationId: 'corr-authz',
        time: '2025-06-07T08:09:10.000Z',
        data: {
          principal: id,
          action: 'GET /v1/queue',
          resource: 'queue',
          reason: 'only the admin key may do this',
        },
      },
    });
  });
});

describe('Authorization.requireAgent', () => {
  it.each([
    ['the admin, for any agent', ADMIN, 'bob'],
    ['the agent itself', ALICE, 'alice'],
  ])('lets %s through and publishes nothing', async (_label, principal, agentId) => {
    // Act
    await authorization.requireAgent(caller(principal), agentId);

    // Assess
    expect(events.calls).toBe(0);
  });

  it('refuses another agent, naming the agent as the resource by default', async () => {
    // Act
    const asking = authorization.requireAgent(caller(ALICE, 'GET /v1/agents/{id}'), 'bob');

    // Assess
    await expect(asking).rejects.toBeInstanceOf(ForbiddenError);
    expect(events.events.map((event) => event.detail.data)).toEqual([
      {
        principal: 'agent:alice',
        action: 'GET /v1/agents/{id}',
        resource: 'agent:bob',
        reason: "this key does not act as agent 'bob'",
      },
    ]);
  });

  it('names the resource it is given', async () => {
    // Act
    const asking = authorization.requireAgent(
      caller(ALICE, 'GET /v1/tasks/{id}'),
      'bob',
      'task:01JTASKAAAAAAAAAAAAAAAAAAA',
    );

    // Assess
    await expect(asking).rejects.toBeInstanceOf(ForbiddenError);
    expect(events.events[0]?.detail.data).toMatchObject({
      resource: 'task:01JTASKAAAAAAAAAAAAAAAAAAA',
    });
  });

  it('does not take an agent whose id merely starts like the caller', async () => {
    // Act
    const asking = authorization.requireAgent(caller(ALICE), 'alice-2');

    // Assess
    await expect(asking).rejects.toBeInstanceOf(ForbiddenError);
    expect(events.events).toHaveLength(1);
  });

  it('refuses an anonymous caller even for an agent named "anonymous"', async () => {
    // Act
    const asking = authorization.requireAgent(caller(ANONYMOUS), 'anonymous');

    // Assess
    await expect(asking).rejects.toBeInstanceOf(ForbiddenError);
    expect(events.events[0]?.detail.data).toMatchObject({ principal: 'anonymous' });
  });
});

describe('Authorization.deny', () => {
  it('publishes the denial before throwing, with the reason in the message', async () => {
    // Act
    const denial = authorization.deny(
      caller(ALICE, 'tool:fs.write'),
      'tool:fs.write',
      'not listed',
    );

    // Assess
    await expect(denial).rejects.toThrow('forbidden: not listed');
    expect(events.events.map((event) => event.type)).toEqual(['security.denied']);
  });

  it('does not answer 403 when the denial cannot be recorded', async () => {
    // Prepare
    const outage = new Error('event bus unavailable');
    events.failWith = outage;

    // Act
    const denial = authorization.deny(caller(ALICE), 'agents', 'no');

    // Assess: the failure surfaces (a 500), rather than an unaudited refusal.
    await expect(denial).rejects.toBe(outage);
  });
});

describe('actsAs', () => {
  it.each([
    [ADMIN, 'alice', true],
    [ADMIN, 'anyone', true],
    [ALICE, 'alice', true],
    [ALICE, 'bob', false],
    [ALICE, 'alic', false],
    [ALICE, 'agent:alice', false],
    [ANONYMOUS, 'alice', false],
    [ANONYMOUS, 'anonymous', false],
  ])('%j acting as %s: %s', (principal, agentId, expected) => {
    // Act
    const result = actsAs(principal, agentId);

    // Assess
    expect(result).toBe(expected);
  });

  it.each([
    [{ principal: 'agent:alice', keyId: 'k1' }, 'alice', true],
    [{ principal: 'agent:alice', keyId: 'k1' }, 'bob', false],
    [{ principal: 'admin' }, 'bob', true],
    [{ principal: '' }, 'alice', false],
    [{ principal: 'alice' }, 'alice', false],
    [undefined, 'alice', false],
  ])('reads the authorizer context %j as acting for %s: %s', (context, agentId, expected) => {
    // Act
    const result = actsAs(principalFromContext(context), agentId);

    // Assess
    expect(result).toBe(expected);
  });
});

describe('Authorization.listedAgent', () => {
  it.each([
    ['the admin, naming an agent', ADMIN, 'bob', 'bob'],
    ['the admin, naming none', ADMIN, undefined, undefined],
    ['an agent key, naming none', ALICE, undefined, 'alice'],
    ['an agent key, naming its own', ALICE, 'alice', 'alice'],
  ])(
    'limits %s to what it may list, refusing nothing',
    async (_label, principal, asked, listed) => {
      // Act
      const agent = await authorization.listedAgent(caller(principal), asked);

      // Assess
      expect(agent).toBe(listed);
      expect(events.calls).toBe(0);
    },
  );

  it('refuses an agent key that names another agent, with one security.denied', async () => {
    // Act
    const asking = authorization.listedAgent(caller(ALICE), 'bob');

    // Assess
    await expect(asking).rejects.toBeInstanceOf(ForbiddenError);
    expect(events.events).toHaveLength(1);
    expect(events.events[0]?.detail.data).toMatchObject({
      principal: 'agent:alice',
      resource: 'agent:bob',
    });
  });
});
