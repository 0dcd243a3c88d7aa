/**
 * LocalAwsEndpoint (EventBridge PutEvents routed by the topology's rules, Secrets Manager
 * GetSecretValue) through the real AWS SDK clients and adapters, with queues on fauxqs.
 */
import { createHash } from 'node:crypto';
import { EventBridgeClient, ListRulesCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { Message } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { agentResumed } from '../../events/agent-events.js';
import { busEventSchema, type OutgoingEvent } from '../../events/envelope.js';
import { taskQueued } from '../../events/task-events.js';
import { topology } from '../../infra/topology.js';
import { type BusEnvelope, LocalAwsEndpoint } from '../../local/aws-endpoint.js';
import { EventBridgePublisher } from '../../shared/adapters/eventbridge-publisher.js';
import { SecretsManagerAdminKey } from '../../shared/adapters/secrets-admin-key.js';
import { createEvent } from '../../shared/core/events.js';
import { newId } from '../../shared/core/ids.js';
import { systemClock } from '../../shared/core/ports.js';
import {
  CREDENTIALS,
  queueCounts,
  REGION,
  receiveMessages,
  uniqueId,
  urlIn,
  useLocalAws,
} from '../helpers/aws-local.js';

const aws = useLocalAws();
const SECRET_ID = 'agent-core/admin-api-key';
const ADMIN_KEY = 'ac_test_0123456789abcdef';

interface Running {
  url: string;
  queueUrls: Map<string, string>;
  secrets: Map<string, string>;
  seen: BusEnvelope[];
  eventBridge: EventBridgeClient;
  secretsManager: SecretsManagerClient;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An endpoint over fresh queues (so each test sees only its events) and clients pointed at it. */
async function startEndpoint(): Promise<Running> {
  const queueUrls = await aws().freshQueues();
  const secrets = new Map([[SECRET_ID, ADMIN_KEY]]);
  const seen: BusEnvelope[] = [];
  const endpoint = new LocalAwsEndpoint({
    credentials: CREDENTIALS,
    busName: topology.eventBus.name,
    rules: topology.rules,
    queueUrls,
    sqs: aws().sqs,
    secrets,
    region: REGION,
    onEvent: (event) => seen.push(event),
  });
  const url = await endpoint.start();
  const eventBridge = new EventBridgeClient({
    region: REGION,
    endpoint: url,
    credentials: CREDENTIALS,
  });
  const secretsManager = new SecretsManagerClient({
    region: REGION,
    endpoint: url,
    credentials: CREDENTIALS,
  });
  cleanups.push(async () => {
    eventBridge.destroy();
    secretsManager.destroy();
    await endpoint.stop();
  });
  return { url, queueUrls, secrets, seen, eventBridge, secretsManager };
}

const context = () => ({ correlationId: newId(), clock: systemClock });

function queuedEvent(): OutgoingEvent {
  return createEvent(
    taskQueued,
    { taskId: newId(), agentId: uniqueId('agent'), priority: 'normal', reason: 'submitted' },
    context(),
  );
}

const resumedEvent = (): OutgoingEvent =>
  createEvent(agentResumed, { agentId: uniqueId('agent') }, context());

const envelopes = (messages: Message[]) =>
  messages.map((m) => JSON.parse(m.Body ?? 'null') as BusEnvelope);

describe('LocalAwsEndpoint: PutEvents through EventBridgePublisher', () => {
  it('delivers every event to event-sink as a full envelope, and agent.resumed also to scheduler-events', async () => {
    // Prepare: more than one PutEvents call's worth (10), with one agent.resumed among them.
    const running = await startEndpoint();
    const publisher = new EventBridgePublisher(running.eventBridge, topology.eventBus.name);
    const resumed = resumedEvent();
    const events = [
      ...Array.from({ length: 7 }, queuedEvent),
      resumed,
      ...Array.from({ length: 4 }, queuedEvent),
    ];
    // Act
    await publisher.publish(events);
    // Assess: the sink got all of them, each as EventBridge delivers it to a queue target.
    const sinkUrl = urlIn(running.queueUrls, 'event-sink');
    const sink = envelopes(await receiveMessages(aws().sqs, sinkUrl, events.length));
    expect(await queueCounts(aws().sqs, sinkUrl)).toEqual({ visible: 0, inFlight: events.length });
    const byId = new Map(sink.map((e) => [(e.detail as { id: string }).id, e]));
    expect(byId.size).toBe(events.length);
    for (const event of events) {
      const delivered = byId.get(event.detail.id);
      expect(delivered).toEqual({
        version: '0',
        id: expect.any(String),
        'detail-type': event.type,
        source: event.source,
        account: expect.any(String),
        time: event.detail.time.replace(/\.\d{3}Z$/, 'Z'),
        region: REGION,
        resources: [],
        detail: event.detail,
      });
      expect(busEventSchema.safeParse(delivered).success).toBe(true);
    }
    expect(new Set(sink.map((e) => e.id)).size).toBe(events.length);
    // Only the resumed agent's event matched the scheduler rule.
    const schedulerUrl = urlIn(running.queueUrls, 'scheduler-events');
    const scheduler = envelopes(await receiveMessages(aws().sqs, schedulerUrl, 1));
    expect(scheduler.map((e) => e.detail)).toEqual([resumed.detail]);
    expect(scheduler[0]?.['detail-type']).toBe('agent.resumed');
    expect(await queueCounts(aws().sqs, schedulerUrl)).toEqual({ visible: 0, inFlight: 1 });
    // And every event was handed to the onEvent listener.
    expect(running.seen.map((e) => (e.detail as { id: string }).id)).toEqual(
      events.map((e) => e.detail.id),
    );
  });

  it('reports an event for another bus as a failed entry, and the publisher throws', async () => {
    // Prepare
    const running = await startEndpoint();
    const publisher = new EventBridgePublisher(running.eventBridge, 'some-other-bus');
    // Act
    const outcome = publisher.publish([queuedEvent()]);
    // Assess
    await expect(outcome).rejects.toThrow(/EventBridge refused 1 event\(s\)/);
    expect(running.seen).toEqual([]);
    for (const id of ['event-sink', 'scheduler-events']) {
      expect(await queueCounts(aws().sqs, urlIn(running.queueUrls, id))).toEqual({
        visible: 0,
        inFlight: 0,
      });
    }
  });

  it('answers a mixed PutEvents entry by entry: the good entry is delivered, the bad one reported', async () => {
    // Prepare
    const running = await startEndpoint();
    const good = queuedEvent();
    // Act
    const result = await running.eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: topology.eventBus.name,
            Source: good.source,
            DetailType: good.type,
            Detail: JSON.stringify(good.detail),
          },
          { EventBusName: 'wrong', Source: good.source, DetailType: good.type, Detail: '{}' },
          { EventBusName: topology.eventBus.name, Source: good.source, DetailType: good.type },
        ],
      }),
    );
    // Assess
    expect(result.FailedEntryCount).toBe(2);
    expect(result.Entries?.[0]).toEqual({ EventId: expect.any(String) });
    expect(result.Entries?.[1]?.ErrorCode).toEqual(expect.any(String));
    expect(result.Entries?.[2]?.ErrorCode).toEqual(expect.any(String));
    const sink = envelopes(
      await receiveMessages(aws().sqs, urlIn(running.queueUrls, 'event-sink'), 1),
    );
    expect(sink.map((e) => e.detail)).toEqual([good.detail]);
    expect(sink[0]?.id).toBe(result.Entries?.[0]?.EventId);
  });

  it('refuses an operation it does not emulate', async () => {
    const running = await startEndpoint();
    await expect(running.eventBridge.send(new ListRulesCommand({}))).rejects.toMatchObject({
      name: 'UnknownOperationException',
    });
  });
});

