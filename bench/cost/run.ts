/**
 * `npm run cost`: what agent-core's own operations would cost in AWS, per task and per workflow
 * step (model cost aside). Starts `npm start` with the cost meter on (local/cost-meter.ts), runs
 * the fixed scenarios (bench/cost/scenarios.ts), prices the counts at us-east-1 list prices
 * (bench/cost/prices.ts), and prints a table per service for each scenario and, last:
 *   usd per 1M tasks: <paced> (paced) <burst> (burst); per 1M workflow steps: <n>
 *
 * COST_PACED (40), COST_BURST (200), COST_WORKFLOWS (30), COST_WARMUP (1000: a full learning
 * window), COST_WARMUP_WORKFLOWS (100), COST_CONCURRENCY (32) size it; COST_RUNS (1) repeats the
 * scenarios and keeps each one's cheaper run; COST_JSON=<file> also writes the figures as JSON.
 */
import { writeFileSync } from 'node:fs';
import { topology } from '../../infra/topology.js';
import type { Dimension, MeterRow } from '../../local/cost-meter.js';
import { removeDataDir, startRuntime } from '../../tests/helpers/runtime.js';
import { bill, billedService, perMillion, priceRow } from './bill.js';
import { IDLE_RECEIVES_PER_QUEUE_PER_MONTH, PRICES, PRICES_RECORDED_ON } from './prices.js';
import { registerAgents, runScenarios, type ScenarioResult, warmUp } from './scenarios.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const size = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const sizes = {
  paced: size('COST_PACED', 40),
  burst: size('COST_BURST', 200),
  workflows: size('COST_WORKFLOWS', 30),
  warmup: size('COST_WARMUP', 1000),
  warmupWorkflows: size('COST_WARMUP_WORKFLOWS', 100),
  concurrency: size('COST_CONCURRENCY', 32),
};
const runs = Math.max(1, size('COST_RUNS', 1));

const usd = (n: number) => (n >= 10 ? n.toFixed(2) : n >= 0.1 ? n.toFixed(3) : n.toFixed(4));
const fixed = (n: number, digits = 2) =>
  Number.isInteger(n) ? String(n) : n.toFixed(digits).replace(/\.?0+$/, '');

function printTable(rows: string[][], indent = '  '): void {
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((row) => row[col]?.length ?? 0)));
  for (const row of rows) {
    console.log(
      indent +
        row
          .map((cell, col) =>
            col === 0 ? cell.padEnd(widths?.[col] ?? 0) : cell.padStart(widths?.[col] ?? 0),
          )
          .join('  '),
    );
  }
}

/** The units of a row that matter for its service, per task (or step). */
function describeUnits(row: MeterRow, count: number): string {
  const per = (n: number) => fixed(n / count, 3);
  const u = row.units;
  const parts: string[] = [];
  const show = (dimension: Dimension, label: string) => {
    if (u[dimension]) parts.push(`${per(u[dimension] as number)} ${label}`);
  };
  show('dynamodb.read', 'RRU');
  show('dynamodb.write', 'WRU');
  show('dynamodb.indexWrite', 'of them index');
  show('dynamodb.computed', 'computed');
  show('sqs.request', 'requests');
  show('eventbridge.event', 'events');
  show('sfn.transition', 'transitions');
  show('lambda.request', 'invocations');
  show('lambda.gbSecond', 'GB-s');
  show('http.request', 'requests');
  show('ws.message', 'messages');
  show('ws.connectionMinute', 'connection-min');
  show('logs.byte', 'bytes');
  show('xray.trace', 'traces');
  show('secrets.call', 'calls');
  return parts.join(', ');
}

