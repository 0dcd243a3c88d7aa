/**
 * Configuration from the environment, read once per cold start. A variable a function needs but
 * lacks is a clear startup error naming it, never a silent default.
 */
import * as z from 'zod';
import {
  ADMIN_KEY_SECRET_ENV,
  EVENT_BUS_NAME_ENV,
  queueUrlEnv,
  TABLE_NAME_ENV,
} from '../../infra/topology.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new ConfigError(`environment variable ${name} is required but not set`);
  return value;
}

const tunables = z.object({
  AGENT_CORE_RUNTIME: z.enum(['aws', 'local']).default('aws'),
  AGENT_CORE_VERSION: z.string().default('unknown'),
  AGENT_CORE_RETRY_BASE_SECONDS: z.coerce.number().int().min(0).max(900).default(2),
  AGENT_CORE_RETRY_MAX_SECONDS: z.coerce.number().int().min(0).max(43_200).default(900),
  AGENT_CORE_EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
});

export type Tunables = z.infer<typeof tunables>;

let cachedTunables: Tunables | undefined;

/** Tunables with defaults; a malformed value names the variable. */
export function settings(): Tunables {
  if (!cachedTunables) {
    const result = tunables.safeParse(process.env);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new ConfigError(`environment variable ${String(issue?.path[0])}: ${issue?.message}`);
    }
    cachedTunables = result.data;
  }
  return cachedTunables;
}

export const tableName = (): string => required(TABLE_NAME_ENV);
export const eventBusName = (): string => required(EVENT_BUS_NAME_ENV);
export const adminKeySecretId = (): string => required(ADMIN_KEY_SECRET_ENV);
export const queueUrl = (queueId: string): string => required(queueUrlEnv(queueId));
