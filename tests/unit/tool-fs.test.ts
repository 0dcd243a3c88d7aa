import { existsSync } from 'node:fs';
import { link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DirectoryWorkspace,
  directoryWorkspaces,
} from '../../shared/core/tools/local-workspace.js';
import {
  type ToolContext,
  type ToolDefinition,
  ToolInputError,
} from '../../shared/core/tools/tool.js';
import {
  fsListTool,
  fsReadTool,
  fsWriteTool,
  WORKSPACE_FILE_LIMITS,
} from '../../shared/core/tools/workspace-files.js';

const AGENT = 'agent-1';
const KIB = 1024;

let temp: string;
let root: string;
let agentDir: string;
let outside: string;

beforeEach(async () => {
  temp = await mkdtemp(join(tmpdir(), 'tool-fs-'));
  root = join(temp, 'workspaces');
  agentDir = join(root, AGENT);
  outside = join(temp, 'outside');
  await mkdir(join(outside, 'dir'), { recursive: true });
  await writeFile(join(outside, 'secret.txt'), 'top secret');
  await writeFile(join(outside, 'dir', 'inner.txt'), 'inner secret');
});

afterEach(async () => {
  await rm(temp, { recursive: true, force: true });
});

function contextFor(agentId = AGENT): ToolContext {
  return {
    agentId,
    taskId: '01HZZZZZZZZZZZZZZZZZZZZZZZ',
    allowedHosts: [],
    signal: new AbortController().signal,
    services: {
      workspace: directoryWorkspaces(root),
      resolveHost: () => Promise.reject(new Error('file tools must not resolve hosts')),
    },
  };
}

/** Runs a tool as the agent loop does: the input crosses the schema first. */
async function call(tool: ToolDefinition, input: unknown, agentId = AGENT): Promise<any> {
  return tool.run(tool.input.parse(input), contextFor(agentId));
}

/** Awaits a call that must be refused for its input, and gives back the error. */
async function refusal(work: Promise<unknown>): Promise<ToolInputError> {
  try {
    await work;
  } catch (error) {
    expect(error).toBeInstanceOf(ToolInputError);
    return error as ToolInputError;
  }
  throw new Error('expected the call to be refused with a ToolInputError');
}

