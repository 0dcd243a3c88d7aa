/**
 * The synthesized AgentCore template against the topology: table, queues, event routing,
 * functions, HTTP API and, above all, that every function's IAM permissions are exactly what
 * its topology `access` grants.
 */

import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';
import { FUNCTION_TAG } from '../../infra/constructs/tags.js';
import { WEBSOCKET_STAGE } from '../../infra/constructs/websocket-api.js';
import { LOG_LEVEL_CONTEXT } from '../../infra/stack.js';
import { type FunctionSpec, queuesNeedingUrls, topology, tracingOf } from '../../infra/topology.js';
import packageJson from '../../package.json' with { type: 'json' };
import { parseRouteConfig } from '../../shared/core/models/route-config.js';
import {
  ADMIN_KEY_SECRET_ENV,
  APPROVAL_TIMER_QUEUE,
  EVENT_BUS_NAME_ENV,
  MODEL_ROUTES_ENV,
  queueUrlEnv,
  SCHEDULE_ENV,
  TABLE_NAME_ENV,
  TASK_QUEUE_BY_PRIORITY,
  WEBSOCKET_ENDPOINT_ENV,
  WORKFLOW_STATE_MACHINE_ARN_ENV,
} from '../../shared/runtime/environment.js';
import { refOf, refsIn, SynthesizedStack, WITHOUT_BUNDLING } from './synthesized-stack.js';

// Bundles the functions: a handler that does not bundle fails here.
const synthesized = new SynthesizedStack();
const { template } = synthesized;

const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];
const taskQueues = Object.values(TASK_QUEUE_BY_PRIORITY);
const taskDeadLetterQueues = topology.queues
  .filter((q) => (taskQueues as string[]).includes(q.id))
  .map((q) => q.deadLetterQueue);

const onlyLogicalId = (type: string): string => {
  const found = synthesized.ofType(type);
  expect(found).toHaveLength(1);
  return found[0]![0];
};
/** The one API of this protocol (HTTP or WEBSOCKET), and its resources of a type. */
const apiId = (protocol: 'HTTP' | 'WEBSOCKET'): string => {
  const found = synthesized
    .ofType('AWS::ApiGatewayV2::Api')
    .filter(([, api]) => api.Properties.ProtocolType === protocol);
  expect(found).toHaveLength(1);
  return found[0]![0];
};
const ofApi = (protocol: 'HTTP' | 'WEBSOCKET', type: string) =>
  synthesized.ofType(type).filter(([, r]) => refOf(r.Properties.ApiId) === apiId(protocol));
const onlyOfApi = (protocol: 'HTTP' | 'WEBSOCKET', type: string): string => {
  const found = ofApi(protocol, type);
  expect(found).toHaveLength(1);
  return found[0]![0];
};
const tableId = onlyLogicalId('AWS::DynamoDB::Table');
/** API Gateway's account-level CloudWatch role (WebSocket APIs log through it). */
const apiGatewayAccountRoleId = (): string =>
  refOf(
    synthesized.resource(onlyLogicalId('AWS::ApiGateway::Account')).Properties.CloudWatchRoleArn,
  );
const busId = onlyLogicalId('AWS::Events::EventBus');
const secretId = onlyLogicalId('AWS::SecretsManager::Secret');

/** (queue id → ESM properties) for the function's event source mappings. */
function eventSourceMappings(functionName: string): Map<string, Record<string, unknown>> {
  const fnId = synthesized.functionLogicalId(functionName);
  return new Map(
    synthesized
      .ofType('AWS::Lambda::EventSourceMapping')
      .filter(([, esm]) => refOf(esm.Properties.FunctionName) === fnId)
      .map(([, esm]) => [
        synthesized.queueId(refOf(esm.Properties.EventSourceArn)),
        esm.Properties,
      ]),
  );
}

describe('table', () => {
  it('is pay-per-request, recoverable, expiring by ttl, encrypted and retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        SSESpecification: { SSEEnabled: true },
      }),
    });
  });

  it('has exactly the topology GSIs, string keys, projecting all attributes', () => {
    const props = synthesized.resource(tableId).Properties;
    expect(props.GlobalSecondaryIndexes).toEqual(
      topology.table.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
    const attributes = props.AttributeDefinitions as { AttributeType: string }[];
    expect(attributes.every((a) => a.AttributeType === 'S')).toBe(true);
  });
});

