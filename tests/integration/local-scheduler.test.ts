/**
 * The schedule adapter (EventBridgeScheduleTimer over the real @aws-sdk/client-scheduler) against
 * the local runtime's Scheduler endpoint, firing into a real SQS queue (fauxqs): the operations
 * the adapter uses, firings with the scheduled time filled in, restarts that keep schedules and
 * fire a missed firing once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalAwsEndpoint } from '../../local/aws-endpoint.js';
import { LocalScheduler } from '../../local/scheduler.js';
import { EventBridgeScheduleTimer } from '../../shared/adapters/eventbridge-schedule-timer.js';
import { ConflictError } from '../../shared/core/errors.js';
import { firingSchema } from '../../shared/core/schedules/schedule.js';
import {
  CREDENTIALS,
  REGION,
  receiveMessages,
  uniqueId,
  urlIn,
  useLocalAws,
} from '../helpers/aws-local.js';

const aws = useLocalAws();

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const arnOf = (url: string) => `arn:aws:sqs:${REGION}:000000000000:${url.split('/').pop()}`;

interface Running {
  timer: EventBridgeScheduleTimer;
  queueUrl: string;
  deadLetterUrl: string;
  file: string;
}

/** A scheduler on a data file, behind an endpoint, with the adapter pointed at it. */
async function startScheduler(
  options: { file?: string; now?: () => number; queues?: Map<string, string> } = {},
): Promise<Running & { missed: number; stop: () => Promise<void> }> {
  const queueUrls = options.queues ?? (await aws().freshQueues());
  const queueUrl = urlIn(queueUrls, 'schedule-firings');
  const deadLetterUrl = urlIn(queueUrls, 'schedule-firings-dlq');
  const byArn = new Map([...queueUrls.values()].map((url) => [arnOf(url), url]));
  const dir = mkdtempSync(join(tmpdir(), 'agent-core-scheduler-'));
  const file = options.file ?? join(dir, 'schedules.json');
  const scheduler = new LocalScheduler({
    file,
    region: REGION,
    deliver: async (arn, body) => {
      const url = byArn.get(arn);
      if (!url) throw new Error(`no queue ${arn}`);
      await aws().sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    },
    ...(options.now ? { now: options.now } : {}),
  });
  const missed = await scheduler.start();
  const endpoint = new LocalAwsEndpoint({
    credentials: CREDENTIALS,
    busName: 'agent-core',
    rules: [],
    queueUrls,
    sqs: aws().sqs,
    secrets: new Map(),
    region: REGION,
    scheduler,
  });
  const url = await endpoint.start();
  const client = new SchedulerClient({ region: REGION, endpoint: url, credentials: CREDENTIALS });
  const timer = new EventBridgeScheduleTimer(client, {
    groupName: 'agent-core',
    targetArn: arnOf(queueUrl),
    roleArn: 'arn:aws:iam::000000000000:role/agent-core-scheduler',
    deadLetterArn: arnOf(deadLetterUrl),
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await scheduler.stop();
    await endpoint.stop();
    client.destroy();
  };
  cleanups.push(async () => {
    await stop();
    if (!options.file) rmSync(dir, { recursive: true, force: true });
  });
  return { timer, queueUrl, deadLetterUrl, file, missed, stop };
}

const firingsIn = async (queueUrl: string, count: number, timeoutMs = 5_000) =>
  (await receiveMessages(aws().sqs, queueUrl, count, { timeoutMs })).map((m) =>
    firingSchema.parse(JSON.parse(m.Body ?? '')),
  );

describe('EventBridgeScheduleTimer on the local Scheduler endpoint', () => {
  it('creates, reads, updates and deletes a schedule; a second create conflicts', async () => {
    const { timer } = await startScheduler();
    const id = uniqueId('nightly');
    const spec = { id, expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Paris', enabled: true };

    await timer.create(spec);
    await expect(timer.create(spec)).rejects.toBeInstanceOf(ConflictError);
    expect(await timer.get(id)).toEqual(spec);

    await timer.update({ ...spec, expression: 'rate(2 hours)', enabled: false });
    expect(await timer.get(id)).toEqual({ ...spec, expression: 'rate(2 hours)', enabled: false });

    await timer.delete(id);
    expect(await timer.get(id)).toBeUndefined();
    await timer.delete(id); // deleting what is gone is fine
    await expect(timer.update(spec)).rejects.toThrow(/does not exist/);
  });

  it('refuses an expression EventBridge would refuse', async () => {
    const { timer } = await startScheduler();
    await expect(
      timer.create({
        id: uniqueId('bad'),
        expression: 'rate(0 minutes)',
        timezone: 'UTC',
        enabled: true,
      }),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('fires a rate schedule at once and sends its input with the scheduled time filled in', async () => {
    const { timer, queueUrl } = await startScheduler();
    const id = uniqueId('every-minute');
    const before = Date.now();
    await timer.create({ id, expression: 'rate(1 minute)', timezone: 'UTC', enabled: true });

    const [firing] = await firingsIn(queueUrl, 1);

    expect(firing?.scheduleId).toBe(id);
    const firedAt = Date.parse(firing?.firedAt ?? '');
    // Whole seconds, as EventBridge Scheduler writes <aws.scheduler.scheduled-time>.
    expect(firing?.firedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(firedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
  });

  it('does not fire a disabled schedule', async () => {
    const { timer, queueUrl } = await startScheduler();
    await timer.create({
      id: uniqueId('off'),
      expression: 'rate(1 minute)',
      timezone: 'UTC',
      enabled: false,
    });
    expect(await firingsIn(queueUrl, 1, 1_500)).toEqual([]);
  });

  it('keeps schedules across a restart, and fires a firing missed while down once', async () => {
    // Prepare: a schedule every 5 minutes, fired once at its start, then the runtime stops.
    const queues = await aws().freshQueues();
    let now = Date.parse('2030-01-01T10:00:00.000Z');
    const first = await startScheduler({ now: () => now, queues });
    const id = uniqueId('report');
    await first.timer.create({ id, expression: 'rate(5 minutes)', timezone: 'UTC', enabled: true });
    expect((await firingsIn(first.queueUrl, 1)).map((f) => f.firedAt)).toEqual([
      '2030-01-01T10:00:00Z',
    ]);
    await first.stop();

    // Act: 23 minutes later (4 firings missed) it starts again on the same file.
    now += 23 * 60_000;
    const second = await startScheduler({ now: () => now, queues, file: first.file });

    // Assess: the schedule is there, and only the latest missed firing was sent.
    expect(second.missed).toBe(1);
    expect(await second.timer.get(id)).toMatchObject({ expression: 'rate(5 minutes)' });
    expect((await firingsIn(second.queueUrl, 5, 2_000)).map((f) => f.firedAt)).toEqual([
      '2030-01-01T10:20:00Z',
    ]);
  });
});
