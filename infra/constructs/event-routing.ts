/**
 * The agent-core event bus and its rules. Each rule delivers to a queue (never straight to a
 * function) so that consumers get batching, retries and a dead-letter queue.
 */
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import type { EventRuleSpec, Topology } from '../topology.js';
import type { WorkQueues } from './work-queues.js';

export interface EventRoutingProps {
  spec: Topology;
  queues: WorkQueues;
}

export class EventRouting extends Construct {
  readonly bus: events.EventBus;

  constructor(scope: Construct, id: string, props: EventRoutingProps) {
    super(scope, id);
    const { spec, queues } = props;

    this.bus = new events.EventBus(this, 'Bus', { eventBusName: spec.eventBus.name });
    for (const rule of spec.rules) {
      new events.Rule(this, rule.id, {
        eventBus: this.bus,
        description: rule.description,
        eventPattern: toEventPattern(rule.pattern),
        targets: [new targets.SqsQueue(queues.get(rule.targetQueue))],
      });
    }
  }
}

type PatternValues = NonNullable<EventRuleSpec['pattern']['source']>;

/** The topology's pattern subset in CDK terms: `{ prefix }` entries become prefix matchers. */
function toEventPattern(pattern: EventRuleSpec['pattern']): events.EventPattern {
  const values = (entries: PatternValues | undefined) =>
    entries?.flatMap((entry) =>
      typeof entry === 'string' ? [entry] : events.Match.prefix(entry.prefix),
    );
  return { source: values(pattern.source), detailType: values(pattern['detail-type']) };
}
