/**
 * Blueprints: each one a valid agent by the same schema as any registration, with the fewest
 * tools, descriptions that say what writes or sends, and an evaluation set; registration from a
 * blueprint with overrides; the listing; and how an evaluation scores an answer.
 */
import { describe, expect, it } from 'vitest';
import { checkAgentConsistency, registerAgentSchema } from '../../shared/core/agents/agent.js';
import { registerAgent } from '../../shared/core/agents/agent-service.js';
import { expandBlueprint } from '../../shared/core/blueprints/blueprint.js';
import { getBlueprint, listBlueprints } from '../../shared/core/blueprints/blueprint-service.js';
import { BLUEPRINTS, findBlueprint } from '../../shared/core/blueprints/catalogue.js';
import { scoreCase, totalScore } from '../../shared/core/blueprints/evaluation.js';
import { NotFoundError, ValidationError } from '../../shared/core/errors.js';
import { FixedClock, InMemoryAgentStore, RecordingEventPublisher } from '../helpers/in-memory.js';

/** Tools whose calls change something or reach someone: a description must say so. */
const WRITES_OR_SENDS = new Set(['fs.write', 'http.fetch', 'memory.write', 'agent.message']);

const expand = (body: unknown) => expandBlueprint(body, findBlueprint);

function errorOf(work: () => unknown): any {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('the blueprints', () => {
  it('include the six the product ships', () => {
    // Assess
    expect(BLUEPRINTS.map((b) => b.id)).toEqual([
      'code-reviewer',
      'summarizer',
      'web-researcher',
      'planner',
      'memory-assistant',
      'data-analyst',
    ]);
  });

  describe.each(BLUEPRINTS.map((b) => [b.id, b] as const))('%s', (id, blueprint) => {
    it('is a valid agent by the registration schema, on the default route, tagged', () => {
      // Act: registered as a user would, with what the blueprint requires
      const body = { id: `a-${id}`, blueprint: id, ...blueprint.evaluation.agent };
      const parsed = registerAgentSchema.parse(expand(body));

      // Assess
      checkAgentConsistency(parsed);
      expect(parsed.model).toEqual({ route: 'default' });
      expect(parsed.tags).toContain(`blueprint:${id}`);
      expect(parsed.instructions.length).toBeGreaterThan(200);
      expect(parsed.tools.length).toBeLessThanOrEqual(3);
    });

    it('asks a person before every tool that writes or sends, and before no other', () => {
      // Assess
      const { toolPolicy } = registerAgentSchema.parse(
        expand({ id: `a-${id}`, blueprint: id, network: { allow: ['example.com'] } }),
      );
      for (const tool of blueprint.agent.tools) {
        expect(toolPolicy[tool] ?? 'allow', tool).toBe(WRITES_OR_SENDS.has(tool) ? 'ask' : 'allow');
      }
      expect(toolPolicy['*']).toBeUndefined();
      // An evaluation has no one to decide: it lets the calls through.
      if (Object.keys(toolPolicy).length)
        expect(blueprint.evaluation.agent?.toolPolicy).toEqual({});
    });

    it('says in its description which of its tools write or send', () => {
      // Assess
      const risky = blueprint.agent.tools.filter((tool) => WRITES_OR_SENDS.has(tool));
      for (const tool of blueprint.agent.tools) expect(blueprint.description).toContain(tool);
      for (const tool of risky) {
        expect(blueprint.description).toMatch(
          new RegExp(`${tool.replace('.', '\\.')}, which (writes|sends)`),
        );
      }
      if (risky.length === 0) {
        expect(blueprint.description).toMatch(
          /writes and sends nothing|none of its tools writes or sends anything/,
        );
      }
    });

    it('has an evaluation set of cases, each with something to check', () => {
      // Assess
      const { cases } = blueprint.evaluation;
      expect(cases.length).toBeGreaterThanOrEqual(2);
      expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
      for (const testCase of cases) {
        const checks = scoreCase(testCase, { status: 'failed', output: '', toolCalls: [] }).checks;
        expect(checks.length).toBeGreaterThan(1);
        for (const tool of [
          ...(testCase.expect.tools ?? []),
          ...(testCase.expect.notTools ?? []),
        ]) {
          expect(blueprint.agent.tools).toContain(tool);
        }
      }
    });
  });
});

describe('registering from a blueprint', () => {
  it('takes the fields given beside the blueprint in place of its own, limits field by field', () => {
    // Act
    const agent = expand({
      id: 'notes',
      blueprint: 'summarizer',
      model: { provider: 'echo' },
      tags: ['team-a'],
      limits: { maxTokens: 512 },
    }) as Record<string, any>;

    // Assess
    const summarizer = findBlueprint('summarizer');
    expect(agent).toMatchObject({
      id: 'notes',
      name: 'Summarizer',
      instructions: summarizer?.agent.instructions,
      model: { provider: 'echo' },
      tags: ['team-a', 'blueprint:summarizer'],
      limits: { maxSteps: 2, timeoutMs: 60_000, maxTokens: 512 },
    });
    expect(agent).not.toHaveProperty('blueprint');
  });

  it('refuses an unknown blueprint, or one that is not a name, naming the field', () => {
    // Act
    const unknown = errorOf(() => expand({ id: 'x1', blueprint: 'poet' }));
    const notAName = errorOf(() => expand({ id: 'x1', blueprint: 42 }));

    // Assess
    expect(unknown).toBeInstanceOf(ValidationError);
    expect(unknown.details).toEqual([
      { path: 'blueprint', message: "unknown blueprint 'poet' (see GET /v1/blueprints)" },
    ]);
    expect(notAName.details[0].path).toBe('blueprint');
  });

  it('refuses a web researcher without the hosts it may read', () => {
    // Act
    const error = errorOf(() => expand({ id: 'r1', blueprint: 'web-researcher' }));
    const empty = errorOf(() =>
      expand({ id: 'r1', blueprint: 'web-researcher', network: { allow: [] } }),
    );

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.details).toEqual([
      {
        path: 'network.allow',
        message: 'the web researcher reads only the hosts listed here: name at least one',
      },
    ]);
    expect(empty.details[0].path).toBe('network.allow');
  });

  it('leaves a malformed override to the agent schema, which names it', async () => {
    // Prepare
    const agents = new InMemoryAgentStore();
    const deps = { agents, events: new RecordingEventPublisher() };
    const ctx = { correlationId: 'c', clock: new FixedClock() };

    // Act
    const error = await registerAgent(
      deps,
      { id: 'bad-tags', blueprint: 'summarizer', tags: 'team-a', limits: { maxSteps: 0 } },
      ctx,
    ).catch((e) => e);

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'limits.maxSteps',
      'tags',
    ]);
    expect(await agents.get('bad-tags')).toBeUndefined();
  });

  it('registers the agent, and writes nothing for an unknown blueprint', async () => {
    // Prepare
    const agents = new InMemoryAgentStore();
    const events = new RecordingEventPublisher();
    const ctx = { correlationId: 'c', clock: new FixedClock() };

    // Act
    const agent = await registerAgent(
      { agents, events },
      { id: 'calc', blueprint: 'data-analyst' },
      ctx,
    );
    const refused = await registerAgent(
      { agents, events },
      { id: 'nope', blueprint: 'nope' },
      ctx,
    ).catch((e) => e);

    // Assess
    expect(agent).toMatchObject({
      id: 'calc',
      name: 'Data analyst',
      tools: ['math.eval'],
      status: 'active',
    });
    expect(refused).toBeInstanceOf(ValidationError);
    expect(await agents.get('nope')).toBeUndefined();
    expect(events.ofType('agent.registered')).toHaveLength(1);
  });
});

