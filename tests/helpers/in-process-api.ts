/**
 * The local runtime's HTTP side in the test's own process: the topology's API functions and
 * authorizer (the real handler modules, on their real adapters) behind the local HTTP gateway,
 * on dynalite and fauxqs from `useLocalAws`, with the local AWS endpoint answering EventBridge,
 * Secrets Manager, Step Functions and Scheduler. Nothing runs in the background: no queue is
 * polled, and the workflow runner's Lambda task states wait until `stop`, so every write made
 * while a request is answered is that request's.
 *
 * `writes` sees what the handlers write, at the SDK's edge: DynamoDB items (as they were before
 * the request's first write to them, to compare after), SQS sends, published events, and Step
 * Functions and Scheduler changes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type AttributeValue, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { FunctionSpec } from '../../infra/topology.js';
import { topology } from '../../infra/topology.js';
import { workflowRunnerDefinition } from '../../infra/workflow-state-machine.js';
import { LocalAwsEndpoint } from '../../local/aws-endpoint.js';
import { contractError, HttpGateway, send } from '../../local/http-gateway.js';
import { LambdaHost } from '../../local/lambda-host.js';
import { LocalScheduler } from '../../local/scheduler.js';
import { LocalStepFunctions } from '../../local/step-functions.js';
import { buildLocalWiring } from '../../local/wiring.js';
import { dynamoClient } from '../../shared/adapters/clients/dynamodb.js';
import {
  RESOURCE_ACCESS_KEY_ID_ENV,
  RESOURCE_SECRET_ACCESS_KEY_ENV,
} from '../../shared/adapters/clients/resource-credentials.js';
import { sqsClient } from '../../shared/adapters/clients/sqs.js';
import {
  ADMIN_KEY_SECRET_ENV,
  EVENT_BUS_NAME_ENV,
  queueUrlEnv,
  SCHEDULE_ENV,
  TABLE_NAME_ENV,
  WEBSOCKET_ENDPOINT_ENV,
  WORKFLOW_STATE_MACHINE_ARN_ENV,
} from '../../shared/runtime/environment.js';
import { canonicalJson } from '../../shared/runtime/http-api.js';
import { CREDENTIALS, type LocalAws, REGION } from './aws-local.js';

const root = resolve(import.meta.dirname, '../..');
const ADMIN_SECRET_ID = 'agent-core/admin-api-key';
const ACCOUNT = '000000000000';

const DYNAMO_WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);
const SQS_SENDS = new Set(['SendMessageCommand', 'SendMessageBatchCommand']);

type Key = Record<string, AttributeValue>;

/**
 * Rate limits' counters: a refused message send spends a token on purpose (message-service.ts:
 * refusals and probes count against the limit too), so these change on a 4xx by design.
 */
const ATTEMPT_COUNTER = /^RATE#/;

/** What the handlers changed between `begin` and `changes`. */
export class WriteRecorder {
  private recording = false;
  /** Items written, with what they held before the first write (undefined: absent). */
  private readonly before = new Map<
    string,
    { table: string; key: Key; item: string | undefined }
  >();
  private pendingSnapshots: Promise<void>[] = [];
  private readonly other: string[] = [];

  constructor(private readonly aws: LocalAws) {}

  begin(): void {
    this.recording = true;
    this.before.clear();
    this.other.length = 0;
    this.pendingSnapshots = [];
  }

  /** Net changes since `begin`: items that differ from before, and every other change. */
  async changes(): Promise<string[]> {
    this.recording = false;
    await Promise.all(this.pendingSnapshots);
    const changed: string[] = [...this.other];
    for (const [id, { table, key, item }] of this.before) {
      if ((await this.read(table, key)) !== item) changed.push(`DynamoDB item ${id}`);
    }
    return changed;
  }

