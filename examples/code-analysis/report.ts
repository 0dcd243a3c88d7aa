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
  const { scan } = input;
  const { totals } = scan;
  const out: string[] = [];
  out.push(`# Code analysis: ${input.folder}`, '');
  out.push(
    `${input.generatedAt} · workflow \`${input.workflowId}\` · figures from \`code.scan\` (the TypeScript compiler's parser)`,
    '',
  );

  out.push('## Summary', '');
  const languages = countBy(scan.files.map((f) => f.language));
  const byLanguage = Object.entries(languages)
    .map(([language, n]) => `${language === 'typescript' ? 'TypeScript' : 'JavaScript'} ${n}`)
    .join(', ');
  if (totals.files === 0) {
    out.push('- **No TypeScript or JavaScript file** was found to analyse.');
  } else {
    out.push(
      `- **${plural(totals.files, 'file')}** analysed${byLanguage ? ` (${byLanguage})` : ''}: ${totals.lines} lines (${totals.codeLines} code, ${totals.commentLines} comment, ${totals.blankLines} blank).`,
      `- **${plural(totals.functions, 'function')}**, mean cyclomatic complexity ${totals.meanComplexity}; **${totals.complexFunctions}** at ${COMPLEX_FUNCTION} or more.`,
      `- **${totals.todos} TODO/FIXME** comment${totals.todos === 1 ? '' : 's'}; ${plural(totals.imports, 'import')}.`,
    );
    if (scan.dependencies.length) {
      out.push(
        `- Packages imported most: ${scan.dependencies
          .slice(0, 8)
          .map((d) => `${code(d.module)} (${d.files})`)
          .join(', ')}.`,
      );
    }
  }
  if (input.reviews.length) {
    const models = [...new Set(input.reviews.map((r) => r.model))].join(', ');
    out.push(`- **${plural(input.reviews.length, 'hotspot')} reviewed** by ${models}.`);
  }
  if (input.reviewsSkipped) out.push(`- **Reviews skipped:** ${input.reviewsSkipped}`);
  const left = scan.skipped.length + input.notCopied.length;
  if (left || scan.truncated) {
    out.push(
      `- **Not complete:** ${plural(left, 'file or folder', 'files or folders')} left out (see the end)${scan.truncated && !left ? ', a list was cut at its limit' : ''}.`,
    );
  }
  out.push('');
  if (input.assessment) {
    out.push(`**Assessment** (${input.assessment.model}): ${input.assessment.text.trim()}`, '');
  }

  const worst = scan.hotspots.slice(0, input.worstFunctions ?? 10);
  if (worst.length) {
    out.push('## Worst functions', '');
    out.push('| # | function | file | line | complexity | lines |', '|---|---|---|---|---|---|');
    worst.forEach((h, i) => {
      out.push(
        `| ${i + 1} | ${cell(code(h.name))} | ${cell(h.path)} | ${h.line} | ${h.cyclomaticComplexity} | ${h.endLine - h.line + 1} |`,
      );
    });
    out.push('');
  }

  if (input.reviews.length) {
    out.push('## Reviews', '');
    input.reviews.forEach((review, i) => {
      const h = review.hotspot;
      out.push(
        `### ${i + 1}. ${code(h.name)} (${h.path}:${h.line}, complexity ${h.cyclomaticComplexity})`,
        '',
        `<details><summary>the function (${plural(h.endLine - h.line + 1, 'line')}${h.sourceTruncated ? ', cut' : ''})</summary>`,
        '',
        `\`\`\`\`${fenceFor(h.path)}`,
        h.source,
        '````',
        '',
        '</details>',
        '',
        review.text.trim(),
        '',
        `*Reviewed by ${review.model}.*`,
        '',
      );
    });
  }

  if (scan.files.length) {
    out.push('## Findings per file', '');
    out.push(
      '| file | lines (code) | functions | max complexity | imports | TODO/FIXME |',
      '|---|---|---|---|---|---|',
    );
    for (const f of scan.files) {
      const flag = f.maxComplexity >= COMPLEX_FUNCTION ? ' ⚠' : '';
      out.push(
        `| ${cell(f.path)} | ${f.lines.total} (${f.lines.code}) | ${f.functions} | ${f.maxComplexity}${flag} | ${f.imports} | ${f.todos} |`,
      );
    }
    out.push('');
    const findings = new Map<string, string[]>();
    const add = (path: string, line: string) =>
      findings.set(path, [...(findings.get(path) ?? []), line]);
    for (const h of scan.hotspots) {
      if (h.cyclomaticComplexity >= COMPLEX_FUNCTION) {
        add(
          h.path,
          `- complex function ${code(h.name)} (line ${h.line}): cyclomatic complexity ${h.cyclomaticComplexity}`,
        );
      }
    }
    for (const t of scan.todos)
      add(t.path, `- ${t.kind} (line ${t.line}): ${t.text || '(no text)'}`);
    for (const [path, lines] of [...findings].sort(([a], [b]) => (a < b ? -1 : 1))) {
      out.push(`### ${path}`, '', ...lines, '');
    }
  }

  if (left) {
    out.push('## Left out', '');
    for (const n of input.notCopied)
      out.push(`- ${n.path}: not copied to the scanner's workspace: ${n.reason}`);
    for (const s of scan.skipped) out.push(`- ${s.path}: ${s.reason}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
