/**
 * Where schedules' timers live deployed: one EventBridge Scheduler schedule group for the stack
 * (the schedules API creates one schedule in it per schedule), and the role EventBridge Scheduler
 * assumes to deliver a firing: it may send to the firings queue and to the dead-letter queue for
 * what it cannot deliver, and nothing else. Deleting the stack deletes the group and its schedules.
 */
import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { SchedulesSpec } from '../topology.js';
import type { WorkQueues } from './work-queues.js';

export interface ScheduleTimersProps {
  spec: SchedulesSpec;
  queues: WorkQueues;
}

export class ScheduleTimers extends Construct {
  readonly groupName: string;
  readonly role: iam.Role;
  readonly targetArn: string;
  readonly deadLetterArn: string;

  constructor(scope: Construct, id: string, props: ScheduleTimersProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.groupName = `${stack.stackName}-schedules`;
    new scheduler.CfnScheduleGroup(this, 'Group', { name: this.groupName });
    // Only EventBridge Scheduler acting for this account may assume it (confused deputy).
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'agent-core schedules: deliver firings to the schedule-firings queue',
    });
    const target = props.queues.get(props.spec.targetQueue);
    const deadLetter = props.queues.get(props.spec.deadLetterQueue);
    target.grantSendMessages(this.role);
    deadLetter.grantSendMessages(this.role);
    this.targetArn = target.queueArn;
    this.deadLetterArn = deadLetter.queueArn;
  }

  /** Lets a function create, change, read and delete the group's schedules, with this role. */
  grantManage(fn: iam.IGrantable, role: iam.Role): void {
    const stack = Stack.of(this);
    const schedules = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.groupName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    fn.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [
          'scheduler:CreateSchedule',
          'scheduler:UpdateSchedule',
          'scheduler:DeleteSchedule',
          'scheduler:GetSchedule',
        ],
        resources: [schedules],
      }),
    );
    fn.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${this.groupName}/*]`,
      reason:
        "A schedule's EventBridge Scheduler schedule is named by the schedule id a caller " +
        "chooses, so the grant covers the schedules of this stack's own group, no other group.",
    });
  }
}
