/**
 * The orchestration layer's state machine: the topology's workflow runner, a Standard state
 * machine whose definition is infra/workflow-state-machine.ts (the same JSON the local runtime
 * runs), with logging of every event and X-Ray tracing. Its name is fixed, so functions can be
 * granted access to it by ARN before it exists (see FunctionResources.workflowRunner).
 */
import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { StateMachineSpec } from '../topology.js';
import {
  ENGINE_FUNCTION_PLACEHOLDER,
  workflowRunnerDefinition,
} from '../workflow-state-machine.js';

/** The state machine's name in a stack, and the ARNs that follow from it. */
export function workflowRunnerArns(stack: Stack, spec: StateMachineSpec) {
  const name = `${stack.stackName}-${spec.id}`;
  const arn = (resource: string, resourceName: string) =>
    stack.formatArn({
      service: 'states',
      resource,
      resourceName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  return {
    name,
    arn: arn('stateMachine', name),
    executionArns: arn('execution', `${name}:*`),
    /** The same pattern as cdk-nag names it in a finding id. */
    executionArnsInFindings: `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${name}:*`,
  };
}

export interface WorkflowRunnerProps {
  spec: StateMachineSpec;
  engine: lambda.IFunction;
}

export class WorkflowRunner extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: WorkflowRunnerProps) {
    super(scope, id);
    const { name } = workflowRunnerArns(Stack.of(this), props.spec);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      // Step Functions requires this prefix for vended logs with a resource policy of its own.
      logGroupName: `/aws/vendedlogs/states/${name}`,
      retention: logs.RetentionDays.ONE_MONTH,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `agent-core ${props.spec.id}`,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: name,
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: props.spec.description,
      definitionBody: sfn.DefinitionBody.fromString(JSON.stringify(workflowRunnerDefinition())),
      definitionSubstitutions: { [ENGINE_FUNCTION_PLACEHOLDER]: props.engine.functionArn },
      role,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    // The definition is a string, so CDK cannot see the invocations: grant exactly the one
    // function (grantInvoke would add its versions and aliases, `<arn>:*`).
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [props.engine.functionArn],
      }),
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Step Functions needs X-Ray (PutTraceSegments, PutTelemetryRecords, GetSampling*) and ' +
        'CloudWatch Logs delivery (CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, ' +
        'DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, ' +
        'DescribeLogGroups) on "*": none of these supports resource-level permissions.',
    });
  }
}
