/**
 * How the local runtime wires functions to triggers, derived from the topology alone. The local
 * host dispatches HTTP routes, polls queues and routes events from exactly this object, and
 * tests/infra/parity.test.ts compares it with the synthesized CloudFormation template.
 */
import type {
  EventRuleSpec,
  FunctionSpec,
  HttpMethod,
  Topology,
  WebSocketRouteKey,
} from '../infra/topology.js';

export interface LocalRoute {
  /** API Gateway route key, e.g. `GET /v1/agents/{id}`. */
  routeKey: string;
  method: HttpMethod;
  path: string;
  functionName: string;
  auth: boolean;
}

/** A route of the dashboard's WebSocket API (served on the HTTP port, path `/ws`). */
export interface LocalWebSocketRoute {
  routeKey: WebSocketRouteKey;
  functionName: string;
  /** Only `$connect` runs the WebSocket authorizer; API Gateway allows it nowhere else. */
  auth: boolean;
}

export interface LocalQueueSource {
  queue: string;
  functionName: string;
  batchSize: number;
  maxConcurrency: number;
  maxBatchingWindowSeconds: number;
  /** Position among the function's queue triggers; lower is polled first. */
  priority: number;
}

/** A function a state machine's Lambda task states invoke (the workflow runner's engine). */
export interface LocalStateMachineTask {
  stateMachine: string;
  functionName: string;
}

export interface LocalWiring {
  routes: LocalRoute[];
  authorizer: string | undefined;
  websocketRoutes: LocalWebSocketRoute[];
  /** The function that authorizes WebSocket connections (`$connect`). */
  websocketAuthorizer: string | undefined;
  queueSources: LocalQueueSource[];
  stateMachineTasks: LocalStateMachineTask[];
  rules: EventRuleSpec[];
  functions: Map<string, FunctionSpec>;
}

export function buildLocalWiring(spec: Topology): LocalWiring {
  const routes: LocalRoute[] = [];
  const queueSources: LocalQueueSource[] = [];
  const stateMachineTasks: LocalStateMachineTask[] = [];
  let authorizer: string | undefined;
  const websocketRoutes: LocalWebSocketRoute[] = [];
  let websocketAuthorizer: string | undefined;

  for (const fn of spec.functions) {
    let queuePriority = 0;
    for (const trigger of fn.triggers) {
      switch (trigger.kind) {
        case 'http':
          for (const route of trigger.routes) {
            routes.push({
              routeKey: `${route.method} ${route.path}`,
              method: route.method,
              path: route.path,
              functionName: fn.name,
              auth: route.auth !== false,
            });
          }
          break;
        case 'http-authorizer':
          if (authorizer) throw new Error(`two HTTP authorizers: ${authorizer} and ${fn.name}`);
          authorizer = fn.name;
          break;
        case 'websocket':
          for (const routeKey of trigger.routes) {
            websocketRoutes.push({
              routeKey,
              functionName: fn.name,
              auth: routeKey === '$connect',
            });
          }
          break;
        case 'websocket-authorizer':
          if (websocketAuthorizer) {
            throw new Error(`two WebSocket authorizers: ${websocketAuthorizer} and ${fn.name}`);
          }
          websocketAuthorizer = fn.name;
          break;
        case 'state-machine':
          stateMachineTasks.push({ stateMachine: trigger.stateMachine, functionName: fn.name });
          break;
        case 'queue':
          queueSources.push({
            queue: trigger.queue,
            functionName: fn.name,
            batchSize: trigger.batchSize,
            maxConcurrency: trigger.maxConcurrency,
            maxBatchingWindowSeconds: trigger.maxBatchingWindowSeconds ?? 0,
            priority: queuePriority++,
          });
          break;
      }
    }
  }

  const seen = new Set<string>();
  for (const route of routes) {
    if (seen.has(route.routeKey)) throw new Error(`route ${route.routeKey} is wired twice`);
    seen.add(route.routeKey);
  }
  for (const route of websocketRoutes) {
    if (seen.has(`ws ${route.routeKey}`)) {
      throw new Error(`WebSocket route ${route.routeKey} is wired twice`);
    }
    seen.add(`ws ${route.routeKey}`);
  }

  return {
    routes,
    authorizer,
    websocketRoutes,
    websocketAuthorizer,
    queueSources,
    stateMachineTasks,
    rules: spec.rules,
    functions: new Map(spec.functions.map((fn) => [fn.name, fn])),
  };
}