describe('LocalAwsEndpoint: Secrets Manager', () => {
  it('answers GetSecretValue with the configured secret', async () => {
    const running = await startEndpoint();
    const result = await running.secretsManager.send(
      new GetSecretValueCommand({ SecretId: SECRET_ID }),
    );
    expect(result).toMatchObject({ Name: SECRET_ID, SecretString: ADMIN_KEY });
  });

  it('answers ResourceNotFoundException for a secret it does not have', async () => {
    const running = await startEndpoint();
    const outcome = running.secretsManager.send(
      new GetSecretValueCommand({ SecretId: 'agent-core/missing' }),
    );
    await expect(outcome).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('SecretsManagerAdminKey returns the SHA-256 of the key and caches it for five minutes', async () => {
    // Prepare
    const running = await startEndpoint();
    let now = Date.parse('2030-01-01T00:00:00Z');
    const keys = new SecretsManagerAdminKey(running.secretsManager, SECRET_ID, () => now);
    const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();
    // Act
    const first = await keys.adminKeyHash();
    running.secrets.set(SECRET_ID, 'ac_rotated_key');
    now += 5 * 60_000 - 1;
    const cached = await keys.adminKeyHash();
    now += 2;
    const refreshed = await keys.adminKeyHash();
    // Assess
    expect(first.equals(sha256(ADMIN_KEY))).toBe(true);
    expect(cached.equals(sha256(ADMIN_KEY))).toBe(true);
    expect(refreshed.equals(sha256('ac_rotated_key'))).toBe(true);
  });

  it('SecretsManagerAdminKey fails when the secret is missing', async () => {
    const running = await startEndpoint();
    const keys = new SecretsManagerAdminKey(running.secretsManager, 'agent-core/missing');
    await expect(keys.adminKeyHash()).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