describe('fs.write, fs.read, fs.list: the happy paths', () => {
  it('writes a file, creating folders, and reads it back', async () => {
    // Prepare
    const content = 'héllo wörld\n';
    // Act
    const written = await call(fsWriteTool, { path: 'notes/today/a.txt', content });
    const read = await call(fsReadTool, { path: 'notes/today/a.txt' });
    // Assess
    expect(written).toEqual({ path: 'notes/today/a.txt', bytes: Buffer.byteLength(content) });
    expect(read).toEqual({
      path: 'notes/today/a.txt',
      content,
      bytes: Buffer.byteLength(content),
    });
    expect(await readFile(join(agentDir, 'notes', 'today', 'a.txt'), 'utf8')).toBe(content);
  });

  it('replaces a longer file with a shorter one completely', async () => {
    // Prepare
    await call(fsWriteTool, { path: 'a.txt', content: 'a long first version' });
    // Act
    await call(fsWriteTool, { path: 'a.txt', content: 'short' });
    // Assess
    expect((await call(fsReadTool, { path: 'a.txt' })).content).toBe('short');
  });

  it('lists a folder sorted by name, with kinds and sizes; the top by default', async () => {
    // Prepare
    await call(fsWriteTool, { path: 'b.txt', content: '12345' });
    await call(fsWriteTool, { path: 'a/inner.txt', content: 'x' });
    await call(fsWriteTool, { path: 'c.md', content: '' });
    // Act
    const top = await call(fsListTool, {});
    const inner = await call(fsListTool, { path: 'a' });
    // Assess
    expect(top).toEqual({
      path: '.',
      entries: [
        { name: 'a', kind: 'directory', bytes: 0 },
        { name: 'b.txt', kind: 'file', bytes: 5 },
        { name: 'c.md', kind: 'file', bytes: 0 },
      ],
      truncated: false,
    });
    expect(inner.entries).toEqual([{ name: 'inner.txt', kind: 'file', bytes: 1 }]);
  });

  it.each([
    ['./notes//a.txt', 'notes/a.txt'],
    ['notes/./a.txt', 'notes/a.txt'],
    ['notes/../a.txt', 'a.txt'],
    ['notes/sub/../../a.txt', 'a.txt'],
  ])('normalises %j to %j', async (given, normalised) => {
    // Prepare: the table row.
    // Act
    const written = await call(fsWriteTool, { path: given, content: 'x' });
    // Assess
    expect(written.path).toBe(normalised);
    expect(existsSync(join(agentDir, ...normalised.split('/')))).toBe(true);
  });

  it('creates the workspace folder on first use, not before', async () => {
    // Prepare
    const workspace = new DirectoryWorkspace(root, 'agent-lazy');
    const folder = join(root, 'agent-lazy');
    const existedBefore = existsSync(folder);
    // Act
    const entries = await workspace.list('.');
    // Assess
    expect(existedBefore).toBe(false);
    expect(entries).toEqual([]);
    expect(existsSync(folder)).toBe(true);
  });

  it('keeps agents apart: one agent does not see what another wrote', async () => {
    // Prepare
    await call(fsWriteTool, { path: 'mine.txt', content: 'agent-1 only' }, 'agent-1');
    // Act
    const listing = await call(fsListTool, {}, 'agent-2');
    const read = call(fsReadTool, { path: 'mine.txt' }, 'agent-2');
    // Assess
    expect(listing.entries).toEqual([]);
    await expect(read).rejects.toThrow(/no such file/);
  });

  it('refuses an agent id that could name another folder', () => {
    // Prepare
    const ids = ['../x', 'a/b', '', 'A'];
    // Act
    const attempts = ids.map((id) => () => new DirectoryWorkspace(root, id));
    // Assess
    for (const attempt of attempts) expect(attempt).toThrow(/invalid agent id/);
  });
});

const ESCAPES: [string, RegExp][] = [
  ['../x', /leaves the workspace/],
  ['..', /leaves the workspace/],
  ['a/../../x', /leaves the workspace/],
  ['a/b/../../../outside/secret.txt', /leaves the workspace/],
  ['/etc/passwd', /absolute/],
  ['//server/share/x', /absolute/],
  ['C:\\x', /backslashes|drive/],
  ['C:x', /drive/],
  ['c:/windows/win.ini', /drive/],
  ['\\\\server\\share', /backslashes/],
  ['..\\x', /backslashes/],
  ['a\0b', /NUL/],
  ['secret.txt\0.png', /NUL/],
  ['a\nb', /control characters/],
];

describe('fs tools: paths that would leave the workspace are refused', () => {
  it.each(ESCAPES)('fs.read refuses %j', async (path, reason) => {
    // Prepare: the table row.
    // Act
    const error = await refusal(call(fsReadTool, { path }));
    // Assess
    expect(error.message).toMatch(reason);
  });

  it.each(ESCAPES)('fs.write refuses %j and writes nothing anywhere', async (path, reason) => {
    // Prepare
    const before = await readFile(join(outside, 'secret.txt'), 'utf8');
    // Act
    const error = await refusal(call(fsWriteTool, { path, content: 'pwned' }));
    // Assess
    expect(error.message).toMatch(reason);
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe(before);
    expect(existsSync(join(root, 'x'))).toBe(false);
    expect(existsSync(join(temp, 'x'))).toBe(false);
  });

  it.each(ESCAPES)('fs.list refuses %j', async (path, reason) => {
    // Prepare: the table row.
    // Act
    const error = await refusal(call(fsListTool, { path }));
    // Assess
    expect(error.message).toMatch(reason);
  });

  it('refuses at the workspace too, for a caller that skips the tools', async () => {
    // Prepare
    const workspace = new DirectoryWorkspace(root, AGENT);
    // Act
    const read = refusal(workspace.read('../outside/secret.txt', KIB));
    const write = refusal(workspace.write('/tmp/x', 'x'));
    const list = refusal(workspace.list('a/../..'));
    // Assess
    await expect(read).resolves.toBeInstanceOf(ToolInputError);
    await expect(write).resolves.toBeInstanceOf(ToolInputError);
    await expect(list).resolves.toBeInstanceOf(ToolInputError);
  });

  it('never shows a host path in its messages', async () => {
    // Prepare
    await call(fsWriteTool, { path: 'file.txt', content: 'x' });
    // Act
    const errors = await Promise.all([
      refusal(call(fsReadTool, { path: 'missing.txt' })),
      refusal(call(fsListTool, { path: 'file.txt' })),
      refusal(call(fsReadTool, { path: 'file.txt/child' })),
    ]);
    // Assess
    for (const error of errors) expect(error.message).not.toContain(temp);
  });
});

