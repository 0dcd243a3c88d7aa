/**
 * Where the CLI connects and with which key. In order: `--url` / `--profile`, the environment
 * (`AGENT_CORE_URL`, `AGENT_CORE_API_KEY`, `AGENT_CORE_WS_URL`), the profile file
 * (`$XDG_CONFIG_HOME/agent-core/config.json`, else `~/.config/agent-core/config.json`, mode
 * 0600), and the local runtime: `<data dir>/runtime.json` names its URL and
 * `<data dir>/admin-api-key` its generated key, used only for that URL.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import * as z from 'zod';

export const DEFAULT_URL = 'http://127.0.0.1:3000';

const profileSchema = z.object({
  url: z.url().optional(),
  apiKey: z.string().min(1).optional(),
  wsUrl: z.url().optional(),
});
export type Profile = z.infer<typeof profileSchema>;

const configFileSchema = z.object({
  current: z.string().default('default'),
  profiles: z.record(z.string(), profileSchema).default({}),
});
export type ConfigFile = z.infer<typeof configFileSchema>;

export interface Connection {
  url: string;
  apiKey: string | undefined;
  wsUrl: string | undefined;
  /** Where the key came from, for `config show` and error messages; never the key itself. */
  keySource: string;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function configFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'agent-core', 'config.json');
}

export function readConfigFile(path = configFilePath()): ConfigFile {
  if (!existsSync(path)) return { current: 'default', profiles: {} };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`${path} is not JSON: ${(error as Error).message}`);
  }
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.') || '(file)').join(', ');
    throw new UsageError(`${path} is not a valid agent-core configuration (${fields})`);
  }
  return parsed.data;
}

/** Writes the file readable by its owner only (0600, in a 0700 folder): it holds keys. */
export function writeConfigFile(config: ConfigFile, path = configFilePath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // writeFileSync keeps the mode of a file that existed: set it again.
  chmodSync(path, 0o600);
}

/** The local runtime of a data folder, if one has run there: its URL and its generated key. */
export function localRuntime(dataDir: string): { url: string; apiKey?: string } | undefined {
  const runtimeFile = join(dataDir, 'runtime.json');
  if (!existsSync(runtimeFile)) return undefined;
  try {
    const { url } = JSON.parse(readFileSync(runtimeFile, 'utf8')) as { url?: unknown };
    if (typeof url !== 'string') return undefined;
    const keyFile = join(dataDir, 'admin-api-key');
    const apiKey = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined;
    return { url, ...(apiKey ? { apiKey } : {}) };
  } catch {
    return undefined;
  }
}

export const sameOrigin = (a: string, b: string): boolean => {
  try {
    const [x, y] = [new URL(a), new URL(b)];
    const loopback = (h: string) => ['127.0.0.1', 'localhost', '[::1]'].includes(h);
    return (
      x.protocol === y.protocol &&
      x.port === y.port &&
      (x.hostname === y.hostname || (loopback(x.hostname) && loopback(y.hostname)))
    );
  } catch {
    return false;
  }
};

export function resolveConnection(
  flags: { url?: string; profile?: string },
  env: NodeJS.ProcessEnv = process.env,
  warn: (message: string) => void = () => {},
): Connection {
  const path = configFilePath(env);
  const file = readConfigFile(path);
  const profileName = flags.profile ?? env.AGENT_CORE_PROFILE ?? file.current;
  const profile = file.profiles[profileName];
  if (flags.profile && !profile) {
    throw new UsageError(`no profile '${flags.profile}' in ${path} (agent-core config set)`);
  }
  if (profile?.apiKey && existsSync(path) && (statSync(path).mode & 0o077) !== 0) {
    warn(`${path} holds a key and is readable by others: chmod 600 it`);
  }
  const local = localRuntime(resolve(env.AGENT_CORE_DATA_DIR ?? '.data'));
  const url = (
    flags.url ??
    env.AGENT_CORE_URL ??
    profile?.url ??
    local?.url ??
    DEFAULT_URL
  ).replace(/\/+$/, '');
  try {
    new URL(url);
  } catch {
    throw new UsageError(`not a URL: ${url}`);
  }
  let apiKey: string | undefined;
  let keySource = 'none';
  if (env.AGENT_CORE_API_KEY) {
    apiKey = env.AGENT_CORE_API_KEY;
    keySource = 'AGENT_CORE_API_KEY';
  } else if (profile?.apiKey && (!profile.url || sameOrigin(profile.url, url))) {
    apiKey = profile.apiKey;
    keySource = `profile '${profileName}'`;
  } else if (local?.apiKey && sameOrigin(local.url, url)) {
    apiKey = local.apiKey;
    keySource = 'the local runtime (admin-api-key)';
  }
  const wsUrl =
    env.AGENT_CORE_WS_URL ??
    (profile?.url === undefined || sameOrigin(profile.url, url) ? profile?.wsUrl : undefined);
  return { url, apiKey, wsUrl, keySource };
}

/** A key shown without giving it away. */
export const maskKey = (key: string | undefined): string =>
  key ? `${key.slice(0, 6)}…${key.slice(-4)}` : '(none)';
