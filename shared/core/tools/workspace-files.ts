/** `fs.read`, `fs.write`, `fs.list`: text files in the agent's own workspace, nowhere else. */
import * as z from 'zod';
import { defineTool, ToolInputError } from './tool.js';
import { MAX_WORKSPACE_PATH_LENGTH, normaliseWorkspacePath } from './workspace-path.js';

export const WORKSPACE_FILE_LIMITS = {
  maxFileBytes: 256 * 1024,
  maxListEntries: 1000,
} as const;

const pathField = z.string().min(1).max(MAX_WORKSPACE_PATH_LENGTH);

export const fsReadTool = defineTool({
  name: 'fs.read',
  description: `Reads a UTF-8 text file (at most ${WORKSPACE_FILE_LIMITS.maxFileBytes / 1024} KiB) from the agent's workspace; paths are relative to the workspace.`,
  input: z.strictObject({ path: pathField }),
  permission: 'tool:fs.read',
  timeoutMs: 5000,
  // JSON escapes can make text up to six times longer (a control character becomes \u00XX).
  maxOutputBytes: 6 * WORKSPACE_FILE_LIMITS.maxFileBytes + 8 * 1024,
  callsPerMinute: 300,
  run: async ({ path }, context) => {
    const relative = normaliseWorkspacePath(path);
    const content = await context.services
      .workspace(context.agentId)
      .read(relative, WORKSPACE_FILE_LIMITS.maxFileBytes, context.signal);
    return { path: relative, content, bytes: Buffer.byteLength(content) };
  },
});

export const fsWriteTool = defineTool({
  name: 'fs.write',
  description: `Writes (creates or replaces) a UTF-8 text file of at most ${WORKSPACE_FILE_LIMITS.maxFileBytes / 1024} KiB in the agent's workspace, creating folders as needed.`,
  input: z.strictObject({
    path: pathField,
    content: z
      .string()
      .refine((content) => Buffer.byteLength(content) <= WORKSPACE_FILE_LIMITS.maxFileBytes, {
        message: `content may be at most ${WORKSPACE_FILE_LIMITS.maxFileBytes} bytes`,
      }),
  }),
  permission: 'tool:fs.write',
  timeoutMs: 5000,
  maxOutputBytes: 8 * 1024,
  callsPerMinute: 120,
  run: async ({ path, content }, context) => {
    const relative = normaliseWorkspacePath(path);
    // Checked here too: the schema is the edge, but a caller may skip it.
    if (Buffer.byteLength(content) > WORKSPACE_FILE_LIMITS.maxFileBytes) {
      throw new ToolInputError(
        `content is larger than ${WORKSPACE_FILE_LIMITS.maxFileBytes} bytes`,
      );
    }
    const { bytes } = await context.services
      .workspace(context.agentId)
      .write(relative, content, context.signal);
    return { path: relative, bytes };
  },
});

export const fsListTool = defineTool({
  name: 'fs.list',
  description: `Lists a folder of the agent's workspace (default: its top): names, kinds (file or directory) and sizes, at most ${WORKSPACE_FILE_LIMITS.maxListEntries} entries.`,
  input: z.strictObject({ path: pathField.default('.') }),
  permission: 'tool:fs.list',
  timeoutMs: 5000,
  maxOutputBytes: 512 * 1024,
  callsPerMinute: 300,
  run: async ({ path }, context) => {
    const relative = normaliseWorkspacePath(path);
    const entries = await context.services
      .workspace(context.agentId)
      .list(relative, context.signal);
    return {
      path: relative,
      entries: entries.slice(0, WORKSPACE_FILE_LIMITS.maxListEntries),
      truncated: entries.length > WORKSPACE_FILE_LIMITS.maxListEntries,
    };
  },
});