describe('fs tools: symbolic links are refused', () => {
  beforeEach(async () => {
    await mkdir(agentDir, { recursive: true });
    await symlink(join(outside, 'secret.txt'), join(agentDir, 'link-file'));
    await symlink(join(outside, 'dir'), join(agentDir, 'link-dir'));
    await symlink(join(outside, 'not-yet.txt'), join(agentDir, 'dangling'));
    await writeFile(join(agentDir, 'real.txt'), 'inside');
    await symlink(join(agentDir, 'real.txt'), join(agentDir, 'link-inside'));
  });

  it.each(['link-file', 'link-dir/inner.txt', 'link-inside', 'dangling'])(
    'fs.read refuses %j',
    async (path) => {
      // Prepare: links planted above.
      // Act
      const error = await refusal(call(fsReadTool, { path }));
      // Assess
      expect(error.message).toMatch(/symbolic link/);
      expect(error.message).not.toContain('secret');
    },
  );

  it('fs.write refuses a link to a file and leaves the target alone', async () => {
    // Prepare: links planted above.
    // Act
    const error = await refusal(call(fsWriteTool, { path: 'link-file', content: 'pwned' }));
    // Assess
    expect(error.message).toMatch(/symbolic link/);
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
  });

  it('fs.write refuses a path through a link to a folder and creates nothing there', async () => {
    // Prepare: links planted above.
    // Act
    const error = await refusal(
      call(fsWriteTool, { path: 'link-dir/new/deeper.txt', content: 'pwned' }),
    );
    const overwrite = await refusal(
      call(fsWriteTool, { path: 'link-dir/inner.txt', content: 'pwned' }),
    );
    // Assess
    expect(error.message).toMatch(/symbolic link/);
    expect(overwrite.message).toMatch(/symbolic link/);
    expect(existsSync(join(outside, 'dir', 'new'))).toBe(false);
    expect(await readFile(join(outside, 'dir', 'inner.txt'), 'utf8')).toBe('inner secret');
  });

  it('fs.write refuses a dangling link and does not create its target', async () => {
    // Prepare: links planted above.
    // Act
    const error = await refusal(call(fsWriteTool, { path: 'dangling', content: 'pwned' }));
    // Assess
    expect(error.message).toMatch(/symbolic link/);
    expect(existsSync(join(outside, 'not-yet.txt'))).toBe(false);
  });

  it.each(['link-dir', 'link-dir/'])('fs.list refuses %j', async (path) => {
    // Prepare: links planted above.
    // Act
    const error = await refusal(call(fsListTool, { path }));
    // Assess
    expect(error.message).toMatch(/symbolic link/);
  });

  it('fs.list leaves links out of a listing', async () => {
    // Prepare: links planted above.
    // Act
    const listing = await call(fsListTool, {});
    // Assess
    expect(listing.entries).toEqual([{ name: 'real.txt', kind: 'file', bytes: 6 }]);
  });

  it('refuses a workspace folder that is itself a link', async () => {
    // Prepare
    await symlink(outside, join(root, 'agent-linked'));
    // Act
    const errors = await Promise.all([
      refusal(call(fsReadTool, { path: 'secret.txt' }, 'agent-linked')),
      refusal(call(fsWriteTool, { path: 'x.txt', content: 'pwned' }, 'agent-linked')),
      refusal(call(fsListTool, {}, 'agent-linked')),
    ]);
    // Assess
    for (const error of errors) expect(error.message).toMatch(/not a plain folder/);
    expect(existsSync(join(outside, 'x.txt'))).toBe(false);
  });

  it('refuses a hard link to a file outside, for read and write', async () => {
    // Prepare
    await link(join(outside, 'secret.txt'), join(agentDir, 'hard.txt'));
    // Act
    const read = await refusal(call(fsReadTool, { path: 'hard.txt' }));
    const write = await refusal(call(fsWriteTool, { path: 'hard.txt', content: 'pwned' }));
    // Assess
    expect(read.message).toMatch(/hard links/);
    expect(write.message).toMatch(/hard links/);
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('top secret');
  });
});