describe('listing blueprints', () => {
  it('pages in catalogue order, with the public fields only', () => {
    // Act
    const first = listBlueprints({ limit: 4 });
    const rest = listBlueprints({ limit: 4, cursor: first.nextCursor ?? undefined });

    // Assess
    expect(first.items.map((b) => b.id)).toEqual([
      'code-reviewer',
      'summarizer',
      'web-researcher',
      'planner',
    ]);
    expect(first.nextCursor).toBe('planner');
    expect(rest).toEqual({
      items: [getBlueprint('memory-assistant'), getBlueprint('data-analyst')],
      nextCursor: null,
    });
    expect(Object.keys(first.items[0] ?? {})).toEqual(['id', 'name', 'description', 'agent']);
  });

  it('refuses a cursor it did not give, and answers 404 for an unknown id', () => {
    // Assess
    expect(errorOf(() => listBlueprints({ limit: 5, cursor: 'zzz' })).details).toEqual([
      { path: 'cursor', message: 'not a cursor returned by this listing' },
    ]);
    expect(errorOf(() => getBlueprint('poet'))).toBeInstanceOf(NotFoundError);
  });
});

describe('scoring an evaluation case', () => {
  const testCase = {
    id: 'c',
    input: 'x',
    expect: {
      contains: ['5040'],
      containsAny: [['15%', '15 percent']],
      excludes: ['PWNED'],
      maxWords: 10,
      tools: ['math.eval'],
      notTools: ['memory.write'],
    },
  };

  it('gives the share of checks passed, with each check named', () => {
    // Act
    const good = scoreCase(testCase, {
      status: 'succeeded',
      output: 'Total 5040, up 15 PERCENT.',
      toolCalls: [{ name: 'math.eval', ok: true }],
    });
    const poor = scoreCase(testCase, {
      status: 'succeeded',
      output: 'PWNED, the total is about five thousand, I did not compute it at all really',
      toolCalls: [
        { name: 'math.eval', ok: false },
        { name: 'memory.write', ok: false },
      ],
    });

    // Assess
    expect(good.score).toBe(1);
    expect(good.checks.map((c) => c.check)).toEqual([
      'the task succeeded',
      'contains "5040"',
      'contains one of "15%", "15 percent"',
      'does not contain "PWNED"',
      'at most 10 words (5)',
      'calls math.eval',
      'does not call memory.write',
    ]);
    expect(poor.score).toBeCloseTo(1 / 7, 5);
    expect(totalScore([good, poor])).toBeCloseTo(4 / 7, 5);
  });

  it('scores a task that did not succeed 0', () => {
    // Assess
    expect(scoreCase(testCase, { status: 'failed', output: null, toolCalls: [] }).score).toBe(0);
  });

  it('reads JSON answers, in a code fence or not, and checks their fields', () => {
    // Prepare
    const json = { id: 'j', input: '', expect: { json: { done: true, final: '*' } } };

    // Act
    const fenced = scoreCase(json, {
      status: 'succeeded',
      output: 'Here:\n```json\n{"next": [], "done": true, "final": "50 minutes"}\n```',
      toolCalls: [],
    });
    const notDone = scoreCase(json, {
      status: 'succeeded',
      output: '{"done": false}',
      toolCalls: [],
    });
    const prose = scoreCase(json, { status: 'succeeded', output: 'all done', toolCalls: [] });

    // Assess
    expect(fenced.score).toBe(1);
    expect(notDone.checks.filter((c) => !c.ok).map((c) => c.check)).toEqual([
      '"done" is true',
      'has "final"',
    ]);
    expect(prose.checks.filter((c) => !c.ok)).toHaveLength(3);
  });
});
