/**
 * `npm run test:faults`: FAULT_TRIALS (default 3) kill -9 trials against `npm start`, seeded by
 * FAULT_SEED (printed; set it to replay a run). Exits non-zero on any invariant violated.
 */
import { runFaultTrials } from './suite.js';

const trials = Number(process.env.FAULT_TRIALS ?? 3);
const seed = process.env.FAULT_SEED ? Number(process.env.FAULT_SEED) : Date.now() % 2 ** 31;
if (!Number.isInteger(trials) || trials < 1)
  throw new Error('FAULT_TRIALS must be a positive integer');
if (!Number.isInteger(seed)) throw new Error('FAULT_SEED must be an integer');

process.stdout.write(`fault suite: ${trials} trial(s), FAULT_SEED=${seed}\n`);
const report = await runFaultTrials({ trials, seed });

const { accepted } = report;
process.stdout.write(
  `${[
    `trials: ${report.trials}, seed ${report.seed}, ${(report.durationMs / 1000).toFixed(1)} s`,
    `faults injected: ${report.kills} kill -9 of the runtime's process group, ${report.modelFailures} model calls failed (503)`,
    `terminal events lost from traces with a kill (README, Known limits): ${report.lostTerminalEvents} task(s)`,
    `accepted: ${accepted.tasks} tasks, ${accepted.workflows} workflows, ${accepted.messages} messages`,
    `violations: ${report.violations.length}`,
    ...report.violations.map((v) => `  trial ${v.trial} ${v.invariant} ${v.id}: ${v.detail}`),
  ].join('\n')}\n`,
);
process.exit(report.violations.length ? 1 : 0);
