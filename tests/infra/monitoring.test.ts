/** Alarms and the CloudWatch dashboard are generated from the topology: nothing is left out. */
import { describe, expect, it } from 'vitest';
import { OLDEST_TASK_AGE_ALARM_SECONDS } from '../../infra/constructs/monitoring.js';
import { topology } from '../../infra/topology.js';
import { TASK_QUEUE_BY_PRIORITY } from '../../shared/runtime/environment.js';
import { refOf, SynthesizedStack, WITHOUT_BUNDLING } from './synthesized-stack.js';

const synthesized = new SynthesizedStack({ context: WITHOUT_BUNDLING });
const alarms = synthesized.ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);

const alarmsOn = (metricName: string, dimension: string, logicalId: string) =>
  alarms.filter(
    (a) =>
      a.MetricName === metricName &&
      (a.Dimensions as { Name: string; Value: unknown }[]).some(
        (d) => d.Name === dimension && refOf(d.Value) === logicalId,
      ),
  );

describe('alarms', () => {
  it.each(topology.deadLetterQueues)('$id: any message in it raises an alarm', (dlq) => {
    const [alarm, ...others] = alarmsOn(
      'ApproximateNumberOfMessagesVisible',
      'QueueName',
      synthesized.queueLogicalId(dlq.id),
    );
    expect(others).toEqual([]);
    expect(alarm).toMatchObject({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it.each(topology.functions)('$name: errors and throttles raise alarms', (fn) => {
    const id = synthesized.functionLogicalId(fn.name);
    expect(alarmsOn('Errors', 'FunctionName', id)).toHaveLength(1);
    expect(alarmsOn('Throttles', 'FunctionName', id)).toHaveLength(1);
  });

  it.each(Object.values(TASK_QUEUE_BY_PRIORITY))(
    '%s: a task waiting too long raises an alarm',
    (queueId) => {
      const [alarm] = alarmsOn(
        'ApproximateAgeOfOldestMessage',
        'QueueName',
        synthesized.queueLogicalId(queueId),
      );
      expect(alarm?.Threshold).toBe(OLDEST_TASK_AGE_ALARM_SECONDS);
    },
  );

  it.each(topology.stateMachines)('$id: failed or timed-out executions raise alarms', (machine) => {
    const [[id] = []] = synthesized.ofType('AWS::StepFunctions::StateMachine');
    expect(String(synthesized.resource(id ?? '').Properties.StateMachineName)).toContain(
      machine.id,
    );
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      expect(alarmsOn(metric, 'StateMachineArn', id ?? '')).toHaveLength(1);
    }
  });

  it('has no other alarms than those', () => {
    const expected =
      topology.deadLetterQueues.length +
      topology.functions.length * 2 +
      Object.keys(TASK_QUEUE_BY_PRIORITY).length +
      topology.stateMachines.length * 2;
    expect(alarms).toHaveLength(expected);
  });
});

describe('dashboard', () => {
  it('shows queues, dead-letter queues, function errors, durations, throttles and the alarms', () => {
    const [[, dashboard] = []] = synthesized.ofType('AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const title of [
      'Tasks waiting, by priority',
      'Oldest waiting task (s)',
      'Dead-letter queues',
      'Function errors',
      'Function duration p95 (ms)',
      'Throttles',
      'Alarms',
    ]) {
      expect(body).toContain(title);
    }
  });
});