describe('queues', () => {
  const queues = synthesized.ofType('AWS::SQS::Queue');

  it('are exactly the topology queues and dead-letter queues', () => {
    const ids = queues.map(([logicalId]) => synthesized.queueId(logicalId)).sort();
    const expected = [...topology.queues, ...topology.deadLetterQueues].map((q) => q.id).sort();
    expect(ids).toEqual(expected);
  });

  it('every work queue redrives to its dead-letter queue after maxReceiveCount', () => {
    for (const spec of topology.queues) {
      const props = synthesized.resource(synthesized.queueLogicalId(spec.id)).Properties;
      const redrive = props.RedrivePolicy as {
        deadLetterTargetArn: unknown;
        maxReceiveCount: number;
      };
      expect(redrive, spec.id).toBeDefined();
      expect(synthesized.queueId(refOf(redrive.deadLetterTargetArn))).toBe(spec.deadLetterQueue);
      expect(redrive.maxReceiveCount).toBe(spec.maxReceiveCount);
    }
  });

  it('every queue that is not a dead-letter queue has one', () => {
    const dlqIds = new Set(topology.deadLetterQueues.map((q) => q.id));
    for (const [logicalId, queue] of queues) {
      if (dlqIds.has(synthesized.queueId(logicalId))) continue;
      expect(queue.Properties.RedrivePolicy, logicalId).toBeDefined();
    }
  });

  it('dead-letter queues keep messages as long as the topology says', () => {
    for (const spec of topology.deadLetterQueues) {
      const props = synthesized.resource(synthesized.queueLogicalId(spec.id)).Properties;
      expect(props.MessageRetentionPeriod).toBe(spec.retentionDays * 24 * 3600);
    }
  });

  it('are encrypted by SQS and refuse requests without TLS', () => {
    const policies = synthesized.ofType('AWS::SQS::QueuePolicy');
    for (const [logicalId, queue] of queues) {
      expect(queue.Properties.SqsManagedSseEnabled, logicalId).toBe(true);
      const denies = policies
        .filter(([, p]) => refsIn(p.Properties.Queues).includes(logicalId))
        .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: unknown[] }).Statement)
        .filter(
          (s) =>
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }).test(s).isSuccess,
        );
      expect(denies, logicalId).toHaveLength(1);
    }
  });

  it('hide a received message for at least six times its consumer timeout', () => {
    const mappings = synthesized.ofType('AWS::Lambda::EventSourceMapping');
    expect(mappings.length).toBeGreaterThan(0);
    for (const [logicalId, esm] of mappings) {
      const queue = synthesized.resource(refOf(esm.Properties.EventSourceArn));
      const fn = synthesized.resource(refOf(esm.Properties.FunctionName));
      expect(queue.Properties.VisibilityTimeout, logicalId).toBeGreaterThanOrEqual(
        6 * (fn.Properties.Timeout as number),
      );
    }
  });
});

