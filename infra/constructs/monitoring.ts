/**
 * Alarms and a CloudWatch dashboard, generated from the topology: a message in any dead-letter
 * queue, errors or throttles of any function, and tasks waiting too long in a priority queue.
 * Alarms have no actions here: subscribe them (SNS, chat, paging) to your own channels.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { TASK_QUEUE_BY_PRIORITY } from '../../shared/runtime/environment.js';
import type { Topology } from '../topology.js';
import type { WorkQueues } from './work-queues.js';

/** A task waiting longer than this in its priority queue raises an alarm. */
export const OLDEST_TASK_AGE_ALARM_SECONDS = 300;

export interface MonitoringProps {
  spec: Topology;
  queues: WorkQueues;
  functions: ReadonlyMap<string, lambda.IFunction>;
  /** The state machines by topology id (the workflow runner). */
  stateMachines?: ReadonlyMap<string, sfn.IStateMachine>;
}

export class Monitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { spec, queues, functions } = props;
    const period = Duration.minutes(1);

    for (const dlq of spec.deadLetterQueues) {
      this.alarm(`${dlq.id}-not-empty`, {
        metric: queues
          .get(dlq.id)
          .metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        threshold: 0,
        description: `Messages in ${dlq.id}: something failed for good; look, fix, redrive.`,
      });
    }
    for (const [name, fn] of functions) {
      this.alarm(`${name}-errors`, {
        metric: fn.metricErrors({ period, statistic: 'Sum' }),
        threshold: 0,
        description: `${name} failed invocations.`,
      });
      this.alarm(`${name}-throttles`, {
        metric: fn.metricThrottles({ period, statistic: 'Sum' }),
        threshold: 0,
        description: `${name} was throttled: raise its concurrency or lower the load.`,
      });
    }
    for (const [priority, queueId] of Object.entries(TASK_QUEUE_BY_PRIORITY)) {
      this.alarm(`${queueId}-oldest-task-age`, {
        metric: queues
          .get(queueId)
          .metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
        threshold: OLDEST_TASK_AGE_ALARM_SECONDS,
        description: `A ${priority} task has waited more than ${OLDEST_TASK_AGE_ALARM_SECONDS} s to start.`,
      });
    }

    for (const [id, machine] of props.stateMachines ?? []) {
      // A workflow's own failure ends its execution normally (recorded, SUCCEEDED); a FAILED or
      // TIMED_OUT execution means the runner broke and a workflow may be left `running`.
      this.alarm(`${id}-executions-failed`, {
        metric: machine.metricFailed({ period, statistic: 'Sum' }),
        threshold: 0,
        description: `${id} executions failed: the engine kept failing; a workflow may be stuck running.`,
      });
      this.alarm(`${id}-executions-timed-out`, {
        metric: machine.metricTimedOut({ period, statistic: 'Sum' }),
        threshold: 0,
        description: `${id} executions timed out: a workflow may be stuck running.`,
      });
    }

    const taskQueues = Object.values(TASK_QUEUE_BY_PRIORITY);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${spec.appName}-${stackSuffix(this)}`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Tasks waiting, by priority',
        left: taskQueues.map((q) =>
          queues.get(q).metricApproximateNumberOfMessagesVisible({ period, label: q }),
        ),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Oldest waiting task (s)',
        left: taskQueues.map((q) =>
          queues.get(q).metricApproximateAgeOfOldestMessage({ period, label: q }),
        ),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queues',
        left: spec.deadLetterQueues.map((d) =>
          queues.get(d.id).metricApproximateNumberOfMessagesVisible({ period, label: d.id }),
        ),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function errors',
        left: [...functions].map(([name, fn]) => fn.metricErrors({ period, label: name })),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function duration p95 (ms)',
        left: [...functions].map(([name, fn]) =>
          fn.metricDuration({ period, statistic: 'p95', label: name }),
        ),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Throttles',
        left: [...functions].map(([name, fn]) => fn.metricThrottles({ period, label: name })),
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }),
    );
  }

  private alarm(
    id: string,
    props: { metric: cloudwatch.IMetric; threshold: number; description: string },
  ): void {
    this.alarms.push(
      new cloudwatch.Alarm(this, id, {
        metric: props.metric,
        threshold: props.threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: props.description,
      }),
    );
  }
}

/** Dashboard names are account-wide: one per stack. */
const stackSuffix = (scope: Construct): string => scope.node.scope?.node.id ?? 'stack';
