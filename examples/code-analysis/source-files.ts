/**
 * The user's TypeScript and JavaScript files to copy into the scanner's workspace, read from
 * their folder by the rules the workspace keeps: no symbolic links, no installed packages or
 * hidden folders, the size and count limits of `code.scan`, UTF-8 text only.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { CODE_ANALYSIS_LIMITS, isAnalyzable } from '../../shared/core/tools/code-analysis.js';
import { CODE_SCAN_LIMITS } from '../../shared/core/tools/code-scan.js';

export interface SourceFile {
  /** Relative to the folder, `/`-separated: the path in the workspace. */
  path: string;
  content: string;
}

export interface SourceFolder {
  files: SourceFile[];
  left: { path: string; reason: string }[];
}

const isSkippedFolder = (name: string) => name === 'node_modules' || name.startsWith('.');

export async function readSourceFolder(folder: string): Promise<SourceFolder> {
  const stats = await lstat(folder).catch(() => undefined);
  if (!stats?.isDirectory()) throw new Error(`${folder} is not a folder`);
  const files: SourceFile[] = [];
  const left: SourceFolder['left'] = [];
  const pending = [{ dir: folder, depth: 0 }];
  while (pending.length) {
    const { dir, depth } = pending.pop() as { dir: string; depth: number };
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    );
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const name = relative(folder, path).split(sep).join('/');
      // Links are not followed, as the workspace never follows them.
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) {
        if (isSkippedFolder(entry.name)) continue;
        if (depth + 1 > CODE_SCAN_LIMITS.maxDepth) left.push({ path: name, reason: 'too deep' });
        else pending.push({ dir: path, depth: depth + 1 });
      } else if (entry.isFile() && isAnalyzable(entry.name)) {
        if (files.length >= CODE_SCAN_LIMITS.maxFiles) {
          left.push({ path: name, reason: `past the ${CODE_SCAN_LIMITS.maxFiles}-file limit` });
          continue;
        }
        const { size } = await lstat(path);
        if (size > CODE_ANALYSIS_LIMITS.maxFileBytes) {
          left.push({
            path: name,
            reason: `larger than ${CODE_ANALYSIS_LIMITS.maxFileBytes / 1024} KiB`,
          });
          continue;
        }
        try {
          const content = new TextDecoder('utf-8', { fatal: true }).decode(await readFile(path));
          files.push({ path: name, content });
        } catch {
          left.push({ path: name, reason: 'not UTF-8 text' });
        }
      }
    }
  }
  return { files: files.sort((a, b) => (a.path < b.path ? -1 : 1)), left };
}
