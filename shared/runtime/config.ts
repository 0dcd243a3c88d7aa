/**
 * Configuration from the environment, read once per cold start. A variable a function needs but
 * lacks is a clear startup error naming it, never a silent default.
 */
import * as z from 'zod';
import { ConfigError } from '../core/errors.js';
import { once } from '../core/once.js';
import {
  ADMIN_KEY_SECRET_ENV,
  EVENT_BUS_NAME_ENV,
  queueUrlEnv,
  TABLE_NAME_ENV,
} from './environment.js';

// The configuration's error, defined with every other error class; its readers import it here.
export { ConfigError };

/**
 * The value of a variable a function cannot do without (a resource's name or address); unset or
 * empty is a ConfigError naming it. The one way to read such a variable.
 */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
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

/** Tunables with defaults; a malformed value names the variable. */
export const settings = /* @__PURE__ */ once((): Tunables => {
  const result = tunables.safeParse(process.env);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(`environment variable ${String(issue?.path[0])}: ${issue?.message}`);
  }
  return result.data;
});

export const tableName = (): string => requiredEnv(TABLE_NAME_ENV);
export const eventBusName = (): string => requiredEnv(EVENT_BUS_NAME_ENV);
export const adminKeySecretId = (): string => requiredEnv(ADMIN_KEY_SECRET_ENV);
export const queueUrl = (queueId: string): string => requiredEnv(queueUrlEnv(queueId));
