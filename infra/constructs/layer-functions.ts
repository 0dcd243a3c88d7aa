/**
 * One layer of agent-core (kernel, scheduler, security, ...) as the functions the topology
 * lists for it. Every layer is built the same way, so one construct serves them all.
 */
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { FunctionSpec, Layer } from '../topology.js';
import { AgentFunction, type FunctionResources } from './agent-function.js';

export interface LayerFunctionsProps {
  layer: Layer;
  functions: FunctionSpec[];
  resources: FunctionResources;
  applicationLogLevel: lambda.ApplicationLogLevel;
  projectRoot: string;
}

export class LayerFunctions extends Construct {
  /** The layer's functions by topology name. */
  readonly functions = new Map<string, lambda.IFunction>();

  constructor(scope: Construct, id: string, props: LayerFunctionsProps) {
    super(scope, id);
    for (const spec of props.functions) {
      if (spec.layer !== props.layer) {
        throw new Error(`function ${spec.name} belongs to layer ${spec.layer}, not ${props.layer}`);
      }
      const { function: fn } = new AgentFunction(this, spec.name, {
        spec,
        resources: props.resources,
        applicationLogLevel: props.applicationLogLevel,
        projectRoot: props.projectRoot,
      });
      this.functions.set(spec.name, fn);
    }
  }
}
