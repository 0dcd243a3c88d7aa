/**
 * `agent-core load-test` and `agent-core soak-test` (`npm run load:test`, `npm run soak:test`),
 * with the flags and defaults of the system agent-core grew from: load 5 tasks a minute for
 * 120 s, 2 in flight; soak 10 a minute for 2 hours, 5 in flight.
 */
import { resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import type { AgentCoreClient } from '../../client/index.js';
import { contextOf, examples, integer, jsonOrText } from '../context.js';
import { summaryLines, writeReport } from '../load/report.js';
import { type LoadOptions, type Progress, runLoad } from '../load/runner.js';
import { localRuntimePid, processTreeRssMb } from '../load/runtime-memory.js';
import { Exit, ExitCode, printJson } from '../output.js';

interface Defaults {
  ratePerMin: number;
  durationSec: number;
  maxInFlight: number;
  graceSec: number;
  bucketSec: number;
  memoryEverySec: number;
}

const LOAD: Defaults = {
  ratePerMin: 5,
  durationSec: 120,
  maxInFlight: 2,
  graceSec: 60,
  bucketSec: 10,
  memoryEverySec: 5,
};
const SOAK: Defaults = {
  ratePerMin: 10,
  durationSec: 7200,
  maxInFlight: 5,
  graceSec: 120,
  bucketSec: 60,
  memoryEverySec: 30,
};

/** `0.01` or `1%`. */
function fraction(value: string): number {
  const n = value.endsWith('%') ? Number(value.slice(0, -1)) / 100 : Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError('expected a fraction from 0 to 1, or a percentage such as 1%');
  }
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number above 0');
  return n;
}

interface Flags {
  ratePerMin: number;
  durationSec: number;
  maxInFlight: number;
  graceSec: number;
  agentId?: string;
  priority: 'critical' | 'normal' | 'low';
  report?: string;
  maxErrorRate: number;
  input: string;
}

/** An echo agent of the run's own, when none is named: answers at once, costs nothing. */
async function ownEchoAgent(client: AgentCoreClient, kind: string): Promise<string> {
  const id = `${kind}-echo-${Date.now().toString(36)}`;
  await client.agents.register({
    id,
    name: `${kind} test echo agent`,
    model: { provider: 'echo' },
    tags: [`${kind}-test`],
  });
  return id;
}

function liveProgress(kind: string, durationSec: number, json: boolean) {
  if (process.stderr.isTTY && !json) {
    const bar = new SingleBar({
      format: `${kind} {bar} {value}/{total}s | submitted {submitted} ok {succeeded} failed {failed} in flight {inFlight} | p95 {p95}`,
      hideCursor: true,
      stream: process.stderr,
    });
    bar.start(durationSec, 0, { submitted: 0, succeeded: 0, failed: 0, inFlight: 0, p95: '–' });
    return {
      update: (p: Progress) =>
        bar.update(Math.min(durationSec, p.elapsedSec), {
          ...p,
          p95: p.p95 === null ? '–' : `${p.p95} ms`,
        }),
      stop: () => bar.stop(),
    };
  }
  // Not a terminal: a plain line now and then, so that a log shows the run going.
  let last = -Infinity;
  const every = durationSec > 600 ? 60 : 10;
  return {
    update: (p: Progress) => {
      if (p.elapsedSec - last < every) return;
      last = p.elapsedSec;
      process.stderr.write(
        `[${kind}] ${p.elapsedSec}/${durationSec}s submitted ${p.submitted} ok ${p.succeeded} failed ${p.failed} in flight ${p.inFlight}${p.skippedAtCap ? ` skipped ${p.skippedAtCap}` : ''} p95 ${p.p95 ?? '–'} ms\n`,
      );
    },
    stop: () => {},
  };
}

