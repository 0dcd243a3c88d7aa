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
import { providerFor } from '../../shared/core/kernel/model-provider.js';
import { ModelKeyPolicy } from '../../shared/core/models/model-key-policy.js';
import { ModelResolver } from '../../shared/core/models/model-resolver.js';
import { parseRouteConfig } from '../../shared/core/models/route-config.js';
import {
  buildAgent,
  FixedClock,
  InMemoryAgentStore,
  RecordingEventPublisher,
} from '../helpers/in-memory.js';
import { rejection } from '../helpers/rejection.js';

/** Routes `default` (echo) and `fast`; Bedrock model `amazon.nova-lite-v1:0` is enabled. */
const models = new ModelResolver(
  parseRouteConfig({
    routes: { fast: [{ provider: 'echo' }] },
    bedrockModels: ['amazon.nova-lite-v1:0'],
  }),
  providerFor,
);

function world(...agents: Agent[]) {
  const clock = new FixedClock();
  const agents_ = new InMemoryAgentStore().seed(...agents);
  const events = new RecordingEventPublisher();
  const ctx: EventContext = { correlationId: 'corr-agents', clock };
  return { deps: { agents: agents_, events, models }, agents: agents_, events, clock, ctx };
}

const docsServer = { name: 'docs', url: 'https://docs.example.com/mcp' };

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
      mcpServers: [],
      tags: [],
      acceptsMessagesFrom: ['*'],
      network: { allow: [] },
      limits: { maxSteps: 8, timeoutMs: 60_000, maxTokens: 4096, contextTokens: 16_000 },
      onMessage: 'ignore',
      toolPolicy: {},
      approval: { timeoutSeconds: 86_400, onTimeout: 'deny' },
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

