/** `agent-core tasks …`: submit (and wait), get, list, cancel, trace, and tail from the feed. */
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { AgentCoreClient, Task, TaskSubmission } from '../../client/index.js';
import { TASK_FINISHED } from '../../client/index.js';
import { UsageError } from '../config.js';
import { contextOf, examples, idCommand, integer, jsonOrText, readJson } from '../context.js';
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

const PRIORITIES = ['critical', 'normal', 'low'];
const STATUSES = ['queued', 'running', 'retrying', 'waiting', 'succeeded', 'failed', 'cancelled'];

export function printTask(output: Output, task: Task): void {
  if (output.json) {
    printJson(output, task);
    return;
  }
  printFields(output, {
    id: task.id,
    agent: task.agentId,
    status: task.deadLettered ? `${task.status} (dead-lettered)` : task.status,
    priority: task.priority,
    attempts: `${task.attempts} of ${task.maxAttempts}`,
    output: task.output === null ? undefined : task.output,
    error: task.error ? `${task.error.code}: ${task.error.message}` : undefined,
    usage: `${task.usage.modelCalls} model calls, ${task.usage.toolCalls} tool calls, ${task.usage.inputTokens}+${task.usage.outputTokens} tokens, $${task.usage.costUsd}`,
    workflow: task.workflowId ?? undefined,
    created: task.createdAt,
    finished: task.finishedAt ?? undefined,
  });
  if (task.steps.length) {
    printTable(output, task.steps, {
      '#': (s) => s.index,
      kind: (s) => s.kind,
      name: (s) => s.name,
      ok: (s) => (s.ok ? 'ok' : 'failed'),
      ms: (s) => s.durationMs,
      detail: (s) => clip(s.detail ?? '', 50),
    });
  }
}

/** The exit code a finished task stands for: 0 when it succeeded. */
export const taskExitCode = (task: Task): number =>
  task.status === 'succeeded' ? ExitCode.ok : ExitCode.failed;

/**
 * Polls a task until it has finished, with a live status line on a terminal (cli-progress):
 * its status, the steps done so far, and the time waited.
 */
export async function waitForTask(
  client: AgentCoreClient,
  task: Task,
  timeoutSeconds: number | undefined,
): Promise<Task> {
  const live = process.stderr.isTTY
    ? new SingleBar({
        format: 'task {id}  {status}  steps {steps}  {duration_formatted}',
        hideCursor: true,
        clearOnComplete: true,
        stream: process.stderr,
      })
    : undefined;
  live?.start(1, 0, { id: task.id, status: task.status, steps: task.steps.length });
  const deadline = timeoutSeconds ? Date.now() + timeoutSeconds * 1000 : Infinity;
  let current = task;
  try {
    while (!TASK_FINISHED.includes(current.status as never)) {
      if (Date.now() > deadline) {
        throw new UsageError(
          `gave up waiting after ${timeoutSeconds}s: task ${task.id} is ${current.status}`,
        );
      }
      await new Promise((r) => setTimeout(r, 300));
      current = await client.tasks.get(task.id);
      live?.update(0, { status: current.status, steps: current.steps.length });
    }
  } finally {
    live?.stop();
  }
  return current;
}

interface SubmitOptions {
  file?: string;
  inputFile?: string;
  priority?: string;
  maxAttempts?: number;
  timeoutMs?: number;
  metadata?: string;
  idempotencyKey?: string;
  wait?: boolean;
  timeout?: number;
}

function submissionOf(
  agentId: string | undefined,
  input: string | undefined,
  options: SubmitOptions,
): TaskSubmission {
  const fromFile = options.file ? (readJson(options.file) as Partial<TaskSubmission>) : {};
  if (options.priority && !PRIORITIES.includes(options.priority)) {
    throw new UsageError(`--priority must be one of ${PRIORITIES.join(', ')}`);
  }
  let metadata: Record<string, unknown> | undefined;
  if (options.metadata !== undefined) {
    const parsed = jsonOrText(options.metadata);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new UsageError('--metadata must be a JSON object');
    }
    metadata = parsed as Record<string, unknown>;
  }
  const body = {
    ...fromFile,
    ...(agentId ? { agentId } : {}),
    ...(input !== undefined ? { input: jsonOrText(input) } : {}),
    ...(options.inputFile ? { input: readJson(options.inputFile) } : {}),
    ...(options.priority ? { priority: options.priority } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(metadata ? { metadata } : {}),
  } as TaskSubmission;
  if (!body.agentId) throw new UsageError('name the agent: tasks submit <agentId> <input>');
  if (body.input === undefined)
    throw new UsageError('give the task an input (or --input-file, -f)');
  return body;
}

