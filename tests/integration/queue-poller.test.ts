/** QueuePoller (the local event source mapping) against fauxqs, with a fake Lambda host. */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import type { LambdaHost } from '../../local/lambda-host.js';
import { type PollerOptions, QueuePoller } from '../../local/queue-poller.js';
import { pollUntil, queueCounts, REGION, uniqueSuffix, useLocalAws } from '../helpers/aws-local.js';

const aws = useLocalAws();
const FUNCTION_NAME = 'fake-consumer';

type Source = PollerOptions['sources'][number];
type Handler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

interface Invocation {
  functionName: string;
  event: SQSEvent;
}

const pollers: QueuePoller[] = [];
afterEach(async () => {
  for (const poller of pollers.splice(0)) await poller.stop(2_000);
});

/** A queue of this test alone, with a 1 s visibility timeout so that failed messages return fast. */
async function queueSource(
  priority = 0,
  batchSize = 10,
  maxBatchingWindowSeconds = 0,
): Promise<Source> {
  const created = await aws().sqs.send(
    new CreateQueueCommand({
      QueueName: `poller-${uniqueSuffix()}`,
      // A batching window holds received messages: they must stay invisible meanwhile.
      Attributes: { VisibilityTimeout: maxBatchingWindowSeconds ? '60' : '1' },
    }),
  );
  const url = created.QueueUrl as string;
  const attributes = await aws().sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return {
    queue: url.split('/').pop() as string,
    functionName: FUNCTION_NAME,
    batchSize,
    maxConcurrency: 1,
    maxBatchingWindowSeconds,
    priority,
    url,
    arn: attributes.Attributes?.QueueArn as string,
  };
}

async function send(source: Source, bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const result = await aws().sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: source.url,
        Entries: bodies.slice(i, i + 10).map((body, j) => ({ Id: `m${j}`, MessageBody: body })),
      }),
    );
    expect(result.Failed ?? []).toEqual([]);
  }
}

/** Starts a poller whose host records every invocation and answers with `handler`. */
function startPoller(
  sources: Source[],
  handler: Handler,
  concurrency = 1,
  prioritised = true,
): { invocations: Invocation[]; errors: unknown[]; poller: QueuePoller } {
  const invocations: Invocation[] = [];
  const errors: unknown[] = [];
  const host = {
    invoke: async (functionName: string, event: unknown) => {
      invocations.push({ functionName, event: event as SQSEvent });
      return handler(event as SQSEvent);
    },
  } as unknown as LambdaHost;
  const poller = new QueuePoller({
    functionName: FUNCTION_NAME,
    sources,
    concurrency,
    sqs: aws().sqs,
    host,
    region: REGION,
    onError: (error) => errors.push(error),
    prioritised,
  });
  pollers.push(poller);
  poller.start();
  return { invocations, errors, poller };
}

const records = (invocations: Invocation[]): SQSRecord[] =>
  invocations.flatMap((i) => i.event.Records);

const bodyCount = (invocations: Invocation[], body: string) =>
  records(invocations).filter((r) => r.body === body).length;

const drained = async (source: Source) => {
  const counts = await queueCounts(aws().sqs, source.url);
  return counts.visible === 0 && counts.inFlight === 0 ? true : undefined;
};

