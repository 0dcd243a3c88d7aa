/**
 * The AgentCore stack synthesized in-process, with the lookups the infra tests share: resources
 * by type, functions and queues by their topology names (through the tags the stack puts on
 * them), and the IAM statements a function's role holds.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { type BuildAppOptions, buildApp } from '../../infra/app.js';
import { FUNCTION_TAG, QUEUE_TAG } from '../../infra/constructs/tags.js';

/**
 * Context that skips bundling the functions' code, for tests that read only the template:
 * bundling spawns esbuild through npx for every function, a few seconds per synth. At least one
 * synth per run should bundle, so that a handler that does not bundle fails the tests.
 */
export const WITHOUT_BUNDLING = { [BUNDLING_STACKS]: [] };

export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: unknown[];
}

interface Tag {
  Key: string;
  Value: string;
}

/** The logical id a `Ref` or `Fn::GetAtt` points at. */
export function refOf(value: unknown): string {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  const id = v.Ref ?? v['Fn::GetAtt']?.[0];
  if (!id) throw new Error(`not a Ref or Fn::GetAtt: ${JSON.stringify(value)}`);
  return id;
}

/** Every logical id referenced anywhere inside a template value (pseudo parameters aside). */
export function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (value === null || typeof value !== 'object') return [];
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref.startsWith('AWS::') ? [] : [v.Ref];
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return [getAtt[0]];
  return Object.values(v).flatMap(refsIn);
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

export class SynthesizedStack {
  readonly template: Template;
  readonly resources: Record<string, CfnResource>;

  constructor(opts?: BuildAppOptions) {
    const { stack } = buildApp(opts);
    this.template = Template.fromStack(stack);
    this.resources = this.template.toJSON().Resources;
  }

  resource(logicalId: string): CfnResource {
    const resource = this.resources[logicalId];
    if (!resource) throw new Error(`no resource ${logicalId}`);
    return resource;
  }

  ofType(type: string): [logicalId: string, resource: CfnResource][] {
    return Object.entries(this.resources).filter(([, r]) => r.Type === type);
  }

  /** The topology's functions (tagged), not the handlers CDK adds for its own constructs. */
  topologyFunctions(): [logicalId: string, resource: CfnResource][] {
    return this.ofType('AWS::Lambda::Function').filter(
      ([id]) => this.tag(id, FUNCTION_TAG) !== undefined,
    );
  }

  tag(logicalId: string, key: string): string | undefined {
    const tags = (this.resource(logicalId).Properties.Tags ?? []) as Tag[];
    return tags.find((t) => t.Key === key)?.Value;
  }

  functionLogicalId(name: string): string {
    return this.taggedLogicalId('AWS::Lambda::Function', FUNCTION_TAG, name);
  }

  function(name: string): CfnResource {
    return this.resource(this.functionLogicalId(name));
  }

  /** The function's environment variables (values may be CloudFormation references). */
  environment(functionName: string): Record<string, unknown> {
    const environment = this.function(functionName).Properties.Environment as {
      Variables: Record<string, unknown>;
    };
    return environment.Variables;
  }

  /** Topology name of the function with this logical id. */
  functionName(logicalId: string): string {
    return this.requiredTag(logicalId, FUNCTION_TAG);
  }

  queueLogicalId(queueId: string): string {
    return this.taggedLogicalId('AWS::SQS::Queue', QUEUE_TAG, queueId);
  }

  /** Topology id of the queue with this logical id. */
  queueId(logicalId: string): string {
    return this.requiredTag(logicalId, QUEUE_TAG);
  }

  /** Every statement of the function's role: its inline policies and the policies attached to it. */
  statementsOf(functionName: string): Statement[] {
    const roleId = refOf(this.function(functionName).Properties.Role);
    const documents = [
      ...((this.resource(roleId).Properties.Policies ?? []) as { PolicyDocument: unknown }[]).map(
        (p) => p.PolicyDocument,
      ),
      ...this.ofType('AWS::IAM::Policy')
        .filter(([, p]) => refsIn(p.Properties.Roles).includes(roleId))
        .map(([, p]) => p.Properties.PolicyDocument),
    ] as {
      Statement: { Effect: 'Allow' | 'Deny'; Action: string | string[]; Resource: unknown }[];
    }[];
    return documents.flatMap((d) =>
      d.Statement.map((s) => ({
        Effect: s.Effect,
        Action: asArray(s.Action),
        Resource: asArray(s.Resource),
      })),
    );
  }

  /** Logical ids of the resources an action is allowed on for this function. */
  allowedResourceRefs(functionName: string, action: string): string[] {
    return this.statementsOf(functionName)
      .filter((s) => s.Effect === 'Allow' && s.Action.includes(action))
      .flatMap((s) => refsIn(s.Resource));
  }

  private taggedLogicalId(type: string, key: string, value: string): string {
    const matches = this.ofType(type).filter(([id]) => this.tag(id, key) === value);
    if (matches.length !== 1) throw new Error(`${matches.length} ${type} tagged ${key}=${value}`);
    return matches[0]![0];
  }

  private requiredTag(logicalId: string, key: string): string {
    const value = this.tag(logicalId, key);
    if (value === undefined) throw new Error(`${logicalId} has no tag ${key}`);
    return value;
  }
}
