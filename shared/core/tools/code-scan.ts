/**
 * `code.scan`: walks a folder of the agent's workspace and analyses every JavaScript or
 * TypeScript file in it as `code.analyze` does, into one report: per file line counts,
 * functions, the largest complexity, imports and TODO/FIXME; totals; the hotspots (the most
 * complex functions, longest first on a tie, each with its source for a reviewer to read); the
 * TODO/FIXME comments; the packages imported most.
 *
 * The fs tools' sandbox: only the agent's workspace, through the same Workspace (links are never
 * listed nor followed, every read is size-checked), bounded in files, folders, depth and bytes,
 * and stopped between files once its signal is aborted. `node_modules` and hidden folders
 * (`.git`) are not walked.
 */
import * as z from 'zod';
import {
  CODE_ANALYSIS_LIMITS,
  CODE_ANALYZE_TIMEOUT_MS,
  type CodeAnalysis,
  type FunctionSpan,
  isAnalyzable,
} from './code-analysis.js';
import { analyzeInThread, warmUpAnalysisThread } from './code-analysis-threads.js';
import { defineTool, ToolInputError, type Workspace } from './tool.js';
import { MAX_WORKSPACE_PATH_LENGTH, normaliseWorkspacePath } from './workspace-path.js';

export const CODE_SCAN_LIMITS = {
  /** Files analysed; the rest are counted as left out. */
  maxFiles: 1000,
  /** Files and folders listed while walking. */
  maxEntries: 20_000,
  /** Folders below the one scanned. */
  maxDepth: 32,
  /** Bytes of source read in all. */
  maxTotalBytes: 32 * 1024 * 1024,
  maxHotspots: 50,
  /** Of each hotspot's source. */
  maxSourceLines: 80,
  maxSourceBytes: 4 * 1024,
  maxTodos: 200,
  maxSkipped: 100,
  maxDependencies: 30,
  /** The report is cut (files first) to stay under this, below the tool's output limit. */
  maxReportBytes: 400 * 1024,
} as const;

/** A function at or above this cyclomatic complexity counts as complex (a common threshold). */
export const COMPLEX_FUNCTION = 10;

export interface ScannedFile {
  path: string;
  language: 'typescript' | 'javascript';
  lines: { total: number; code: number; comment: number; blank: number };
  functions: number;
  maxComplexity: number;
  imports: number;
  todos: number;
}

export interface Hotspot {
  path: string;
  name: string;
  line: number;
  endLine: number;
  params: number;
  cyclomaticComplexity: number;
  /** The function's lines, from its name to its end. */
  source: string;
  /** True when the source was cut at maxSourceLines or maxSourceBytes. */
  sourceTruncated: boolean;
}

export interface CodeScan {
  path: string;
  totals: {
    files: number;
    lines: number;
    codeLines: number;
    commentLines: number;
    blankLines: number;
    functions: number;
    /** Functions with a cyclomatic complexity of COMPLEX_FUNCTION or more. */
    complexFunctions: number;
    /** Mean cyclomatic complexity of the functions, to one decimal. */
    meanComplexity: number;
    imports: number;
    todos: number;
  };
  files: ScannedFile[];
  hotspots: Hotspot[];
  todos: { path: string; line: number; kind: 'TODO' | 'FIXME'; text: string }[];
  /** Packages (not relative paths) by the number of files that import them: the first 30. */
  dependencies: { module: string; files: number }[];
  /** Files and folders left out, and why. */
  skipped: { path: string; reason: string }[];
  /** True when a limit left something out (see `skipped`), or a list was cut. */
  truncated: boolean;
}

const isSkippedFolder = (name: string) => name === 'node_modules' || name.startsWith('.');
const join = (folder: string, name: string) => (folder === '.' ? name : `${folder}/${name}`);