describe('fs tools: sizes and kinds', () => {
  const limit = WORKSPACE_FILE_LIMITS.maxFileBytes;

  it('reads and writes a file of exactly the limit', async () => {
    // Prepare
    const content = 'a'.repeat(limit);
    // Act
    const written = await call(fsWriteTool, { path: 'full.txt', content });
    const read = await call(fsReadTool, { path: 'full.txt' });
    // Assess
    expect(limit).toBe(256 * KIB);
    expect(written.bytes).toBe(limit);
    expect(read.bytes).toBe(limit);
  });

  it.each([
    ['one byte over, in ASCII', 'a'.repeat(limit + 1)],
    ['over in bytes though not in characters', 'é'.repeat(limit / 2 + 1)],
  ])('fs.write rejects content %s', (_label, content) => {
    // Prepare
    const input = { path: 'big.txt', content };
    // Act
    const parsed = fsWriteTool.input.safeParse(input);
    // Assess
    expect(parsed.success).toBe(false);
  });

  it('fs.write refuses oversized content even when the schema is skipped', async () => {
    // Prepare
    const input = { path: 'big.txt', content: 'a'.repeat(limit + 1) };
    // Act
    const error = await refusal(fsWriteTool.run(input, contextFor()));
    // Assess
    expect(error.message).toMatch(/larger than/);
    expect(existsSync(join(agentDir, 'big.txt'))).toBe(false);
  });

  it('fs.read refuses a file one byte over the limit', async () => {
    // Prepare
    await mkdir(agentDir, { recursive: true });
    await writeFile(join(agentDir, 'big.txt'), 'a'.repeat(limit + 1));
    // Act
    const error = await refusal(call(fsReadTool, { path: 'big.txt' }));
    // Assess
    expect(error.message).toMatch(/larger than 262144 bytes/);
  });

  it('fs.read refuses a file that is not UTF-8 text', async () => {
    // Prepare
    await mkdir(agentDir, { recursive: true });
    await writeFile(join(agentDir, 'blob.bin'), Buffer.from([0xff, 0xfe, 0x00, 0xc3]));
    // Act
    const error = await refusal(call(fsReadTool, { path: 'blob.bin' }));
    // Assess
    expect(error.message).toMatch(/not UTF-8/);
  });

  it.each([
    ['fs.read of a missing file', fsReadTool, { path: 'missing.txt' }, /no such file/],
    ['fs.read of a folder', fsReadTool, { path: 'folder' }, /not a file/],
    ['fs.read of the workspace itself', fsReadTool, { path: '.' }, /not a file/],
    ['fs.read through a file', fsReadTool, { path: 'file.txt/x' }, /not a folder/],
    ['fs.list of a file', fsListTool, { path: 'file.txt' }, /not a folder/],
    ['fs.list of a missing folder', fsListTool, { path: 'nope' }, /no such folder/],
    ['fs.write over a folder', fsWriteTool, { path: 'folder', content: 'x' }, /not a file/],
    ['fs.write under a file', fsWriteTool, { path: 'file.txt/x', content: 'x' }, /not a folder/],
    ['fs.write to the workspace itself', fsWriteTool, { path: './', content: 'x' }, /itself/],
  ] as const)('refuses %s', async (_label, tool, input, reason) => {
    // Prepare
    await call(fsWriteTool, { path: 'file.txt', content: 'x' });
    await call(fsWriteTool, { path: 'folder/keep.txt', content: 'x' });
    // Act
    const error = await refusal(call(tool, input));
    // Assess
    expect(error.message).toMatch(reason);
  });

  it('fs.list cuts a listing at its limit and says so', async () => {
    // Prepare
    await mkdir(agentDir, { recursive: true });
    const count = WORKSPACE_FILE_LIMITS.maxListEntries + 5;
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        writeFile(join(agentDir, `f${String(i).padStart(5, '0')}.txt`), ''),
      ),
    );
    // Act
    const listing = await call(fsListTool, {});
    // Assess
    expect(listing.entries).toHaveLength(WORKSPACE_FILE_LIMITS.maxListEntries);
    expect(listing.truncated).toBe(true);
    expect(listing.entries[0].name).toBe('f00000.txt');
  });

  it.each([
    [fsReadTool, { path: '' }],
    [fsReadTool, { path: 'a', extra: 1 }],
    [fsWriteTool, { path: 'a' }],
    [fsListTool, { path: 'x'.repeat(1025) }],
  ])('rejects malformed input %j at the schema', (tool, input) => {
    // Prepare: the table row.
    // Act
    const parsed = tool.input.safeParse(input);
    // Assess
    expect(parsed.success).toBe(false);
  });
});