describe('registerAgent: models and MCP servers', () => {
  it.each([
    ['a configured route', { route: 'fast' }],
    ['the built-in default route', { route: 'default' }],
    ['an enabled Bedrock model', { provider: 'bedrock', model: 'amazon.nova-lite-v1:0' }],
    ['an OpenAI-compatible model', { provider: 'openai', model: 'llama3.1' }],
  ])('accepts %s', async (_label, model) => {
    // Prepare
    const w = world();

    // Act
    const agent = await registerAgent(w.deps, { id: 'modeller', model }, w.ctx);

    // Assess
    expect(agent.model).toMatchObject(model);
    expect(w.agents.agents.has('modeller')).toBe(true);
  });

  it.each([
    [
      'a route the configuration does not have',
      { route: 'slow' },
      "unknown model route 'slow'",
      [{ path: 'model.route', message: 'unknown route (configured: default, fast)' }],
    ],
    [
      'a route named like an Object.prototype member',
      { route: 'constructor' },
      "unknown model route 'constructor'",
      [{ path: 'model.route', message: 'unknown route (configured: default, fast)' }],
    ],
    [
      'a Bedrock model the configuration does not enable',
      { provider: 'bedrock', model: 'anthropic.claude-3-haiku-20240307-v1:0' },
      "Bedrock model 'anthropic.claude-3-haiku-20240307-v1:0' is not enabled",
      [
        {
          path: 'model.model',
          message: 'not enabled: name it in a route or in bedrockModels of AGENT_CORE_MODEL_ROUTES',
        },
      ],
    ],
  ])('refuses %s and stores nothing', async (_label, model, message, details) => {
    // Prepare
    const w = world();

    // Act
    const error = await rejection(
      registerAgent(w.deps, { id: 'modeller', model }, w.ctx),
      ValidationError,
    );

    // Assess
    expect(error.message).toBe(message);
    expect(error.details).toEqual(details);
    expect(w.agents.agents.size).toBe(0);
    expect(w.events.events).toEqual([]);
  });

  it.each([
    ["the admin key's variable", 'AGENT_CORE_API_KEY'],
    ['an AWS credential', 'AWS_SECRET_ACCESS_KEY'],
    ['any other variable', 'HOME'],
  ])('refuses an openai apiKeyEnv naming %s, naming model.apiKeyEnv', async (_what, apiKeyEnv) => {
    // Prepare
    const w = world();
    const model = {
      provider: 'openai',
      model: 'gpt-4o-mini',
      baseUrl: 'https://evil.example/v1',
      apiKeyEnv,
    };

    // Act
    const error = await rejection(
      registerAgent(w.deps, { id: 'leaky', model }, w.ctx),
      ValidationError,
    );

    // Assess
    expect(error.details).toEqual([{ path: 'model.apiKeyEnv', message: expect.any(String) }]);
    expect(w.agents.agents.size).toBe(0);
  });

  it('takes an apiKeyEnv with the model-key prefix, the default one, or one the deployer allows', async () => {
    // Prepare
    const w = world();
    const allowing = new ModelResolver(
      parseRouteConfig({}),
      providerFor,
      undefined,
      undefined,
      new ModelKeyPolicy(['OLLAMA_KEY']),
    );
    const openai = (apiKeyEnv?: string) => ({
      provider: 'openai',
      model: 'llama3.1',
      ...(apiKeyEnv ? { apiKeyEnv } : {}),
    });

    // Act
    const prefixed = await registerAgent(
      w.deps,
      { id: 'a1', model: openai('AGENT_CORE_MODEL_KEY_OLLAMA') },
      w.ctx,
    );
    const plain = await registerAgent(w.deps, { id: 'a2', model: openai() }, w.ctx);
    const listed = await registerAgent(
      { ...w.deps, models: allowing },
      { id: 'a3', model: openai('OLLAMA_KEY') },
      w.ctx,
    );

    // Assess
    expect(
      [prefixed, plain, listed].map((a) => (a.model as { apiKeyEnv: string }).apiKeyEnv),
    ).toEqual(['AGENT_CORE_MODEL_KEY_OLLAMA', 'AGENT_CORE_OPENAI_API_KEY', 'OLLAMA_KEY']);
  });

  it('keeps the private mark the admin puts on an MCP server, and refuses one that is no boolean', async () => {
    // Prepare
    const w = world();

    // Act
    const agent = await registerAgent(
      w.deps,
      {
        id: 'insider',
        model: { provider: 'echo' },
        mcpServers: [{ ...docsServer, private: true }],
        tools: ['mcp.docs.*'],
      },
      w.ctx,
    );
    const error = await rejection(
      registerAgent(
        w.deps,
        {
          id: 'other',
          model: { provider: 'echo' },
          mcpServers: [{ ...docsServer, private: 'yes' }],
        },
        w.ctx,
      ),
      ValidationError,
    );

    // Assess
    expect(agent.mcpServers).toEqual([{ ...docsServer, private: true }]);
    expect(error.details).toEqual([{ path: 'mcpServers.0.private', message: expect.any(String) }]);
  });

  it('stores MCP servers and the MCP tools that name them', async () => {
    // Prepare
    const w = world();
    const server = { ...docsServer, headers: { Authorization: 'Bearer s3cret' } };

    // Act
    const agent = await registerAgent(
      w.deps,
      {
        id: 'reader',
        model: { provider: 'echo' },
        tools: ['math.eval', 'mcp.docs.search', 'mcp.docs.*'],
        mcpServers: [server],
        limits: { toolCallsPerMinute: 30 },
      },
      w.ctx,
    );

    // Assess: stored as given; only the API's view hides header values.
    expect(agent).toMatchObject({
      tools: ['math.eval', 'mcp.docs.search', 'mcp.docs.*'],
      mcpServers: [server],
      limits: { maxSteps: 8, timeoutMs: 60_000, maxTokens: 4096, toolCallsPerMinute: 30 },
    });
    expect((await w.agents.get('reader'))?.mcpServers).toEqual([server]);
  });

  it.each([
    [
      'an MCP tool of a server the agent does not have',
      { tools: ['math.eval', 'mcp.billing.refund'], mcpServers: [docsServer] },
      [{ path: 'tools.1', message: "no MCP server 'billing' in mcpServers" }],
    ],
    [
      'an MCP wildcard without any server',
      { tools: ['mcp.docs.*'] },
      [{ path: 'tools.0', message: "no MCP server 'docs' in mcpServers" }],
    ],
    [
      'two servers of one name',
      {
        tools: [],
        mcpServers: [docsServer, { name: 'docs', url: 'https://other.example.com/mcp' }],
      },
      [{ path: 'mcpServers.1.name', message: 'duplicate server name' }],
    ],
    [
      'a server URL that is not http(s)',
      { mcpServers: [{ name: 'docs', url: 'ftp://docs.example.com' }] },
      [{ path: 'mcpServers.0.url', message: 'Invalid URL' }],
    ],
    [
      'an MCP tool name of the wrong shape',
      { tools: ['mcp.Docs.search'], mcpServers: [docsServer] },
      [{ path: 'tools.0', message: "unknown tool 'mcp.Docs.search' (see GET /v1/tools)" }],
    ],
    [
      'toolCallsPerMinute of 0',
      { limits: { toolCallsPerMinute: 0 } },
      [{ path: 'limits.toolCallsPerMinute', message: expect.stringContaining('>=1') }],
    ],
  ])('refuses %s, naming the field', async (_label, fields, details) => {
    // Prepare
    const w = world();

    // Act
    const error = await rejection(
      registerAgent(w.deps, { id: 'reader', model: { provider: 'echo' }, ...fields }, w.ctx),
      ValidationError,
    );

    // Assess
    expect(error.details).toEqual(details);
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

describe('patchAgent: models and MCP servers', () => {
  const reader = () =>
    buildAgent({ id: 'reader', tools: ['mcp.docs.*'], mcpServers: [docsServer] });

  it('refuses a model route the configuration does not have, and changes nothing', async () => {
    // Prepare
    const w = world(buildAgent({ id: 'reviewer' }));

    // Act
    const error = await rejection(
      patchAgent(w.deps, 'reviewer', { model: { route: 'slow' } }, w.ctx),
      ValidationError,
    );

    // Assess
    expect(error.details).toEqual([
      { path: 'model.route', message: 'unknown route (configured: default, fast)' },
    ]);
    expect((await w.agents.get('reviewer'))?.model).toEqual({ provider: 'echo' });
    expect(w.events.events).toEqual([]);
  });

  it("refuses to patch in an apiKeyEnv naming the admin key's variable, and changes nothing", async () => {
    // Prepare
    const w = world(buildAgent({ id: 'reviewer' }));

    // Act
    const error = await rejection(
      patchAgent(
        w.deps,
        'reviewer',
        { model: { provider: 'openai', model: 'm', apiKeyEnv: 'AGENT_CORE_API_KEY' } },
        w.ctx,
      ),
      ValidationError,
    );

    // Assess
    expect(error.details).toEqual([{ path: 'model.apiKeyEnv', message: expect.any(String) }]);
    expect((await w.agents.get('reviewer'))?.model).toEqual({ provider: 'echo' });
  });

  it('lets an agent whose stored route was removed change other fields', async () => {
    // Prepare: stored before the configuration dropped its route.
    const w = world({ ...buildAgent({ id: 'reviewer' }), model: { route: 'gone' } });

    // Act
    const agent = await patchAgent(w.deps, 'reviewer', { name: 'Renamed' }, w.ctx);

    // Assess
    expect(agent).toMatchObject({ name: 'Renamed', model: { route: 'gone' } });
  });

  it('refuses to drop a server that listed tools still name', async () => {
    // Prepare
    const w = world(reader());

    // Act
    const error = await rejection(
      patchAgent(w.deps, 'reader', { mcpServers: [] }, w.ctx),
      ValidationError,
    );

    // Assess
    expect(error.details).toEqual([
      { path: 'tools.0', message: "no MCP server 'docs' in mcpServers" },
    ]);
    expect((await w.agents.get('reader'))?.mcpServers).toEqual([docsServer]);
    expect(w.events.events).toEqual([]);
  });

  it('refuses an MCP tool of a server the stored agent does not have', async () => {
    // Prepare
    const w = world(reader());

    // Act
    const error = await rejection(
      patchAgent(w.deps, 'reader', { tools: ['mcp.docs.*', 'mcp.billing.*'] }, w.ctx),
      ValidationError,
    );

    // Assess
    expect(error.details).toEqual([
      { path: 'tools.1', message: "no MCP server 'billing' in mcpServers" },
    ]);
  });

  it('accepts tools and servers changed together', async () => {
    // Prepare
    const w = world(reader());
    const billing = { name: 'billing', url: 'https://billing.example.com/mcp' };

    // Act
    const agent = await patchAgent(
      w.deps,
      'reader',
      { tools: ['mcp.billing.refund'], mcpServers: [billing] },
      w.ctx,
    );

    // Assess
    expect(agent).toMatchObject({ tools: ['mcp.billing.refund'], mcpServers: [billing] });
    expect(w.events.events[0]?.detail.data).toEqual({
      agentId: 'reader',
      fields: ['tools', 'mcpServers'],
    });
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