function loadCommand(program: Command, name: 'load-test' | 'soak-test', defaults: Defaults): void {
  const kind = name === 'load-test' ? 'load' : 'soak';
  program
    .command(name)
    .description(
      kind === 'load'
        ? 'submit tasks at a fixed rate (open loop) and report latency, throughput and losses'
        : "a long load test that also follows the runtime's memory, to spot leaks",
    )
    .option(
      '--ratePerMin <n>',
      'tasks submitted per minute, whatever the latency',
      positiveNumber,
      defaults.ratePerMin,
    )
    .option('--durationSec <n>', 'how long to submit', integer(1), defaults.durationSec)
    .option(
      '--maxInFlight <n>',
      'tasks accepted and not finished at most (a due submission beyond it is skipped)',
      integer(1),
      defaults.maxInFlight,
    )
    .option(
      '--graceSec <n>',
      'how long to wait for the tasks in flight after the end',
      integer(0),
      defaults.graceSec,
    )
    .option('--agentId <id>', 'the agent to load (default: an echo agent made for the run)')
    .option('--priority <priority>', 'critical, normal or low', 'normal')
    .option('--input <text>', "each task's input (JSON when it parses as JSON)", 'load test')
    .option('--report <file>', 'write the summary as JSON there, and an HTML chart beside it')
    .option(
      '--maxErrorRate <rate>',
      'fail (exit 1) above this share of failed or lost tasks (0.01 or 1%)',
      fraction,
      0.01,
    )
    .addHelpText(
      'after',
      `
Exit code 1 when a task was lost (accepted, not finished by the end plus the grace) or the error
rate passed --maxErrorRate. Latency is each task's own submitted → finished time.
${examples(
  kind === 'load'
    ? 'npm run load:test -- --ratePerMin=5 --durationSec=120 --maxInFlight=2 --url=http://localhost:3000'
    : 'npm run soak:test -- --ratePerMin=10 --durationSec=7200 --maxInFlight=5 --url=http://localhost:3000',
  `agent-core ${name} --ratePerMin=120 --durationSec=60 --maxInFlight=20 --report=${kind}.json`,
  `agent-core ${name} --agentId=reviewer --priority=low --maxErrorRate=5%`,
)}`,
    )
    .action(async (flags: Flags, command: Command) => {
      const { client, output, connection } = contextOf(command);
      if (!['critical', 'normal', 'low'].includes(flags.priority)) {
        throw new InvalidArgumentError('--priority must be critical, normal or low');
      }
      await client.health(); // an unreachable URL fails here, before anything is created
      const agentId = flags.agentId ?? (await ownEchoAgent(client, kind));
      const pid = localRuntimePid(
        resolve(process.env.AGENT_CORE_DATA_DIR ?? '.data'),
        connection.url,
      );
      const options: LoadOptions = {
        kind,
        ratePerMin: flags.ratePerMin,
        durationSec: flags.durationSec,
        maxInFlight: flags.maxInFlight,
        graceSec: flags.graceSec,
        maxErrorRate: flags.maxErrorRate,
        priority: flags.priority,
        agentId,
        input: jsonOrText(flags.input),
        bucketSec: Math.min(defaults.bucketSec, Math.max(1, Math.ceil(flags.durationSec / 20))),
        memoryEverySec: Math.min(
          defaults.memoryEverySec,
          Math.max(1, Math.ceil(flags.durationSec / 20)),
        ),
      };
      if (!output.json) {
        output.err(
          `${kind} test: ${options.ratePerMin}/min for ${options.durationSec}s, at most ${options.maxInFlight} in flight, agent ${agentId}, ${connection.url}`,
        );
      }
      const live = liveProgress(kind, options.durationSec, output.json);
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      let report: Awaited<ReturnType<typeof runLoad>>;
      try {
        report = await runLoad(client, options, {
          onProgress: live.update,
          signal: stop.signal,
          ...(pid
            ? {
                readMemoryMb: () => processTreeRssMb(pid),
                memorySource: `the local runtime (pid ${pid} and its children)`,
              }
            : {}),
        });
      } finally {
        live.stop();
        process.off('SIGINT', onSignal);
      }
      const files = flags.report ? writeReport(report, resolve(flags.report)) : undefined;
      if (output.json) printJson(output, report);
      else {
        for (const line of summaryLines(report)) output.out(line);
        if (files) output.out(`  report      ${files.json}, chart ${files.html}`);
      }
      if (!report.passed) throw new Exit(ExitCode.failed);
    });
}

export function loadCommands(program: Command): void {
  loadCommand(program, 'load-test', LOAD);
  loadCommand(program, 'soak-test', SOAK);
}
