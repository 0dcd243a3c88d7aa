/** `agent-core events …`, `dlq …`, `keys …` and `health`: the operator's commands. */
import type { Command } from 'commander';
import { contextOf, examples, idCommand, integer } from '../context.js';
import { clip, type Output, printFields, printJson, printTable } from '../output.js';
import { eventLine } from './tasks.js';

export function eventsCommand(program: Command): void {
  const events = program
    .command('events')
    .description('the event log, and events live from the feed')
    .addHelpText(
      'after',
      examples(
        "agent-core events tail --type 'task.*'",
        'agent-core events list --type task.failed',
      ),
    );

  events
    .command('tail')
    .description('print events live as they happen (until Ctrl-C); --json prints one per line')
    .option('--type <pattern>', 'an event type, prefix.* or * (repeatable)', collect, [])
    .addHelpText(
      'after',
      examples(
        "agent-core events tail --type 'task.*' --type 'workflow.*'",
        'agent-core events tail --json | jq .type',
      ),
    )
    .action(async (options: { type: string[] }, command: Command) => {
      const { client, output } = contextOf(command);
      const types = options.type.length ? options.type : ['*'];
      const feed = client.feed({ types });
      await new Promise<void>((resolve) => {
        feed.on('event', (event) => {
          if (output.json) output.out(JSON.stringify(event));
          else output.out(eventLine(event.time, event.type, event.detail.data));
        });
        // On stderr even with --json: scripts can wait for it before they act.
        feed.on('subscribed', () => output.err(`following ${types.join(', ')} (Ctrl-C to stop)`));
        feed.on('error', (error) => output.err(`feed: ${error.message}`));
        feed.on('close', ({ code }) => {
          if (code === 1008) {
            output.err('the feed refused the key');
            resolve();
          }
        });
        const stop = () => {
          feed.close();
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  events
    .command('list')
    .description('the event log, newest first')
    .option('--type <pattern>', 'an event type, prefix.* or *')
    .option('--agent <agentId>', "only this agent's events")
    .option('--since <time>', 'ISO time (default: the last hour)')
    .option('--limit <n>', 'events to show (1..100)', integer(1))
    .addHelpText('after', examples('agent-core events list --type task.failed --limit 10'))
    .action(
      async (
        options: { type?: string; agent?: string; since?: string; limit?: number },
        command: Command,
      ) => {
        const { client, output } = contextOf(command);
        const page = await client.events.list({
          type: options.type,
          agentId: options.agent,
          since: options.since,
          limit: options.limit,
        });
        if (output.json) return printJson(output, page);
        for (const event of page.items)
          output.out(eventLine(event.time, event.type, event.detail.data));
        if (page.items.length === 0) output.out('No events.');
      },
    );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function dlqCommand(program: Command): void {
  const dlq = program
    .command('dlq')
    .description('the dead-letter queue: tasks whose attempts ran out')
    .addHelpText(
      'after',
      examples(
        'agent-core dlq list',
        'agent-core dlq redrive',
        'agent-core dlq redrive 01J9ZQ4B7C8D9E0F1G2H3J4K5M',
      ),
    );

  dlq
    .command('list')
    .description('list dead-lettered tasks')
    .option('--limit <n>', 'tasks to show (1..100)', integer(1))
    .addHelpText('after', examples('agent-core dlq list --json'))
    .action(async (options: { limit?: number }, command: Command) => {
      const { client, output } = contextOf(command);
      const page = await client.queue.deadLetters({ limit: options.limit });
      if (output.json) return printJson(output, page);
      printTable(
        output,
        page.items,
        {
          id: (t) => t.id,
          agent: (t) => t.agentId,
          attempts: (t) => `${t.attempts} of ${t.maxAttempts}`,
          error: (t) => clip(t.error ? `${t.error.code}: ${t.error.message}` : '', 60),
        },
        'The dead-letter queue is empty.',
      );
    });

  dlq
    .command('redrive [taskIds...]')
    .description(
      'queue dead-lettered tasks again, with fresh attempts (all, 100 a call, when none is named)',
    )
    .addHelpText(
      'after',
      examples('agent-core dlq redrive', 'agent-core dlq redrive 01J9ZQ4B7C8D9E0F1G2H3J4K5M'),
    )
    .action(async (taskIds: string[], _options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const result = await client.queue.redrive(taskIds.length ? taskIds : undefined);
      if (output.json) return printJson(output, result);
      output.out(`redriven: ${result.redriven.length ? result.redriven.join(' ') : '(none)'}`);
      for (const skipped of result.skipped)
        output.out(`skipped ${skipped.taskId}: ${skipped.reason}`);
    });
}

export function keysCommand(program: Command): void {
  const keys = program
    .command('keys')
    .description('agent-scoped API keys (admin)')
    .addHelpText(
      'after',
      examples(
        'agent-core keys create reviewer',
        'agent-core keys list',
        'agent-core keys revoke 01J9ZQ4B7C8D9E0F1G2H3J4K5M',
      ),
    );

  keys
    .command('create <agentId>')
    .description('mint a key that acts as one agent; it is shown this once')
    .addHelpText('after', examples('agent-core keys create reviewer --json | jq -r .key'))
    .action(async (agentId: string, _options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const minted = await client.keys.create(`agent:${agentId}`);
      if (output.json) return printJson(output, minted);
      printFields(output, { keyId: minted.keyId, scope: minted.scope, key: minted.key });
      output.err('The key is shown this once: keep it now.');
    });

  keys
    .command('list')
    .description('list keys, without their secrets')
    .addHelpText('after', examples('agent-core keys list'))
    .action(async (_options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const items = [];
      for await (const key of client.keys.iterate()) items.push(key);
      if (output.json) return printJson(output, { items });
      printTable(
        output,
        items,
        {
          keyId: (k) => k.keyId,
          scope: (k) => k.scope,
          ends: (k) => `…${k.hint}`,
          created: (k) => k.createdAt,
          revoked: (k) => k.revokedAt ?? '',
        },
        'No keys.',
      );
    });

  idCommand(keys, {
    name: 'revoke',
    description: 'revoke a key (refused everywhere within 10 s)',
    example: 'agent-core keys revoke 01J9ZQ4B7C8D9E0F1G2H3J4K5M',
    run: (client, keyId) => client.keys.revoke(keyId),
    say: (key) => `${key.keyId} (${key.scope}) revoked at ${key.revokedAt}`,
  });
}

export function healthCommand(program: Command): void {
  program
    .command('health')
    .description('is the API up; with a key, the queue too')
    .addHelpText(
      'after',
      examples('agent-core health', 'AGENT_CORE_URL=https://… agent-core health --json'),
    )
    .action(async (_options: unknown, command: Command) => {
      const { client, output, connection } = contextOf(command);
      const health = await client.health();
      const queue = connection.apiKey
        ? await client.queue.status().catch(() => undefined)
        : undefined;
      if (output.json) return printJson(output, { ...health, url: connection.url, queue });
      printHealth(output, { ...health, url: connection.url, key: connection.keySource }, queue);
    });
}

function printHealth(output: Output, health: Record<string, unknown>, queue: unknown): void {
  printFields(output, { ...health, ...(queue ? { queue } : {}) });
}
