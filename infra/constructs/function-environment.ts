/**
 * The environment a function gets, derived from its topology `access` only: a function sees the
 * name of a resource exactly when it may touch it. Plain data (no CDK), so that
 * bench/bundles.ts can cold-load bundles with the same variables the stack sets.
 */

import packageJson from '../../package.json' with { type: 'json' };
import {
  ADMIN_KEY_SECRET_ENV,
  EMBEDDINGS_ENV,
  EVENT_BUS_NAME_ENV,
  MODEL_ROUTES_ENV,
  queueUrlEnv,
  SCHEDULE_ENV,
  TABLE_NAME_ENV,
  WEBSOCKET_ENDPOINT_ENV,
  WORKFLOW_STATE_MACHINE_ARN_ENV,
} from '../../shared/runtime/environment.js';
import { type FunctionSpec, queuesNeedingUrls, type SecretId, topology } from '../topology.js';

/** Where each readable secret's id is passed. */
const SECRET_ENV: Record<SecretId, string> = { 'admin-api-key': ADMIN_KEY_SECRET_ENV };

/**
 * Tunables a deployment may set: taken from the environment of `cdk synth`/`cdk deploy` when
 * set there, and given to every function (each reads only its own).
 */
export const DEPLOYMENT_TUNABLES = [
  'AGENT_CORE_RETRY_BASE_SECONDS',
  'AGENT_CORE_RETRY_MAX_SECONDS',
  'AGENT_CORE_EVENT_RETENTION_DAYS',
  'AGENT_CORE_MESSAGES_PER_MINUTE',
  'AGENT_CORE_MODEL_PRICES',
  'AGENT_CORE_INSIGHTS_WINDOW',
  // Further variables agents' model keys may come from (see shared/core/models/model-key-policy.ts).
  'AGENT_CORE_ALLOWED_KEY_ENVS',
] as const;

/** The values (or CloudFormation tokens) for the resources a function may be told about. */
export interface EnvironmentValues {
  tableName: string;
  eventBusName: string;
  /** The model route configuration, as JSON. */
  modelRoutes: string;
  /** The embeddings configuration, as JSON (empty: the local embedder). */
  embeddings?: string;
  queueUrl(queueId: string): string;
  secretId(secretId: SecretId): string;
  /** The dashboard WebSocket API's Management API endpoint (`https://…/<stage>`). */
  webSocketEndpoint?: string;
  /** The workflow-runner state machine's ARN. */
  workflowRunnerArn?: string;
  /** Where schedules' timers live and whom they fire. */
  schedules?: Record<keyof typeof SCHEDULE_ENV, string>;
  /** Tunables set for this deployment (see DEPLOYMENT_TUNABLES). */
  tunables?: Partial<Record<(typeof DEPLOYMENT_TUNABLES)[number], string>>;
}

export function functionEnvironment(
  fn: FunctionSpec,
  values: EnvironmentValues,
): Record<string, string> {
  const env: Record<string, string> = {
    AGENT_CORE_RUNTIME: 'aws',
    AGENT_CORE_VERSION: packageJson.version,
    POWERTOOLS_SERVICE_NAME: `${topology.appName}-${fn.layer}`,
    NODE_OPTIONS: '--enable-source-maps',
  };
  if (fn.access.table) env[TABLE_NAME_ENV] = values.tableName;
  if (fn.access.publishEvents) env[EVENT_BUS_NAME_ENV] = values.eventBusName;
  for (const queueId of queuesNeedingUrls(fn)) env[queueUrlEnv(queueId)] = values.queueUrl(queueId);
  for (const [name, value] of Object.entries(values.tunables ?? {})) if (value) env[name] = value;
  if (fn.access.modelRoutes) env[MODEL_ROUTES_ENV] = values.modelRoutes;
  if (fn.access.embeddings && values.embeddings) env[EMBEDDINGS_ENV] = values.embeddings;
  if (fn.access.manageConnections && values.webSocketEndpoint) {
    env[WEBSOCKET_ENDPOINT_ENV] = values.webSocketEndpoint;
  }
  if (fn.access.manageSchedules && values.schedules) {
    for (const [field, name] of Object.entries(SCHEDULE_ENV)) {
      env[name] = values.schedules[field as keyof typeof SCHEDULE_ENV];
    }
  }
  if ((fn.access.runWorkflows || fn.access.startWorkflows) && values.workflowRunnerArn) {
    env[WORKFLOW_STATE_MACHINE_ARN_ENV] = values.workflowRunnerArn;
  }
  for (const secretId of fn.access.readSecrets ?? []) {
    env[SECRET_ENV[secretId]] = values.secretId(secretId);
  }
  return env;
}
