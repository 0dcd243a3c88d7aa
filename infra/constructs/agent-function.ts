/**
 * One topology function as a Lambda function with secure defaults (ARM64, Node.js 24, active
 * tracing, JSON logs into its own log group with retention) and exactly the permissions its
 * topology `access` and queue triggers imply: its own role, nothing shared, no managed policies.
 */
import { Duration, Stack, Tags, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { EmbeddingsConfig } from '../../shared/core/memory/embeddings-config.js';
import type { RouteConfig } from '../../shared/core/models/route-config.js';
import { lambdaBundlingFor } from '../bundling.js';
import type { FunctionSpec, SecretId } from '../topology.js';
import { DEPLOYMENT_TUNABLES, functionEnvironment } from './function-environment.js';
import type { ScheduleTimers } from './schedule-timers.js';
import { FUNCTION_TAG, LAYER_TAG } from './tags.js';
import type { DashboardWebSocketApi } from './websocket-api.js';
import type { WorkQueues } from './work-queues.js';

/** The shared resources a function's `access` may name. */
export interface FunctionResources {
  table: dynamodb.Table;
  bus: events.IEventBus;
  queues: WorkQueues;
  secrets: Record<SecretId, secretsmanager.ISecret>;
  /** The model route configuration read at synth (AGENT_CORE_MODEL_ROUTES[_FILE]). */
  modelRoutes: RouteConfig;
  /** The embeddings configuration read at synth (AGENT_CORE_EMBEDDINGS); unset: local. */
  embeddings?: EmbeddingsConfig | undefined;
  /** The dashboard WebSocket API, for functions that manage its connections. */
  webSocket?: DashboardWebSocketApi | undefined;
  /**
   * The workflow-runner state machine's ARN and its executions' ARN pattern, known from its
   * fixed name before it exists: the state machine invokes a function that answers its
   * callbacks, so a reference to the construct would be a dependency cycle.
   */
  workflowRunner?:
    | { arn: string; executionArns: string; executionArnsInFindings: string }
    | undefined;
  /** EventBridge Scheduler's group and target, for functions that manage schedules. */
  schedules?: ScheduleTimers | undefined;
}

export interface AgentFunctionProps {
  spec: FunctionSpec;
  resources: FunctionResources;
  applicationLogLevel: lambda.ApplicationLogLevel;
  /** Repository root: topology entries are relative to it, and it holds package-lock.json. */
  projectRoot: string;
}

export class AgentFunction extends Construct {
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: AgentFunctionProps) {
    super(scope, id);
    const { spec, resources, projectRoot } = props;

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
    // A role of its own, writing only to its own log group, instead of the
    // AWSLambdaBasicExecutionRole managed policy (logs:* on every log group; AwsSolutions-IAM4).
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `agent-core ${spec.name}`,
      inlinePolicies: {
        Logs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [logGroup.logGroupArn],
            }),
          ],
        }),
      },
    });

    this.function = new NodejsFunction(this, 'Function', {
      description: spec.description,
      entry: `${projectRoot}/${spec.entry}`,
      handler: 'handler',
      projectRoot,
      depsLockFilePath: `${projectRoot}/package-lock.json`,
      bundling: lambdaBundlingFor(spec.shippedModules, spec.workerThreads),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: props.applicationLogLevel,
      tracing: lambda.Tracing.ACTIVE,
      environment: functionEnvironment(spec, {
        tableName: resources.table.tableName,
        eventBusName: resources.bus.eventBusName,
        modelRoutes: JSON.stringify(resources.modelRoutes),
        tunables: Object.fromEntries(
          DEPLOYMENT_TUNABLES.flatMap((name) =>
            process.env[name] ? [[name, process.env[name]]] : [],
          ),
        ),
        ...(resources.embeddings ? { embeddings: JSON.stringify(resources.embeddings) } : {}),
        queueUrl: (queueId) => resources.queues.get(queueId).queueUrl,
        secretId: (secretId) => resources.secrets[secretId].secretArn,
        ...(resources.webSocket
          ? { webSocketEndpoint: resources.webSocket.managementEndpoint }
          : {}),
        ...(resources.workflowRunner ? { workflowRunnerArn: resources.workflowRunner.arn } : {}),
        ...(resources.schedules
          ? {
              schedules: {
                groupName: resources.schedules.groupName,
                targetArn: resources.schedules.targetArn,
                roleArn: resources.schedules.role.roleArn,
                deadLetterArn: resources.schedules.deadLetterArn,
              },
            }
          : {}),
      }),
    });
    Tags.of(this).add(FUNCTION_TAG, spec.name);
    Tags.of(this).add(LAYER_TAG, spec.layer);

    this.grantAccess(spec, resources, role);
    for (const trigger of spec.triggers) {
      // HTTP and WebSocket triggers are wired by their APIs.
      if (trigger.kind !== 'queue') continue;
      // The event source grants the consume permissions on its queue.
      this.function.addEventSource(
        new SqsEventSource(resources.queues.get(trigger.queue), {
          batchSize: trigger.batchSize,
          maxConcurrency: trigger.maxConcurrency,
          maxBatchingWindow: trigger.maxBatchingWindowSeconds
            ? Duration.seconds(trigger.maxBatchingWindowSeconds)
            : undefined,
          reportBatchItemFailures: true,
        }),
      );
    }

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which ' +
        'support no resource-level permissions. No other statement uses Resource "*" ' +
        '(tests/infra/stack.test.ts asserts it).',
    });
  }

  /**
   * `bedrock:InvokeModel` on exactly the models the routes name: a foundation model in the
   * target's region (the stack's by default), or a cross-region inference profile (`us.…`,
   * `eu.…`) in this account plus the foundation model it routes to, in whichever region the
   * profile sends the call.
   */
  private grantBedrock(routes: RouteConfig, role: iam.Role): void {
    const stack = Stack.of(this);
    const targets = [
      ...Object.values(routes.routes)
        .flat()
        .flatMap((t) => (t.provider === 'bedrock' ? [{ model: t.model, region: t.region }] : [])),
      ...routes.bedrockModels.map((model) => ({ model, region: undefined })),
    ];
    const arns = new Set<string>();
    const anyRegion: string[] = [];
    for (const { model, region } of targets) {
      const profile = /^(us|eu|apac|us-gov|global)\.(.+)$/.exec(model);
      if (!profile) {
        arns.add(
          `arn:${stack.partition}:bedrock:${region ?? stack.region}::foundation-model/${model}`,
        );
        continue;
      }
      arns.add(
        `arn:${stack.partition}:bedrock:${region ?? stack.region}:${stack.account}:inference-profile/${model}`,
      );
      const underlying = `arn:${stack.partition}:bedrock:*::foundation-model/${profile[2]}`;
      arns.add(underlying);
      anyRegion.push(underlying.replace(stack.partition, '<AWS::Partition>'));
    }
    if (arns.size === 0) return;
    this.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: [...arns] }),
    );
    for (const arn of new Set(anyRegion)) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${arn}]`,
        reason:
          'A cross-region inference profile routes each call to the foundation model in one of ' +
          'several regions it chooses; the grant names that one model, in any region.',
      });
    }
  }

  private grantAccess(spec: FunctionSpec, resources: FunctionResources, role: iam.Role): void {
    const { access } = spec;
    const fn = this.function;
    if (access.table) {
      if (access.table === 'readwrite') resources.table.grantReadWriteData(fn);
      else resources.table.grantReadData(fn);
      const tableId = Stack.of(this).getLogicalId(
        resources.table.node.defaultChild as dynamodb.CfnTable,
      );
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${tableId}.Arn>/index/*]`,
        reason:
          'Queries go through the GSIs of the one agent-core table; the grant covers that ' +
          "table's indexes (table/index/*) and nothing outside the table.",
      });
    }
    if (access.publishEvents) resources.bus.grantPutEventsTo(fn);
    for (const queueId of access.sendTo ?? []) resources.queues.get(queueId).grantSendMessages(fn);
    for (const queueId of access.inspect ?? []) {
      resources.queues.get(queueId).grant(fn, 'sqs:GetQueueAttributes');
    }
    for (const secretId of access.readSecrets ?? []) resources.secrets[secretId].grantRead(fn);
    if (access.invokeModels) this.grantBedrock(resources.modelRoutes, role);
    if (access.manageConnections) {
      if (!resources.webSocket) {
        throw new Error(`function ${spec.name} manages WebSocket connections, and there is no API`);
      }
      resources.webSocket.grantManageConnections(fn, role);
    }
    if (access.manageSchedules) {
      if (!resources.schedules)
        throw new Error(`function ${spec.name} manages schedules, and there are none`);
      resources.schedules.grantManage(fn, role);
    }
    if (access.runWorkflows || access.answerWorkflowSteps || access.startWorkflows) {
      const runner = resources.workflowRunner;
      if (!runner) throw new Error(`function ${spec.name} uses workflows, and there is no runner`);
      if (access.runWorkflows || access.startWorkflows) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [runner.arn] }),
        );
      }
      if (access.runWorkflows) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: ['states:StopExecution', 'states:DescribeExecution'],
            resources: [runner.executionArns],
          }),
        );
        Validations.of(role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${runner.executionArnsInFindings}]`,
          reason:
            'Stops and describes executions of the one workflow-runner state machine; an ' +
            "execution's name is the workflow id, so its ARN is only known per workflow.",
        });
      }
      if (access.answerWorkflowSteps) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: [
              'states:SendTaskSuccess',
              'states:SendTaskFailure',
              'states:SendTaskHeartbeat',
            ],
            resources: [runner.arn],
          }),
        );
      }
    }
    if (access.embeddings && resources.embeddings?.provider === 'bedrock') {
      const stack = Stack.of(this);
      const model = resources.embeddings.model;
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['bedrock:InvokeModel'],
          resources: [
            `arn:${stack.partition}:bedrock:${resources.embeddings.region ?? stack.region}::foundation-model/${model}`,
          ],
        }),
      );
    }
  }
}
