/** `agent-core agents …`: the agent registry. */
import type { Command } from 'commander';
import type { Agent } from '../../client/index.js';
import { contextOf, examples, idCommand, integer, readJson } from '../context.js';
import { type Output, printFields, printJson, printTable } from '../output.js';

const modelOf = (agent: Agent): string => {
  const model = agent.model as { route?: string; provider?: string; model?: string };
  if (model.route) return `route ${model.route}`;
  return model.model ? `${model.provider}: ${model.model}` : String(model.provider);
};

export function printAgent(output: Output, agent: Agent): void {
  if (output.json) {
    printJson(output, agent);
    return;
  }
  printFields(output, {
    id: agent.id,
    name: agent.name,
    status: agent.status,
    model: modelOf(agent),
    tools: agent.tools.join(', ') || '(none)',
    tags: agent.tags.join(', ') || '(none)',
    limits: agent.limits,
    onMessage: agent.onMessage,
    created: agent.createdAt,
    updated: agent.updatedAt,
  });
}

export function agentsCommand(program: Command): void {
  const agents = program
    .command('agents')
    .description('register, list, change, pause, resume and retire agents')
    .addHelpText(
      'after',
      examples(
        'agent-core agents list --tag analysis',
        'agent-core agents create -f agent.json',
        'agent-core agents patch reviewer -f patch.json',
        'agent-core agents pause reviewer',
      ),
    );

  agents
    .command('list')
    .description('list agents')
    .option('--tag <tag>', 'only agents with this tag')
    .option('--limit <n>', 'agents per page (1..100)', integer(1))
    .option('--all', 'every page, not only the first')
    .addHelpText('after', examples('agent-core agents list', 'agent-core agents list --all --json'))
    .action(async (options: { tag?: string; limit?: number; all?: boolean }, command: Command) => {
      const { client, output } = contextOf(command);
      let items: Agent[];
      let nextCursor: string | null = null;
      if (options.all) {
        items = [];
        for await (const agent of client.agents.iterate({ tag: options.tag, limit: 100 })) {
          items.push(agent);
        }
      } else {
        const page = await client.agents.list({ tag: options.tag, limit: options.limit });
        items = page.items;
        nextCursor = page.nextCursor;
      }
      if (output.json) return printJson(output, { items, nextCursor });
      printTable(
        output,
        items,
        {
          id: (a) => a.id,
          status: (a) => a.status,
          model: modelOf,
          tags: (a) => a.tags.join(', '),
        },
        'No agents.',
      );
      if (nextCursor) output.err('More agents: add --all.');
    });

  idCommand(agents, {
    name: 'get',
    description: 'show one agent',
    example: 'agent-core agents get reviewer --json',
    run: (client, id) => client.agents.get(id),
    say: (agent, output) => {
      printAgent(output, agent);
      return undefined;
    },
  });

  agents
    .command('create')
    .description('register an agent from a JSON file (API.md, Agents)')
    .requiredOption('-f, --file <file>', 'the agent as JSON; - reads stdin')
    .addHelpText(
      'after',
      examples(
        'agent-core agents create -f agent.json',
        `echo '{"id": "echo", "model": {"provider": "echo"}}' | agent-core agents create -f -`,
      ),
    )
    .action(async (options: { file: string }, command: Command) => {
      const { client, output } = contextOf(command);
      const agent = await client.agents.register(readJson(options.file) as never);
      printAgent(output, agent);
    });

  agents
    .command('patch <id>')
    .description('change an agent: any field but the id, from a JSON file')
    .requiredOption('-f, --file <file>', 'the fields to change as JSON; - reads stdin')
    .addHelpText(
      'after',
      examples(`echo '{"instructions": "Be brief."}' | agent-core agents patch reviewer -f -`),
    )
    .action(async (id: string, options: { file: string }, command: Command) => {
      const { client, output } = contextOf(command);
      printAgent(output, await client.agents.patch(id, readJson(options.file) as never));
    });

  for (const [name, description] of [
    ['pause', 'pause an agent: its tasks wait queued'],
    ['resume', 'resume a paused agent: its waiting tasks run'],
    ['retire', 'retire an agent: new tasks are refused, its history is kept'],
  ] as const) {
    idCommand(agents, {
      name,
      description,
      example: `agent-core agents ${name} reviewer`,
      run: (client, id) => client.agents[name](id),
      say: (agent) => `${agent.id} is ${agent.status}`,
    });
  }
}