describe('queue triggers', () => {
  it('report partial batch failures', () => {
    for (const [logicalId, esm] of synthesized.ofType('AWS::Lambda::EventSourceMapping')) {
      expect(esm.Properties.FunctionResponseTypes, logicalId).toEqual(['ReportBatchItemFailures']);
    }
  });

  it('give the critical task queue more concurrency than normal, and normal more than low', () => {
    const worker = eventSourceMappings('task-worker');
    const concurrency = (queue: string) =>
      (worker.get(queue)!.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency;
    expect(concurrency(TASK_QUEUE_BY_PRIORITY.critical)).toBeGreaterThan(
      concurrency(TASK_QUEUE_BY_PRIORITY.normal),
    );
    expect(concurrency(TASK_QUEUE_BY_PRIORITY.normal)).toBeGreaterThan(
      concurrency(TASK_QUEUE_BY_PRIORITY.low),
    );
  });

  it('take batch size, concurrency and batching window from the topology', () => {
    for (const fn of topology.functions) {
      const mappings = eventSourceMappings(fn.name);
      const triggers = fn.triggers.flatMap((t) => (t.kind === 'queue' ? [t] : []));
      expect([...mappings.keys()].sort(), fn.name).toEqual(triggers.map((t) => t.queue).sort());
      for (const trigger of triggers) {
        const esm = mappings.get(trigger.queue)!;
        expect(esm.BatchSize).toBe(trigger.batchSize);
        expect(esm.ScalingConfig).toEqual({ MaximumConcurrency: trigger.maxConcurrency });
        expect(esm.MaximumBatchingWindowInSeconds).toBe(trigger.maxBatchingWindowSeconds);
      }
    }
  });
});

describe('event routing', () => {
  it('has the custom bus named by the topology', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: topology.eventBus.name });
  });

  it('has one rule per topology rule, on the bus, delivering to its queue', () => {
    const rules = synthesized.ofType('AWS::Events::Rule');
    expect(rules).toHaveLength(topology.rules.length);
    for (const spec of topology.rules) {
      const matching = rules.filter(([, r]) => r.Properties.Description === spec.description);
      expect(matching, spec.id).toHaveLength(1);
      const props = matching[0]![1].Properties;
      expect(refOf(props.EventBusName)).toBe(busId);
      expect(props.EventPattern).toEqual(spec.pattern);
      const targets = props.Targets as { Arn: unknown }[];
      expect(targets.map((t) => synthesized.queueId(refOf(t.Arn)))).toEqual([spec.targetQueue]);
    }
  });

  it('lets each rule, and nothing else, send to its target queue', () => {
    for (const spec of topology.rules) {
      const queueId = synthesized.queueLogicalId(spec.targetQueue);
      const statements = synthesized
        .ofType('AWS::SQS::QueuePolicy')
        .filter(([, p]) => refsIn(p.Properties.Queues).includes(queueId))
        .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: unknown[] }).Statement)
        .filter((s) => (s as { Effect: string }).Effect === 'Allow');
      expect(statements, spec.id).toEqual([
        expect.objectContaining({
          Principal: { Service: 'events.amazonaws.com' },
          Condition: { ArnEquals: { 'aws:SourceArn': expect.anything() } },
        }),
      ]);
    }
  });
});

