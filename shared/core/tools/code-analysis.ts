/**
 * `code.analyze`: static analysis of a JavaScript or TypeScript file in the agent's workspace,
 * with the TypeScript parser (no type checker): line counts, functions with their cyclomatic
 * complexity, imports and TODO/FIXME comments. The compiler is loaded on first use only.
 */
import { extname } from 'node:path';
import type * as TypeScript from 'typescript';
import * as z from 'zod';
import { analyzeInThread, warmUpAnalysisThread } from './code-analysis-threads.js';
import { defineTool, ToolInputError } from './tool.js';
import { MAX_WORKSPACE_PATH_LENGTH, normaliseWorkspacePath } from './workspace-path.js';

/** The compiler's namespace as a dynamic import hands it over (CommonJS: its default export). */
type Ts = typeof import('typescript');

export const CODE_ANALYSIS_LIMITS = {
  maxFileBytes: 256 * 1024,
  maxFunctions: 1000,
  maxImports: 300,
  maxImportNames: 20,
  maxTodos: 500,
  maxNameLength: 120,
  maxTodoTextLength: 200,
} as const;

export interface FunctionReport {
  /** The function's name, `Class.method`, `object.method`, or `<anonymous>`. */
  name: string;
  line: number;
  params: number;
  cyclomaticComplexity: number;
}

export interface ImportReport {
  module: string;
  line: number;
  /** What is taken from the module: exported names, `default`, or `*` for the whole module. */
  names: string[];
}

export interface TodoReport {
  line: number;
  kind: 'TODO' | 'FIXME';
  text: string;
}

export interface CodeAnalysis {
  path: string;
  language: 'typescript' | 'javascript';
  lines: { total: number; code: number; comment: number; blank: number };
  functions: FunctionReport[];
  imports: ImportReport[];
  todos: TodoReport[];
  maxComplexity: number;
  /** True when a list was cut at its limit (maxComplexity still covers every function). */
  truncated: boolean;
}

const LANGUAGES: Record<
  string,
  { language: CodeAnalysis['language']; kind: keyof Ts['ScriptKind'] }
> = {
  '.ts': { language: 'typescript', kind: 'TS' },
  '.mts': { language: 'typescript', kind: 'TS' },
  '.cts': { language: 'typescript', kind: 'TS' },
  '.tsx': { language: 'typescript', kind: 'TSX' },
  '.js': { language: 'javascript', kind: 'JS' },
  '.mjs': { language: 'javascript', kind: 'JS' },
  '.cjs': { language: 'javascript', kind: 'JS' },
  '.jsx': { language: 'javascript', kind: 'JSX' },
};

export const ANALYZABLE_EXTENSIONS: readonly string[] = Object.keys(LANGUAGES);

/** Whether `code.analyze` can read a file of this name (by its extension). */
export const isAnalyzable = (path: string): boolean =>
  Object.hasOwn(LANGUAGES, extname(path).toLowerCase());

let typescript: Promise<Ts> | undefined;

/** The compiler is large: imported the first time a file is analysed, then kept. */
function loadTypeScript(): Promise<Ts> {
  typescript ??= import('typescript').then(
    (module) => module.default,
    (error: unknown) => {
      typescript = undefined;
      throw error;
    },
  );
  return typescript;
}

/** A function as `code.scan` also needs it: where it ends, to show its source. */
export interface FunctionSpan extends FunctionReport {
  endLine: number;
}

/**
 * Analyses source text; `path` picks the language by its extension. With `spans`, each function
 * also says the line it ends on.
 */