export function tasksCommand(program: Command): void {
  const tasks = program
    .command('tasks')
    .description('submit tasks and follow them: get, list, cancel, trace, tail')
    .addHelpText(
      'after',
      examples(
        "agent-core tasks submit calculator 'what is (2+3)*7?' --priority critical --wait",
        'agent-core tasks list --agent calculator --status failed',
        'agent-core tasks tail 01J9ZQ4B7C8D9E0F1G2H3J4K5M',
      ),
    );

  tasks
    .command('submit [agentId] [input]')
    .description('submit a task; the input is JSON when it parses as JSON, else text')
    .option('-f, --file <file>', 'the whole request as JSON (API.md, Tasks); - reads stdin')
    .option('--input-file <file>', 'the input from a JSON file')
    .option('--priority <priority>', 'critical, normal or low')
    .option('--max-attempts <n>', 'attempts before the task is dead-lettered', integer(1))
    .option('--timeout-ms <ms>', "the task's own time limit", integer(100))
    .option('--metadata <json>', 'a JSON object kept with the task')
    .option('--idempotency-key <key>', 'the same key and body within 24 h answer the first task')
    .option('--wait', 'wait until it has finished (exit 1 unless it succeeded)')
    .option('--timeout <seconds>', 'with --wait: give up after this long (exit 2)', integer(1))
    .addHelpText(
      'after',
      examples(
        "agent-core tasks submit calculator 'what is (2+3)*7?' --wait",
        `agent-core tasks submit reviewer '{"file": "src/app.ts"}' --priority critical --idempotency-key review-42`,
        'agent-core tasks submit -f task.json --wait --json',
      ),
    )
    .action(
      async (
        agentId: string | undefined,
        input: string | undefined,
        options: SubmitOptions,
        command: Command,
      ) => {
        const { client, output } = contextOf(command);
        const body = submissionOf(agentId, input, options);
        const task = await client.tasks.submit(body, { idempotencyKey: options.idempotencyKey });
        if (!options.wait) return printTask(output, task);
        const done = await waitForTask(client, task, options.timeout);
        printTask(output, done);
        throw new Exit(taskExitCode(done));
      },
    );

  idCommand(tasks, {
    name: 'get',
    description: 'show a task: status, output, steps, usage',
    example: 'agent-core tasks get 01J9ZQ4B7C8D9E0F1G2H3J4K5M',
    run: (client, id) => client.tasks.get(id),
    say: (task, output) => {
      printTask(output, task);
      return undefined;
    },
  });

  tasks
    .command('list')
    .description('list tasks, newest first')
    .option('--agent <agentId>', "only this agent's tasks")
    .option('--status <status>', STATUSES.join(', '))
    .option('--limit <n>', 'tasks to show (1..100)', integer(1))
    .addHelpText(
      'after',
      examples('agent-core tasks list --agent calculator --status succeeded --limit 10'),
    )
    .action(
      async (options: { agent?: string; status?: string; limit?: number }, command: Command) => {
        const { client, output } = contextOf(command);
        const page = await client.tasks.list({
          agentId: options.agent,
          status: options.status as never,
          limit: options.limit,
        });
        if (output.json) return printJson(output, page);
        printTable(
          output,
          page.items,
          {
            id: (t) => t.id,
            agent: (t) => t.agentId,
            status: (t) => (t.deadLettered ? `${t.status} (DLQ)` : t.status),
            priority: (t) => t.priority,
            created: (t) => t.createdAt,
            output: (t) => clip(cellText(t.output ?? t.error?.message ?? ''), 40),
          },
          'No tasks.',
        );
      },
    );

  idCommand(tasks, {
    name: 'cancel',
    description: 'cancel a task that has not finished',
    example: 'agent-core tasks cancel 01J9ZQ4B7C8D9E0F1G2H3J4K5M',
    run: (client, id) => client.tasks.cancel(id),
    say: (task) => `${task.id} is ${task.status}`,
  });

  tasks
    .command('trace <id>')
    .description("a task's events, in order")
    .addHelpText('after', examples('agent-core tasks trace 01J9ZQ4B7C8D9E0F1G2H3J4K5M --json'))
    .action(async (id: string, _options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const items = [];
      for await (const entry of client.tasks.iterateTrace(id)) items.push(entry);
      if (output.json) return printJson(output, { items });
      for (const entry of items) output.out(eventLine(entry.time, entry.type, entry.data));
    });

  tasks
    .command('tail <id>')
    .description("follow a task live from the feed: its events and the model's answer as it comes")
    .addHelpText('after', examples('agent-core tasks tail 01J9ZQ4B7C8D9E0F1G2H3J4K5M'))
    .action(async (id: string, _options: unknown, command: Command) => {
      const { client, output } = contextOf(command);
      const task = await tailTask(client, output, id);
      if (!output.json)
        output.out(
          `\n${task.id} ${task.status}${task.output !== null ? `: ${cellText(task.output)}` : ''}`,
        );
      else printJson(output, task);
      throw new Exit(taskExitCode(task));
    });
}

