import { describe, expect, it } from 'vitest';
import type { Agent } from '../../shared/core/agents/agent.js';
import {
  changeAgentStatus,
  getAgent,
  listAgents,
  patchAgent,
  registerAgent,
} from '../../shared/core/agents/agent-service.js';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/core/errors.js';
import type { EventContext } from '../../shared/core/events.js';
import {
  buildAgent,
  FixedClock,
  InMemoryAgentStore,
  RecordingEventPublisher,
} from '../helpers/in-memory.js';

function world(...agents: Agent[]) {
  const clock = new FixedClock();
  const agents_ = new InMemoryAgentStore().seed(...agents);
  const events = new RecordingEventPublisher();
  const ctx: EventContext = { correlationId: 'corr-agents', clock };
  return { deps: { agents: agents_, events }, agents: agents_, events, clock, ctx };
}

async function rejection<E extends Error>(
  act: Promise<unknown>,
  type: new (...args: never[]) => E,
): Promise<E> {
  const error = await act.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  return error as E;
}

const LATER_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// registerAgent
// ---------------------------------------------------------------------------------------------

describe('registerAgent', () => {
  it('applies the defaults, stores the agent active and announces it', async () => {
    // Prepare
    const w = world();

    // Act
    const agent = await registerAgent(
      w.deps,
      { id: 'reviewer', model: { route: 'default' } },
      w.ctx,
    );

    // Assess
    expect(agent).toEqual({
      id: 'reviewer',
      name: 'reviewer',
      instructions: '',
      model: { route: 'default' },
      tools: [],
      tags: [],
      acceptsMessagesFrom: ['*'],
      network: { allow: [] },
      limits: { maxSteps: 8, timeoutMs: 60_000, maxTokens: 4096 },
      onMessage: 'ignore',
      status: 'active',
      createdAt: w.clock.iso(),
      updatedAt: w.clock.iso(),
    });
    expect(await w.agents.get('reviewer')).toEqual(agent);
    expect(w.events.types()).toEqual(['agent.registered']);
    expect(w.events.events[0]?.source).toBe('agent-core.kernel');
    expect(w.events.events[0]?.detail).toMatchObject({
      correlationId: 'corr-agents',
      data: { agentId: 'reviewer', name: 'reviewer', tags: [] },
    });
  });

  it('keeps what the caller gives, filling partial limits with defaults', async () => {
    // Prepare
    const w = world();

    // Act
    const agent = await registerAgent(
      w.deps,
      {
        id: 'calc',
        name: 'Calculator',
        instructions: 'Add things.',
        model: { provider: 'echo' },
        tools: ['math.eval'],
        tags: ['math', 'tier:1'],
        limits: { maxSteps: 3 },
        onMessage: 'task',
      },
      w.ctx,
    );

    // Assess
    expect(agent).toMatchObject({
      name: 'Calculator',
      tools: ['math.eval'],
      tags: ['math', 'tier:1'],
      limits: { maxSteps: 3, timeoutMs: 60_000, maxTokens: 4096 },
      onMessage: 'task',
    });
    expect(w.events.events[0]?.detail.data).toEqual({
      agentId: 'calc',
      name: 'Calculator',
      tags: ['math', 'tier:1'],
    });
  });

  it('answers Conflict for an id that exists, keeping the first agent', async () => {
    // Prepare
    const w = world(buildAgent({ id: 'reviewer', name: 'First' }));

    // Act
    const error = await rejection(
      registerAgent(w.deps, { id: 'reviewer', name: 'Second', model: { provider: 'echo' } }, w.ctx),
      ConflictError,
    );

    // Assess
    expect(error.status).toBe(409);
    expect((await w.agents.get('reviewer'))?.name).toBe('First');
    expect(w.events.events).toEqual([]);
  });

  it.each([
    ['a bad id', { id: 'Bad_Id', model: { provider: 'echo' } }, ['id']],
    ['a missing model', { id: 'ok-id' }, ['model']],
    [
      'an unknown tool',
      { id: 'ok-id', model: { provider: 'echo' }, tools: ['rm.rf'] },
      ['tools.0'],
    ],
    ['a bad tag', { id: 'ok-id', model: { provider: 'echo' }, tags: ['UPPER'] }, ['tags.0']],
    [
      'limits out of range',
      { id: 'ok-id', model: { provider: 'echo' }, limits: { maxSteps: 0, timeoutMs: 50 } },
      ['limits.maxSteps', 'limits.timeoutMs'],
    ],
    ['an unknown field', { id: 'ok-id', model: { provider: 'echo' }, owner: 'me' }, ['owner']],
  ])('refuses %s and stores nothing', async (_label, body, paths) => {
    // Prepare
    const w = world();

    // Act
    const error = await rejection(registerAgent(w.deps, body, w.ctx), ValidationError);

    // Assess
    expect(error.details?.map((d) => d.path)).toEqual(paths);
    expect(w.agents.agents.size).toBe(0);
    expect(w.events.events).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// getAgent, listAgents
// ---------------------------------------------------------------------------------------------

describe('getAgent and listAgents', () => {
  it('answers NotFound for an unknown agent', async () => {
    // Prepare
    const w = world();

    // Act
    const act = getAgent(w.deps, 'ghost');

    // Assess
    await expect(act).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists agents through the store, filtered by tag', async () => {
    // Prepare
    const w = world(
      buildAgent({ id: 'a1', tags: ['x'] }),
      buildAgent({ id: 'a2', tags: ['y'] }),
      buildAgent({ id: 'a3', tags: ['x', 'y'] }),
    );

    // Act
    const page = await listAgents(w.deps, { limit: 10, tag: 'x' });

    // Assess
    expect(page.items.map((a) => a.id)).toEqual(['a1', 'a3']);
    expect(page.nextCursor).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// patchAgent
// ---------------------------------------------------------------------------------------------

describe('patchAgent', () => {
  it('changes the given fields, stamps updatedAt, and announces the field names', async () => {
    // Prepare
    const w = world(buildAgent({ id: 'reviewer', tags: ['old'] }));
    w.clock.advance(LATER_MS);

    // Act
    const agent = await patchAgent(w.deps, 'reviewer', { name: 'Reviewer', tags: ['new'] }, w.ctx);

    // Assess
    expect(agent).toMatchObject({
      id: 'reviewer',
      name: 'Reviewer',
      tags: ['new'],
      createdAt: '2025-01-01T00:00:00.000Z',
      updatedAt: w.clock.iso(),
    });
    expect(await w.agents.get('reviewer')).toEqual(agent);
    expect(w.events.types()).toEqual(['agent.updated']);
    expect(w.events.events[0]?.detail.data).toEqual({
      agentId: 'reviewer',
      fields: ['name', 'tags'],
    });
  });

  it('replaces the model whole rather than merging it', async () => {
    // Prepare
    const w = world(
      buildAgent({
        id: 'flaky',
        model: { provider: 'scripted', turns: [{ text: 'a' }], failUntilAttempt: 3 },
      }),
    );

    // Act
    const agent = await patchAgent(
      w.deps,
      'flaky',
      { model: { provider: 'scripted', turns: [{ text: 'b' }] } },
      w.ctx,
    );

    // Assess
    expect(agent.model).toEqual({ provider: 'scripted', turns: [{ text: 'b' }] });
  });

  it.each([
    ['the id alone', { id: 'other' }],
    ['the id among valid fields', { name: 'ok', id: 'other' }],
    ['the same id', { id: 'reviewer' }],
  ])('refuses a patch that contains %s, naming the path id', async (_label, body) => {
    // Prepare
    const w = world(buildAgent({ id: 'reviewer', name: 'Before' }));

    // Act
    const error = await rejection(patchAgent(w.deps, 'reviewer', body, w.ctx), ValidationError);

    // Assess
    expect(error.details).toEqual([{ path: 'id', message: 'cannot be changed' }]);
    expect((await w.agents.get('reviewer'))?.name).toBe('Before');
    expect(w.events.events).toEqual([]);
  });

  it.each([
    ['an empty patch', {}, ['']],
    ['no body', undefined, ['']],
    ['an unknown field beside a valid one', { name: 'x', colour: 'red' }, ['colour']],
    ['a bad limit', { limits: { maxSteps: 1000 } }, ['limits.maxSteps']],
    ['a bad model', { model: { provider: 'gpt' } }, ['model.provider']],
    ['status, which only the lifecycle routes change', { name: 'x', status: 'active' }, ['status']],
  ])('refuses %s', async (_label, body, paths) => {
    // Prepare
    const w = world(buildAgent({ id: 'reviewer' }));

    // Act
    const error = await rejection(patchAgent(w.deps, 'reviewer', body, w.ctx), ValidationError);

    // Assess
    expect(error.details?.map((d) => d.path)).toEqual(paths);
    expect(w.events.events).toEqual([]);
  });

  it('tells an empty patch apart with a message', async () => {
    // Prepare
    const w = world(buildAgent({ id: 'reviewer' }));

    // Act
    const error = await rejection(patchAgent(w.deps, 'reviewer', {}, w.ctx), ValidationError);

    // Assess
    expect(error.details).toEqual([{ path: '', message: 'nothing to change' }]);
  });

  it('patches a paused agent and keeps it paused', async () => {
    // Prepare
    const w = world(buildAgent({ id: 'reviewer' }, 'paused'));

    // Act
    const agent = await patchAgent(w.deps, 'reviewer', { instructions: 'Be brief.' }, w.ctx);

    // Assess
    expect(agent).toMatchObject({ status: 'paused', instructions: 'Be brief.' });
  });

  it('answers Conflict for a retired agent and changes nothing', async () => {
    // Prepare
    const w = world(buildAgent({ id: 'reviewer', name: 'Old' }, 'retired'));

    // Act
    const error = await rejection(
      patchAgent(w.deps, 'reviewer', { name: 'New' }, w.ctx),
      ConflictError,
    );

    // Assess
    expect(error.message).toBe("cannot update agent 'reviewer': it is retired");
    expect((await w.agents.get('reviewer'))?.name).toBe('Old');
    expect(w.events.events).toEqual([]);
  });

  it('answers NotFound for an unknown agent', async () => {
    // Prepare
    const w = world();

    // Act
    const act = patchAgent(w.deps, 'ghost', { name: 'x' }, w.ctx);

    // Assess
    await expect(act).rejects.toBeInstanceOf(NotFoundError);
    expect(w.events.events).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// changeAgentStatus
// ---------------------------------------------------------------------------------------------

describe('changeAgentStatus', () => {
  it.each([
    ['active', 'pause', 'paused', 'agent.paused'],
    ['paused', 'pause', 'paused', undefined],
    ['paused', 'resume', 'active', 'agent.resumed'],
    ['active', 'resume', 'active', undefined],
    ['active', 'retire', 'retired', 'agent.retired'],
    ['paused', 'retire', 'retired', 'agent.retired'],
    ['retired', 'retire', 'retired', undefined],
  ] as const)('%s agent, %s → %s (event: %s)', async (from, action, to, event) => {
    // Prepare
    const w = world(buildAgent({ id: 'worker' }, from));
    w.clock.advance(LATER_MS);

    // Act
    const agent = await changeAgentStatus(w.deps, 'worker', action, w.ctx);

    // Assess
    expect(agent.status).toBe(to);
    expect((await w.agents.get('worker'))?.status).toBe(to);
    if (event) {
      expect(w.events.types()).toEqual([event]);
      expect(w.events.events[0]?.detail.data).toEqual({ agentId: 'worker' });
      expect(agent.updatedAt).toBe(w.clock.iso());
    } else {
      expect(w.events.events).toEqual([]);
      // Nothing was written: the agent is answered as it was.
      expect(agent.updatedAt).toBe('2025-01-01T00:00:00.000Z');
    }
  });

  it.each(['pause', 'resume'] as const)(
    'answers Conflict to %s a retired agent',
    async (action) => {
      // Prepare
      const w = world(buildAgent({ id: 'worker' }, 'retired'));

      // Act
      const error = await rejection(
        changeAgentStatus(w.deps, 'worker', action, w.ctx),
        ConflictError,
      );

      // Assess
      expect(error.message).toBe(`cannot ${action} agent 'worker': it is retired`);
      expect((await w.agents.get('worker'))?.status).toBe('retired');
      expect(w.events.events).toEqual([]);
    },
  );

  it('emits one event for a pause repeated three times', async () => {
    // Prepare
    const w = world(buildAgent({ id: 'worker' }));

    // Act
    for (let i = 0; i < 3; i++) await changeAgentStatus(w.deps, 'worker', 'pause', w.ctx);

    // Assess
    expect(w.events.types()).toEqual(['agent.paused']);
  });

  it('answers NotFound for an unknown agent', async () => {
    // Prepare
    const w = world();

    // Act
    const act = changeAgentStatus(w.deps, 'ghost', 'pause', w.ctx);

    // Assess
    await expect(act).rejects.toBeInstanceOf(NotFoundError);
  });
});