describe('functions', () => {
  it('are exactly the topology functions', () => {
    const names = synthesized
      .topologyFunctions()
      .map(([logicalId]) => synthesized.functionName(logicalId));
    expect(names.sort()).toEqual(topology.functions.map((fn) => fn.name).sort());
    // Besides them, only the handler of CDK's BucketDeployment for the dashboard page.
    const others = synthesized
      .ofType('AWS::Lambda::Function')
      .filter(([id]) => synthesized.tag(id, FUNCTION_TAG) === undefined)
      .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''));
    expect(others).toEqual(['CustomCDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C']);
  });

  it.each(topology.functions)('$name: runtime, architecture, tracing, logs, size', (fn) => {
    const props = synthesized.function(fn.name).Properties;
    expect(props).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: tracingOf(fn) === 'active' ? 'Active' : 'PassThrough' },
      MemorySize: fn.memoryMb,
      Timeout: fn.timeoutSeconds,
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO' },
    });
    const logGroup = synthesized.resource(
      refOf((props.LoggingConfig as { LogGroup: unknown }).LogGroup),
    );
    expect(logGroup.Properties.RetentionInDays).toBeGreaterThan(0);
  });

  it('samples requests and state machine steps, and lets queue consumers pass tracing through', () => {
    const mode = (name: string) =>
      (synthesized.function(name).Properties.TracingConfig as { Mode: string }).Mode;
    for (const name of ['task-worker', 'event-sink', 'dashboard-push', 'learning-events']) {
      expect(mode(name), name).toBe('PassThrough');
      expect(synthesized.environment(name).POWERTOOLS_TRACE_ENABLED, name).toBe('false');
    }
    for (const name of ['kernel-api', 'workflow-engine']) {
      expect(mode(name), name).toBe('Active');
      expect(synthesized.environment(name).POWERTOOLS_TRACE_ENABLED, name).toBeUndefined();
    }
  });

  it.each(topology.functions)('$name: environment names only what its access names', (fn) => {
    const env = synthesized.environment(fn.name);
    expect(Object.keys(env).sort()).toEqual(expectedEnvironmentNames(fn).sort());
    expect(env).toMatchObject({
      AGENT_CORE_RUNTIME: 'aws',
      AGENT_CORE_VERSION: packageJson.version,
      POWERTOOLS_SERVICE_NAME: `agent-core-${fn.layer}`,
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it.each(topology.functions)('$name: environment values point at the right resources', (fn) => {
    const env = synthesized.environment(fn.name);
    if (fn.access.table) expect(refOf(env[TABLE_NAME_ENV])).toBe(tableId);
    if (fn.access.publishEvents) expect(refOf(env[EVENT_BUS_NAME_ENV])).toBe(busId);
    if (fn.access.readSecrets) expect(refOf(env[ADMIN_KEY_SECRET_ENV])).toBe(secretId);
    for (const queueId of queuesNeedingUrls(fn)) {
      expect(refOf(env[queueUrlEnv(queueId)])).toBe(synthesized.queueLogicalId(queueId));
    }
    if (fn.access.manageConnections) {
      // https://<apiId>.execute-api.<region>.<suffix>/<stage>: the WebSocket API's stage.
      expect(env[WEBSOCKET_ENDPOINT_ENV]).toEqual({
        'Fn::Join': [
          '',
          [
            'https://',
            { Ref: apiId('WEBSOCKET') },
            '.execute-api.',
            { Ref: 'AWS::Region' },
            '.',
            { Ref: 'AWS::URLSuffix' },
            `/${WEBSOCKET_STAGE}`,
          ],
        ],
      });
    }
  });

  it('takes the application log level from context', () => {
    const debug = new SynthesizedStack({
      context: { ...WITHOUT_BUNDLING, [LOG_LEVEL_CONTEXT]: 'DEBUG' },
    });
    for (const [, fn] of debug.topologyFunctions()) {
      expect(fn.Properties.LoggingConfig).toMatchObject({ ApplicationLogLevel: 'DEBUG' });
    }
  });

  it('rejects an unknown log level', () => {
    expect(() => buildApp({ context: { [LOG_LEVEL_CONTEXT]: 'LOUD' } })).toThrow(/logLevel/);
  });
});

describe('IAM', () => {
  it('lets only the task worker invoke Bedrock, and only the models the routes name', () => {
    const withBedrock = new SynthesizedStack({
      context: WITHOUT_BUNDLING,
      modelRoutes: parseRouteConfig({
        routes: {
          fast: [
            { provider: 'bedrock', model: 'amazon.nova-lite-v1:0' },
            { provider: 'bedrock', model: 'us.anthropic.claude-3-5-haiku-20241022-v1:0' },
          ],
        },
        bedrockModels: ['meta.llama3-1-8b-instruct-v1:0'],
      }),
    });
    for (const fn of topology.functions) {
      const bedrock = withBedrock
        .statementsOf(fn.name)
        .filter((st) => st.Action.some((a) => a.startsWith('bedrock:')));
      if (fn.name !== 'task-worker') {
        expect(bedrock, fn.name).toEqual([]);
        continue;
      }
      expect(bedrock).toHaveLength(1);
      expect(bedrock[0]?.Action).toEqual(['bedrock:InvokeModel']);
      const arns = JSON.stringify(bedrock[0]?.Resource);
      for (const expected of [
        'foundation-model/amazon.nova-lite-v1:0',
        'foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0',
        'inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0',
        'foundation-model/meta.llama3-1-8b-instruct-v1:0',
      ]) {
        expect(arns).toContain(expected);
      }
      expect(bedrock[0]?.Resource).toHaveLength(4);
    }
    // The functions that read the routes get exactly that configuration.
    const env = withBedrock.environment('task-worker');
    expect(JSON.parse(env[MODEL_ROUTES_ENV] as string).routes.fast).toHaveLength(2);
  });

  it('passes on the deployment tunables set where cdk runs, and only those', () => {
    process.env.AGENT_CORE_MESSAGES_PER_MINUTE = '5';
    try {
      const tuned = new SynthesizedStack({ context: WITHOUT_BUNDLING });
      for (const fn of topology.functions) {
        const env = tuned.environment(fn.name);
        expect(env.AGENT_CORE_MESSAGES_PER_MINUTE, fn.name).toBe('5');
        expect(env.AGENT_CORE_RETRY_BASE_SECONDS, fn.name).toBeUndefined();
      }
    } finally {
      delete process.env.AGENT_CORE_MESSAGES_PER_MINUTE;
    }
  });

  it('grants no Bedrock access when no route names a Bedrock model', () => {
    const actions = synthesized.statementsOf('task-worker').flatMap((st) => st.Action);
    expect(actions.filter((a) => a.startsWith('bedrock:'))).toEqual([]);
  });

  it('gives every function its own role, with no managed policies', () => {
    const roles = topology.functions.map((fn) =>
      refOf(synthesized.function(fn.name).Properties.Role),
    );
    expect(new Set(roles).size).toBe(topology.functions.length);
    for (const [logicalId, role] of synthesized.ofType('AWS::IAM::Role')) {
      if (logicalId === apiGatewayAccountRoleId()) continue;
      expect(role.Properties.ManagedPolicyArns, logicalId).toBeUndefined();
    }
  });

  it("has one managed policy only: API Gateway's account role for WebSocket access logs", () => {
    const role = synthesized.resource(apiGatewayAccountRoleId());
    expect(role.DeletionPolicy).toBe('Retain');
    expect(role.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [{ Principal: { Service: 'apigateway.amazonaws.com' } }],
    });
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain(
      ':iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
    );
    expect(
      synthesized
        .ofType('AWS::IAM::Policy')
        .filter(([, p]) => refsIn(p.Properties.Roles).includes(apiGatewayAccountRoleId())),
    ).toEqual([]);
  });

  it.each(topology.functions)(
    '$name: manages WebSocket connections exactly when its access says, on the stage only',
    (fn) => {
      const statements = synthesized
        .statementsOf(fn.name)
        .filter((s) => s.Action.some((a) => a.startsWith('execute-api:')));
      if (!fn.access.manageConnections) {
        expect(statements).toEqual([]);
        return;
      }
      expect(statements).toEqual([
        {
          Effect: 'Allow',
          Action: ['execute-api:ManageConnections'],
          Resource: [
            {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':execute-api:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':',
                  { Ref: apiId('WEBSOCKET') },
                  `/${WEBSOCKET_STAGE}/*/@connections/*`,
                ],
              ],
            },
          ],
        },
      ]);
    },
  );

  it.each(topology.functions)('$name: writes logs only to its own log group', (fn) => {
    const logGroupId = refOf(
      (synthesized.function(fn.name).Properties.LoggingConfig as { LogGroup: unknown }).LogGroup,
    );
    const logStatements = synthesized
      .statementsOf(fn.name)
      .filter((s) => s.Action.some((a) => a.startsWith('logs:')));
    expect(logStatements).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [{ 'Fn::GetAtt': [logGroupId, 'Arn'] }],
      },
    ]);
  });

  it('uses Resource "*" only for X-Ray, which has no resource-level permissions', () => {
    for (const fn of topology.functions) {
      for (const statement of synthesized.statementsOf(fn.name)) {
        if (!statement.Resource.includes('*')) continue;
        expect(statement.Action.sort(), fn.name).toEqual([
          'xray:PutTelemetryRecords',
          'xray:PutTraceSegments',
        ]);
      }
    }
  });

  it.each(topology.functions)('$name: table access is exactly its topology access', (fn) => {
    const reads = synthesized.allowedResourceRefs(fn.name, 'dynamodb:GetItem');
    const writes = TABLE_WRITE_ACTIONS.flatMap((a) => synthesized.allowedResourceRefs(fn.name, a));
    expect(reads.length > 0).toBe(fn.access.table !== undefined);
    expect(writes.length > 0).toBe(fn.access.table === 'readwrite');
    for (const ref of [...reads, ...writes]) expect(ref).toBe(tableId);
  });

  it.each(topology.functions)('$name: may publish events exactly when its access says', (fn) => {
    const buses = synthesized.allowedResourceRefs(fn.name, 'events:PutEvents');
    expect(buses).toEqual(fn.access.publishEvents ? [busId] : []);
  });

  it.each(topology.functions)('$name: sends only to the queues its access names', (fn) => {
    const sendsTo = synthesized
      .allowedResourceRefs(fn.name, 'sqs:SendMessage')
      .map((id) => synthesized.queueId(id));
    expect(sendsTo.sort()).toEqual([...(fn.access.sendTo ?? [])].sort());
  });

  it.each(topology.functions)('$name: consumes only the queues that trigger it', (fn) => {
    const consumes = synthesized
      .allowedResourceRefs(fn.name, 'sqs:DeleteMessage')
      .map((id) => synthesized.queueId(id));
    const triggers = fn.triggers.flatMap((t) => (t.kind === 'queue' ? [t.queue] : []));
    expect(consumes.sort()).toEqual(triggers.sort());
  });

  it.each(topology.functions)('$name: reads secrets exactly when its access says', (fn) => {
    const secrets = synthesized.allowedResourceRefs(fn.name, 'secretsmanager:GetSecretValue');
    expect(secrets).toEqual(fn.access.readSecrets?.length ? [secretId] : []);
  });

  it('the authorizer may read the table (agent keys by hash) but never write it', () => {
    const actions = synthesized.statementsOf('api-authorizer').flatMap((s) => s.Action);
    const dynamo = actions.filter((a) => a.startsWith('dynamodb:'));
    expect(dynamo).toContain('dynamodb:GetItem');
    for (const write of ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']) {
      expect(dynamo).not.toContain(`dynamodb:${write}`);
    }
  });

  it('kernel-api cannot send to any queue', () => {
    expect(synthesized.allowedResourceRefs('kernel-api', 'sqs:SendMessage')).toEqual([]);
  });

  it('the task worker sends to the task queues and their DLQs and to the approval timers only', () => {
    // Task queues: a thread's turn ends in the worker, which hands the thread to the next turn.
    const sendsTo = synthesized
      .allowedResourceRefs('task-worker', 'sqs:SendMessage')
      .map((id) => synthesized.queueId(id));
    expect(sendsTo.sort()).toEqual(
      [...taskDeadLetterQueues, ...taskQueues, APPROVAL_TIMER_QUEUE].sort(),
    );
  });

  it('scheduler-api may read the depth of task queues and their dead-letter queues', () => {
    const inspects = synthesized
      .allowedResourceRefs('scheduler-api', 'sqs:GetQueueAttributes')
      .map((id) => synthesized.queueId(id));
    expect(new Set(inspects)).toEqual(new Set([...taskQueues, ...taskDeadLetterQueues]));
  });
});

