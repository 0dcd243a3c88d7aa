/**
 * What the CLI prints and how it exits. Human tables by default, the API's JSON with `--json`;
 * exit codes that mean something to scripts: 0 ok, 1 failed (a task or workflow that failed, or
 * any other failure), 2 usage (bad arguments, a bad file, an input the API refused as invalid),
 * 3 auth (no key, a wrong or revoked key, or a key that may not do this).
 */
import Table from 'cli-table3';
import { AgentCoreError } from '../client/index.js';
import { UsageError } from './config.js';

export const ExitCode = { ok: 0, failed: 1, usage: 2, auth: 3 } as const;

/** Ends the command with an exit code, after whatever it printed. */
export class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export interface Output {
  json: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
}

export const stdio = (json: boolean): Output => ({
  json,
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
});

export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2));
}

/** A table: one row per item, the given columns (header → cell). */
export function printTable<T>(
  output: Output,
  items: T[],
  columns: Record<string, (item: T) => unknown>,
  empty = '(none)',
): void {
  if (items.length === 0) {
    output.out(empty);
    return;
  }
  const table = new Table({
    head: Object.keys(columns),
    style: { head: [], border: [] },
    wordWrap: true,
  });
  for (const item of items) {
    table.push(Object.values(columns).map((cell) => cellText(cell(item))));
  }
  output.out(table.toString());
}

/** Field: value lines for one object. */
export function printFields(output: Output, fields: Record<string, unknown>): void {
  const width = Math.max(...Object.keys(fields).map((k) => k.length));
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    output.out(`${name.padEnd(width)}  ${cellText(value)}`);
  }
}

export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

export const clip = (text: string, n = 60): string =>
  text.length > n ? `${text.slice(0, n - 1)}…` : text;

/** Prints an error the way a user can act on it, and says which exit code it stands for. */
export function reportError(output: Output, error: unknown): number {
  if (error instanceof Exit) return error.code;
  if (error instanceof UsageError) {
    output.err(`error: ${error.message}`);
    return ExitCode.usage;
  }
  if (error instanceof AgentCoreError) {
    if (output.json && error.status > 0) {
      output.err(
        JSON.stringify({
          error: { code: error.code, message: error.message, details: error.details },
          status: error.status,
          requestId: error.requestId,
        }),
      );
    } else {
      output.err(
        `error: ${error.message}${error.status ? ` (${error.status} ${error.code})` : ''}`,
      );
      for (const detail of error.details) {
        output.err(`  ${detail.path || '(body)'}: ${detail.message}`);
      }
      if (error.status === 401) {
        output.err('  set AGENT_CORE_API_KEY, or save a key: agent-core config set --key-stdin');
      }
    }
    if (error.isAuthError) return ExitCode.auth;
    if (error.status === 400 || error.status === 413) return ExitCode.usage;
    return ExitCode.failed;
  }
  output.err(`error: ${error instanceof Error ? error.message : String(error)}`);
  return ExitCode.failed;
}
