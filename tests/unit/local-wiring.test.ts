import { describe, expect, it } from 'vitest';
import {
  type EventRuleSpec,
  type FunctionSpec,
  type Topology,
  topology,
} from '../../infra/topology.js';
import { matchesPattern } from '../../local/event-pattern.js';
import { buildLocalWiring } from '../../local/wiring.js';

const event = (source: string, detailType: string) => ({ source, 'detail-type': detailType });

describe('matchesPattern', () => {
  it.each<[string, EventRuleSpec['pattern'], { source: string; 'detail-type': string }, boolean]>([
    ['an exact source', { source: ['agent-core.kernel'] }, event('agent-core.kernel', 'x'), true],
    [
      'another source',
      { source: ['agent-core.kernel'] },
      event('agent-core.scheduler', 'x'),
      false,
    ],
    [
      'a source that only starts the same',
      { source: ['agent-core'] },
      event('agent-core.kernel', 'x'),
      false,
    ],
    [
      'a source prefix',
      { source: [{ prefix: 'agent-core.' }] },
      event('agent-core.memory', 'x'),
      true,
    ],
    [
      'a prefix that does not match',
      { source: [{ prefix: 'agent-core.' }] },
      event('aws.s3', 'x'),
      false,
    ],
    ['an empty prefix', { source: [{ prefix: '' }] }, event('anything', 'x'), true],
    ['any of several sources', { source: ['a', 'b', { prefix: 'c.' }] }, event('c.d', 'x'), true],
    [
      'an exact detail-type',
      { 'detail-type': ['agent.resumed'] },
      event('s', 'agent.resumed'),
      true,
    ],
    [
      'another detail-type',
      { 'detail-type': ['agent.resumed'] },
      event('s', 'agent.paused'),
      false,
    ],
    [
      'a detail-type prefix',
      { 'detail-type': [{ prefix: 'task.' }] },
      event('s', 'task.failed'),
      true,
    ],
    [
      'both fields matching',
      { source: ['agent-core.kernel'], 'detail-type': ['agent.resumed'] },
      event('agent-core.kernel', 'agent.resumed'),
      true,
    ],
    [
      'both fields, source wrong',
      { source: ['agent-core.kernel'], 'detail-type': ['agent.resumed'] },
      event('agent-core.scheduler', 'agent.resumed'),
      false,
    ],
    [
      'both fields, detail-type wrong',
      { source: ['agent-core.kernel'], 'detail-type': ['agent.resumed'] },
      event('agent-core.kernel', 'agent.paused'),
      false,
    ],
    ['an empty pattern', {}, event('anything', 'at.all'), true],
    ['an empty list of sources', { source: [] }, event('agent-core.kernel', 'x'), false],
  ])('matches %s: %j → %s', (_label, pattern, incoming, expected) => {
    // Act
    const matched = matchesPattern(pattern, incoming);

    // Assess
    expect(matched).toBe(expected);
  });

  it.each(['detail', 'account', 'region', 'resources'])(
    'throws on a pattern over %s, which the local bus does not match',
    (field) => {
      // Prepare
      const pattern = { source: ['x'], [field]: ['y'] } as unknown as EventRuleSpec['pattern'];

      // Act
      const act = () => matchesPattern(pattern, event('x', 'y'));

      // Assess
      expect(act).toThrow(`the local event bus does not match on '${field}'`);
    },
  );

  it('routes the topology rules as the cloud would', () => {
    // Prepare
    const rule = (id: string) => topology.rules.find((r) => r.id === id)!.pattern;

    // Act & Assess
    expect(
      matchesPattern(rule('all-events-to-sink'), event('agent-core.scheduler', 'task.queued')),
    ).toBe(true);
    expect(
      matchesPattern(
        rule('agent-resumed-to-scheduler'),
        event('agent-core.kernel', 'agent.resumed'),
      ),
    ).toBe(true);
    expect(
      matchesPattern(
        rule('agent-resumed-to-scheduler'),
        event('agent-core.kernel', 'agent.paused'),
      ),
    ).toBe(false);
  });
});