describe('HTTP API', () => {
  const routes = ofApi('HTTP', 'AWS::ApiGatewayV2::Route');
  const authorizerId = onlyOfApi('HTTP', 'AWS::ApiGatewayV2::Authorizer');

  it('has one route per topology route', () => {
    const expected = topology.functions.flatMap((fn) =>
      fn.triggers.flatMap((t) => (t.kind === 'http' ? t.routes : [])),
    );
    expect(routes.map(([, r]) => r.Properties.RouteKey).sort()).toEqual(
      expected.map((r) => `${r.method} ${r.path}`).sort(),
    );
  });

  it('puts the authorizer on every route but GET /health and GET /openapi.json', () => {
    for (const [, route] of routes) {
      const { RouteKey, AuthorizationType, AuthorizerId } = route.Properties;
      if (RouteKey === 'GET /health' || RouteKey === 'GET /openapi.json') {
        expect(AuthorizationType).toBe('NONE');
        expect(AuthorizerId).toBeUndefined();
      } else {
        expect(AuthorizationType, String(RouteKey)).toBe('CUSTOM');
        expect(refOf(AuthorizerId)).toBe(authorizerId);
      }
    }
  });

  it('authorizes with the http-authorizer function, simple responses, topology cache time', () => {
    const props = synthesized.resource(authorizerId).Properties;
    expect(props).toMatchObject({
      AuthorizerType: 'REQUEST',
      EnableSimpleResponses: true,
      AuthorizerPayloadFormatVersion: '2.0',
      AuthorizerResultTtlInSeconds: topology.authorizerCacheSeconds,
      // A cache is keyed by the Authorization header; without one there is no identity source.
      IdentitySource: topology.authorizerCacheSeconds > 0 ? ['$request.header.Authorization'] : [],
    });
    expect(refsIn(props.AuthorizerUri)).toContain(synthesized.functionLogicalId('api-authorizer'));
  });

  it('logs access as JSON to a log group with retention, and throttles', () => {
    const stage = synthesized.resource(onlyOfApi('HTTP', 'AWS::ApiGatewayV2::Stage')).Properties;
    expect(stage).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: expect.any(Number),
        ThrottlingBurstLimit: expect.any(Number),
      },
    });
    const accessLog = stage.AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(JSON.parse(accessLog.Format)).toMatchObject({ requestId: '$context.requestId' });
    expect(accessLog.Format).not.toMatch(/header/i);
    const logGroup = synthesized.resource(refOf(accessLog.DestinationArn));
    expect(logGroup.Properties.RetentionInDays).toBeGreaterThan(0);
  });
});

