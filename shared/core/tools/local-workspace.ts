/**
 * Agent workspaces as folders on a local disk: `<root>/<agentId>`, created on first use.
 * Symbolic links are refused wherever they appear on a path, so a link planted in a workspace
 * cannot lead a read, a write or a listing outside it.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { AGENT_ID_PATTERN } from '../ids.js';
import { ToolInputError, type Workspace } from './tool.js';
import { normaliseWorkspacePath, workspaceSegments } from './workspace-path.js';

type Entry = { name: string; kind: 'file' | 'directory'; bytes: number };

// O_NOFOLLOW makes opening a symbolic link fail (ELOOP) even if one is swapped in after the
// checks; O_NONBLOCK keeps a FIFO swapped in from blocking the open. Both are 0 where absent.
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

export class DirectoryWorkspace implements Workspace {
  readonly #directory: string;

  constructor(root: string, agentId: string) {
    if (!AGENT_ID_PATTERN.test(agentId)) throw new Error(`invalid agent id '${agentId}'`);
    this.#directory = join(resolve(root), agentId);
  }

  async read(path: string, maxBytes: number, signal?: AbortSignal): Promise<string> {
    const relative = normaliseWorkspacePath(path);
    const base = await this.#base(signal);
    const { absolute, stats } = await this.#walk(base, relative, signal);
    if (!stats) throw new ToolInputError(`no such file: ${relative}`);
    if (!stats.isFile()) throw new ToolInputError(`not a file: ${relative}`);
    const handle = await fsCall(relative, () =>
      open(absolute, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK),
    );
    try {
      const opened = await handle.stat();
      await this.#checkOpened(base, absolute, relative, opened);
      if (opened.size > maxBytes) {
        throw new ToolInputError(`file ${relative} is larger than ${maxBytes} bytes`);
      }
      // One byte more than allowed: a file that grew since the stat is still caught.
      const buffer = Buffer.alloc(Math.min(maxBytes, opened.size) + 1);
      let length = 0;
      while (length < buffer.length) {
        signal?.throwIfAborted();
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      if (length > maxBytes) {
        throw new ToolInputError(`file ${relative} is larger than ${maxBytes} bytes`);
      }
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, length));
      } catch {
        throw new ToolInputError(`file ${relative} is not UTF-8 text`);
      }
    } finally {
      await handle.close();
    }
  }

  async write(path: string, content: string, signal?: AbortSignal): Promise<{ bytes: number }> {
    const relative = normaliseWorkspacePath(path);
    if (relative === '.') throw new ToolInputError('cannot write to the workspace folder itself');
    const base = await this.#base(signal);
    const segments = workspaceSegments(relative);
    const parent = segments.slice(0, -1).join('/') || '.';
    await this.#makeFolders(base, parent, signal);
    const { absolute, stats } = await this.#walk(base, relative, signal);
    if (stats && !stats.isFile()) throw new ToolInputError(`not a file: ${relative}`);
    signal?.throwIfAborted();
    // Not O_TRUNC: the file is checked once open, and emptied only if it passes.
    const handle = await fsCall(relative, () =>
      open(absolute, constants.O_WRONLY | constants.O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o644),
    );
    try {
      await this.#checkOpened(base, absolute, relative, await handle.stat());
      const bytes = Buffer.from(content, 'utf8');
      signal?.throwIfAborted();
      await handle.truncate(0);
      await handle.writeFile(bytes);
      return { bytes: bytes.length };
    } finally {
      await handle.close();
    }
  }

  async list(path: string, signal?: AbortSignal): Promise<Entry[]> {
    const relative = normaliseWorkspacePath(path);
    const base = await this.#base(signal);
    const { absolute, stats } = await this.#walk(base, relative, signal);
    if (!stats) throw new ToolInputError(`no such folder: ${relative}`);
    if (!stats.isDirectory()) throw new ToolInputError(`not a folder: ${relative}`);
    await this.#checkContained(base, absolute, relative);
    const dirents = await fsCall(relative, () => readdir(absolute, { withFileTypes: true }));
    const entries: Entry[] = [];
    for (const dirent of dirents) {
      signal?.throwIfAborted();
      // Links and special files are not shown: they are not part of what an agent can use.
      if (!dirent.isFile() && !dirent.isDirectory()) continue;
      const entryStats = await lstat(join(absolute, dirent.name)).catch(() => undefined);
      if (!entryStats) continue;
      if (entryStats.isFile()) {
        entries.push({ name: dirent.name, kind: 'file', bytes: entryStats.size });
      } else if (entryStats.isDirectory()) {
        entries.push({ name: dirent.name, kind: 'directory', bytes: 0 });
      }
    }
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The workspace folder, created if missing, as a real path; refused if it is a link. */
  async #base(signal: AbortSignal | undefined): Promise<string> {
    signal?.throwIfAborted();
    await fsCall('.', () => mkdir(this.#directory, { recursive: true, mode: 0o755 }));
    const stats = await fsCall('.', () => lstat(this.#directory));
    if (stats.isSymbolicLink() || !stats.isDirectory()) {
      throw new ToolInputError('the workspace folder is not a plain folder; refused');
    }
    return fsCall('.', () => realpath(this.#directory));
  }

  /**
   * Looks at every component of the path with lstat, from the workspace down: a link anywhere is
   * refused, a file in the middle is refused. Stops at the first component that does not exist.
   */
  async #walk(
    base: string,
    relative: string,
    signal: AbortSignal | undefined,
  ): Promise<{ absolute: string; stats?: Stats }> {
    const segments = workspaceSegments(relative);
    let current = base;
    let stats: Stats | undefined = await lstat(base);
    for (const [index, segment] of segments.entries()) {
      signal?.throwIfAborted();
      if (!stats.isDirectory()) {
        throw new ToolInputError(`not a folder: ${segments.slice(0, index).join('/')}`);
      }
      current = join(current, segment);
      stats = await lstat(current).catch((error: unknown) => {
        if (errorCode(error) === 'ENOENT') return undefined;
        throw mapFsError(error, relative);
      });
      if (!stats) return { absolute: join(current, ...segments.slice(index + 1)) };
      if (stats.isSymbolicLink()) {
        throw new ToolInputError(
          `path ${segments.slice(0, index + 1).join('/')} is a symbolic link; links are refused`,
        );
      }
    }
    return { absolute: current, stats };
  }

  /** Creates the folders of `relative` one at a time, each checked like any other component. */
  async #makeFolders(
    base: string,
    relative: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const segments = workspaceSegments(relative);
    for (let depth = 1; depth <= segments.length; depth++) {
      const prefix = segments.slice(0, depth).join('/');
      const { absolute, stats } = await this.#walk(base, prefix, signal);
      if (stats) {
        if (!stats.isDirectory()) throw new ToolInputError(`not a folder: ${prefix}`);
        continue;
      }
      // The deadline is checked right before each folder is made: none is made after it.
      signal?.throwIfAborted();
      await mkdir(absolute, { mode: 0o755 }).catch((error: unknown) => {
        // Someone made it meanwhile: the next walk checks what it is.
        if (errorCode(error) !== 'EEXIST') throw mapFsError(error, prefix);
      });
      const made = await this.#walk(base, prefix, signal);
      if (!made.stats?.isDirectory()) throw new ToolInputError(`not a folder: ${prefix}`);
    }
  }

  /** What was opened must be a plain file, reached through no link, inside the workspace. */
  async #checkOpened(
    base: string,
    absolute: string,
    relative: string,
    stats: Stats,
  ): Promise<void> {
    if (!stats.isFile()) throw new ToolInputError(`not a file: ${relative}`);
    // A hard link to a file elsewhere looks like a plain file; several links give it away.
    if (stats.nlink > 1)
      throw new ToolInputError(`file ${relative} has several hard links; refused`);
    await this.#checkContained(base, absolute, relative);
  }

  async #checkContained(base: string, absolute: string, relative: string): Promise<void> {
    const real = await fsCall(relative, () => realpath(absolute));
    if (real !== base && !real.startsWith(base + sep)) {
      throw new ToolInputError(`path ${relative} leads outside the workspace; refused`);
    }
  }
}

