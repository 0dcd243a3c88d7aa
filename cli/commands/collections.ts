/** `agent-core budgets …` and `agent-core schedules …`: the admin's collections, by id. */
import type { Command } from 'commander';
import type { AgentCoreClient, Budget, Schedule } from '../../client/index.js';
import { contextOf, examples, idCommand, readJson } from '../context.js';
import { type Output, printFields, printJson, printTable } from '../output.js';

interface Collection<T> {
  create(body: never): Promise<T>;
  iterate(): AsyncIterable<T>;
  get(id: string): Promise<T>;
  patch(id: string, body: never): Promise<T>;
  delete(id: string): Promise<T>;
}

interface CollectionCommand<T> {
  name: string;
  noun: string;
  description: string;
  of: (client: AgentCoreClient) => Collection<T>;
  columns: Record<string, (item: T) => unknown>;
  fields: (item: T) => Record<string, unknown>;
  createExample: string;
  patchExample: string;
}

function collectionCommand<T extends { id: string }>(program: Command, spec: CollectionCommand<T>) {
  const show = (output: Output, item: T) => {
    if (output.json) printJson(output, item);
    else printFields(output, spec.fields(item));
  };
  const group = program
    .command(spec.name)
    .description(spec.description)
    .addHelpText(
      'after',
      examples(`agent-core ${spec.name} list`, spec.createExample, spec.patchExample),
    );

  group
    .command('list')
    .description(`list ${spec.name}`)
    .addHelpText('after', examples(`agent-core ${spec.name} list --json`))
    .action(async (_options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const items: T[] = [];
      for await (const item of spec.of(client).iterate()) items.push(item);
      if (output.json) return printJson(output, { items });
      printTable(output, items, spec.columns, `No ${spec.name}.`);
    });

  idCommand(group, {
    name: 'get',
    description: `show a ${spec.noun}`,
    example: `agent-core ${spec.name} get <id>`,
    run: (client, id) => spec.of(client).get(id),
    say: (item, output) => {
      show(output, item);
      return undefined;
    },
  });

  group
    .command('create')
    .description(`create a ${spec.noun} from a JSON file`)
    .requiredOption('-f, --file <file>', `the ${spec.noun} as JSON; - reads stdin`)
    .addHelpText('after', examples(spec.createExample))
    .action(async (options: { file: string }, command: Command) => {
      const { client, output } = contextOf(command);
      show(output, await spec.of(client).create(readJson(options.file) as never));
    });

  group
    .command('patch <id>')
    .description(`change a ${spec.noun}: the fields in a JSON file`)
    .requiredOption('-f, --file <file>', 'the fields to change as JSON; - reads stdin')
    .addHelpText('after', examples(spec.patchExample))
    .action(async (id: string, options: { file: string }, command: Command) => {
      const { client, output } = contextOf(command);
      show(output, await spec.of(client).patch(id, readJson(options.file) as never));
    });

  idCommand(group, {
    name: 'delete',
    description: `delete a ${spec.noun}`,
    example: `agent-core ${spec.name} delete <id>`,
    run: (client, id) => spec.of(client).delete(id),
    say: (item) => `deleted ${spec.noun} ${item.id}`,
  });
  return group;
}

const usd = (value: number | null) => (value === null ? '–' : `$${value}`);

export function budgetsCommand(program: Command): void {
  collectionCommand<Budget>(program, {
    name: 'budgets',
    noun: 'budget',
    description: 'spending limits per UTC day and month, and what was spent (admin)',
    of: (client) => client.budgets,
    columns: {
      id: (b) => b.id,
      scope: (b) => b.scope,
      today: (b) => `${usd(b.spentTodayUsd)} of ${usd(b.usdPerDay)}`,
      month: (b) => `${usd(b.spentThisMonthUsd)} of ${usd(b.usdPerMonth)}`,
    },
    fields: (b) => ({
      id: b.id,
      scope: b.scope,
      today: `${usd(b.spentTodayUsd)} spent of ${usd(b.usdPerDay)} (${b.day}), ${usd(b.reservedTodayUsd)} held`,
      month: `${usd(b.spentThisMonthUsd)} spent of ${usd(b.usdPerMonth)} (${b.month}), ${usd(b.reservedThisMonthUsd)} held`,
      unpriced: `${b.unpricedCallsToday} calls today, ${b.unpricedCallsThisMonth} this month`,
      updated: b.updatedAt,
    }),
    createExample: `echo '{"id": "team", "scope": "tag:analysis", "usdPerDay": 5}' | agent-core budgets create -f -`,
    patchExample: `echo '{"usdPerMonth": null}' | agent-core budgets patch team -f -`,
  });
}

export function schedulesCommand(program: Command): void {
  const schedules = collectionCommand<Schedule>(program, {
    name: 'schedules',
    noun: 'schedule',
    description: 'tasks and workflows that run on a clock: rate, cron or at (admin)',
    of: (client) => client.schedules,
    columns: {
      id: (s) => s.id,
      expression: (s) => `${s.expression} ${s.timezone}`,
      runs: (s) => (s.task ? `task for ${String(s.task.agentId)}` : 'workflow'),
      enabled: (s) => (s.enabled ? 'yes' : 'no'),
      next: (s) => s.nextFireAt ?? '',
    },
    fields: (s) => ({
      id: s.id,
      expression: s.expression,
      timezone: s.timezone,
      task: s.task,
      workflow: s.workflow,
      overlap: s.overlap,
      enabled: s.enabled,
      next: s.nextFireAt ?? '(none)',
      last: s.lastFiredAt ?? '(never)',
      runs: s.lastRuns.map((r) => `${r.firedAt} ${r.outcome}${r.reason ? ` (${r.reason})` : ''}`),
    }),
    createExample: `echo '{"id": "nightly", "expression": "cron(0 2 * * ? *)", "task": {"agentId": "reviewer", "input": "main"}}' | agent-core schedules create -f -`,
    patchExample: `echo '{"expression": "rate(30 minutes)"}' | agent-core schedules patch nightly -f -`,
  });
  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    idCommand(schedules, {
      name,
      description: `${name} a schedule`,
      example: `agent-core schedules ${name} nightly`,
      run: (client, id) => client.schedules.patch(id, { enabled }),
      say: (s) => `${s.id} ${s.enabled ? 'enabled' : 'disabled'}, next ${s.nextFireAt ?? '(none)'}`,
    });
  }
}