describe('WebSocket API (dashboard feed)', () => {
  const routes = ofApi('WEBSOCKET', 'AWS::ApiGatewayV2::Route');
  const authorizerId = onlyOfApi('WEBSOCKET', 'AWS::ApiGatewayV2::Authorizer');
  const websocketRoutes = topology.functions.flatMap((fn) =>
    fn.triggers.flatMap((t) =>
      t.kind === 'websocket' ? t.routes.map((routeKey) => ({ routeKey, fn: fn.name })) : [],
    ),
  );

  it('selects routes by the action of a message', () => {
    expect(synthesized.resource(apiId('WEBSOCKET')).Properties).toMatchObject({
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
  });

  it('has one route per topology WebSocket route, each integrated with its function', () => {
    expect(routes.map(([, r]) => r.Properties.RouteKey).sort()).toEqual(
      websocketRoutes.map((r) => r.routeKey).sort(),
    );
    for (const [, route] of routes) {
      const integration = synthesized.resource(refsIn(route.Properties.Target)[0]!);
      expect(integration.Properties.IntegrationType).toBe('AWS_PROXY');
      const fnIds = refsIn(integration.Properties.IntegrationUri).filter(
        (id) => synthesized.resource(id).Type === 'AWS::Lambda::Function',
      );
      expect(fnIds.map((id) => synthesized.functionName(id))).toEqual([
        websocketRoutes.find((r) => r.routeKey === route.Properties.RouteKey)?.fn,
      ]);
    }
  });

  it('puts the authorizer on $connect only', () => {
    for (const [, route] of routes) {
      const { RouteKey, AuthorizationType, AuthorizerId } = route.Properties;
      if (RouteKey === '$connect') {
        expect(AuthorizationType).toBe('CUSTOM');
        expect(refOf(AuthorizerId)).toBe(authorizerId);
      } else {
        expect(AuthorizationType ?? 'NONE', String(RouteKey)).toBe('NONE');
        expect(AuthorizerId).toBeUndefined();
      }
    }
  });

  it('authorizes with the websocket-authorizer function, from the token query parameter', () => {
    const props = synthesized.resource(authorizerId).Properties;
    expect(props).toMatchObject({
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.token'],
    });
    expect(props.EnableSimpleResponses).toBeUndefined();
    const authorizerFn = topology.functions.find((fn) =>
      fn.triggers.some((t) => t.kind === 'websocket-authorizer'),
    );
    expect(refsIn(props.AuthorizerUri)).toContain(
      synthesized.functionLogicalId(authorizerFn!.name),
    );
  });

  it('deploys a stage automatically, logs access as JSON without the token, and throttles', () => {
    const stageId = onlyOfApi('WEBSOCKET', 'AWS::ApiGatewayV2::Stage');
    const stage = synthesized.resource(stageId);
    expect(stage.Properties).toMatchObject({
      StageName: WEBSOCKET_STAGE,
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: expect.any(Number),
        ThrottlingBurstLimit: expect.any(Number),
      },
    });
    const accessLog = stage.Properties.AccessLogSettings as {
      DestinationArn: unknown;
      Format: string;
    };
    expect(JSON.parse(accessLog.Format)).toMatchObject({
      connectionId: '$context.connectionId',
      eventType: '$context.eventType',
    });
    expect(accessLog.Format).not.toMatch(/header|querystring|token/i);
    const logGroup = synthesized.resource(refOf(accessLog.DestinationArn));
    expect(logGroup.Properties.RetentionInDays).toBeGreaterThan(0);
    // Logging needs API Gateway's account role, set before the stage.
    const [accountId] = synthesized.ofType('AWS::ApiGateway::Account')[0]!;
    expect((stage as unknown as { DependsOn?: string[] }).DependsOn).toContain(accountId);
  });
});

describe('admin API key and outputs', () => {
  it('generates a 48-character key without punctuation', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true },
    });
  });

  it('outputs the API URL, the secret name, the table, the bus and the dashboard names', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'AdminApiKeySecretName',
        'DashboardName',
        'DashboardUrl',
        'EventBusName',
        'HttpApiUrl',
        'TableName',
        'WebSocketUrl',
        'WorkflowStateMachineArn',
      ].sort(),
    );
    expect(refsIn(outputs.WebSocketUrl!.Value)).toContain(apiId('WEBSOCKET'));
    expect(JSON.stringify(outputs.WebSocketUrl!.Value)).toContain('wss://');
    expect(refsIn(outputs.AdminApiKeySecretName!.Value)).toEqual([secretId, secretId]);
    expect(refOf(outputs.TableName!.Value)).toBe(tableId);
    expect(refOf(outputs.EventBusName!.Value)).toBe(busId);
    expect(refsIn(outputs.WorkflowStateMachineArn!.Value)).toHaveLength(1);
  });
});

