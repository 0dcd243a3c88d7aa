/**
 * The code-analysis report, in markdown: a summary, the worst functions by cyclomatic
 * complexity, the reviews of the hotspots, and the findings per file. Every figure comes from
 * the scan (`code.scan`, a tool); only the reviews and the assessment come from a model, and
 * only when one reviewed: otherwise the report says why there are none.
 */
import type { CodeScan, Hotspot } from '../../shared/core/tools/code-scan.js';
import { COMPLEX_FUNCTION } from '../../shared/core/tools/code-scan.js';

export interface Review {
  hotspot: Hotspot;
  text: string;
  /** The model that wrote it, as the task's steps name it. */
  model: string;
}

export interface ReportInput {
  /** The folder analysed, as the user named it. */
  folder: string;
  generatedAt: string;
  workflowId: string;
  scan: CodeScan;
  reviews: Review[];
  /** Why there are no reviews (no real model), when there are none. */
  reviewsSkipped?: string | undefined;
  /** The aggregator's overall assessment, when a model wrote one. */
  assessment?: { text: string; model: string } | undefined;
  /** Files of the folder that never reached the scanner's workspace, and why. */
  notCopied: { path: string; reason: string }[];
  /** How many rows the table of worst functions has at most. */
  worstFunctions?: number;
}

/** Text for a table cell: one line, pipes escaped. */
const cell = (value: string | number) => String(value).replace(/\|/g, '\\|').replace(/\s+/g, ' ');
/** Code in a table or a heading: backticks cannot close it early. */
const code = (value: string) => (value.includes('`') ? `\`\` ${value} \`\`` : `\`${value}\``);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const fenceFor = (path: string) => (/\.[cm]?tsx?$/i.test(path) ? 'ts' : 'js');

export function renderReport(input: ReportInput): string {
  const sections = [
    [
      `# Code analysis: ${input.folder}`,
      '',
      `${input.generatedAt} · workflow \`${input.workflowId}\` · figures from \`code.scan\` (the TypeScript compiler's parser)`,
    ],
    summary(input),
    worstFunctions(input.scan.hotspots.slice(0, input.worstFunctions ?? 10)),
    reviews(input.reviews),
    findingsPerFile(input.scan),
    leftOut(input),
  ];
  return `${sections
    .filter((lines) => lines.length)
    .map((lines) => lines.join('\n'))
    .join('\n\n')}\n`;
}

function summary({ scan, reviews, reviewsSkipped, notCopied, assessment }: ReportInput): string[] {
  const { totals } = scan;
  const lines = ['## Summary', ''];
  if (totals.files === 0) {
    lines.push('- **No TypeScript or JavaScript file** was found to analyse.');
  } else {
    const languages = Object.entries(countBy(scan.files.map((f) => f.language)))
      .map(([language, n]) => `${language === 'typescript' ? 'TypeScript' : 'JavaScript'} ${n}`)
      .join(', ');
    lines.push(
      `- **${plural(totals.files, 'file')}** analysed (${languages}): ${totals.lines} lines (${totals.codeLines} code, ${totals.commentLines} comment, ${totals.blankLines} blank).`,
      `- **${plural(totals.functions, 'function')}**, mean cyclomatic complexity ${totals.meanComplexity}; **${totals.complexFunctions}** at ${COMPLEX_FUNCTION} or more.`,
      `- **${totals.todos} TODO/FIXME** comment${totals.todos === 1 ? '' : 's'}; ${plural(totals.imports, 'import')}.`,
    );
  }
  if (scan.dependencies.length) {
    const top = scan.dependencies.slice(0, 8).map((d) => `${code(d.module)} (${d.files})`);
    lines.push(`- Packages imported most: ${top.join(', ')}.`);
  }
  if (reviews.length) {
    const models = [...new Set(reviews.map((r) => r.model))].join(', ');
    lines.push(`- **${plural(reviews.length, 'hotspot')} reviewed** by ${models}.`);
  }
  if (reviewsSkipped) lines.push(`- **Reviews skipped:** ${reviewsSkipped}`);
  const left = scan.skipped.length + notCopied.length;
  if (left) {
    lines.push(
      `- **Not complete:** ${plural(left, 'file or folder', 'files or folders')} left out (see the end).`,
    );
  } else if (scan.truncated) {
    lines.push('- **Not complete:** a list was cut at its limit (see `code.scan` in the README).');
  }
  if (assessment) lines.push('', `**Assessment** (${assessment.model}): ${assessment.text.trim()}`);
  return lines;
}

function worstFunctions(worst: Hotspot[]): string[] {
  if (!worst.length) return [];
  return [
    '## Worst functions',
    '',
    '| # | function | file | line | complexity | lines |',
    '|---|---|---|---|---|---|',
    ...worst.map(
      (h, i) =>
        `| ${i + 1} | ${cell(code(h.name))} | ${cell(h.path)} | ${h.line} | ${h.cyclomaticComplexity} | ${h.endLine - h.line + 1} |`,
    ),
  ];
}

function reviews(done: Review[]): string[] {
  if (!done.length) return [];
  return [
    '## Reviews',
    ...done.flatMap(({ hotspot: h, text, model }, i) => [
      '',
      `### ${i + 1}. ${code(h.name)} (${h.path}:${h.line}, complexity ${h.cyclomaticComplexity})`,
      '',
      `<details><summary>the function (${plural(h.endLine - h.line + 1, 'line')}${h.sourceTruncated ? ', cut' : ''})</summary>`,
      '',
      // Four backticks: the source's own ``` cannot end the block.
      `\`\`\`\`${fenceFor(h.path)}`,
      h.source,
      '````',
      '',
      '</details>',
      '',
      text.trim(),
      '',
      `*Reviewed by ${model}.*`,
    ]),
  ];
}

function findingsPerFile(scan: CodeScan): string[] {
  if (!scan.files.length) return [];
  const lines = [
    '## Findings per file',
    '',
    '| file | lines (code) | functions | max complexity | imports | TODO/FIXME |',
    '|---|---|---|---|---|---|',
    ...scan.files.map(
      (f) =>
        `| ${cell(f.path)} | ${f.lines.total} (${f.lines.code}) | ${f.functions} | ${f.maxComplexity}${f.maxComplexity >= COMPLEX_FUNCTION ? ' ⚠' : ''} | ${f.imports} | ${f.todos} |`,
    ),
  ];
  const findings = new Map<string, string[]>();
  const add = (path: string, line: string) =>
    findings.set(path, [...(findings.get(path) ?? []), line]);
  for (const h of scan.hotspots.filter((h) => h.cyclomaticComplexity >= COMPLEX_FUNCTION)) {
    add(
      h.path,
      `- complex function ${code(h.name)} (line ${h.line}): cyclomatic complexity ${h.cyclomaticComplexity}`,
    );
  }
  for (const t of scan.todos) add(t.path, `- ${t.kind} (line ${t.line}): ${t.text || '(no text)'}`);
  for (const [path, found] of [...findings].sort(([a], [b]) => (a < b ? -1 : 1))) {
    lines.push('', `### ${path}`, '', ...found);
  }
  return lines;
}

function leftOut({ scan, notCopied }: ReportInput): string[] {
  if (!scan.skipped.length && !notCopied.length) return [];
  return [
    '## Left out',
    '',
    ...notCopied.map((n) => `- ${n.path}: not copied to the scanner's workspace: ${n.reason}`),
    ...scan.skipped.map((s) => `- ${s.path}: ${s.reason}`),
  ];
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
