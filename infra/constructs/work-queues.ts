/**
 * The SQS queues of the topology: dead-letter queues first, then the work queues that redrive
 * into them. Every queue is encrypted, refuses plain HTTP, and keeps a message invisible for
 * six times its consumer's timeout, so a slow batch is never handed to a second consumer.
 */
import { Duration, Tags } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type Topology, visibilityTimeoutSeconds } from '../topology.js';
import { QUEUE_TAG } from './tags.js';

export interface WorkQueuesProps {
  spec: Topology;
}

export class WorkQueues extends Construct {
  private readonly byId = new Map<string, sqs.Queue>();

  constructor(scope: Construct, id: string, props: WorkQueuesProps) {
    super(scope, id);
    const { spec } = props;
    const add = (queueId: string, extra: Partial<sqs.QueueProps>) => {
      if (this.byId.has(queueId)) throw new Error(`queue ${queueId} is declared twice`);
      const queue = new sqs.Queue(this, queueId, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds(queueId, spec)),
        ...extra,
      });
      Tags.of(queue).add(QUEUE_TAG, queueId);
      this.byId.set(queueId, queue);
    };

    for (const dlq of spec.deadLetterQueues) {
      add(dlq.id, { retentionPeriod: Duration.days(dlq.retentionDays) });
    }
    for (const queue of spec.queues) {
      add(queue.id, {
        deadLetterQueue: {
          queue: this.get(queue.deadLetterQueue),
          maxReceiveCount: queue.maxReceiveCount,
        },
      });
    }
  }

  /** The queue with this topology id; an unknown id is a topology error. */
  get(queueId: string): sqs.Queue {
    const queue = this.byId.get(queueId);
    if (!queue) throw new Error(`the topology names queue ${queueId}, which it does not declare`);
    return queue;
  }
}
