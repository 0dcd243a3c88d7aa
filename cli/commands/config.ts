/** `agent-core config …`: profiles in the configuration file (0600). */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { configFilePath, maskKey, readConfigFile, UsageError, writeConfigFile } from '../config.js';
import { contextOf, examples } from '../context.js';
import { printFields, printJson, stdio } from '../output.js';

const urlOf = (text: string): string => {
  try {
    return new URL(text).toString();
  } catch {
    throw new UsageError(`not a URL: ${text}`);
  }
};

export function configCommand(program: Command): void {
  const config = program
    .command('config')
    .description(`where to connect and with which key, kept in ${configFilePath()}`)
    .addHelpText(
      'after',
      examples(
        'agent-core config set --url https://abc.execute-api.eu-west-1.amazonaws.com --ws-url wss://def.execute-api.eu-west-1.amazonaws.com/v1',
        'aws secretsmanager get-secret-value --secret-id <name> --query SecretString --output text | agent-core config set --key-stdin',
        'agent-core config show',
      ),
    );

  config
    .command('set')
    .description(
      'save a profile: --url, --ws-url, the key from stdin (never from the command line)',
    )
    .option('--ws-url <url>', "the feed's WebSocket URL (the stack's WebSocketUrl output)")
    .option('--key-stdin', 'read the API key from stdin')
    .option('--use', 'make this profile the current one')
    .addHelpText(
      'after',
      examples(
        'echo "$KEY" | agent-core config set --profile prod --url https://… --key-stdin --use',
      ),
    )
    .action(
      async (options: { wsUrl?: string; keyStdin?: boolean; use?: boolean }, command: Command) => {
        // --url and --profile are the program's options, read here as what to save.
        const globals = command.optsWithGlobals<{
          url?: string;
          profile?: string;
          json?: boolean;
        }>();
        const file = readConfigFile();
        const name = globals.profile ?? file.current;
        const profile = { ...file.profiles[name] };
        if (globals.url) profile.url = urlOf(globals.url).replace(/\/+$/, '');
        if (options.wsUrl) profile.wsUrl = urlOf(options.wsUrl);
        if (options.keyStdin) {
          const key = readFileSync(0, 'utf8').trim();
          if (!key) throw new UsageError('no key on stdin');
          profile.apiKey = key;
        }
        file.profiles[name] = profile;
        if (options.use || Object.keys(file.profiles).length === 1) file.current = name;
        writeConfigFile(file);
        const shown = {
          profile: name,
          url: profile.url,
          wsUrl: profile.wsUrl,
          key: maskKey(profile.apiKey),
          file: configFilePath(),
        };
        if (globals.json) printJson(stdio(true), shown);
        else process.stdout.write(`saved profile ${name} in ${configFilePath()}\n`);
      },
    );

  config
    .command('show')
    .description('what the CLI would connect to, and where the key comes from')
    .addHelpText(
      'after',
      examples(
        'agent-core config show',
        'AGENT_CORE_URL=http://127.0.0.1:3001 agent-core config show',
      ),
    )
    .action(async (_options: unknown, command: Command) => {
      const { connection, output } = contextOf(command);
      const shown = {
        url: connection.url,
        wsUrl: connection.wsUrl ?? '(the API host, /ws)',
        key: maskKey(connection.apiKey),
        keyFrom: connection.keySource,
        file: configFilePath(),
      };
      if (output.json) return printJson(output, shown);
      printFields(output, shown);
    });
}
