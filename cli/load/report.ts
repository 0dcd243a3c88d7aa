/**
 * A load run's report: the summary printed at the end, the JSON file (`--report=FILE`), and an
 * HTML page beside it with charts of latency, throughput and memory over time (uPlot, inlined:
 * the page loads nothing from anywhere).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { LoadReport } from './runner.js';

const require = createRequire(import.meta.url);

const ms = (value: number | null) => (value === null ? '–' : `${value} ms`);

export function summaryLines(report: LoadReport): string[] {
  const codes = Object.entries(report.failedByCode)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  const lines = [
    `${report.kind} test against ${report.url} (agent ${report.agentId})`,
    `  submitted   ${report.submitted} of ${report.planned} planned` +
      (report.skippedAtCap ? ` (${report.skippedAtCap} skipped: maxInFlight reached)` : ''),
    `  succeeded   ${report.succeeded}`,
    `  failed      ${report.failed}${codes ? ` (${codes})` : ''}`,
    `  lost        ${report.lost}${report.lost ? ` (${report.lostTaskIds.slice(0, 5).join(', ')}${report.lost > 5 ? ', …' : ''})` : ''}`,
    `  rate        ${report.achievedRatePerMin}/min achieved, ${report.config.ratePerMin}/min asked`,
    `  latency     p50 ${ms(report.latencyMs.p50)}, p95 ${ms(report.latencyMs.p95)}, p99 ${ms(report.latencyMs.p99)}, max ${ms(report.latencyMs.max)}`,
    `  error rate  ${(report.errorRate * 100).toFixed(2)}% (max ${(report.config.maxErrorRate * 100).toFixed(2)}%)`,
  ];
  if (report.memory) {
    const m = report.memory;
    lines.push(
      m.samples.length
        ? `  memory      ${m.startMb} MB → ${m.endMb} MB (max ${m.maxMb} MB, ${m.slopeMbPerHour === null ? 'no trend under 30 min' : `trend ${m.slopeMbPerHour} MB/h`}, ${m.samples.length} samples of ${m.source})`
        : '  memory      (no sample could be read)',
    );
  } else {
    lines.push('  memory      not sampled: the API is not a local runtime of this machine');
  }
  lines.push(report.passed ? '  PASSED' : `  FAILED: ${report.reasons.join('; ')}`);
  return lines;
}

/** Where the chart goes: beside the JSON file, `.html` for `.json`. */
export const chartPathOf = (reportPath: string): string =>
  reportPath.endsWith('.json') ? `${reportPath.slice(0, -5)}.html` : `${reportPath}.html`;

export function writeReport(report: LoadReport, path: string): { json: string; html: string } {
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  const html = chartPathOf(path);
  writeFileSync(html, chartPage(report));
  return { json: path, html };
}

/** JSON inside a <script> element: `<` escaped so that no text in it can close the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function chartPage(report: LoadReport): string {
  const uplotDir = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  const uplotJs = readFileSync(join(uplotDir, 'uPlot.iife.min.js'), 'utf8');
  const uplotCss = readFileSync(join(uplotDir, 'uPlot.min.css'), 'utf8');
  const summary = summaryLines(report).map(escapeHtml).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>agent-core ${report.kind} test, ${escapeHtml(report.startedAt)}</title>
<style>${uplotCss}
body { font: 14px system-ui, sans-serif; margin: 2em; color: #222; }
pre { background: #f4f4f4; padding: 1em; }
h2 { font-size: 1.1em; margin-top: 2em; }
</style>
</head>
<body>
<h1>agent-core ${report.kind} test</h1>
<pre>${summary}</pre>
<h2>Latency of the tasks that finished in each ${report.config.bucketSec} s (ms, submitted → succeeded)</h2>
<div id="latency"></div>
<h2>Throughput (tasks per minute, over the last minute) and tasks in flight</h2>
<div id="throughput"></div>
<h2>Runtime memory (MB, resident)</h2>
<div id="memory"></div>
<script id="report" type="application/json">${scriptJson(report)}</script>
<script>${uplotJs}</script>
<script>
const report = JSON.parse(document.getElementById('report').textContent);
const t = report.timeline.map((p) => p.t);
const size = { width: Math.min(1000, window.innerWidth - 60), height: 260 };
new uPlot({ ...size, scales: { x: { time: false } }, series: [
  { label: 'seconds' },
  { label: 'p50', stroke: '#1f77b4' },
  { label: 'p95', stroke: '#d62728' },
] }, [t, report.timeline.map((p) => p.p50), report.timeline.map((p) => p.p95)], document.getElementById('latency'));
new uPlot({ ...size, scales: { x: { time: false } }, series: [
  { label: 'seconds' },
  { label: 'submitted/min', stroke: '#7f7f7f' },
  { label: 'succeeded/min', stroke: '#2ca02c' },
  { label: 'failed/min', stroke: '#d62728' },
  { label: 'in flight', stroke: '#9467bd' },
] }, [t,
  report.timeline.map((p) => p.submittedPerMin),
  report.timeline.map((p) => p.succeededPerMin),
  report.timeline.map((p) => p.failedPerMin),
  report.timeline.map((p) => p.inFlight),
], document.getElementById('throughput'));
const memory = report.memory?.samples ?? [];
if (memory.length) {
  new uPlot({ ...size, scales: { x: { time: false } }, series: [
    { label: 'seconds' },
    { label: 'RSS MB', stroke: '#ff7f0e' },
  ] }, [memory.map((m) => m.t), memory.map((m) => m.rssMb)], document.getElementById('memory'));
} else {
  document.getElementById('memory').textContent = 'Not sampled.';
}
</script>
</body>
</html>
`;
}