describe('a deadline stops the file tools', () => {
  /** Every folder under the agent's workspace, as relative paths. */
  async function foldersNow(): Promise<string[]> {
    const { readdir } = await import('node:fs/promises');
    if (!existsSync(agentDir)) return [];
    const entries = await readdir(agentDir, { recursive: true, withFileTypes: true });
    return entries
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(entry.parentPath, entry.name).slice(agentDir.length + 1))
      .sort();
  }

  it('fs.write past its deadline creates no folder after it, and no file', async () => {
    // Prepare: 40 folders deep; the deadline passes once the first folder exists.
    const controller = new AbortController();
    const deep = `${Array.from({ length: 40 }, (_, i) => `d${i}`).join('/')}/file.txt`;
    const context = { ...contextFor(), signal: controller.signal };
    let watching = true;
    const watch = () => {
      if (!watching) return;
      if (existsSync(join(agentDir, 'd0'))) controller.abort(new Error('deadline'));
      else setImmediate(watch);
    };
    setImmediate(watch);

    // Act
    const outcome = await fsWriteTool
      .run(fsWriteTool.input.parse({ path: deep, content: 'x' }), context)
      .then(
        () => 'written',
        (error: unknown) => error,
      );
    watching = false;
    const atTheEnd = await foldersNow();
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Assess: stopped near the first folder; nothing appeared once the call had ended.
    expect(outcome).not.toBe('written');
    expect(atTheEnd.length).toBeLessThan(5);
    expect(existsSync(join(agentDir, deep))).toBe(false);
    expect(await foldersNow()).toEqual(atTheEnd);
  });

  it.each([
    ['fs.write', fsWriteTool, { path: 'a/b.txt', content: 'x' }],
    ['fs.read', fsReadTool, { path: 'notes.txt' }],
    ['fs.list', fsListTool, { path: '.' }],
  ])('%s does nothing once its deadline has passed', async (_name, tool, input) => {
    // Prepare
    await mkdir(agentDir, { recursive: true });
    await writeFile(join(agentDir, 'notes.txt'), 'hello');
    const context = { ...contextFor(), signal: AbortSignal.abort(new Error('deadline')) };

    // Act
    const outcome = tool.run(tool.input.parse(input), context);

    // Assess
    await expect(outcome).rejects.toThrow('deadline');
    expect(existsSync(join(agentDir, 'a'))).toBe(false);
  });
});