/** One event as a line: time, type, and what its data says in short. */
export function eventLine(time: string, type: string, data: Record<string, unknown>): string {
  const { taskId: _t, agentId, ...rest } = data;
  const summary = Object.entries(rest)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${clip(cellText(v), 60)}`)
    .join(' ');
  return `${time.slice(11, 23)}  ${type.padEnd(18)} ${agentId ? `${agentId} ` : ''}${summary}`;
}

const TERMINAL_EVENTS = new Set([
  'task.succeeded',
  'task.failed',
  'task.cancelled',
  'task.dead-lettered',
]);

/**
 * Follows one task from the feed until it has finished: the feed replays its events from the
 * start (`subscribe` by task, after null), then sends them live with the model's answer as it
 * is written (delta frames). A task that has already finished is its trace.
 */
export async function tailTask(client: AgentCoreClient, output: Output, id: string): Promise<Task> {
  const first = await client.tasks.get(id); // 404 here, before any socket
  const printed = new Set<string>();
  let midLine = false;
  const show = (event: {
    id: string;
    time: string;
    type: string;
    data: Record<string, unknown>;
  }) => {
    if (printed.has(event.id) || (event.data.taskId !== undefined && event.data.taskId !== id)) {
      return false;
    }
    printed.add(event.id);
    if (output.json) output.out(JSON.stringify({ type: 'event', event }));
    else {
      if (midLine) process.stdout.write('\n');
      midLine = false;
      output.out(eventLine(event.time, event.type, event.data));
    }
    return TERMINAL_EVENTS.has(event.type);
  };
  const showTrace = async () => {
    let ended = false;
    for await (const entry of client.tasks.iterateTrace(id)) {
      ended =
        show({ id: entry.eventId, time: entry.time, type: entry.type, data: entry.data }) || ended;
    }
    return ended;
  };
  if (TASK_FINISHED.includes(first.status as never)) {
    // Already over: its trace is the whole story.
    await showTrace();
    return first;
  }
  const feed = client.feed({ taskId: id, after: null });
  try {
    await new Promise<void>((resolve, reject) => {
      let subscribed = false;
      feed.on('subscribed', () => {
        if (!subscribed) output.err(`following task ${id} (Ctrl-C to stop)`);
        subscribed = true;
      });
      feed.on('event', (event) => {
        if (show({ id: event.id, time: event.time, type: event.type, data: event.detail.data })) {
          resolve();
        }
      });
      feed.on('delta', (delta) => {
        if (delta.taskId !== id) return;
        if (output.json) output.out(JSON.stringify(delta));
        else {
          // The call was tried again: what was written of it is void.
          if (delta.reset) process.stdout.write(`${midLine ? '\n' : ''}[the answer starts over]\n`);
          process.stdout.write(delta.text);
          midLine = delta.text !== '' || (midLine && !delta.reset);
        }
      });
      // The server refused the subscription (this key may not follow the task); a connection
      // that drops is the feed's to reconnect.
      feed.on('error', (error) => {
        if (error.kind === 'server' && !subscribed) reject(error);
      });
    });
    return await client.tasks.get(id);
  } finally {
    feed.close();
  }
}