  /** Before a write reaches DynamoDB: remembers the items it names as they are now. */
  beforeDynamoWrite(command: string, input: Record<string, any>): Promise<void> {
    if (!this.recording) return Promise.resolve();
    const targets: { table: string; key: Key }[] = [];
    const keyOf = (item: Key): Key => ({
      pk: item.pk as AttributeValue,
      sk: item.sk as AttributeValue,
    });
    if (command === 'PutItemCommand')
      targets.push({ table: input.TableName, key: keyOf(input.Item) });
    else if (command === 'BatchWriteItemCommand') {
      for (const [table, requests] of Object.entries(input.RequestItems ?? {})) {
        for (const r of requests as Record<string, any>[]) {
          targets.push({ table, key: keyOf(r.PutRequest?.Item ?? r.DeleteRequest?.Key) });
        }
      }
    } else if (command === 'TransactWriteItemsCommand') {
      this.other.push('a DynamoDB transaction');
    } else targets.push({ table: input.TableName, key: keyOf(input.Key) });
    const snapshot = Promise.all(
      targets.map(async ({ table, key }) => {
        const id = `${table}:${key.pk?.S}/${key.sk?.S}`;
        if (this.before.has(id) || ATTEMPT_COUNTER.test(key.pk?.S ?? '')) return;
        this.before.set(id, { table, key, item: undefined });
        const entry = this.before.get(id);
        if (entry) entry.item = await this.read(table, key);
      }),
    ).then(() => undefined);
    this.pendingSnapshots.push(snapshot);
    return snapshot;
  }

  note(change: string): void {
    if (this.recording) this.other.push(change);
  }

  private async read(table: string, key: Key): Promise<string | undefined> {
    const { Item } = await this.aws.dynamoRaw.send(
      new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
    );
    return Item ? canonicalJson(Item) : undefined;
  }
}

export interface InProcessApi {
  url: string;
  adminKey: string;
  writes: WriteRecorder;
  /** Errors the gateway reported (a function that threw: a 500). */
  errors: unknown[];
  stop(): Promise<void>;
}

