/** `agent-core workflows …`: run a workflow (and watch its steps live), get, list, cancel. */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { AgentCoreClient, Workflow } from '../../client/index.js';
import { WORKFLOW_FINISHED } from '../../client/index.js';
import { UsageError } from '../config.js';
import { contextOf, examples, idCommand, integer, readJson } from '../context.js';
import {
  cellText,
  clip,
  Exit,
  ExitCode,
  type Output,
  printFields,
  printJson,
  printTable,
} from '../output.js';

type Step = Workflow['steps'][number];

/** How far a step is, as a bar of 2: pending 0, running 1, ended 2. */
const STEP_PROGRESS: Record<string, number> = { pending: 0, running: 1 };

export function printWorkflow(output: Output, workflow: Workflow): void {
  if (output.json) {
    printJson(output, workflow);
    return;
  }
  printFields(output, {
    id: workflow.id,
    name: workflow.name,
    status: workflow.status,
    strategy:
      workflow.strategy === workflow.chosenStrategy
        ? workflow.strategy
        : `${workflow.strategy} → ${workflow.chosenStrategy} (confidence ${workflow.confidence})`,
    output: workflow.output === null ? undefined : workflow.output,
    error: workflow.error
      ? `${workflow.error.code}: ${workflow.error.message}${workflow.error.stepId ? ` (step ${workflow.error.stepId})` : ''}`
      : undefined,
    cost: `$${workflow.costUsd}`,
    created: workflow.createdAt,
    finished: workflow.finishedAt ?? undefined,
  });
  printTable(output, workflow.steps, stepColumns, 'No steps yet.');
}

const stepColumns: Record<string, (step: Step) => unknown> = {
  step: (s) => s.id,
  agent: (s) => s.agentId,
  status: (s) => s.status,
  task: (s) => s.taskId ?? '',
  output: (s) => clip(cellText(s.output ?? s.error?.message ?? ''), 40),
};

/**
 * Polls a workflow until it has ended. On a terminal, a live table: one cli-progress bar per
 * step (pending, running, ended) with its status and task, steps added as adaptive rounds go.
 */
async function watchWorkflow(
  client: AgentCoreClient,
  first: Workflow,
  timeoutSeconds?: number,
): Promise<Workflow> {
  const live = process.stderr.isTTY
    ? new MultiBar(
        {
          format: ' {step} {bar} {status} {agent} {task}',
          barsize: 12,
          hideCursor: true,
          clearOnComplete: false,
          stream: process.stderr,
        },
        Presets.shades_classic,
      )
    : undefined;
  const bars = new Map<string, SingleBar>();
  const draw = (workflow: Workflow) => {
    if (!live) return;
    const width = Math.max(4, ...workflow.steps.map((s) => s.id.length));
    for (const step of workflow.steps) {
      const payload = {
        step: step.id.padEnd(width),
        status: step.status.padEnd(9),
        agent: step.agentId,
        task: step.taskId ?? '',
      };
      const value = STEP_PROGRESS[step.status] ?? 2;
      const bar = bars.get(step.id);
      if (bar) bar.update(value, payload);
      else bars.set(step.id, live.create(2, value, payload));
    }
  };
  const deadline = timeoutSeconds ? Date.now() + timeoutSeconds * 1000 : Infinity;
  let current = first;
  draw(current);
  try {
    while (!WORKFLOW_FINISHED.includes(current.status as never)) {
      if (Date.now() > deadline) {
        throw new UsageError(
          `gave up waiting after ${timeoutSeconds}s: workflow ${first.id} is ${current.status}`,
        );
      }
      await new Promise((r) => setTimeout(r, 500));
      current = await client.workflows.get(first.id);
      draw(current);
    }
  } finally {
    live?.stop();
  }
  return current;
}

export function workflowsCommand(program: Command): void {
  const workflows = program
    .command('workflows')
    .description('run multi-agent workflows and follow them')
    .addHelpText(
      'after',
      examples(
        'agent-core workflows run -f review.json --wait',
        'agent-core workflows list --status running',
      ),
    );

  workflows
    .command('run')
    .description('start a workflow from a JSON file (API.md, Workflows)')
    .requiredOption('-f, --file <file>', 'the workflow as JSON; - reads stdin')
    .option(
      '--idempotency-key <key>',
      'the same key and body within 24 h answer the first workflow',
    )
    .option('--wait', 'watch its steps live until it ends (exit 1 unless it succeeded)')
    .option('--timeout <seconds>', 'with --wait: give up after this long (exit 2)', integer(1))
    .addHelpText(
      'after',
      examples(
        'agent-core workflows run -f review.json --wait',
        `echo '{"name": "fan-out", "strategy": "parallel", "input": "x", "steps": [{"id": "a", "agentId": "echo"}, {"id": "b", "agentId": "echo"}]}' | agent-core workflows run -f - --wait --json`,
      ),
    )
    .action(
      async (
        options: { file: string; idempotencyKey?: string; wait?: boolean; timeout?: number },
        command: Command,
      ) => {
        const { client, output } = contextOf(command);
        const started = await client.workflows.start(readJson(options.file) as never, {
          idempotencyKey: options.idempotencyKey,
        });
        if (!options.wait) return printWorkflow(output, started);
        const done = await watchWorkflow(client, started, options.timeout);
        printWorkflow(output, done);
        throw new Exit(done.status === 'succeeded' ? ExitCode.ok : ExitCode.failed);
      },
    );

  idCommand(workflows, {
    name: 'get',
    description: 'show a workflow with its steps',
    example: 'agent-core workflows get 01J9ZQ4B7C8D9E0F1G2H3J4K5M',
    run: (client, id) => client.workflows.get(id),
    say: (workflow, output) => {
      printWorkflow(output, workflow);
      return undefined;
    },
  });

  workflows
    .command('list')
    .description('list workflows, newest first')
    .option('--status <status>', 'running, succeeded, failed or cancelled')
    .option('--limit <n>', 'workflows to show (1..100)', integer(1))
    .addHelpText('after', examples('agent-core workflows list --status failed'))
    .action(async (options: { status?: string; limit?: number }, command: Command) => {
      const { client, output } = contextOf(command);
      const page = await client.workflows.list({
        status: options.status as never,
        limit: options.limit,
      });
      if (output.json) return printJson(output, page);
      printTable(
        output,
        page.items,
        {
          id: (w) => w.id,
          name: (w) => w.name,
          status: (w) => w.status,
          strategy: (w) => w.chosenStrategy,
          steps: (w) =>
            `${w.steps.filter((s) => s.status === 'succeeded').length}/${w.steps.length}`,
          created: (w) => w.createdAt,
        },
        'No workflows.',
      );
    });

  idCommand(workflows, {
    name: 'cancel',
    description: "cancel a running workflow and its steps' tasks",
    example: 'agent-core workflows cancel 01J9ZQ4B7C8D9E0F1G2H3J4K5M',
    run: (client, id) => client.workflows.cancel(id),
    say: (workflow) => `${workflow.id} is ${workflow.status}`,
  });
}
