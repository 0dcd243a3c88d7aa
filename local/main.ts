/**
 * `npm start`: the whole of agent-core on one machine. The same handlers and AWS adapters as in
 * the cloud, pointed at embedded DynamoDB (dynalite, on disk) and SQS (fauxqs) and at this
 * process's own EventBridge / Secrets Manager endpoint, wired by the same topology. Those
 * internal endpoints answer only requests signed with credentials drawn at each start.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { topology, tracingOf } from '../infra/topology.js';
import { workflowRunnerDefinition } from '../infra/workflow-state-machine.js';
import packageJson from '../package.json' with { type: 'json' };
import { installClientMeter } from '../shared/adapters/clients/metering.js';
import {
  RESOURCE_ACCESS_KEY_ID_ENV,
  RESOURCE_SECRET_ACCESS_KEY_ENV,
} from '../shared/adapters/clients/resource-credentials.js';
import { rearmPendingApprovals } from '../shared/core/approvals/approval-service.js';
import { recoverUnfinishedTasks } from '../shared/core/tasks/task-service.js';
import { recoverRunningWorkflows } from '../shared/core/workflows/workflow-service.js';
import {
  ADMIN_KEY_SECRET_ENV,
  EVENT_BUS_NAME_ENV,
  queueUrlEnv,
  SCHEDULE_ENV,
  TABLE_NAME_ENV,
  TASK_QUEUE_BY_PRIORITY,
  WEBSOCKET_ENDPOINT_ENV,
  WORKFLOW_STATE_MACHINE_ARN_ENV,
} from '../shared/runtime/environment.js';
import { approvalStore, approvalTimer } from '../shared/runtime/interaction.js';
import { loadPrices, loadRouteConfig } from '../shared/runtime/model-config.js';
import { eventPublisher, taskSender, taskStore } from '../shared/runtime/wiring.js';
import { workflowRunner, workflowStore } from '../shared/runtime/workflows.js';
import { LocalAwsEndpoint } from './aws-endpoint.js';
import { CostMeter, costMeterEnabled, serveMeter } from './cost-meter.js';
import { serveDashboard } from './dashboard-static.js';
import type { EmulatorMessage } from './emulators.js';
import { contractError, HttpGateway, send } from './http-gateway.js';
import { LambdaHost } from './lambda-host.js';
import { provisionQueues, provisionTable } from './provision.js';
import { QueuePoller } from './queue-poller.js';
import { LocalScheduler } from './scheduler.js';
import { newResourceCredentials } from './signed-requests.js';
import { LocalStepFunctions } from './step-functions.js';
import { WebSocketGateway } from './websocket-gateway.js';
import { buildLocalWiring } from './wiring.js';

const TASK_QUEUES = new Set<string>(Object.values(TASK_QUEUE_BY_PRIORITY));
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REGION = 'us-east-1';
const TABLE = 'agent-core';
const ADMIN_SECRET_ID = 'agent-core/admin-api-key';

const config = {
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? '127.0.0.1',
  dataDir: resolve(process.env.AGENT_CORE_DATA_DIR ?? '.data'),
  concurrency: Number(process.env.AGENT_CORE_LOCAL_CONCURRENCY ?? 16),
  logLevel: process.env.AGENT_CORE_LOG_LEVEL ?? 'WARN',
  /**
   * History events a workflow execution may use before it hands over to the next; tests set it
   * low to make a workflow cross executions. Unset: the deployed default.
   */
  workflowHistoryBudget: optionalCount('AGENT_CORE_WORKFLOW_HISTORY_BUDGET'),
};