describe('QueuePoller', () => {
  it('gathers a batch beyond 10 messages until it is full, as a batching window does', async () => {
    // Prepare: 25 messages, a batch of 25 and a window long enough never to close first.
    const source = await queueSource(0, 25, 60);
    const bodies = Array.from({ length: 25 }, (_, i) => `full-${i}`);
    await send(source, bodies);

    // Act
    const { invocations, errors } = startPoller([source], async () => ({ batchItemFailures: [] }));
    await pollUntil(async () => (records(invocations).length >= 25 ? true : undefined), {
      what: 'the 25 messages',
    });

    // Assess: one invocation, every message once.
    expect(errors).toEqual([]);
    expect(invocations).toHaveLength(1);
    expect(
      records(invocations)
        .map((r) => r.body)
        .sort(),
    ).toEqual([...bodies].sort());
  });

  it('holds what it received while the window is open, for messages sent later', async () => {
    // Prepare: a batch of 3 and a window far longer than the test needs.
    const source = await queueSource(0, 3, 30);
    const { invocations, errors } = startPoller([source], async () => ({ batchItemFailures: [] }));

    // Act: one message, received and held; then two more.
    await send(source, ['first']);
    await pollUntil(
      async () => ((await queueCounts(aws().sqs, source.url)).inFlight === 1 ? true : undefined),
      { what: 'the first message to be received' },
    );
    expect(invocations).toHaveLength(0);
    await send(source, ['second', 'third']);
    await pollUntil(async () => (records(invocations).length >= 3 ? true : undefined), {
      what: 'the 3 messages',
    });

    // Assess: one invocation with all three, once the batch was full.
    expect(errors).toEqual([]);
    expect(invocations).toHaveLength(1);
    expect(records(invocations).map((r) => r.body)).toEqual(['first', 'second', 'third']);
    await pollUntil(() => drained(source), { what: 'the queue to be empty' });
  });

  it('delivers messages in batches as SQS events and deletes those the handler did not fail', async () => {
    // Prepare
    const source = await queueSource(0, 10);
    const bodies = Array.from({ length: 15 }, (_, i) => `message-${i}`);
    await send(source, bodies);
    // Act
    const { invocations, errors } = startPoller([source], async () => ({ batchItemFailures: [] }));
    await pollUntil(async () => (records(invocations).length >= 15 ? true : undefined), {
      what: 'all 15 messages to be delivered',
    });
    await pollUntil(() => drained(source), { what: 'the queue to be empty' });
    // Assess
    expect(errors).toEqual([]);
    expect(
      records(invocations)
        .map((r) => r.body)
        .sort(),
    ).toEqual([...bodies].sort());
    for (const { functionName, event } of invocations) {
      expect(functionName).toBe(FUNCTION_NAME);
      expect(event.Records.length).toBeGreaterThan(0);
      expect(event.Records.length).toBeLessThanOrEqual(10);
      for (const record of event.Records) {
        expect(record).toMatchObject({
          eventSource: 'aws:sqs',
          eventSourceARN: source.arn,
          awsRegion: REGION,
          messageId: expect.any(String),
          receiptHandle: expect.any(String),
          md5OfBody: expect.any(String),
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: expect.stringMatching(/^\d+$/),
            ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
          },
        });
      }
    }
  });

  it('leaves the messages reported in batchItemFailures, which come back after the visibility timeout', async () => {
    // Prepare
    const source = await queueSource();
    await send(source, ['ok-1', 'fail-1', 'ok-2', 'fail-2']);
    // Act: fail the `fail-*` messages on their first delivery only.
    const { invocations, errors } = startPoller([source], async (event) => ({
      batchItemFailures: event.Records.filter(
        (r) => r.body.startsWith('fail') && r.attributes.ApproximateReceiveCount === '1',
      ).map((r) => ({ itemIdentifier: r.messageId })),
    }));
    await pollUntil(
      async () =>
        bodyCount(invocations, 'fail-1') === 2 && bodyCount(invocations, 'fail-2') === 2
          ? true
          : undefined,
      { what: 'the failed messages to be delivered again' },
    );
    await pollUntil(() => drained(source), { what: 'the queue to be empty' });
    // Assess
    expect(errors).toEqual([]);
    expect(bodyCount(invocations, 'ok-1')).toBe(1);
    expect(bodyCount(invocations, 'ok-2')).toBe(1);
    const again = records(invocations).filter((r) => r.attributes.ApproximateReceiveCount === '2');
    expect(again.map((r) => r.body).sort()).toEqual(['fail-1', 'fail-2']);
  });

  it('leaves the whole batch when the handler throws, and reports the error', async () => {
    // Prepare
    const source = await queueSource();
    const bodies = ['a', 'b', 'c'];
    await send(source, bodies);
    const failure = new Error('handler crashed');
    let calls = 0;
    // Act
    const { invocations, errors } = startPoller([source], async () => {
      calls += 1;
      if (calls === 1) throw failure;
      return { batchItemFailures: [] };
    });
    await pollUntil(
      async () => (bodies.every((b) => bodyCount(invocations, b) === 2) ? true : undefined),
      { what: 'the crashed batch to be delivered again' },
    );
    await pollUntil(() => drained(source), { what: 'the queue to be empty' });
    // Assess
    expect(errors).toEqual([failure]);
    const first = invocations[0]?.event.Records.map((r) => r.body).sort();
    expect(first).toEqual(bodies);
    const redelivered = records(invocations.slice(1));
    expect(redelivered.map((r) => r.body).sort()).toEqual(bodies);
    for (const record of redelivered) expect(record.attributes.ApproximateReceiveCount).toBe('2');
  });

  it('with two queues and concurrency 1, takes the first queue’s batches before the second’s', async () => {
    // Prepare: both queues hold messages before polling starts; listed in reverse on purpose.
    const high = await queueSource(0, 10);
    const low = await queueSource(1, 10);
    await send(
      high,
      Array.from({ length: 15 }, (_, i) => `high-${i}`),
    );
    await send(
      low,
      Array.from({ length: 5 }, (_, i) => `low-${i}`),
    );
    // Act
    const { invocations, errors } = startPoller(
      [low, high],
      async () => ({ batchItemFailures: [] }),
      1,
    );
    await pollUntil(async () => (records(invocations).length >= 20 ? true : undefined), {
      what: 'all 20 messages to be delivered',
    });
    // Assess: every batch comes from one queue, and no low batch before the high queue is empty.
    expect(errors).toEqual([]);
    const order = invocations.map(({ event }) => {
      const arns = new Set(event.Records.map((r) => r.eventSourceARN));
      expect(arns.size).toBe(1);
      return [...arns][0] === high.arn ? 'high' : 'low';
    });
    expect(order[0]).toBe('high');
    expect(order.lastIndexOf('high')).toBeLessThan(order.indexOf('low'));
    expect(records(invocations).filter((r) => r.eventSourceARN === high.arn)).toHaveLength(15);
  });

  it('without a priority, long-polls each queue on its own and delivers from all of them', async () => {
    // Prepare: two queues, messages in the second only at first.
    const first = await queueSource(0);
    const second = await queueSource(1);
    const { invocations } = startPoller([first, second], async () => undefined, 2, false);
    await send(second, ['b1', 'b2']);
    await pollUntil(async () => (bodyCount(invocations, 'b2') === 1 ? true : undefined));

    // Act: then the first gets some.
    await send(first, ['a1']);

    // Assess: everything delivered once, from the queue it was sent to, and deleted.
    await pollUntil(async () => (bodyCount(invocations, 'a1') === 1 ? true : undefined));
    expect(['a1', 'b1', 'b2'].map((b) => bodyCount(invocations, b))).toEqual([1, 1, 1]);
    const arnOf = (body: string) =>
      records(invocations).find((r) => r.body === body)?.eventSourceARN;
    expect(arnOf('a1')).toBe(first.arn);
    expect(arnOf('b1')).toBe(second.arn);
    await pollUntil(() => drained(first));
    await pollUntil(() => drained(second));
  });

  it('stop() waits for the batches in flight, deletes included, and then polls no more', async () => {
    // Prepare
    const source = await queueSource();
    await send(source, ['slow-1', 'slow-2']);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let finished = false;
    const { invocations, poller } = startPoller([source], async () => {
      await gate;
      finished = true;
      return { batchItemFailures: [] };
    });
    await pollUntil(async () => (invocations.length > 0 ? true : undefined), {
      what: 'the batch to be dispatched',
    });
    // Act
    let stopped = false;
    const stopping = poller.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stoppedWhileBusy = stopped;
    release();
    await stopping;
    // Assess
    expect(stoppedWhileBusy).toBe(false);
    expect(finished).toBe(true);
    expect(await queueCounts(aws().sqs, source.url)).toEqual({ visible: 0, inFlight: 0 });
    await send(source, ['after-stop']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(bodyCount(invocations, 'after-stop')).toBe(0);
  });
});