/** A workspace per agent under one root folder, e.g. `.data/workspaces`. */
export function directoryWorkspaces(root: string): (agentId: string) => Workspace {
  return (agentId) => new DirectoryWorkspace(root, agentId);
}

const errorCode = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'code' in error
    ? String((error as { code: unknown }).code)
    : undefined;

/** File system errors name host paths; the model gets the workspace path and a reason only. */
function mapFsError(error: unknown, relative: string): Error {
  if (error instanceof ToolInputError) return error;
  switch (errorCode(error)) {
    case 'ENOENT':
      return new ToolInputError(`no such file or folder: ${relative}`);
    case 'ENOTDIR':
      return new ToolInputError(`not a folder: ${relative}`);
    case 'EISDIR':
      return new ToolInputError(`not a file: ${relative}`);
    case 'ELOOP':
      return new ToolInputError(`path ${relative} is a symbolic link; links are refused`);
    case 'EACCES':
    case 'EPERM':
      return new ToolInputError(`permission denied: ${relative}`);
    case 'ENAMETOOLONG':
      return new ToolInputError(`path ${relative} is too long`);
    default:
      return new Error(
        `workspace operation on ${relative} failed (${errorCode(error) ?? 'error'})`,
      );
  }
}

async function fsCall<T>(relative: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw mapFsError(error, relative);
  }
}
