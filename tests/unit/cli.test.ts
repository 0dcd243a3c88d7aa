/**
 * The CLI in-process: every command's help has examples; errors map to the exit codes scripts
 * rely on (0 ok, 1 failed, 2 usage, 3 auth); and where it connects, in order: the flag, the
 * environment, the profile (its key only for its URL), the local runtime's data folder (its key
 * only for its URL).
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { resolveConnection, UsageError, writeConfigFile } from '../../cli/config.js';
import { buildProgram } from '../../cli/main.js';
import { Exit, type Output, reportError } from '../../cli/output.js';
import { AgentCoreError } from '../../client/index.js';

const leaves = (command: Command): Command[] =>
  command.commands.length ? command.commands.flatMap(leaves) : [command];

const captured = (json = false) => {
  const lines: string[] = [];
  const output: Output = { json, out: (t) => lines.push(t), err: (t) => lines.push(t) };
  return { output, lines };
};

describe('help', () => {
  it('gives every command a description and examples', () => {
    const program = buildProgram();
    const commands = leaves(program);
    expect(commands.length).toBeGreaterThan(35);
    for (const command of commands) {
      let help = '';
      command.configureOutput({ writeOut: (text) => (help += text) });
      command.outputHelp();
      expect(command.description(), command.name()).not.toBe('');
      expect(help, `${command.parent?.name()} ${command.name()}`).toContain('Examples:\n  $ ');
    }
  });
});

describe('exit codes', () => {
  it.each([
    [new AgentCoreError(401, 'Unauthorized', 'no key'), 3],
    [new AgentCoreError(403, 'Forbidden', 'not yours'), 3],
    [
      new AgentCoreError(400, 'ValidationError', 'invalid agent: id', [
        { path: 'id', message: 'required' },
      ]),
      2,
    ],
    [new AgentCoreError(413, 'PayloadTooLarge', 'too big'), 2],
    [new AgentCoreError(404, 'NotFound', 'no agent'), 1],
    [new AgentCoreError(409, 'Conflict', 'exists'), 1],
    [new AgentCoreError(0, 'ConnectionFailed', 'no answer'), 1],
    [new UsageError('bad file'), 2],
    [new Exit(1), 1],
    [new Error('boom'), 1],
  ])('%s → %i', (error, code) => {
    expect(reportError(captured().output, error)).toBe(code);
  });

  it('prints the API message and each field path, or the API error as JSON', () => {
    const error = new AgentCoreError(400, 'ValidationError', 'invalid agent: id, model', [
      { path: 'id', message: 'required' },
      { path: 'model', message: 'required' },
    ]);
    const human = captured();
    reportError(human.output, error);
    expect(human.lines).toEqual([
      'error: invalid agent: id, model (400 ValidationError)',
      '  id: required',
      '  model: required',
    ]);
    const json = captured(true);
    reportError(json.output, error);
    expect(JSON.parse(json.lines[0] ?? '')).toMatchObject({
      status: 400,
      error: { code: 'ValidationError', details: error.details },
    });
  });
});

describe('where the CLI connects', () => {
  const home = () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-core-cli-unit-'));
    return {
      dir,
      env: { XDG_CONFIG_HOME: join(dir, 'config'), AGENT_CORE_DATA_DIR: join(dir, 'data') },
    };
  };
  const runtimeIn = (dataDir: string, url: string, key: string) => {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'runtime.json'), JSON.stringify({ pid: 1, url }));
    writeFileSync(join(dataDir, 'admin-api-key'), `${key}\n`);
  };

  it('uses the local runtime of the data folder, its key only for its own URL', () => {
    const { env } = home();
    runtimeIn(env.AGENT_CORE_DATA_DIR, 'http://127.0.0.1:4100', 'local-key');
    expect(resolveConnection({}, env)).toMatchObject({
      url: 'http://127.0.0.1:4100',
      apiKey: 'local-key',
      keySource: 'the local runtime (admin-api-key)',
    });
    expect(resolveConnection({ url: 'http://localhost:4100' }, env).apiKey).toBe('local-key');
    expect(resolveConnection({ url: 'https://api.example.com' }, env)).toMatchObject({
      url: 'https://api.example.com',
      apiKey: undefined,
    });
  });

  it('prefers the environment, then the flag for the URL, then the profile', () => {
    const { env } = home();
    writeConfigFile(
      {
        current: 'prod',
        profiles: { prod: { url: 'https://prod.example.com', apiKey: 'prod-key' } },
      },
      join(env.XDG_CONFIG_HOME, 'agent-core', 'config.json'),
    );
    expect(resolveConnection({}, env)).toMatchObject({
      url: 'https://prod.example.com',
      apiKey: 'prod-key',
      keySource: "profile 'prod'",
    });
    // The profile's key never goes to another URL.
    expect(resolveConnection({ url: 'https://other.example.com' }, env).apiKey).toBeUndefined();
    expect(
      resolveConnection(
        {},
        { ...env, AGENT_CORE_URL: 'https://env.example.com', AGENT_CORE_API_KEY: 'env-key' },
      ),
    ).toMatchObject({
      url: 'https://env.example.com',
      apiKey: 'env-key',
      keySource: 'AGENT_CORE_API_KEY',
    });
    expect(() => resolveConnection({ profile: 'nope' }, env)).toThrow(UsageError);
    expect(() => resolveConnection({ url: 'not a url' }, env)).toThrow(UsageError);
  });

  it('warns when the profile file holding a key is readable by others', () => {
    const { env } = home();
    const path = join(env.XDG_CONFIG_HOME, 'agent-core', 'config.json');
    writeConfigFile({ current: 'default', profiles: { default: { apiKey: 'k' } } }, path);
    const warnings: string[] = [];
    resolveConnection({}, env, (m) => warnings.push(m));
    expect(warnings).toEqual([]);
    chmodSync(path, 0o644);
    resolveConnection({}, env, (m) => warnings.push(m));
    expect(warnings[0]).toMatch(/readable by others: chmod 600/);
  });
});
