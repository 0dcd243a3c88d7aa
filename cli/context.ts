/** What every command gets: its output, the connection, and a client made from it. */
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { AgentCoreClient } from '../client/index.js';
import { type Connection, resolveConnection, UsageError } from './config.js';
import { type Output, stdio } from './output.js';

export interface GlobalOptions {
  json?: boolean;
  url?: string;
  profile?: string;
}

export interface Context {
  output: Output;
  connection: Connection;
  client: AgentCoreClient;
}

export function contextOf(command: Command): Context {
  const options = command.optsWithGlobals<GlobalOptions>();
  const output = stdio(options.json === true);
  const connection = resolveConnection(
    { url: options.url, profile: options.profile },
    process.env,
    (m) => output.err(`warning: ${m}`),
  );
  const client = new AgentCoreClient({
    baseUrl: connection.url,
    apiKey: connection.apiKey,
    wsUrl: connection.wsUrl,
  });
  return { output, connection, client };
}

/** JSON from a file, or from stdin for `-`. */
export function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path} is not JSON: ${(error as Error).message}`);
  }
}

/** A command-line value that is JSON when it parses as JSON, else the text itself. */
export function jsonOrText(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** A commander argument parser for a whole number from `min`. */
export const integer =
  (min = 1) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min) {
      throw new InvalidArgumentError(`expected a whole number of at least ${min}`);
    }
    return n;
  };

/** `Examples:` after a command's help. */
export const examples = (...lines: string[]): string =>
  `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;

/**
 * `<group> <name> <id>`: one call on one thing by id, printed as JSON with `--json`, else as a
 * short sentence (or the item's fields, when `say` gives them).
 */
export function idCommand<T>(
  group: Command,
  spec: {
    name: string;
    description: string;
    example: string;
    run: (client: AgentCoreClient, id: string) => Promise<T>;
    say: (item: T, output: Output) => string | undefined;
  },
): Command {
  return group
    .command(`${spec.name} <id>`)
    .description(spec.description)
    .addHelpText('after', examples(spec.example))
    .action(async (id: string, _options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const item = await spec.run(client, id);
      if (output.json) {
        output.out(JSON.stringify(item, null, 2));
        return;
      }
      const sentence = spec.say(item, output);
      if (sentence !== undefined) output.out(sentence);
    });
}
