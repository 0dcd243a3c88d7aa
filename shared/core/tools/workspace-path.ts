/**
 * The one spelling of a path inside a workspace: relative, `/`-separated, normalised, and unable
 * to name anything outside the workspace. Every Workspace implementation starts here.
 */
import { posix } from 'node:path';
import { ToolInputError } from './tool.js';

export const MAX_WORKSPACE_PATH_LENGTH = 1024;

/**
 * Normalises a workspace path (`a/./b/` → `a/b`, `a/../b` → `b`, `` or `./` → `.`) and refuses
 * what could leave the workspace or mean something else on another platform: NUL and control
 * characters, absolute paths, backslashes (Windows separators and UNC `\\server\share`),
 * drive letters (`C:`), and any `..` left after normalisation.
 */
export function normaliseWorkspacePath(path: string): string {
  if (path.length > MAX_WORKSPACE_PATH_LENGTH) {
    throw new ToolInputError(`path is longer than ${MAX_WORKSPACE_PATH_LENGTH} characters`);
  }
  if (path.includes('\0')) throw new ToolInputError('path may not contain NUL bytes');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0001-\u001f\u007f]/.test(path)) {
    throw new ToolInputError('path may not contain control characters');
  }
  if (path.includes('\\')) {
    throw new ToolInputError(`path '${path}' uses backslashes; use '/' between folders`);
  }
  if (/^[A-Za-z]:/.test(path)) {
    throw new ToolInputError(`path '${path}' names a drive; paths are relative to the workspace`);
  }
  if (path.startsWith('/')) {
    throw new ToolInputError(`path '${path}' is absolute; paths are relative to the workspace`);
  }
  const segments = posix
    .normalize(path === '' ? '.' : path)
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) {
    throw new ToolInputError(`path '${path}' leaves the workspace`);
  }
  return segments.length === 0 ? '.' : segments.join('/');
}

/** The folders and final name of a normalised path; none for the workspace itself. */
export const workspaceSegments = (normalised: string): string[] =>
  normalised === '.' ? [] : normalised.split('/');
