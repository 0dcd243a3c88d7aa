/**
 * The dashboard feed's WebSocket API: one route per topology `websocket` route, integrated with
 * its function, and the `websocket-authorizer` function on `$connect` (the key in the `token`
 * query parameter). API Gateway lets only `$connect` carry an authorizer; the connection it
 * admits keeps the principal for its other routes.
 *
 * Built in two steps, because the functions need the API before the routes need the functions:
 * the constructor makes the API and its stage (whose Management API endpoint and ARN go into
 * the functions' environment and IAM), and `addRoutes` wires the functions once they exist.
 */
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Topology, WebSocketRouteKey } from '../topology.js';

/** The stage, in the URL: `wss://<apiId>.execute-api.<region>.amazonaws.com/v1`. */
export const WEBSOCKET_STAGE = 'v1';

/** Messages per second from all clients together; a runaway page cannot exhaust the functions. */
const THROTTLE = { rateLimit: 50, burstLimit: 100 };

/**
 * One JSON object per connection event; never the query string (the token) nor headers.
 */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    eventType: '$context.eventType',
    routeKey: '$context.routeKey',
    connectionId: '$context.connectionId',
    status: '$context.status',
    principal: '$context.authorizer.principalId',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
  }),
);

/** Routes API Gateway runs without an authorizer, each with the reason cdk-nag is told. */
const UNAUTHORIZED_ROUTE_REASON: Record<Exclude<WebSocketRouteKey, '$connect'>, string> = {
  $disconnect:
    'A WebSocket API takes an authorizer on $connect only. $disconnect is sent by API Gateway ' +
    'for a connection the $connect authorizer admitted; it takes no client input.',
  $default:
    'A WebSocket API takes an authorizer on $connect only. $default carries messages of a ' +
    'connection the $connect authorizer admitted, with that principal in its context.',
};

export interface DashboardWebSocketApiProps {
  spec: Topology;
}

export class DashboardWebSocketApi extends Construct {
  readonly api: apigwv2.WebSocketApi;
  readonly stage: apigwv2.WebSocketStage;

  constructor(scope: Construct, id: string, props: DashboardWebSocketApiProps) {
    super(scope, id);
    this.api = new apigwv2.WebSocketApi(this, 'Api', {
      apiName: `${props.spec.appName}-dashboard`,
      description: 'agent-core dashboard feed (WebSocket)',
    });

    // WebSocket (and REST) APIs log through API Gateway's account-level CloudWatch role; HTTP
    // APIs do not need one. The role is AWS's own policy for it, kept when the stack goes.
    const cloudWatchRole = new iam.Role(this, 'ApiGatewayCloudWatchRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'API Gateway account role: writes API access logs to CloudWatch Logs',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName(
          'service-role/AmazonAPIGatewayPushToCloudWatchLogs',
        ),
      ],
    });
    cloudWatchRole.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const account = new apigw.CfnAccount(this, 'ApiGatewayAccount', {
      cloudWatchRoleArn: cloudWatchRole.roleArn,
    });
    Validations.of(cloudWatchRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'API Gateway writes WebSocket access logs only through the one CloudWatch role of the ' +
        'account and region, shared by all its APIs, so it cannot be narrowed to these log ' +
        'groups; this is the AWS managed policy made for exactly that role.',
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
    });
    this.stage = new apigwv2.WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: WEBSOCKET_STAGE,
      autoDeploy: true,
      throttle: THROTTLE,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });
    this.stage.node.addDependency(account);
  }

  /** The Management API endpoint the push and connection functions post to. */
  get managementEndpoint(): string {
    return this.stage.callbackUrl;
  }

  /** `wss://…/v1`: what clients connect to, with `?token=<key>`. */
  get url(): string {
    return this.stage.url;
  }

  /**
   * `execute-api:ManageConnections` on this API's stage's `@connections/*` only, with the
   * cdk-nag acknowledgement for that one wildcard (connection ids are not known in advance).
   */
  grantManageConnections(grantee: iam.IGrantable, role: iam.IRole & Construct): void {
    this.stage.grantManagementApiAccess(grantee);
    const apiId = Stack.of(this).getLogicalId(this.api.node.defaultChild as apigwv2.CfnApi);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiId}>/${WEBSOCKET_STAGE}/*/@connections/*]`,
      reason:
        'PostToConnection and DeleteConnection act on connections whose ids API Gateway assigns ' +
        "at connect time; the grant is this WebSocket API's stage's @connections and nothing else.",
    });
  }

  /** Wires the topology's WebSocket routes and authorizer to their functions. */
  addRoutes(spec: Topology, functions: ReadonlyMap<string, lambda.IFunction>): void {
    const functionNamed = (name: string) => {
      const fn = functions.get(name);
      if (!fn) throw new Error(`no function named ${name}`);
      return fn;
    };
    const authorizers = spec.functions.filter((fn) =>
      fn.triggers.some((t) => t.kind === 'websocket-authorizer'),
    );
    if (authorizers.length > 1) {
      throw new Error(`two WebSocket authorizers: ${authorizers.map((fn) => fn.name).join(', ')}`);
    }
    const authorizer =
      authorizers[0] &&
      new WebSocketLambdaAuthorizer('ConnectionAuthorizer', functionNamed(authorizers[0].name), {
        identitySource: ['route.request.querystring.token'],
      });

    const seen = new Set<string>();
    for (const fn of spec.functions) {
      const routes = fn.triggers.flatMap((t) => (t.kind === 'websocket' ? t.routes : []));
      if (routes.length === 0) continue;
      const integration = new WebSocketLambdaIntegration(
        `${fn.name}-integration`,
        functionNamed(fn.name),
      );
      for (const routeKey of routes) {
        if (seen.has(routeKey)) throw new Error(`WebSocket route ${routeKey} is wired twice`);
        seen.add(routeKey);
        if (routeKey === '$connect') {
          if (!authorizer) throw new Error('the $connect route needs a websocket-authorizer');
          this.api.addRoute(routeKey, { integration, authorizer });
          continue;
        }
        const route = this.api.addRoute(routeKey, { integration });
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: UNAUTHORIZED_ROUTE_REASON[routeKey],
        });
      }
    }
  }
}
