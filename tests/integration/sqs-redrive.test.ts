/**
 * The SQS semantics agent-core relies on, against fauxqs with the queues the topology provisions:
 * visibility, receive counts, and redrive to the DLQ after `maxReceiveCount` receives.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { topology, visibilityTimeoutSeconds } from '../../infra/topology.js';
import {
  queueCounts,
  receiveMessages,
  uniqueId,
  urlIn,
  useLocalAws,
} from '../helpers/aws-local.js';

const aws = useLocalAws();

/** One short poll: what is visible right now. */
async function receiveNow(queueUrl: string): Promise<Message[]> {
  const result = await aws().sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return result.Messages ?? [];
}

const makeVisible = (queueUrl: string, message: Message) =>
  aws().sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: message.ReceiptHandle,
      VisibilityTimeout: 0,
    }),
  );

describe('provisioned queues', () => {
  it.each(topology.queues.map((q) => [q.id, q] as const))(
    '%s has the topology’s visibility timeout and redrives to its own DLQ',
    async (id, spec) => {
      // Prepare
      const url = aws().queueUrl(id);
      const dlqArn = await aws().sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: aws().queueUrl(spec.deadLetterQueue),
          AttributeNames: ['QueueArn'],
        }),
      );
      // Act
      const { Attributes } = await aws().sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
      );
      // Assess
      expect(Number(Attributes?.VisibilityTimeout)).toBe(visibilityTimeoutSeconds(id));
      expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
        deadLetterTargetArn: dlqArn.Attributes?.QueueArn,
        maxReceiveCount: spec.maxReceiveCount,
      });
    },
  );
});

describe('visibility and redrive', () => {
  it('hides a received message for the visibility timeout', async () => {
    // Prepare
    const url = urlIn(await aws().freshQueues(), 'tasks-normal');
    await aws().sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'hidden' }));
    // Act
    const first = await receiveMessages(aws().sqs, url, 1);
    const meanwhile = await receiveNow(url);
    // Assess
    expect(first.map((m) => m.Body)).toEqual(['hidden']);
    expect(meanwhile).toEqual([]);
    expect(await queueCounts(aws().sqs, url)).toEqual({ visible: 0, inFlight: 1 });
  });

  it.each(topology.queues.map((q) => [q.id, q.maxReceiveCount, q.deadLetterQueue] as const))(
    'moves a message of %s to its DLQ on receive number maxReceiveCount (%i) + 1, counting receives',
    async (id, maxReceiveCount, dlqId) => {
      // Prepare: fresh queues, so that nothing else is in them.
      const urls = await aws().freshQueues();
      const url = urlIn(urls, id);
      const dlqUrl = urlIn(urls, dlqId);
      const body = JSON.stringify({ poison: uniqueId('msg') });
      await aws().sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
      // Act: receive it maxReceiveCount times without deleting, making it visible again each time.
      const counts: number[] = [];
      for (let i = 0; i < maxReceiveCount; i++) {
        const [message, ...rest] = await receiveNow(url);
        expect(rest).toEqual([]);
        expect(message?.Body).toBe(body);
        counts.push(Number(message?.Attributes?.ApproximateReceiveCount));
        await makeVisible(url, message as Message);
      }
      const beyond = await receiveNow(url);
      // Assess
      expect(counts).toEqual(Array.from({ length: maxReceiveCount }, (_, i) => i + 1));
      expect(beyond).toEqual([]);
      expect(await queueCounts(aws().sqs, url)).toEqual({ visible: 0, inFlight: 0 });
      const dead = await receiveMessages(aws().sqs, dlqUrl, 1);
      expect(dead.map((m) => m.Body)).toEqual([body]);
    },
  );

  it('keeps a message deleted before the limit out of the DLQ', async () => {
    // Prepare
    const urls = await aws().freshQueues();
    const url = urlIn(urls, 'event-sink');
    await aws().sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'handled' }));
    // Act: fail it a few times, then handle it.
    for (let i = 0; i < 3; i++) {
      const [message] = await receiveNow(url);
      await makeVisible(url, message as Message);
    }
    const [last] = await receiveNow(url);
    await aws().sqs.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: last?.ReceiptHandle }),
    );
    // Assess
    expect(last?.Attributes?.ApproximateReceiveCount).toBe('4');
    expect(await queueCounts(aws().sqs, url)).toEqual({ visible: 0, inFlight: 0 });
    expect(await queueCounts(aws().sqs, urlIn(urls, 'event-sink-dlq'))).toEqual({
      visible: 0,
      inFlight: 0,
    });
  });
});