export async function startInProcessApi(
  aws: LocalAws,
  options: { adminKey: string; logLevel?: string },
): Promise<InProcessApi> {
  const dataDir = mkdtempSync(join(tmpdir(), 'agent-core-fuzz-'));
  const writes = new WriteRecorder(aws);
  const errors: unknown[] = [];
  const stateMachineArn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${topology.appName}-workflow-runner`;
  const queueArn = (url: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${url.split('/').pop()}`;
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    // What the handlers' clients sign with; the emulators and the endpoint accept only these.
    [RESOURCE_ACCESS_KEY_ID_ENV]: CREDENTIALS.accessKeyId,
    [RESOURCE_SECRET_ACCESS_KEY_ENV]: CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: aws.emulators.dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: aws.emulators.sqsEndpoint,
    AGENT_CORE_WORKSPACE_DIR: join(dataDir, 'workspaces'),
    [TABLE_NAME_ENV]: aws.tableName,
    [EVENT_BUS_NAME_ENV]: topology.eventBus.name,
    [ADMIN_KEY_SECRET_ENV]: ADMIN_SECRET_ID,
    AGENT_CORE_RUNTIME: 'local',
    AGENT_CORE_VERSION: 'fuzz',
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'SILENT',
    [WORKFLOW_STATE_MACHINE_ARN_ENV]: stateMachineArn,
    [SCHEDULE_ENV.groupName]: topology.appName,
    [SCHEDULE_ENV.targetArn]: queueArn(aws.queueUrl(topology.schedules.targetQueue)),
    [SCHEDULE_ENV.deadLetterArn]: queueArn(aws.queueUrl(topology.schedules.deadLetterQueue)),
    [SCHEDULE_ENV.roleArn]: `arn:aws:iam::${ACCOUNT}:role/${topology.appName}-scheduler`,
  });
  for (const [id, url] of aws.queueUrls) process.env[queueUrlEnv(id)] = url;

  const wiring = buildLocalWiring(topology);
  // The workflow runner's task states wait until stop: a started workflow stays as its start left it.
  const held: ((error: Error) => void)[] = [];
  const stepFunctions = new LocalStepFunctions({
    region: REGION,
    stateMachines: new Map([
      [`${topology.appName}-workflow-runner`, workflowRunnerDefinition('workflow-engine')],
    ]),
    invoke: () => new Promise((_, reject) => held.push(reject)),
  });
  const urlByArn = new Map([...aws.queueUrls.values()].map((url) => [queueArn(url), url]));
  const scheduler = new LocalScheduler({
    file: join(dataDir, 'schedules.json'),
    region: REGION,
    deliver: async (arn, body) => {
      await aws.sqs.send(
        new SendMessageCommand({ QueueUrl: urlByArn.get(arn), MessageBody: body }),
      );
    },
  });
  await scheduler.start();
  const endpoint = new LocalAwsEndpoint({
    credentials: CREDENTIALS,
    busName: topology.eventBus.name,
    rules: [],
    queueUrls: aws.queueUrls,
    sqs: aws.sqs,
    secrets: new Map([[ADMIN_SECRET_ID, options.adminKey]]),
    region: REGION,
    onEvent: (event) => {
      if (event['detail-type'] !== 'security.denied') writes.note(`event ${event['detail-type']}`);
    },
    stepFunctions: {
      handle: (operation, body) => {
        if (operation !== 'DescribeExecution') writes.note(`Step Functions ${operation}`);
        return stepFunctions.handle(operation, body);
      },
    },
    scheduler: {
      handle: (method, name, query, body) => {
        if (method !== 'GET') writes.note(`Scheduler ${method} ${name}`);
        return scheduler.handle(method, name, query, body);
      },
    },
  });
  const awsEndpoint = await endpoint.start();
  for (const service of ['SFN', 'EVENTBRIDGE', 'SECRETS_MANAGER', 'SCHEDULER']) {
    process.env[`AWS_ENDPOINT_URL_${service}`] = awsEndpoint;
  }
  process.env[WEBSOCKET_ENDPOINT_ENV] = awsEndpoint;

  // The handlers' own clients (one per process, as in Lambda), watched at the SDK's edge.
  dynamoClient().middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      if (DYNAMO_WRITES.has(command)) {
        await writes.beforeDynamoWrite(command, args.input as Record<string, any>);
      }
      return next(args);
    },
    { step: 'build', name: 'fuzzWriteRecorder' },
  );
  sqsClient().middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      if (SQS_SENDS.has(command)) writes.note(`SQS ${command}`);
      return next(args);
    },
    { step: 'build', name: 'fuzzSendRecorder' },
  );

  const apiFunctions = new Map<string, FunctionSpec>(
    topology.functions
      .filter((fn) => fn.triggers.some((t) => t.kind === 'http' || t.kind === 'http-authorizer'))
      .map((fn) => [fn.name, fn]),
  );
  const host = new LambdaHost(apiFunctions, root);
  await host.load();
  const gateway = new HttpGateway(wiring.routes, wiring.authorizer, host, (error) =>
    errors.push(error),
  );
  const server: Server = createServer((req, res) => {
    gateway
      .handle(req, res)
      .then((handled) => {
        if (!handled) send(res, 404, contractError('NotFound', `no route ${req.url}`, 'local'));
      })
      .catch((error) => {
        errors.push(error);
        if (!res.headersSent)
          send(res, 500, contractError('InternalError', 'internal error', 'local'));
      });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    adminKey: options.adminKey,
    writes,
    errors,
    async stop() {
      server.closeAllConnections();
      await new Promise((closed) => server.close(closed));
      for (const reject of held.splice(0)) reject(new Error('the test is over'));
      await stepFunctions.stop();
      await scheduler.stop();
      await endpoint.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