describe('workflow permissions', () => {
  const statementsOf = (name: string) => JSON.stringify(synthesized.statementsOf(name));

  it.each(topology.functions)('$name: Step Functions actions only as its access says', (fn) => {
    const statements = statementsOf(fn.name);
    expect(statements.includes('states:StartExecution')).toBe(
      fn.access.runWorkflows === true || fn.access.startWorkflows === true,
    );
    expect(statements.includes('states:StopExecution')).toBe(fn.access.runWorkflows === true);
    expect(statements.includes('states:SendTaskSuccess')).toBe(
      fn.access.answerWorkflowSteps === true,
    );
  });

  it.each(topology.functions)(
    '$name: EventBridge Scheduler actions only as its access says',
    (fn) => {
      const statements = statementsOf(fn.name);
      expect(statements.includes('scheduler:CreateSchedule')).toBe(
        fn.access.manageSchedules === true,
      );
      expect(statements.includes('iam:PassRole')).toBe(fn.access.manageSchedules === true);
    },
  );

  it("lets EventBridge Scheduler's role send to the firings queue and its DLQ, nothing else", () => {
    const resources = template.toJSON().Resources as Record<
      string,
      { Type: string; Properties: any }
    >;
    const [roleId] = Object.entries(resources).find(
      ([, r]) =>
        r.Type === 'AWS::IAM::Role' &&
        JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
    ) ?? [''];
    const statements = Object.values(resources)
      .filter(
        (r) =>
          r.Type === 'AWS::IAM::Policy' &&
          (r.Properties.Roles as unknown[]).some((role) => refOf(role) === roleId),
      )
      .flatMap(
        (p) => p.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[],
      );
    expect(statements.flatMap((s) => [s.Action].flat()).sort()).toEqual(
      ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']
        .flatMap((a) => [a, a])
        .sort(),
    );
    expect(statements.map((s) => synthesized.queueId(refOf(s.Resource as never))).sort()).toEqual(
      [topology.schedules.deadLetterQueue, topology.schedules.targetQueue].sort(),
    );
    const role = resources[roleId];
    expect(JSON.stringify(role?.Properties.AssumeRolePolicyDocument)).toContain(
      'aws:SourceAccount',
    );
  });

  it('gives the state machine exactly the engine function to invoke', () => {
    const roles = template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;
    const machine = Object.values(roles).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    const roleId = refOf(machine?.Properties.RoleArn);
    const policies = Object.values(roles).filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        (r.Properties.Roles as unknown[]).some((role) => refOf(role) === roleId),
    );
    const invokes = policies
      .flatMap(
        (p) => p.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[],
      )
      .filter((s) => JSON.stringify(s.Action).includes('lambda:InvokeFunction'));
    expect(invokes).toHaveLength(1);
    expect(refsIn(invokes[0]!.Resource).map((id) => synthesized.functionName(id))).toEqual([
      'workflow-engine',
    ]);
  });
});