/** The package an import names: `@scope/pkg/sub` → `@scope/pkg`, `pkg/sub` → `pkg`. */
function packageOf(module: string): string | undefined {
  if (module.startsWith('.') || module.startsWith('/')) return undefined;
  const parts = module.split('/');
  return module.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Best first: most complex, then longest, then by place. */
const worse = (a: Hotspot, b: Hotspot): number =>
  b.cyclomaticComplexity - a.cyclomaticComplexity ||
  b.endLine - b.line - (a.endLine - a.line) ||
  (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
  a.line - b.line;

/** The function's lines, as many as the limits allow (a minified one-liner is cut). */
function sourceOf(lines: string[], fn: FunctionSpan): { source: string; truncated: boolean } {
  const all = lines.slice(fn.line - 1, fn.endLine);
  const kept: string[] = [];
  let bytes = 0;
  for (const line of all.slice(0, CODE_SCAN_LIMITS.maxSourceLines)) {
    bytes += Buffer.byteLength(line) + 1;
    if (bytes > CODE_SCAN_LIMITS.maxSourceBytes) break;
    kept.push(line);
  }
  const first = all[0];
  if (kept.length === 0 && first !== undefined) {
    // A character is at most 3 bytes of UTF-8 (4 for a surrogate pair of 2).
    return { source: first.slice(0, CODE_SCAN_LIMITS.maxSourceBytes / 3), truncated: true };
  }
  return { source: kept.join('\n'), truncated: kept.length < all.length };
}

/** Lists the analysable files below `start`, depth first in name order, within the limits. */
async function walk(
  workspace: Workspace,
  start: string,
  signal: AbortSignal,
  skip: (path: string, reason: string) => void,
): Promise<{ path: string; bytes: number }[]> {
  const files: { path: string; bytes: number }[] = [];
  const pending = [{ folder: start, depth: 0 }];
  let listed = 0;
  while (pending.length) {
    signal.throwIfAborted();
    const { folder, depth } = pending.pop() as { folder: string; depth: number };
    const entries = await workspace.list(folder, signal);
    listed += entries.length;
    if (listed > CODE_SCAN_LIMITS.maxEntries) {
      skip(folder, `the walk stopped after ${CODE_SCAN_LIMITS.maxEntries} files and folders`);
      break;
    }
    const folders: string[] = [];
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.kind === 'directory') {
        if (isSkippedFolder(entry.name)) continue;
        if (depth + 1 > CODE_SCAN_LIMITS.maxDepth) {
          skip(path, `deeper than ${CODE_SCAN_LIMITS.maxDepth} folders`);
        } else folders.push(path);
      } else if (isAnalyzable(entry.name)) {
        files.push({ path, bytes: entry.bytes });
      }
    }
    // Reversed onto the stack, so that folders are walked in name order.
    for (const path of folders.reverse()) pending.push({ folder: path, depth: depth + 1 });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The scan as it is built, one analysed file at a time. */
class ScanReport {
  readonly files: ScannedFile[] = [];
  readonly hotspots: Hotspot[] = [];
  readonly todos: CodeScan['todos'] = [];
  readonly skipped: CodeScan['skipped'] = [];
  readonly totals: CodeScan['totals'] = {
    files: 0,
    lines: 0,
    codeLines: 0,
    commentLines: 0,
    blankLines: 0,
    functions: 0,
    complexFunctions: 0,
    meanComplexity: 0,
    imports: 0,
    todos: 0,
  };
  /** Anything left out makes the scan incomplete: it says what, up to a bound. */
  truncated = false;
  private readonly dependencies = new Map<string, number>();
  private complexitySum = 0;

  constructor(private readonly maxHotspots: number) {}

  skip = (path: string, reason: string): void => {
    this.truncated = true;
    if (this.skipped.length < CODE_SCAN_LIMITS.maxSkipped) this.skipped.push({ path, reason });
  };

  add(path: string, text: string, analysis: CodeAnalysis): void {
    const { totals } = this;
    this.files.push({
      path,
      language: analysis.language,
      lines: analysis.lines,
      functions: analysis.functions.length,
      maxComplexity: analysis.maxComplexity,
      imports: analysis.imports.length,
      todos: analysis.todos.length,
    });
    totals.files += 1;
    totals.lines += analysis.lines.total;
    totals.codeLines += analysis.lines.code;
    totals.commentLines += analysis.lines.comment;
    totals.blankLines += analysis.lines.blank;
    totals.functions += analysis.functions.length;
    totals.imports += analysis.imports.length;
    totals.todos += analysis.todos.length;
    this.truncated ||= analysis.truncated;
    for (const module of new Set(analysis.imports.map((i) => packageOf(i.module)))) {
      if (module) this.dependencies.set(module, (this.dependencies.get(module) ?? 0) + 1);
    }
    for (const todo of analysis.todos) {
      if (this.todos.length < CODE_SCAN_LIMITS.maxTodos) this.todos.push({ path, ...todo });
      else this.truncated = true;
    }
    const lines = text.split(/\r\n|[\r\n\u2028\u2029]/);
    for (const fn of analysis.functions as FunctionSpan[]) {
      this.complexitySum += fn.cyclomaticComplexity;
      if (fn.cyclomaticComplexity >= COMPLEX_FUNCTION) totals.complexFunctions += 1;
      this.offerHotspot(path, lines, fn);
    }
  }

  /** Keeps the function if it is among the worst so far; its source is cut only then. */
  private offerHotspot(path: string, lines: string[], fn: FunctionSpan): void {
    if (this.maxHotspots === 0) return;
    const candidate = { path, ...fn, source: '', sourceTruncated: false };
    const last = this.hotspots.at(-1);
    if (this.hotspots.length === this.maxHotspots && last && worse(candidate, last) >= 0) return;
    const { source, truncated } = sourceOf(lines, fn);
    this.hotspots.push({ ...candidate, source, sourceTruncated: truncated });
    this.hotspots.sort(worse);
    if (this.hotspots.length > this.maxHotspots) this.hotspots.pop();
  }

  build(path: string): CodeScan {
    const { functions } = this.totals;
    this.totals.meanComplexity =
      functions > 0 ? Math.round((this.complexitySum / functions) * 10) / 10 : 0;
    return fitReport({
      path,
      totals: this.totals,
      files: this.files,
      hotspots: this.hotspots,
      todos: this.todos,
      dependencies: [...this.dependencies]
        .map(([module, files]) => ({ module, files }))
        .sort((a, b) => b.files - a.files || (a.module < b.module ? -1 : 1))
        .slice(0, CODE_SCAN_LIMITS.maxDependencies),
      skipped: this.skipped,
      truncated: this.truncated,
    });
  }
}

export async function scanWorkspace(
  workspace: Workspace,
  path: string,
  options: {
    hotspots: number;
    signal: AbortSignal;
    /** Each file's analysis time limit (code.analyze's unless a test sets it). */
    fileTimeoutMs?: number;
  },
): Promise<CodeScan> {
  const start = normaliseWorkspacePath(path);
  const report = new ScanReport(options.hotspots);
  const walked = await walk(workspace, start, options.signal, report.skip);
  let bytesRead = 0;
  for (const [index, file] of walked.entries()) {
    options.signal.throwIfAborted();
    if (report.files.length === CODE_SCAN_LIMITS.maxFiles) {
      const more = walked.length - index - 1;
      report.skip(
        file.path,
        `this and ${more} more file(s) are past the ${CODE_SCAN_LIMITS.maxFiles}-file limit`,
      );
      break;
    }
    if (file.bytes > CODE_ANALYSIS_LIMITS.maxFileBytes) {
      report.skip(file.path, `larger than ${CODE_ANALYSIS_LIMITS.maxFileBytes / 1024} KiB`);
      continue;
    }
    if (bytesRead + file.bytes > CODE_SCAN_LIMITS.maxTotalBytes) {
      report.skip(
        file.path,
        `the scan stopped after ${CODE_SCAN_LIMITS.maxTotalBytes / 2 ** 20} MiB of source`,
      );
      break;
    }
    const text = await readOrSkip(workspace, file.path, options.signal, report.skip);
    if (text === undefined) continue;
    bytesRead += Buffer.byteLength(text);
    const analysis = await analyzeOrSkip(file.path, text, report.skip, {
      signal: options.signal,
      timeoutMs: options.fileTimeoutMs ?? CODE_ANALYZE_TIMEOUT_MS,
    });
    if (analysis) report.add(file.path, text, analysis);
  }
  return report.build(start);
}

/** A file that changed into something unreadable since the listing is left out, saying why. */
async function readOrSkip(
  workspace: Workspace,
  path: string,
  signal: AbortSignal,
  skip: (path: string, reason: string) => void,
): Promise<string | undefined> {
  try {
    return await workspace.read(path, CODE_ANALYSIS_LIMITS.maxFileBytes, signal);
  } catch (error) {
    if (!(error instanceof ToolInputError)) throw error;
    skip(path, error.message);
    return undefined;
  }
}

/**
 * Analyses one file in a worker thread, as code.analyze does: a pathological file holds a thread
 * for its time limit at most, never the runtime's event loop, and is left out saying why; the
 * scan goes on with the next file unless the tool's own deadline has passed.
 */
async function analyzeOrSkip(
  path: string,
  text: string,
  skip: (path: string, reason: string) => void,
  options: { signal: AbortSignal; timeoutMs: number },
): Promise<CodeAnalysis | undefined> {
  try {
    return await analyzeInThread(path, text, { ...options, spans: true });
  } catch (error) {
    options.signal.throwIfAborted();
    skip(path, error instanceof Error ? error.message : String(error));
    return undefined;
  }
}

/** Cuts the longest lists (files, then TODOs) until the report fits its byte budget. */
function fitReport(scan: CodeScan): CodeScan {
  const size = () => Buffer.byteLength(JSON.stringify(scan));
  if (size() <= CODE_SCAN_LIMITS.maxReportBytes) return scan;
  scan.truncated = true;
  for (const list of [scan.files, scan.todos, scan.skipped, scan.hotspots] as unknown[][]) {
    while (list.length > 0 && size() > CODE_SCAN_LIMITS.maxReportBytes) {
      list.splice(Math.floor(list.length * 0.9));
    }
  }
  return scan;
}

export const codeScanTool = defineTool({
  name: 'code.scan',
  description: `Analyses every JavaScript or TypeScript file under a folder of the agent's workspace (default: all of it; node_modules and hidden folders are skipped; at most ${CODE_SCAN_LIMITS.maxFiles} files): totals, per-file line counts, functions, largest cyclomatic complexity, imports and TODO/FIXME, the hotspots (the most complex functions, with their source), and the packages imported most.`,
  input: z.strictObject({
    path: z.string().min(1).max(MAX_WORKSPACE_PATH_LENGTH).default('.'),
    /** How many of the most complex functions to return, with their source. */
    hotspots: z.number().int().min(0).max(CODE_SCAN_LIMITS.maxHotspots).default(10),
  }),
  permission: 'tool:code.scan',
  timeoutMs: 120_000,
  maxOutputBytes: 512 * 1024,
  callsPerMinute: 10,
  warmUp: warmUpAnalysisThread,
  run: async ({ path, hotspots }, context): Promise<CodeScan> =>
    scanWorkspace(context.services.workspace(context.agentId), path, {
      hotspots,
      signal: context.signal,
    }),
});
