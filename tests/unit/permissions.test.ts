import { describe, expect, it } from 'vitest';
import { type Agent, checkAgentConsistency, publicAgent } from '../../shared/core/agents/agent.js';
import { ValidationError } from '../../shared/core/errors.js';
import { toolNames } from '../../shared/core/tools/catalogue.js';
import { MCP_TOOL_PATTERN, mayUseTool } from '../../shared/core/tools/permissions.js';
import { buildAgent } from '../helpers/in-memory.js';

// ---------------------------------------------------------------------------------------------
// mayUseTool
// ---------------------------------------------------------------------------------------------

describe('mayUseTool', () => {
  it.each([
    [['math.eval'], 'math.eval', true],
    [['math.eval'], 'fs.read', false],
    [['math.eval', 'fs.read'], 'fs.read', true],
    [[], 'math.eval', false],
    [['mcp.docs.search'], 'mcp.docs.search', true],
    [['mcp.docs.search'], 'mcp.docs.fetch', false],
    // Names are compared whole, never by prefix or case.
    [['math.eval'], 'math.evaluate', false],
    [['math.eval'], 'Math.eval', false],
    [['fs.read'], 'fs', false],
  ])('tools %j: %s → %s', (tools, name, allowed) => {
    // Act
    const may = mayUseTool({ tools }, name);

    // Assess
    expect(may).toBe(allowed);
  });

  it.each([
    ['mcp.docs.search', true],
    ['mcp.docs.get_page', true],
    ['mcp.docs.list-all', true],
    ['mcp.docs.A1', true],
    ['mcp.billing.refund', false],
    ['mcp.docsx.search', false],
    ['mcp.doc.search', false],
    ['mcp.docs', false],
    ['mcp.docs.', false],
    ['mcp.docs.search.more', false],
    ['mcp.docs.a b', false],
    [`mcp.docs.${'x'.repeat(65)}`, false],
  ])('the wildcard mcp.docs.* covers %s: %s', (name, allowed) => {
    // Act
    const may = mayUseTool({ tools: ['mcp.docs.*'] }, name);

    // Assess
    expect(may).toBe(allowed);
  });

  it('grants the tools of each server whose wildcard the agent lists, and no other', () => {
    // Prepare
    const agent = { tools: ['mcp.docs.*', 'mcp.tickets.create'] };

    // Act
    const answers = ['mcp.docs.search', 'mcp.tickets.create', 'mcp.tickets.close'].map((name) =>
      mayUseTool(agent, name),
    );

    // Assess
    expect(answers).toEqual([true, true, false]);
  });

  it.each([...toolNames])('never lets a wildcard grant the built-in tool %s', (name) => {
    // Prepare: every shape of wildcard an agent could list.
    const agent = { tools: ['mcp.docs.*', 'mcp.math.*', '*', 'mcp.*', 'mcp.*.*', '*.*'] };

    // Act
    const may = mayUseTool(agent, name);

    // Assess
    expect(may).toBe(false);
  });

  it('reads the pattern of MCP tool names as server and tool', () => {
    // Act
    const match = MCP_TOOL_PATTERN.exec('mcp.my-server.get_thing');

    // Assess
    expect(match?.[1]).toBe('my-server');
    expect(match?.[2]).toBe('get_thing');
    expect(MCP_TOOL_PATTERN.test('math.eval')).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// checkAgentConsistency
// ---------------------------------------------------------------------------------------------

const server = (name: string) => ({ name, url: `https://${name}.example.com/mcp` });

function issuesOf(agent: Pick<Agent, 'tools' | 'mcpServers'>) {
  try {
    checkAgentConsistency(agent);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe('invalid agent');
    return (error as ValidationError).details;
  }
  return [];
}

describe('checkAgentConsistency', () => {
  it.each([
    ['no tools and no servers', { tools: [], mcpServers: [] }],
    ['built-in tools only', { tools: ['math.eval', 'fs.read'], mcpServers: [] }],
    [
      'MCP tools and wildcards of its own servers',
      {
        tools: ['mcp.docs.search', 'mcp.tickets.*'],
        mcpServers: [server('docs'), server('tickets')],
      },
    ],
    ['a server no tool names', { tools: [], mcpServers: [server('docs')] }],
  ])('accepts %s', (_label, agent) => {
    // Act
    const issues = issuesOf(agent);

    // Assess
    expect(issues).toEqual([]);
  });

  it('names every MCP tool whose server the agent lacks, by its index', () => {
    // Act
    const issues = issuesOf({
      tools: ['math.eval', 'mcp.docs.search', 'mcp.billing.*', 'mcp.wiki.page'],
      mcpServers: [server('docs')],
    });

    // Assess
    expect(issues).toEqual([
      { path: 'tools.2', message: "no MCP server 'billing' in mcpServers" },
      { path: 'tools.3', message: "no MCP server 'wiki' in mcpServers" },
    ]);
  });

  it('names each repeated server name, by its index', () => {
    // Act
    const issues = issuesOf({
      tools: ['mcp.docs.*'],
      mcpServers: [server('docs'), server('wiki'), server('docs'), server('wiki')],
    });

    // Assess
    expect(issues).toEqual([
      { path: 'mcpServers.2.name', message: 'duplicate server name' },
      { path: 'mcpServers.3.name', message: 'duplicate server name' },
    ]);
  });

  it('reports server and tool issues together', () => {
    // Act
    const issues = issuesOf({
      tools: ['mcp.other.x'],
      mcpServers: [server('docs'), server('docs')],
    });

    // Assess
    expect(issues?.map((i) => i.path)).toEqual(['mcpServers.1.name', 'tools.0']);
  });
});

// ---------------------------------------------------------------------------------------------
// publicAgent
// ---------------------------------------------------------------------------------------------

describe('publicAgent', () => {
  it('shows MCP header names but never their values, and leaves the stored agent alone', () => {
    // Prepare
    const agent = buildAgent({
      id: 'reader',
      tools: ['mcp.docs.*'],
      mcpServers: [
        {
          ...server('docs'),
          headers: { Authorization: 'Bearer s3cret', 'X-Tenant': 'acme' },
        },
        server('wiki'),
      ],
    });
    const before = structuredClone(agent);

    // Act
    const shown = publicAgent(agent);

    // Assess
    expect(shown.mcpServers).toEqual([
      { ...server('docs'), headers: { Authorization: '***', 'X-Tenant': '***' } },
      server('wiki'),
    ]);
    expect(JSON.stringify(shown)).not.toContain('s3cret');
    expect({ ...shown, mcpServers: agent.mcpServers }).toEqual(agent);
    expect(agent).toEqual(before);
  });

  it('answers an agent without MCP headers as it is', () => {
    // Prepare
    const agent = buildAgent({ id: 'plain', mcpServers: [server('docs')], tools: ['mcp.docs.*'] });

    // Act
    const shown = publicAgent(agent);

    // Assess
    expect(shown).toBe(agent);
  });

  it('answers an agent stored before MCP servers existed as it is', () => {
    // Prepare
    const { mcpServers: _none, ...legacy } = buildAgent({ id: 'old' });

    // Act
    const shown = publicAgent(legacy as Agent);

    // Assess
    expect(shown).toBe(legacy);
  });
});