/** The environment variable names a function must get, from its access and triggers alone. */
function expectedEnvironmentNames(fn: FunctionSpec): string[] {
  return [
    'AGENT_CORE_RUNTIME',
    'AGENT_CORE_VERSION',
    'POWERTOOLS_SERVICE_NAME',
    'NODE_OPTIONS',
    ...(tracingOf(fn) === 'pass-through' ? ['POWERTOOLS_TRACE_ENABLED'] : []),
    ...(fn.access.table ? [TABLE_NAME_ENV] : []),
    ...(fn.access.publishEvents ? [EVENT_BUS_NAME_ENV] : []),
    ...queuesNeedingUrls(fn).map(queueUrlEnv),
    ...(fn.access.readSecrets?.includes('admin-api-key') ? [ADMIN_KEY_SECRET_ENV] : []),
    ...(fn.access.modelRoutes ? [MODEL_ROUTES_ENV] : []),
    ...(fn.access.manageConnections ? [WEBSOCKET_ENDPOINT_ENV] : []),
    ...(fn.access.runWorkflows || fn.access.startWorkflows ? [WORKFLOW_STATE_MACHINE_ARN_ENV] : []),
    ...(fn.access.manageSchedules ? Object.values(SCHEDULE_ENV) : []),
  ];
}
