/**
 * The code-analysis example's markdown: tables that stay tables whatever the names, the source of
 * a reviewed function in a fence it cannot close, what was left out, and counts in words.
 */
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../examples/code-analysis/report.js';
import type { CodeScan, Hotspot } from '../../shared/core/tools/code-scan.js';

const hotspot = (over: Partial<Hotspot> = {}): Hotspot => ({
  path: 'src/a|b.ts',
  name: 'Odd.[`x`]',
  line: 3,
  endLine: 5,
  params: 0,
  cyclomaticComplexity: 12,
  source: 'function f() {\n  return "```";\n}',
  sourceTruncated: false,
  ...over,
});

const scan = (over: Partial<CodeScan> = {}): CodeScan => ({
  path: '.',
  totals: {
    files: 1,
    lines: 10,
    codeLines: 8,
    commentLines: 1,
    blankLines: 1,
    functions: 1,
    complexFunctions: 1,
    meanComplexity: 12,
    imports: 1,
    todos: 1,
  },
  files: [
    {
      path: 'src/a|b.ts',
      language: 'typescript',
      lines: { total: 10, code: 8, comment: 1, blank: 1 },
      functions: 1,
      maxComplexity: 12,
      imports: 1,
      todos: 1,
    },
  ],
  hotspots: [hotspot()],
  todos: [{ path: 'src/a|b.ts', line: 1, kind: 'FIXME', text: '' }],
  dependencies: [{ module: 'zod', files: 1 }],
  skipped: [{ path: 'big.ts', reason: 'larger than 256 KiB' }],
  truncated: true,
  ...over,
});

const base = {
  folder: 'my-app',
  generatedAt: '2030-01-01T00:00:00.000Z',
  workflowId: '01WORKFLOW',
  notCopied: [{ path: 'quoted.js', reason: 'too large to send through the API' }],
};

describe('renderReport', () => {
  it('keeps table rows one row each, whatever pipes and backticks the names hold', () => {
    // Act
    const report = renderReport({ ...base, scan: scan(), reviews: [] });

    // Assess
    expect(report).toContain('| 1 | `` Odd.[`x`] `` | src/a\\|b.ts | 3 | 12 | 3 |');
    expect(report).toContain('| src/a\\|b.ts | 10 (8) | 1 | 12 ⚠ | 1 | 1 |');
    expect(report).toContain(
      '- **1 file** analysed (TypeScript 1): 10 lines (8 code, 1 comment, 1 blank).',
    );
    expect(report).toContain(
      '- **1 function**, mean cyclomatic complexity 12; **1** at 10 or more.',
    );
    expect(report).toContain('- **1 TODO/FIXME** comment; 1 import.');
    expect(report).toContain('- FIXME (line 1): (no text)');
  });

  it("puts a reviewed function's source in a fence its own backticks cannot close", () => {
    // Act
    const report = renderReport({
      ...base,
      scan: scan(),
      reviews: [{ hotspot: hotspot(), text: '  Split it.  ', model: 'bedrock:claude' }],
      assessment: { text: 'Fine overall.', model: 'bedrock:claude' },
    });

    // Assess
    expect(report).toContain('````ts\nfunction f() {\n  return "```";\n}\n````');
    expect(report).toContain('Split it.\n\n*Reviewed by bedrock:claude.*');
    expect(report).toContain('**Assessment** (bedrock:claude): Fine overall.');
    expect(report).toContain('- **1 hotspot reviewed** by bedrock:claude.');
  });

  it('lists what was left out, and why, and says the report is not complete', () => {
    // Act
    const report = renderReport({
      ...base,
      scan: scan(),
      reviews: [],
      reviewsSkipped: 'no model.',
    });

    // Assess
    expect(report).toContain('- **Reviews skipped:** no model.');
    expect(report).toContain('- **Not complete:** 2 files or folders left out (see the end).');
    expect(report).toContain(
      "## Left out\n\n- quoted.js: not copied to the scanner's workspace: too large to send through the API\n- big.ts: larger than 256 KiB",
    );
  });
});
