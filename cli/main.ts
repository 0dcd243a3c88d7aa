/**
 * `agent-core`, the command line of agent-core (`npx agent-core`, or `npm run load:test` and
 * `npm run soak:test` for its load tools): every command is a client call (client/), printed as a
 * table or, with `--json`, as the API's JSON. Exit codes: 0 ok, 1 failed, 2 usage, 3 auth.
 */
import { Command, CommanderError } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { agentsCommand } from './commands/agents.js';
import { budgetsCommand, schedulesCommand } from './commands/collections.js';
import { configCommand } from './commands/config.js';
import { loadCommands } from './commands/load.js';
import { dlqCommand, eventsCommand, healthCommand, keysCommand } from './commands/operations.js';
import { tasksCommand } from './commands/tasks.js';
import { workflowsCommand } from './commands/workflows.js';
import { examples } from './context.js';
import { ExitCode, reportError, stdio } from './output.js';

export function buildProgram(): Command {
  const program = new Command('agent-core')
    .description(
      'The command line of agent-core: agents, tasks, workflows, events, the DLQ, keys, load tests.',
    )
    .version(packageJson.version)
    .option('--json', "print the API's JSON instead of tables (errors too, on stderr)")
    .option(
      '--url <url>',
      'the API (default: AGENT_CORE_URL, the profile, the local runtime, http://127.0.0.1:3000)',
    )
    .option('--profile <name>', 'a profile of the configuration file (agent-core config)')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Connection:
  AGENT_CORE_URL, AGENT_CORE_API_KEY (and AGENT_CORE_WS_URL for a deployed feed), or a profile
  saved with \`agent-core config set\`. Pointed at a local runtime (npm start), the CLI reads its
  URL and generated key from <data dir>/runtime.json and admin-api-key (AGENT_CORE_DATA_DIR, .data).

Exit codes: 0 ok · 1 failed (a task or workflow that failed, or an error) · 2 usage · 3 auth
${examples(
  'agent-core agents list',
  "agent-core tasks submit calculator 'what is (2+3)*7?' --wait",
  'agent-core workflows run -f review.json --wait',
  "agent-core events tail --type 'task.*'",
  'agent-core load-test --ratePerMin=60 --durationSec=60',
)}`,
    );
  agentsCommand(program);
  tasksCommand(program);
  workflowsCommand(program);
  eventsCommand(program);
  dlqCommand(program);
  keysCommand(program);
  budgetsCommand(program);
  schedulesCommand(program);
  loadCommands(program);
  configCommand(program);
  healthCommand(program);
  // Usage errors exit 2 (commander's own default is 1), help and version 0.
  program.exitOverride();
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version; a command without its subcommand shows its help as a usage error.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') {
        return ExitCode.ok;
      }
      return ExitCode.usage;
    }
    return reportError(stdio(argv.includes('--json')), error);
  }
}
