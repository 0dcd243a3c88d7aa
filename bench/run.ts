/**
 * `npm run bench`: every benchmark, one after the other, printing its figures. Targets are shown
 * beside the figures; a missed target is reported, never a failure.
 *   BENCH_TASKS (default 2000) and BENCH_CONCURRENCY (default 32) size the end-to-end run.
 * `npm run bench -- <section> …` runs only those sections (names below, in SECTIONS).
 */
import { existsSync } from 'node:fs';
import { benchAgentLoop } from './agent-loop.js';
import { benchBundles, printTable } from './bundles.js';
import { benchDeltaLatency } from './delta-latency.js';
import { benchEventToPage } from './event-to-page.js';
import { benchLocalThroughput } from './local-throughput.js';
import { benchMemorySearch, printMemorySearch } from './memory-search.js';
import { benchMessageDelivery } from './message-delivery.js';
import { benchOrchestration } from './orchestration.js';
import { benchDecisionToRunning, benchTurnOverhead } from './threads.js';

// The SDK's notice that its 2027 releases need Node 22 is in the README, not in the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const SECTIONS = [
  'throughput',
  'bundles',
  'agent-loop',
  'memory-search',
  'message-delivery',
  'orchestration',
  'threads',
  'approvals',
  'delta-latency',
  'event-to-page',
] as const;
const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(SECTIONS as readonly string[]).includes(name));
if (unknown.length) {
  console.error(`unknown section(s): ${unknown.join(', ')}; sections: ${SECTIONS.join(', ')}`);
  process.exit(2);
}
const wants = (section: (typeof SECTIONS)[number]) => asked.length === 0 || asked.includes(section);

const tasks = Number(process.env.BENCH_TASKS ?? 2000);
const round2 = (n: number) => Math.round(n * 100) / 100;
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);

if (wants('throughput')) {
  console.log(
    `\n== Local end to end: ${tasks} echo tasks over HTTP, ${concurrency} concurrent submitters`,
  );
  const e2e = await benchLocalThroughput(tasks, concurrency);
  console.log(`tasks/s                     ${e2e.tasksPerSecond}   (target >= 100)`);
  console.log(
    `submit→succeeded latency ms p50 ${e2e.latencyMs.p50}  p95 ${e2e.latencyMs.p95}  p99 ${e2e.latencyMs.p99}   (target p99 < 1000)`,
  );
  console.log(`submit request ms           p50 ${e2e.submitMs.p50}  p99 ${e2e.submitMs.p99}`);
}

if (wants('bundles')) {
  console.log('\n== Lambda bundles (esbuild, as deployed)');
  printTable(await benchBundles());
}

if (wants('agent-loop')) {
  console.log('\n== Agent loop overhead per step (model and tool time excluded)');
  const loop = await benchAgentLoop();
  console.log(
    `${loop.loops} loops of ${loop.stepsPerLoop} steps: mean ${loop.overheadMsPerStep.mean} ms, p50 ${loop.overheadMsPerStep.p50} ms, p99 ${loop.overheadMsPerStep.p99} ms   (target < 2 ms)`,
  );
}

if (wants('memory-search')) {
  console.log('\n== Memory search (dynalite on disk, local embedder, k=5)');
  printMemorySearch(await benchMemorySearch());
}

if (wants('message-delivery')) {
  console.log('\n== Message delivery: send over HTTP → recipient inbox (npm start)');
  console.log(JSON.stringify(await benchMessageDelivery(200, 4), null, 2));
}

if (wants('orchestration')) {
  console.log('\n== Orchestration: 3-step sequential workflows of no-op (echo) steps (npm start)');
  const orchestration = await benchOrchestration(Number(process.env.BENCH_WORKFLOWS ?? 40));
  console.log(JSON.stringify(orchestration, null, 2));
  console.log(
    `overhead per step p99 ${orchestration.overheadMsPerStep.p99} ms   (target < 20); ` +
      `3-step wall p50 ${orchestration.workflowWallMs.p50} ms vs LangGraph.js in memory ` +
      `${orchestration.langGraph.wallMs.p50} ms: ${orchestration.ratio}×`,
  );
}

if (wants('threads')) {
  console.log(
    '\n== Thread turn overhead: post + run one turn (echo), dynalite on disk, in-process',
  );
  const turnCases = await benchTurnOverhead();
  for (const c of turnCases) {
    console.log(
      `${String(c.messages).padStart(6)} messages, contextTokens ${String(c.contextTokens).padStart(6)}: ` +
        `turn p50 ${c.turnMs.p50} ms, p99 ${c.turnMs.p99} ms; DynamoDB reads ${c.callsPerTurn.reads}, ` +
        `writes ${c.callsPerTurn.writes} per turn`,
    );
  }
  for (const budget of new Set(turnCases.map((c) => c.contextTokens))) {
    const [fewest, most] = turnCases.filter((c) => c.contextTokens === budget).slice(0, 2);
    if (fewest && most) {
      console.log(
        `contextTokens ${budget}: ${most.messages} / ${fewest.messages} messages, turn p50 ${round2(most.turnMs.p50 / fewest.turnMs.p50)}×   (target flat: ~1×)`,
      );
    }
  }
}

if (wants('approvals')) {
  console.log('\n== Approval decision → task running again (npm start)');
  console.log(JSON.stringify(await benchDecisionToRunning(), null, 2));
}

if (wants('delta-latency')) {
  console.log(
    '\n== Delta latency: a streamed chunk from the model server to a following client (npm start)',
  );
  const deltas = await benchDeltaLatency();
  console.log(`machine: ${deltas.machine}`);
  for (const pace of deltas.paces) {
    console.log(
      `chunks ${pace.chunkGapMs} ms apart: ${pace.chunks} chunks in ${pace.frames} frames, ` +
        `p50 ${pace.latencyMs.p50} ms  p99 ${pace.latencyMs.p99} ms  max ${pace.latencyMs.max} ms`,
    );
  }
}

if (wants('event-to-page')) {
  if (existsSync('/usr/bin/chromium')) {
    console.log('\n== Event to page: an event until the dashboard shows it (Chromium, npm start)');
    const page = await benchEventToPage();
    console.log(JSON.stringify(page, null, 2));
    console.log(`event → page p99 ${page.eventToPageMs.p99} ms   (target < 100)`);
  } else {
    console.log('\n== Event to page: skipped, no /usr/bin/chromium (apt-get install chromium)');
  }
}
