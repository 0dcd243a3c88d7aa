/**
 * The two realisations of the topology wire the same functions to the same triggers: the local
 * runtime's wiring (local/wiring.ts) and the synthesized CloudFormation template. The template
 * side is read from the resources themselves (routes, integrations, authorizer, event source
 * mappings, rules), mapped back to topology names through the tags the stack sets.
 */
import { describe, expect, it } from 'vitest';
import { topology } from '../../infra/topology.js';
import { buildLocalWiring } from '../../local/wiring.js';
import { refOf, refsIn, SynthesizedStack, WITHOUT_BUNDLING } from './synthesized-stack.js';

const local = buildLocalWiring(topology);
const cloud = new SynthesizedStack({ context: WITHOUT_BUNDLING });

/** JSON with sorted keys, so that equal values compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
const sorted = <T>(items: T[]): T[] =>
  [...items].sort((a, b) => canonical(a).localeCompare(canonical(b)));

/** The function a resource's property points at, by topology name. */
const functionBehind = (value: unknown): string => {
  const functionIds = refsIn(value).filter(
    (id) => cloud.resource(id).Type === 'AWS::Lambda::Function',
  );
  expect(functionIds).toHaveLength(1);
  return cloud.functionName(functionIds[0]!);
};

/** Resources of a type that belong to the one API of this protocol (HTTP or WEBSOCKET). */
function ofApi(protocol: 'HTTP' | 'WEBSOCKET', type: string) {
  const apis = cloud
    .ofType('AWS::ApiGatewayV2::Api')
    .filter(([, api]) => api.Properties.ProtocolType === protocol);
  expect(apis).toHaveLength(1);
  return cloud.ofType(type).filter(([, r]) => refOf(r.Properties.ApiId) === apis[0]![0]);
}

describe('local runtime and CloudFormation template', () => {
  it('define the same functions', () => {
    const cloudFunctions = cloud
      .topologyFunctions()
      .map(([logicalId]) => cloud.functionName(logicalId));
    expect(cloudFunctions.sort()).toEqual([...local.functions.keys()].sort());
  });

  it('route the same HTTP route keys to the same functions, with the same authentication', () => {
    const cloudRoutes = ofApi('HTTP', 'AWS::ApiGatewayV2::Route').map(([, route]) => {
      // Target is `integrations/<integration id>`.
      const integrationIds = refsIn(route.Properties.Target);
      expect(integrationIds).toHaveLength(1);
      const integration = cloud.resource(integrationIds[0]!);
      return {
        routeKey: route.Properties.RouteKey,
        functionName: functionBehind(integration.Properties.IntegrationUri),
        auth: route.Properties.AuthorizationType !== 'NONE',
      };
    });
    const localRoutes = local.routes.map(({ routeKey, functionName, auth }) => ({
      routeKey,
      functionName,
      auth,
    }));
    expect(sorted(cloudRoutes)).toEqual(sorted(localRoutes));
  });

  it('authorize with the same function', () => {
    const authorizers = ofApi('HTTP', 'AWS::ApiGatewayV2::Authorizer').map(([, authorizer]) =>
      functionBehind(authorizer.Properties.AuthorizerUri),
    );
    expect(authorizers).toEqual(local.authorizer ? [local.authorizer] : []);
  });

  it('route the same WebSocket routes to the same functions, authorizing the same ones', () => {
    const cloudRoutes = ofApi('WEBSOCKET', 'AWS::ApiGatewayV2::Route').map(([, route]) => {
      const integrationIds = refsIn(route.Properties.Target);
      expect(integrationIds).toHaveLength(1);
      const integration = cloud.resource(integrationIds[0]!);
      return {
        routeKey: route.Properties.RouteKey,
        functionName: functionBehind(integration.Properties.IntegrationUri),
        auth: (route.Properties.AuthorizationType ?? 'NONE') !== 'NONE',
      };
    });
    expect(sorted(cloudRoutes)).toEqual(sorted(local.websocketRoutes));
  });

  it('authorize WebSocket connections with the same function', () => {
    const authorizers = ofApi('WEBSOCKET', 'AWS::ApiGatewayV2::Authorizer').map(([, authorizer]) =>
      functionBehind(authorizer.Properties.AuthorizerUri),
    );
    expect(authorizers).toEqual(local.websocketAuthorizer ? [local.websocketAuthorizer] : []);
  });

  it('feed the same queues to the same functions, in the same batches and concurrency', () => {
    const cloudSources = cloud.ofType('AWS::Lambda::EventSourceMapping').map(([, esm]) => ({
      queue: cloud.queueId(refOf(esm.Properties.EventSourceArn)),
      functionName: functionBehind(esm.Properties.FunctionName),
      batchSize: esm.Properties.BatchSize,
      maxConcurrency: (esm.Properties.ScalingConfig as { MaximumConcurrency: number })
        .MaximumConcurrency,
      maxBatchingWindowSeconds: esm.Properties.MaximumBatchingWindowInSeconds ?? 0,
    }));
    const localSources = local.queueSources.map(
      ({ queue, functionName, batchSize, maxConcurrency, maxBatchingWindowSeconds }) => ({
        queue,
        functionName,
        batchSize,
        maxConcurrency,
        maxBatchingWindowSeconds,
      }),
    );
    expect(sorted(cloudSources)).toEqual(sorted(localSources));
  });

  it('route the same event patterns to the same queues', () => {
    const cloudRules = cloud.ofType('AWS::Events::Rule').map(([, rule]) => {
      const targets = rule.Properties.Targets as { Arn: unknown }[];
      expect(targets).toHaveLength(1);
      return {
        pattern: rule.Properties.EventPattern,
        targetQueue: cloud.queueId(refOf(targets[0]!.Arn)),
      };
    });
    const localRules = local.rules.map(({ pattern, targetQueue }) => ({ pattern, targetQueue }));
    expect(sorted(cloudRules)).toEqual(sorted(localRules));
  });

  it('give the same state machines to the same task functions', () => {
    const cloudMachines = cloud.ofType('AWS::StepFunctions::StateMachine').map(([, machine]) => {
      const substitutions = machine.Properties.DefinitionSubstitutions as Record<string, unknown>;
      const functions = Object.values(substitutions).map(functionBehind);
      expect(functions).toHaveLength(1);
      const name = String(machine.Properties.StateMachineName);
      const spec = topology.stateMachines.find((sm) => name.endsWith(`-${sm.id}`));
      return { stateMachine: spec?.id ?? name, functionName: functions[0] };
    });
    expect(sorted(cloudMachines)).toEqual(sorted(local.stateMachineTasks));
  });
});