export async function analyzeSource(
  path: string,
  text: string,
  options: { spans?: boolean } = {},
): Promise<CodeAnalysis> {
  const language = LANGUAGES[extname(path).toLowerCase()];
  if (!language) {
    throw new ToolInputError(
      `cannot analyse '${path}': the file must end with ${ANALYZABLE_EXTENSIONS.join(', ')}`,
    );
  }
  const ts = await loadTypeScript();
  const sourceFile = ts.createSourceFile(
    path,
    text,
    ts.ScriptTarget.Latest,
    true,
    ts.ScriptKind[language.kind],
  );
  const { lines, comments } = countLines(ts, sourceFile);
  const allFunctions = findFunctions(ts, sourceFile, options.spans ?? false);
  const allImports = findImports(ts, sourceFile);
  const allTodos = findTodos(sourceFile, comments);
  const functions = allFunctions.slice(0, CODE_ANALYSIS_LIMITS.maxFunctions);
  const imports = allImports.slice(0, CODE_ANALYSIS_LIMITS.maxImports);
  const todos = allTodos.slice(0, CODE_ANALYSIS_LIMITS.maxTodos);
  return {
    path,
    language: language.language,
    lines,
    functions,
    imports,
    todos,
    maxComplexity: allFunctions.reduce((max, f) => Math.max(max, f.cyclomaticComplexity), 0),
    truncated:
      functions.length < allFunctions.length ||
      imports.length < allImports.length ||
      todos.length < allTodos.length,
  };
}

const CODE = 1;
const COMMENT = 2;

type CommentRange = { pos: number; end: number };

/**
 * Every character is code (part of a token), comment, or neither. A line with a code character
 * that is not white space is a code line; else one with such a comment character is a comment
 * line; else a line of white space only is blank (anything left, like a shebang, is code).
 */
function countLines(
  ts: Ts,
  sourceFile: TypeScript.SourceFile,
): { lines: CodeAnalysis['lines']; comments: CommentRange[] } {
  const text = sourceFile.text;
  const marks = new Uint8Array(text.length);
  const tokens: TypeScript.Node[] = [];
  const collectTokens = (node: TypeScript.Node) => {
    if (ts.isJSDoc(node)) return; // JSDoc is parsed into nodes, but it is a comment
    const children = node.getChildren(sourceFile);
    if (children.length === 0 || node.kind === ts.SyntaxKind.EndOfFileToken) {
      tokens.push(node);
      return;
    }
    for (const child of children) collectTokens(child);
  };
  collectTokens(sourceFile);

  for (const token of tokens) {
    if (token.kind === ts.SyntaxKind.EndOfFileToken) continue;
    const start = token.kind === ts.SyntaxKind.JsxText ? token.pos : token.getStart(sourceFile);
    marks.fill(CODE, start, token.end);
  }

  // Comments are trivia around tokens: leading (after a line break) and trailing (same line).
  const byPosition = new Map<number, CommentRange>();
  const add = (ranges: TypeScript.CommentRange[] | undefined) => {
    for (const range of ranges ?? []) {
      // Text that only looks like a comment inside a token (JSX text) is not one.
      if (marks[range.pos] === CODE) continue;
      byPosition.set(range.pos, { pos: range.pos, end: range.end });
    }
  };
  for (const token of tokens) {
    add(ts.getLeadingCommentRanges(text, token.pos));
    if (token.kind !== ts.SyntaxKind.EndOfFileToken) {
      add(ts.getTrailingCommentRanges(text, token.end));
    }
  }
  const comments = [...byPosition.values()].sort((a, b) => a.pos - b.pos);
  for (const comment of comments) marks.fill(COMMENT, comment.pos, comment.end);

  const lines = { total: 0, code: 0, comment: 0, blank: 0 };
  let hasCode = false;
  let hasComment = false;
  let hasOther = false;
  const endLine = () => {
    lines.total += 1;
    if (hasCode) lines.code += 1;
    else if (hasComment) lines.comment += 1;
    else if (hasOther) lines.code += 1;
    else lines.blank += 1;
    hasCode = hasComment = hasOther = false;
  };
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === 0x0d && text.charCodeAt(i + 1) === 0x0a) continue; // CR LF is one break
    if (char === 0x0a || char === 0x0d || char === 0x2028 || char === 0x2029) {
      endLine();
      continue;
    }
    if (ts.isWhiteSpaceSingleLine(char)) continue;
    if (marks[i] === CODE) hasCode = true;
    else if (marks[i] === COMMENT) hasComment = true;
    else hasOther = true;
  }
  // A last line without a line break still counts; a final line break opens no new line.
  const last = text.charCodeAt(text.length - 1);
  const endsWithBreak = last === 0x0a || last === 0x0d || last === 0x2028 || last === 0x2029;
  if (text.length > 0 && !endsWithBreak) endLine();
  return { lines, comments };
}

