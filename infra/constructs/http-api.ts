/**
 * The HTTP API: one route per topology HTTP route, each integrated with its function, and the
 * Lambda authorizer (the function with the `http-authorizer` trigger) on every route the
 * topology does not mark `auth: false`.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import {
  HttpLambdaAuthorizer,
  HttpLambdaResponseType,
} from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HttpRoute, Topology } from '../topology.js';

/**
 * Routes that may go without the authorizer, each with the reason cdk-nag (AwsSolutions-APIG4)
 * is told. A topology route with `auth: false` that is not listed here fails the synth, so
 * opening a route is a reviewed decision rather than a flag.
 */
const PUBLIC_ROUTES: Record<string, string> = {
  'GET /health':
    'Liveness probe for load balancers and uptime checks, which hold no API key. It tells ' +
    'only that the API is up (status and version), takes no input and reads no data.',
  'GET /openapi.json':
    'The OpenAPI document: the public description of the API (routes and schemas), the same ' +
    'for every caller, generated from code. It takes no input and reads no data.',
};

/** Stage-wide limits that keep a runaway client from exhausting the functions' concurrency. */
const THROTTLE = { rateLimit: 100, burstLimit: 200 };

/** One JSON object per request; never headers, so no Authorization value reaches the logs. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    routeKey: '$context.routeKey',
    path: '$context.path',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
  }),
);

export interface AgentCoreHttpApiProps {
  spec: Topology;
  /** Every topology function by name. */
  functions: ReadonlyMap<string, lambda.IFunction>;
  /** Browser origins allowed to call the API (CORS), e.g. the dashboard site's. */
  corsOrigins?: string[];
}

export class AgentCoreHttpApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;

  constructor(scope: Construct, id: string, props: AgentCoreHttpApiProps) {
    super(scope, id);
    const { spec, functions } = props;
    const functionNamed = (name: string) => {
      const fn = functions.get(name);
      if (!fn) throw new Error(`no function named ${name}`);
      return fn;
    };

    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: spec.appName,
      description: 'agent-core HTTP API',
      // The stage is created below, with access logging and throttling.
      createDefaultStage: false,
      corsPreflight: props.corsOrigins?.length
        ? {
            allowOrigins: props.corsOrigins,
            allowHeaders: ['authorization', 'content-type', 'idempotency-key'],
            allowMethods: [
              apigw.CorsHttpMethod.GET,
              apigw.CorsHttpMethod.POST,
              apigw.CorsHttpMethod.PATCH,
              apigw.CorsHttpMethod.DELETE,
            ],
            maxAge: Duration.hours(1),
          }
        : undefined,
    });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
    });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: THROTTLE,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });

    const authorizers = spec.functions.filter((fn) =>
      fn.triggers.some((t) => t.kind === 'http-authorizer'),
    );
    if (authorizers.length > 1) {
      throw new Error(`two HTTP authorizers: ${authorizers.map((fn) => fn.name).join(', ')}`);
    }
    const authorizerFunction = authorizers[0];
    const authorizer =
      authorizerFunction &&
      new HttpLambdaAuthorizer('ApiKeyAuthorizer', functionNamed(authorizerFunction.name), {
        responseTypes: [HttpLambdaResponseType.SIMPLE],
        // A cached answer is keyed by the Authorization header. Without a cache there is no
        // identity source, so API Gateway invokes the authorizer even when the header is
        // missing, instead of answering 401 itself in a shape the API contract does not use.
        identitySource: spec.authorizerCacheSeconds > 0 ? ['$request.header.Authorization'] : [],
        resultsCacheTtl: Duration.seconds(spec.authorizerCacheSeconds),
      });

    for (const fn of spec.functions) {
      const routes = fn.triggers.flatMap((t) => (t.kind === 'http' ? t.routes : []));
      if (routes.length === 0) continue;
      const integration = new HttpLambdaIntegration(
        `${fn.name}-integration`,
        functionNamed(fn.name),
      );
      for (const route of routes) this.addRoute(route, integration, authorizer);
    }
  }

  private addRoute(
    route: HttpRoute,
    integration: apigw.HttpRouteIntegration,
    authorizer: apigw.IHttpRouteAuthorizer | undefined,
  ): void {
    const routeKey = `${route.method} ${route.path}`;
    const publicReason = route.auth === false ? publicRouteReason(routeKey) : undefined;
    if (!publicReason && !authorizer) {
      throw new Error(`route ${routeKey} needs the authorizer, and the topology has none`);
    }

    // Construct ids cannot contain '/': `GET /v1/agents/{id}` becomes `GET v1.agents.{id}`.
    const constructId = `${route.method} ${route.path.split('/').filter(Boolean).join('.')}`;
    const httpRoute = new apigw.HttpRoute(this, constructId, {
      httpApi: this.api,
      routeKey: apigw.HttpRouteKey.with(route.path, apigw.HttpMethod[route.method]),
      integration,
      authorizer: publicReason ? new apigw.HttpNoneAuthorizer() : authorizer,
    });
    if (publicReason) {
      Validations.of(httpRoute).acknowledge({ id: 'AwsSolutions-APIG4', reason: publicReason });
    }
  }
}

function publicRouteReason(routeKey: string): string {
  const reason = PUBLIC_ROUTES[routeKey];
  if (!reason) {
    throw new Error(`route ${routeKey} is public in the topology but not in PUBLIC_ROUTES`);
  }
  return reason;
}