function optionalCount(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

const log = (message: string) => process.stdout.write(`[agent-core] ${message}\n`);

/** The admin key: from AGENT_CORE_API_KEY, else kept in the data folder, made on first start. */
function adminKey(): { key: string; generated: boolean } {
  if (process.env.AGENT_CORE_API_KEY)
    return { key: process.env.AGENT_CORE_API_KEY, generated: false };
  const file = resolve(config.dataDir, 'admin-api-key');
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), generated: false };
  const key = `ac_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, generated: true };
}

/** The emulators' process, with the credentials (already in this process's environment). */
async function startEmulatorProcess() {
  const child = fork(resolve(root, 'local/emulators.ts'), ['--child', config.dataDir], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Extract<EmulatorMessage, { type: 'ready' }>>(
    (resolveReady, reject) => {
      child.once('message', (message: EmulatorMessage) => {
        if (message.type === 'ready') resolveReady(message);
        else reject(new Error(`embedded DynamoDB/SQS failed to start: ${message.message}`));
      });
      child.once('exit', (code) =>
        reject(new Error(`embedded DynamoDB/SQS exited with code ${code}`)),
      );
    },
  );
  return { child, ...ready };
}

async function main(): Promise<void> {
  // Everything the runtime and its emulators write (the table's files, runtime.json, agents'
  // workspaces, the admin key) is for this user alone, and so is the data folder.
  process.umask(0o077);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(config.dataDir, 0o700);
  const { key, generated } = adminKey();
  // This start's credentials for the internal endpoints, in the variables the SDK clients read
  // (resource-credentials.ts); the emulators' process inherits them. Never printed or stored.
  const credentials = newResourceCredentials();
  process.env[RESOURCE_ACCESS_KEY_ID_ENV] = credentials.accessKeyId;
  process.env[RESOURCE_SECRET_ACCESS_KEY_ENV] = credentials.secretAccessKey;
  const emulators = await startEmulatorProcess();

  // Every handler reads its configuration from the environment, as in Lambda.
  Object.assign(process.env, {
    // The SDK's notice that 2027 releases need Node 22 is in the README, not on every start.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED:
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?? 'true',
    AWS_REGION: process.env.AWS_REGION ?? REGION,
    // Bedrock signs with your AWS credentials when you have set them; without, placeholders make
    // it fail at once with an auth error instead of probing for instance metadata.
    ...(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE
      ? {}
      : { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' }),
    AGENT_CORE_WORKSPACE_DIR:
      process.env.AGENT_CORE_WORKSPACE_DIR ?? resolve(config.dataDir, 'workspaces'),
    AWS_ENDPOINT_URL_DYNAMODB: emulators.dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: emulators.sqsEndpoint,
    [TABLE_NAME_ENV]: TABLE,
    [EVENT_BUS_NAME_ENV]: topology.eventBus.name,
    [ADMIN_KEY_SECRET_ENV]: ADMIN_SECRET_ID,
    AGENT_CORE_RUNTIME: 'local',
    AGENT_CORE_VERSION: packageJson.version,
    POWERTOOLS_LOG_LEVEL: config.logLevel,
    // EMF metrics are for CloudWatch; locally GET /v1/metrics has the figures.
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
  });

  const sqs = new SQSClient({
    region: REGION,
    endpoint: emulators.sqsEndpoint,
    credentials,
    useQueueUrlAsEndpoint: false,
  });
  const dynamo = new DynamoDBClient({
    region: REGION,
    endpoint: emulators.dynamoEndpoint,
    credentials,
  });
  await provisionTable(dynamo, TABLE, topology);
  const queueUrls = await provisionQueues(sqs, topology);
  for (const [id, url] of queueUrls) process.env[queueUrlEnv(id)] = url;

  const wiring = buildLocalWiring(topology);
  // `npm run cost`: every AWS operation counted by the function that caused it (local/cost-meter.ts).
  const meter = costMeterEnabled()
    ? new CostMeter(
        new Map(
          [...wiring.functions].map(([name, spec]) => [
            name,
            { memoryMb: spec.memoryMb, activeTracing: tracingOf(spec) === 'active' },
          ]),
        ),
      )
    : undefined;
  if (meter) {
    installClientMeter(meter);
    meter.captureLogs();
  }
  const host = new LambdaHost(wiring.functions, root, meter);
  const reportError = (error: unknown) =>
    log(`error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  // The dashboard feed: WebSocket upgrades on the HTTP port, path /ws (API.md).
  const webSockets = new WebSocketGateway({
    routes: wiring.websocketRoutes,
    authorizer: wiring.websocketAuthorizer,
    host,
    onError: reportError,
    ...(meter ? { meter } : {}),
  });
  // The workflow runner: the same ASL as deployed, with the engine function's name in it.
  const stateMachines = new Map(
    topology.stateMachines.map((sm) => {
      const fn = wiring.stateMachineTasks.find((t) => t.stateMachine === sm.id);
      if (!fn) throw new Error(`no function for state machine ${sm.id}`);
      const definition = workflowRunnerDefinition(fn.functionName, {
        ...(config.workflowHistoryBudget ? { historyBudget: config.workflowHistoryBudget } : {}),
      });
      return [`${topology.appName}-${sm.id}`, definition] as const;
    }),
  );
  const stepFunctions = new LocalStepFunctions({
    region: REGION,
    stateMachines,
    invoke: (functionName, payload) => host.invoke(functionName, payload),
    onError: reportError,
    ...(meter ? { onExecutionEvent: meter.stateMachineEvent.bind(meter) } : {}),
  });
  // EventBridge Scheduler: schedules kept in the data folder, each firing sent to its queue.
  const queueArn = (url: string) => `arn:aws:sqs:${REGION}:000000000000:${url.split('/').pop()}`;
  const urlByArn = new Map([...queueUrls.values()].map((url) => [queueArn(url), url]));
  const scheduler = new LocalScheduler({
    file: resolve(config.dataDir, 'schedules.json'),
    region: REGION,
    deliver: async (arn, body) => {
      const url = urlByArn.get(arn);
      if (!url) throw new Error(`no local queue has the ARN ${arn}`);
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    },
    onError: reportError,
  });
  const scheduleQueue = (id: string) => {
    const url = queueUrls.get(id);
    if (!url) throw new Error(`queue ${id} was not provisioned`);
    return queueArn(url);
  };
  Object.assign(process.env, {
    [SCHEDULE_ENV.groupName]: topology.appName,
    [SCHEDULE_ENV.targetArn]: scheduleQueue(topology.schedules.targetQueue),
    [SCHEDULE_ENV.deadLetterArn]: scheduleQueue(topology.schedules.deadLetterQueue),
    [SCHEDULE_ENV.roleArn]: `arn:aws:iam::000000000000:role/${topology.appName}-scheduler`,
  });
  const aws = new LocalAwsEndpoint({
    credentials,
    busName: topology.eventBus.name,
    rules: wiring.rules,
    queueUrls,
    sqs,
    secrets: new Map([[ADMIN_SECRET_ID, key]]),
    region: REGION,
    connections: webSockets,
    stepFunctions,
    scheduler,
    ...(meter ? { meter } : {}),
  });
  const awsEndpoint = await aws.start();
  process.env.AWS_ENDPOINT_URL_SFN = awsEndpoint;
  process.env[WORKFLOW_STATE_MACHINE_ARN_ENV] =
    `arn:aws:states:${REGION}:000000000000:stateMachine:${topology.appName}-workflow-runner`;
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = awsEndpoint;
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = awsEndpoint;
  process.env.AWS_ENDPOINT_URL_SCHEDULER = awsEndpoint;
  // The API Gateway Management API (PostToConnection) of the local WebSocket gateway.
  process.env[WEBSOCKET_ENDPOINT_ENV] = awsEndpoint;

  // A configuration mistake stops the start, rather than the first request that needs it.
  loadRouteConfig();
  loadPrices();

  await host.load();

  // Tasks a previous process left unfinished go back to their queues before anything new runs.
  const recovered = await recoverUnfinishedTasks(
    { tasks: taskStore(), queue: taskSender(), events: eventPublisher() },
    { correlationId: `recovery-${Date.now()}`, clock: { now: () => new Date() } },
  );
  if (recovered) log(`re-queued ${recovered} unfinished task(s) from the previous run`);
  // Workflows a previous process left running go on from their stored state.
  const resumed = await recoverRunningWorkflows({
    workflows: workflowStore(),
    runner: workflowRunner(),
  });
  if (resumed) log(`resumed ${resumed} running workflow(s) from the previous run`);
  // Queued messages live in memory here: pending approvals get their timers again (`waiting`
  // tasks are not re-queued: they wait for a decision, not a worker).
  const rearmed = await rearmPendingApprovals({
    approvals: approvalStore(),
    timer: approvalTimer(),
  });
  if (rearmed) log(`re-armed the timers of ${rearmed} pending approval(s)`);

  // Schedules a previous process kept: each fires once what it missed, then goes on.
  const missed = await scheduler.start();
  if (missed) log(`fired ${missed} schedule firing(s) missed while the runtime was down`);

  const pollers: QueuePoller[] = [];
  const byFunction = new Map<string, typeof wiring.queueSources>();
  for (const source of wiring.queueSources) {
    byFunction.set(source.functionName, [...(byFunction.get(source.functionName) ?? []), source]);
  }
  for (const [functionName, sources] of byFunction) {
    const poller = new QueuePoller({
      functionName,
      sources: sources.map((source) => {
        const url = queueUrls.get(source.queue);
        if (!url) throw new Error(`queue ${source.queue} was not provisioned`);
        return {
          ...source,
          url,
          arn: `arn:aws:sqs:${REGION}:000000000000:${url.split('/').pop()}`,
        };
      }),
      concurrency: Math.max(
        1,
        Math.min(
          config.concurrency,
          sources.reduce((n, s) => n + s.maxConcurrency, 0),
        ),
      ),
      sqs,
      host,
      region: REGION,
      onError: reportError,
      // Only the task queues' order is a priority; other functions' queues are polled each alone.
      prioritised: sources.every((s) => TASK_QUEUES.has(s.queue)),
      ...(meter ? { meter } : {}),
    });
    poller.start();
    pollers.push(poller);
  }

  const gateway = new HttpGateway(wiring.routes, wiring.authorizer, host, reportError, meter);
  const server = createServer((req, res) => {
    if (serveDashboard(req, res)) return;
    if (meter && serveMeter(req, res, meter, key)) return;
    gateway
      .handle(req, res)
      .then((handled) => {
        if (!handled)
          send(res, 404, contractError('NotFound', `no route ${req.method} ${req.url}`, 'local'));
      })
      .catch((error) => {
        reportError(error);
        if (!res.headersSent)
          send(res, 500, contractError('InternalError', 'internal error', 'local'));
      });
  });
  server.keepAliveTimeout = 65_000;
  webSockets.attach(server);
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolveListen);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  const runtimeFile = resolve(config.dataDir, 'runtime.json');
  writeFileSync(runtimeFile, JSON.stringify({ pid: process.pid, url }), { mode: 0o600 });

  log(`listening on ${url}  (data in ${config.dataDir})`);
  if (generated) {
    log(`admin API key (shown once; also kept in ${resolve(config.dataDir, 'admin-api-key')}):`);
    log(`  ${key}`);
  } else if (!process.env.AGENT_CORE_API_KEY) {
    log(`admin API key: in ${resolve(config.dataDir, 'admin-api-key')}`);
  }
  log(`try: curl -H "Authorization: Bearer <key>" ${url}/v1/agents`);
  log(`dashboard feed: ${url.replace(/^http/, 'ws')}/ws?token=<key>`);

  let stopping = false;
  const stop = async (reason: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    log(`${reason}: stopping`);
    server.close();
    server.closeIdleConnections();
    await webSockets.stop();
    await scheduler.stop();
    await Promise.all(pollers.map((p) => p.stop()));
    await stepFunctions.stop();
    await aws.stop();
    // Last, once no handler can write any more. A signal to the whole process group reaches the
    // emulators too, and they wait for this; but they may already be gone (killed, or crashed).
    await stopEmulators(emulators.child);
    log('stopped');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // A failed promise nobody awaited is a bug to fix, not a reason to drop every task in flight:
  // it is said, with its stack, and the runtime goes on. After an uncaught exception the state
  // may be half-changed: it is said, and the runtime stops as on Ctrl-C (exit code 1).
  process.on('unhandledRejection', (reason) =>
    log(`error: unhandled rejection: ${stackOf(reason)}`),
  );
  process.on('uncaughtException', (error) => {
    log(`error: uncaught exception: ${stackOf(error)}`);
    void stop('uncaught exception', 1);
  });
  // Without DynamoDB and SQS every request would fail: better stopped, with the reason said.
  emulators.child.once('exit', (code, signal) => {
    if (!stopping) {
      void stop(
        `embedded DynamoDB/SQS ${signal ? `killed by ${signal}` : `exited with code ${code}`}`,
        1,
      );
    }
  });
}

const stackOf = (error: unknown): string =>
  error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);

/** dynalite gives its store up to 30 s to close; past that the process is killed. */
const EMULATORS_STOP_MS = 35_000;

/** Asks the emulators' process to stop and waits for it; at once when it has already exited. */
async function stopEmulators(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  // Sent with a callback: a channel closed meanwhile is an error passed to it, not an 'error'
  // event nobody listens to (ERR_IPC_CHANNEL_CLOSED). Without a channel it stops by itself.
  if (child.connected) child.send('stop', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    exited,
    new Promise((resolveLate) => {
      timer = setTimeout(resolveLate, EMULATORS_STOP_MS);
    }),
  ]);
  clearTimeout(timer);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
}

main().catch((error: Error) => {
  process.stderr.write(`[agent-core] failed to start: ${error.message}\n`);
  process.exit(1);
});