function printScenario(result: ScenarioResult): number {
  const priced = bill(result.snapshot);
  const total = perMillion(priced.usd, result.count);
  console.log(
    `\n== ${result.name}: ${result.description} (${result.count} ${result.per}s, ${fixed(result.seconds, 1)} s)`,
  );
  console.log(`   usd per 1M ${result.per}s: ${usd(total)}`);
  const services = [...priced.byService].sort((a, b) => b[1] - a[1]);
  for (const [service, serviceUsd] of services) {
    const rows = priced.rows
      .filter((row) => billedService(row) === service)
      .map((row) => ({ row, usd: priceRow(row) }))
      .sort((a, b) => b.usd - a.usd);
    console.log(
      `\n  ${service}: ${usd(perMillion(serviceUsd, result.count))} per 1M ${result.per}s`,
    );
    printTable([
      ['function', 'operation', `calls/${result.per}`, `per ${result.per}`, 'usd/1M'],
      ...rows.map(({ row, usd: rowUsd }) => [
        row.fn,
        row.operation,
        fixed(row.calls / result.count, 3),
        describeUnits(row, result.count),
        usd(perMillion(rowUsd, result.count)),
      ]),
    ]);
  }
  return total;
}

async function main(): Promise<void> {
  const runtime = await startRuntime({
    env: {
      AGENT_CORE_COST_METER: '1',
      // What a deployment logs and emits: INFO lines and the worker's EMF metrics.
      AGENT_CORE_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_DISABLED: 'false',
    },
    timeoutMs: 120_000,
  });
  let results: ScenarioResult[] = [];
  try {
    await registerAgents(runtime);
    console.log(
      `warming up: ${sizes.warmup} tasks per agent and ${sizes.warmupWorkflows} workflows (unmeasured)`,
    );
    await warmUp(runtime, sizes);
    for (let run = 0; run < runs; run++) {
      const measured = await runScenarios(runtime, sizes);
      // Each scenario's cheaper run: the counts are the same, durations vary with the machine.
      results =
        run === 0
          ? measured
          : results.map((best, i) => {
              const other = measured[i] as ScenarioResult;
              return bill(other.snapshot).usd < bill(best.snapshot).usd ? other : best;
            });
    }
  } catch (error) {
    console.error(`the runtime's last output:\n${runtime.output().slice(-4000)}`);
    throw error;
  } finally {
    await runtime.stop();
    removeDataDir(runtime.dataDir);
  }

  console.log(
    `\nPrices: us-east-1 list prices recorded ${PRICES_RECORDED_ON} (bench/cost/prices.ts); ` +
      'model calls excluded. Lambda durations are measured on this machine.',
  );
  const totals = new Map(results.map((r) => [r.name, printScenario(r)]));

  const polledQueues = new Set(
    topology.functions.flatMap((fn) =>
      fn.triggers.flatMap((t) => (t.kind === 'queue' ? [t.queue] : [])),
    ),
  );
  const idleUsd = polledQueues.size * IDLE_RECEIVES_PER_QUEUE_PER_MONTH * PRICES['sqs.request'].usd;
  console.log(
    `\nFixed, whatever the tasks: ${polledQueues.size} queues long-polled by event source mappings ` +
      `≈ ${usd(idleUsd)} USD a month of empty receives.`,
  );
  const dashboard = (totals.get('echo-paced-dashboard') ?? 0) - (totals.get('echo-paced') ?? 0);
  console.log(`A connected dashboard adds ${usd(dashboard)} USD per 1M paced echo tasks.`);
  if (process.env.COST_JSON) {
    writeFileSync(
      process.env.COST_JSON,
      JSON.stringify(
        {
          sizes,
          runs,
          idleUsdPerMonth: idleUsd,
          scenarios: results.map((r) => ({
            name: r.name,
            per: r.per,
            count: r.count,
            usdPerMillion: totals.get(r.name),
            byService: Object.fromEntries(
              [...bill(r.snapshot).byService].map(([s, v]) => [s, perMillion(v, r.count)]),
            ),
          })),
        },
        null,
        2,
      ),
    );
  }
  console.log(
    `\nusd per 1M tasks: ${usd(totals.get('echo-paced') ?? 0)} (paced) ${usd(totals.get('echo-burst') ?? 0)} (burst); ` +
      `per 1M workflow steps: ${usd(totals.get('workflow') ?? 0)}`,
  );
}

await main();