describe('buildLocalWiring(topology)', () => {
  const wiring = buildLocalWiring(topology);
  const httpRoutes = topology.functions.flatMap((fn) =>
    fn.triggers.flatMap((t) =>
      t.kind === 'http' ? t.routes.map((route) => ({ fn: fn.name, route })) : [],
    ),
  );

  it('wires every topology route exactly once', () => {
    // Assess
    expect(httpRoutes.length).toBeGreaterThan(0);
    expect(wiring.routes).toHaveLength(httpRoutes.length);
    expect(new Set(wiring.routes.map((r) => r.routeKey)).size).toBe(httpRoutes.length);
  });

  it.each(
    httpRoutes.map(
      ({ fn, route }) => [`${route.method} ${route.path}`, fn, route.auth !== false] as const,
    ),
  )('wires %s to %s (auth: %s)', (routeKey, functionName, auth) => {
    // Act
    const wired = wiring.routes.filter((r) => r.routeKey === routeKey);

    // Assess
    expect(wired).toHaveLength(1);
    expect(wired[0]).toMatchObject({ functionName, auth });
    expect(`${wired[0]?.method} ${wired[0]?.path}`).toBe(routeKey);
  });

  it('leaves only GET /health and the API description unauthenticated', () => {
    // Assess
    expect(wiring.routes.filter((r) => !r.auth).map((r) => r.routeKey)).toEqual([
      'GET /health',
      'GET /openapi.json',
    ]);
  });

  it('names the authorizer function', () => {
    // Assess
    expect(wiring.authorizer).toBe('api-authorizer');
  });

  it('polls the task queues for the task worker in priority order: critical, normal, low', () => {
    // Act
    const sources = wiring.queueSources
      .filter((s) => s.functionName === 'task-worker')
      .sort((a, b) => a.priority - b.priority);

    // Assess
    expect(sources.map((s) => s.queue)).toEqual(['tasks-critical', 'tasks-normal', 'tasks-low']);
    expect(sources.map((s) => s.priority)).toEqual([0, 1, 2]);
  });

  it('wires every queue trigger with its batching settings', () => {
    // Prepare
    const triggers = topology.functions.flatMap((fn) =>
      fn.triggers.flatMap((t) => (t.kind === 'queue' ? [{ fn: fn.name, t }] : [])),
    );

    // Assess
    expect(wiring.queueSources).toHaveLength(triggers.length);
    for (const { fn, t } of triggers) {
      expect(wiring.queueSources).toContainEqual(
        expect.objectContaining({
          queue: t.queue,
          functionName: fn,
          batchSize: t.batchSize,
          maxConcurrency: t.maxConcurrency,
          maxBatchingWindowSeconds: t.maxBatchingWindowSeconds ?? 0,
        }),
      );
    }
  });

  it('keeps the rules and indexes the functions by name', () => {
    // Assess
    expect(wiring.rules).toEqual(topology.rules);
    expect([...wiring.functions.keys()].sort()).toEqual(
      topology.functions.map((f) => f.name).sort(),
    );
    expect(wiring.functions.get('task-worker')?.entry).toBe('functions/kernel/run-tasks.ts');
  });
});

describe('buildLocalWiring refuses an inconsistent topology', () => {
  const fn = (name: string, triggers: FunctionSpec['triggers']): FunctionSpec => ({
    name,
    layer: 'kernel',
    description: name,
    entry: `functions/${name}.ts`,
    timeoutSeconds: 10,
    memoryMb: 128,
    triggers,
    access: {},
  });
  const spec = (functions: FunctionSpec[]): Topology => ({ ...topology, functions });

  it('refuses a route wired twice', () => {
    // Prepare
    const route = { kind: 'http' as const, routes: [{ method: 'GET' as const, path: '/x' }] };

    // Act
    const act = () => buildLocalWiring(spec([fn('a', [route]), fn('b', [route])]));

    // Assess
    expect(act).toThrow('route GET /x is wired twice');
  });

  it('refuses two authorizers', () => {
    // Act
    const act = () =>
      buildLocalWiring(
        spec([
          fn('auth-a', [{ kind: 'http-authorizer' }]),
          fn('auth-b', [{ kind: 'http-authorizer' }]),
        ]),
      );

    // Assess
    expect(act).toThrow('two HTTP authorizers: auth-a and auth-b');
  });

  it('numbers queue priorities per function, starting at 0', () => {
    // Prepare
    const queue = (q: string) => ({
      kind: 'queue' as const,
      queue: q,
      batchSize: 1,
      maxConcurrency: 2,
    });

    // Act
    const wiring = buildLocalWiring(
      spec([fn('a', [queue('a1'), queue('a2')]), fn('b', [queue('b1')])]),
    );

    // Assess
    expect(wiring.queueSources.map((s) => [s.queue, s.priority])).toEqual([
      ['a1', 0],
      ['a2', 1],
      ['b1', 0],
    ]);
    expect(wiring.authorizer).toBeUndefined();
  });
});