type FunctionNode =
  | TypeScript.FunctionDeclaration
  | TypeScript.FunctionExpression
  | TypeScript.ArrowFunction
  | TypeScript.MethodDeclaration
  | TypeScript.ConstructorDeclaration
  | TypeScript.GetAccessorDeclaration
  | TypeScript.SetAccessorDeclaration;

function isFunctionNode(ts: Ts, node: TypeScript.Node): node is FunctionNode {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

function findFunctions(
  ts: Ts,
  sourceFile: TypeScript.SourceFile,
  spans: boolean,
): FunctionReport[] {
  const functions: FunctionReport[] = [];
  const lineOf = (position: number) => sourceFile.getLineAndCharacterOfPosition(position).line + 1;
  const visit = (node: TypeScript.Node) => {
    // Overloads, `declare` and abstract members have no body: nothing runs, nothing to count.
    if (isFunctionNode(ts, node) && node.body) {
      const position = (node.name ?? node).getStart(sourceFile);
      functions.push({
        name: clip(functionName(ts, sourceFile, node), CODE_ANALYSIS_LIMITS.maxNameLength),
        line: lineOf(position),
        params: node.parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === 'this'))
          .length,
        cyclomaticComplexity: complexityOf(ts, node),
        ...(spans ? { endLine: lineOf(node.end) } : {}),
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return functions;
}

/**
 * 1 + the decision points of the function's own code: its parameters (default values run in
 * it) and its body, but not nested functions, which are reported on their own.
 */
function complexityOf(ts: Ts, fn: FunctionNode): number {
  let complexity = 1;
  const visit = (node: TypeScript.Node) => {
    if (isFunctionNode(ts, node)) return;
    switch (node.kind) {
      case ts.SyntaxKind.IfStatement:
      case ts.SyntaxKind.ConditionalExpression:
      case ts.SyntaxKind.ForStatement:
      case ts.SyntaxKind.ForInStatement:
      case ts.SyntaxKind.ForOfStatement:
      case ts.SyntaxKind.WhileStatement:
      case ts.SyntaxKind.DoStatement:
      case ts.SyntaxKind.CaseClause:
      case ts.SyntaxKind.CatchClause:
        complexity += 1;
        break;
      case ts.SyntaxKind.BinaryExpression:
        switch ((node as TypeScript.BinaryExpression).operatorToken.kind) {
          case ts.SyntaxKind.AmpersandAmpersandToken:
          case ts.SyntaxKind.BarBarToken:
          case ts.SyntaxKind.QuestionQuestionToken:
          case ts.SyntaxKind.AmpersandAmpersandEqualsToken:
          case ts.SyntaxKind.BarBarEqualsToken:
          case ts.SyntaxKind.QuestionQuestionEqualsToken:
            complexity += 1;
        }
        break;
    }
    ts.forEachChild(node, visit);
  };
  for (const parameter of fn.parameters) visit(parameter);
  // An arrow's expression body (`x => x ? a : b`) is visited itself, not only its children;
  // an arrow that returns an arrow is a nested function, skipped like any other.
  if (fn.body) visit(fn.body);
  return complexity;
}

function functionName(ts: Ts, sourceFile: TypeScript.SourceFile, node: FunctionNode): string {
  if (ts.isFunctionDeclaration(node)) return node.name?.text ?? '<anonymous>';
  if (ts.isConstructorDeclaration(node))
    return `${className(ts, sourceFile, node.parent)}.constructor`;
  if (
    ts.isMethodDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  ) {
    const prefix = ts.isGetAccessorDeclaration(node)
      ? 'get '
      : ts.isSetAccessorDeclaration(node)
        ? 'set '
        : '';
    const member = `${prefix}${propertyName(ts, sourceFile, node.name)}`;
    const owner = ts.isClassLike(node.parent)
      ? className(ts, sourceFile, node.parent)
      : ts.isObjectLiteralExpression(node.parent)
        ? inferredName(ts, sourceFile, node.parent)
        : undefined;
    return owner ? `${owner}.${member}` : member;
  }
  if (ts.isFunctionExpression(node) && node.name) return node.name.text;
  return inferredName(ts, sourceFile, node) ?? '<anonymous>';
}

function className(
  ts: Ts,
  sourceFile: TypeScript.SourceFile,
  node: TypeScript.ClassLikeDeclaration,
): string {
  return node.name?.text ?? inferredName(ts, sourceFile, node) ?? '<anonymous>';
}

function propertyName(
  ts: Ts,
  sourceFile: TypeScript.SourceFile,
  name: TypeScript.PropertyName,
): string {
  if (
    ts.isIdentifier(name) ||
    ts.isPrivateIdentifier(name) ||
    ts.isStringLiteral(name) ||
    ts.isNumericLiteral(name)
  ) {
    return name.text;
  }
  return name.getText(sourceFile); // computed: `[Symbol.iterator]`
}

/** The name an unnamed function or class gets from where it is put: `const f = () => …`. */
function inferredName(
  ts: Ts,
  sourceFile: TypeScript.SourceFile,
  node: TypeScript.Node,
): string | undefined {
  let child: TypeScript.Node = node;
  let parent = node.parent;
  while (
    parent &&
    (ts.isParenthesizedExpression(parent) ||
      ts.isAsExpression(parent) ||
      ts.isSatisfiesExpression(parent) ||
      ts.isTypeAssertionExpression(parent) ||
      ts.isNonNullExpression(parent))
  ) {
    child = parent;
    parent = parent.parent;
  }
  if (!parent) return undefined;
  if (
    ts.isVariableDeclaration(parent) &&
    parent.initializer === child &&
    ts.isIdentifier(parent.name)
  ) {
    return parent.name.text;
  }
  if (ts.isPropertyAssignment(parent) && parent.initializer === child) {
    const member = propertyName(ts, sourceFile, parent.name);
    const owner = inferredName(ts, sourceFile, parent.parent);
    return owner ? `${owner}.${member}` : member;
  }
  if (ts.isPropertyDeclaration(parent) && parent.initializer === child) {
    return `${className(ts, sourceFile, parent.parent)}.${propertyName(ts, sourceFile, parent.name)}`;
  }
  if (
    ts.isBinaryExpression(parent) &&
    parent.right === child &&
    parent.operatorToken.kind === ts.SyntaxKind.EqualsToken
  ) {
    return parent.left.getText(sourceFile).replace(/\s+/g, '');
  }
  if (ts.isExportAssignment(parent)) return 'default';
  return undefined;
}

function findImports(ts: Ts, sourceFile: TypeScript.SourceFile): ImportReport[] {
  const imports: ImportReport[] = [];
  const add = (node: TypeScript.Node, specifier: TypeScript.Node | undefined, names: string[]) => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) return; // computed: not knowable here
    imports.push({
      module: clip(specifier.text, 200),
      line: sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1,
      names: names.slice(0, CODE_ANALYSIS_LIMITS.maxImportNames).map((name) => clip(name, 64)),
    });
  };
  const visit = (node: TypeScript.Node) => {
    if (ts.isImportDeclaration(node)) {
      add(node, node.moduleSpecifier, importClauseNames(ts, node.importClause));
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference)
    ) {
      add(node, node.moduleReference.expression, ['*']);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      const clause = node.exportClause;
      const names =
        clause && ts.isNamedExports(clause)
          ? clause.elements.map((e) => (e.propertyName ?? e.name).text)
          : ['*'];
      add(node, node.moduleSpecifier, names);
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1) {
      const isRequire =
        ts.isIdentifier(node.expression) &&
        node.expression.text === 'require' &&
        node.arguments.length === 1;
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      if (isRequire || isDynamicImport) add(node, node.arguments[0], boundNames(ts, node));
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return imports;
}

function importClauseNames(ts: Ts, clause: TypeScript.ImportClause | undefined): string[] {
  if (!clause) return []; // `import 'polyfill'`: for its effects only
  const names: string[] = [];
  if (clause.name) names.push('default');
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) names.push('*');
  if (bindings && ts.isNamedImports(bindings)) {
    for (const element of bindings.elements)
      names.push((element.propertyName ?? element.name).text);
  }
  return names;
}

/** What `require(…)` or `import(…)` hands to: `const x =` (all), `const {a, b} =`, `.a`. */
function boundNames(ts: Ts, call: TypeScript.CallExpression): string[] {
  let node: TypeScript.Node = call;
  while (
    node.parent &&
    (ts.isAwaitExpression(node.parent) || ts.isParenthesizedExpression(node.parent))
  ) {
    node = node.parent;
  }
  const parent = node.parent;
  if (parent && ts.isPropertyAccessExpression(parent) && parent.expression === node) {
    return [parent.name.text];
  }
  if (parent && ts.isVariableDeclaration(parent) && parent.initializer === node) {
    if (ts.isObjectBindingPattern(parent.name)) {
      return parent.name.elements.flatMap((element) => {
        const name = element.propertyName ?? element.name;
        return ts.isIdentifier(name) || ts.isStringLiteral(name) ? [name.text] : [];
      });
    }
    return ['*'];
  }
  return [];
}

const TODO_PATTERN = /\b(TODO|FIXME)\b(?:\([^)]*\))?[\s:-]*(.*)$/;

