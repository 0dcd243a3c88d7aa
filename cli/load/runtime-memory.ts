/**
 * The resident memory of a local runtime this machine runs: the process named in
 * `<data dir>/runtime.json` and its children (the embedded DynamoDB and SQS), summed, from `ps`
 * (Linux and macOS). A deployed stack has no one process to read: its Lambda functions report
 * their memory to CloudWatch.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sameOrigin } from '../config.js';

const run = promisify(execFile);

/** The runtime's pid when `url` is the runtime of `dataDir`, else undefined. */
export function localRuntimePid(dataDir: string, url: string): number | undefined {
  try {
    const runtime = JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as {
      pid?: unknown;
      url?: unknown;
    };
    if (typeof runtime.pid !== 'number' || typeof runtime.url !== 'string') return undefined;
    if (!sameOrigin(runtime.url, url)) return undefined;
    process.kill(runtime.pid, 0); // alive, and ours to look at
    return runtime.pid;
  } catch {
    return undefined;
  }
}

/** RSS in MB of `pid` and every process below it. */
export async function processTreeRssMb(pid: number): Promise<number | undefined> {
  const { stdout } = await run('ps', ['-A', '-o', 'pid=,ppid=,rss=']);
  const rows = stdout
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number, number]);
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const [p, parent, kb] of rows) {
    rss.set(p, kb);
    children.set(parent, [...(children.get(parent) ?? []), p]);
  }
  if (!rss.has(pid)) return undefined;
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const next = stack.pop() as number;
    total += rss.get(next) ?? 0;
    stack.push(...(children.get(next) ?? []));
  }
  return Math.round((total / 1024) * 10) / 10;
}
