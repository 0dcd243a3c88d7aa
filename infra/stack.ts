/**
 * The agent-core stack: everything `infra/topology.ts` describes, and nothing it does not.
 * Each piece is built from the topology by its construct; this file only orders them and
 * hands each the resources it needs.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Lazy, Stack, type StackProps } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import {
  type EmbeddingsConfig,
  parseEmbeddingsConfig,
} from '../shared/core/memory/embeddings-config.js';
import type { RouteConfig } from '../shared/core/models/route-config.js';
import { loadRouteConfig } from '../shared/runtime/model-config.js';
import { ApiSecrets } from './constructs/api-secrets.js';
import { DashboardSite } from './constructs/dashboard-site.js';
import { DataTable } from './constructs/data-table.js';
import { EventRouting } from './constructs/event-routing.js';
import { AgentCoreHttpApi } from './constructs/http-api.js';
import { LayerFunctions } from './constructs/layer-functions.js';
import { Monitoring } from './constructs/monitoring.js';
import { ScheduleTimers } from './constructs/schedule-timers.js';
import { DashboardWebSocketApi } from './constructs/websocket-api.js';
import { WorkQueues } from './constructs/work-queues.js';
import { WorkflowRunner, workflowRunnerArns } from './constructs/workflow-runner.js';
import { type Layer, topology } from './topology.js';

/**
 * Context key for the functions' application log level (INFO when unset), e.g.
 * `cdk synth -c agent-core:logLevel=DEBUG`.
 */
export const LOG_LEVEL_CONTEXT = 'agent-core:logLevel';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface AgentCoreStackProps extends StackProps {
  /** Model routes; by default from AGENT_CORE_MODEL_ROUTES or AGENT_CORE_MODEL_ROUTES_FILE. */
  modelRoutes?: RouteConfig;
  /** The embedder; by default from AGENT_CORE_EMBEDDINGS (unset: the local embedder). */
  embeddings?: EmbeddingsConfig;
}

/** AGENT_CORE_EMBEDDINGS as the synth sees it, validated as the functions will validate it. */
function embeddingsAtSynth(): AgentCoreStackProps['embeddings'] {
  const raw = process.env.AGENT_CORE_EMBEDDINGS;
  if (!raw) return undefined;
  const parsed = parseEmbeddingsConfig(raw);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed.config;
}

export class AgentCoreStack extends Stack {
  constructor(scope: Construct, id: string, props?: AgentCoreStackProps) {
    super(scope, id, {
      description: 'agent-core: a serverless operating system for LLM agents',
      ...props,
    });
    const spec = topology;

    const data = new DataTable(this, 'Data', { spec: spec.table });
    const queues = new WorkQueues(this, 'Queues', { spec });
    const events = new EventRouting(this, 'Events', { spec, queues });
    const secrets = new ApiSecrets(this, 'Secrets');
    // The dashboard feed's API first: its functions are told its endpoint; routes come below.
    const webSocket = new DashboardWebSocketApi(this, 'WebSocket', { spec });
    const runnerSpec = spec.stateMachines.find((sm) => sm.id === 'workflow-runner');
    if (!runnerSpec) throw new Error('the topology has no workflow-runner state machine');
    const resources = {
      table: data.table,
      bus: events.bus,
      queues,
      secrets: secrets.byId,
      // The same configuration the functions validate at cold start, read here once at synth.
      modelRoutes: props?.modelRoutes ?? loadRouteConfig(),
      embeddings: props?.embeddings ?? embeddingsAtSynth(),
      webSocket,
      workflowRunner: workflowRunnerArns(this, runnerSpec),
      schedules: new ScheduleTimers(this, 'Schedules', { spec: spec.schedules, queues }),
    };

    const applicationLogLevel = this.applicationLogLevel();
    const functions = new Map<string, lambda.IFunction>();
    const layers = [...new Set(spec.functions.map((fn) => fn.layer))];
    for (const layer of layers) {
      const layerFunctions = new LayerFunctions(this, layerConstructId(layer), {
        layer,
        functions: spec.functions.filter((fn) => fn.layer === layer),
        resources,
        applicationLogLevel,
        projectRoot: PROJECT_ROOT,
      });
      for (const [name, fn] of layerFunctions.functions) {
        if (functions.has(name)) throw new Error(`function ${name} is declared twice`);
        functions.set(name, fn);
      }
    }

    const engine = functions.get(runnerSpec.taskFunction);
    if (!engine) throw new Error(`no function ${runnerSpec.taskFunction} for ${runnerSpec.id}`);
    const runner = new WorkflowRunner(this, 'WorkflowRunner', { spec: runnerSpec, engine });

    // The page is built first (its API URL resolved lazily) so the HTTP API's CORS can name it.
    const site: DashboardSite = new DashboardSite(this, 'DashboardSite', {
      apiUrl: Lazy.string({ produce: (): string => http.stage.url }),
      wsUrl: webSocket.url,
    });
    const http: AgentCoreHttpApi = new AgentCoreHttpApi(this, 'Http', {
      spec,
      functions,
      corsOrigins: [site.url],
    });
    webSocket.addRoutes(spec, functions);
    const monitoring = new Monitoring(this, 'Monitoring', {
      spec,
      queues,
      functions,
      stateMachines: new Map([[runnerSpec.id, runner.stateMachine]]),
    });

    new CfnOutput(this, 'DashboardUrl', { value: site.url });
    new CfnOutput(this, 'HttpApiUrl', { value: http.stage.url });
    new CfnOutput(this, 'WebSocketUrl', {
      description: 'The dashboard feed: connect with ?token=<API key>',
      value: webSocket.url,
    });
    new CfnOutput(this, 'AdminApiKeySecretName', {
      description:
        'Read the admin API key with: aws secretsmanager get-secret-value --secret-id <this>',
      value: secrets.byId['admin-api-key'].secretName,
    });
    new CfnOutput(this, 'TableName', { value: data.table.tableName });
    new CfnOutput(this, 'DashboardName', { value: monitoring.dashboard.dashboardName });
    new CfnOutput(this, 'EventBusName', { value: events.bus.eventBusName });
    new CfnOutput(this, 'WorkflowStateMachineArn', { value: runner.stateMachine.stateMachineArn });
  }

  private applicationLogLevel(): lambda.ApplicationLogLevel {
    const value = this.node.tryGetContext(LOG_LEVEL_CONTEXT) ?? lambda.ApplicationLogLevel.INFO;
    const levels: string[] = Object.values(lambda.ApplicationLogLevel);
    if (!levels.includes(value)) {
      throw new Error(`context ${LOG_LEVEL_CONTEXT} must be one of ${levels.join(', ')}: ${value}`);
    }
    return value as lambda.ApplicationLogLevel;
  }
}

/** `observability` → `Observability`. */
const layerConstructId = (layer: Layer): string => layer[0]!.toUpperCase() + layer.slice(1);