function findTodos(sourceFile: TypeScript.SourceFile, comments: CommentRange[]): TodoReport[] {
  const todos: TodoReport[] = [];
  for (const comment of comments) {
    const firstLine = sourceFile.getLineAndCharacterOfPosition(comment.pos).line;
    const lines = sourceFile.text.slice(comment.pos, comment.end).split(/\r\n|[\r\n\u2028\u2029]/);
    lines.forEach((line, offset) => {
      const match = TODO_PATTERN.exec(line);
      if (!match) return;
      const text = (match[2] ?? '').replace(/\*+\/\s*$/, '').trim();
      todos.push({
        line: firstLine + offset + 1,
        kind: match[1] as TodoReport['kind'],
        text: clip(text, CODE_ANALYSIS_LIMITS.maxTodoTextLength),
      });
    });
  }
  return todos;
}

const clip = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/**
 * Room for a thread's first start too: it loads the TypeScript compiler, seconds on a busy
 * machine, before the analysis itself (under a second for most files).
 */
export const CODE_ANALYZE_TIMEOUT_MS = 30_000;

export const codeAnalyzeTool = defineTool({
  name: 'code.analyze',
  description: `Analyses a JavaScript or TypeScript file (${ANALYZABLE_EXTENSIONS.join(' ')}, at most 256 KiB) in the agent's workspace: line counts, functions with cyclomatic complexity, imports, TODO/FIXME comments.`,
  input: z.strictObject({ path: z.string().min(1).max(MAX_WORKSPACE_PATH_LENGTH) }),
  permission: 'tool:code.analyze',
  timeoutMs: CODE_ANALYZE_TIMEOUT_MS,
  maxOutputBytes: 1024 * 1024,
  callsPerMinute: 60,
  warmUp: warmUpAnalysisThread,
  run: async ({ path }, context): Promise<CodeAnalysis> => {
    const relative = normaliseWorkspacePath(path);
    if (!LANGUAGES[extname(relative).toLowerCase()]) {
      throw new ToolInputError(
        `cannot analyse '${relative}': the file must end with ${ANALYZABLE_EXTENSIONS.join(', ')}`,
      );
    }
    const text = await context.services
      .workspace(context.agentId)
      .read(relative, CODE_ANALYSIS_LIMITS.maxFileBytes, context.signal);
    // In a worker thread, stopped at the tool's deadline: a pathological file costs the
    // runtime a thread for at most that long, never its event loop.
    return analyzeInThread(relative, text, {
      signal: context.signal,
      timeoutMs: CODE_ANALYZE_TIMEOUT_MS,
    });
  },
});
