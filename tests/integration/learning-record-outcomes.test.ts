/**
 * The learning consumer (`learnFromOutcomes`) with the real insight store on dynalite: SQS
 * batches of EventBridge events become agent and strategy summaries, malformed records fail
 * alone, redelivered events count once, and an anomaly is announced as `insight.anomaly` once,
 * even when the first announcement fails.
 */
// The handler logs the records it fails; here they fail on purpose.
await vi.hoisted(async () => (await import('../helpers/quiet-logs.js')).quietLogs());

import { describe, expect, it, vi } from 'vitest';
import type { EventDefinition, OutgoingEvent } from '../../events/envelope.js';
import { taskFailed, taskSucceeded } from '../../events/task-events.js';
import {
  workflowCancelled,
  workflowFailed,
  workflowSucceeded,
} from '../../events/workflow-events.js';
import { learnFromOutcomes } from '../../functions/learning/record-outcomes.js';
import { DynamoInsightStore } from '../../shared/adapters/dynamo-insight-store.js';
import { createEvent } from '../../shared/core/events.js';
import { newId } from '../../shared/core/ids.js';
import type { LearnDeps } from '../../shared/core/learning/insight-service.js';
import { insightKey } from '../../shared/core/learning/outcome.js';
import { DEFAULT_LEARNING_CONFIG } from '../../shared/core/learning/summary.js';
import { uniqueId, useLocalAws } from '../helpers/aws-local.js';
import { FixedClock, RecordingEventPublisher } from '../helpers/in-memory.js';
import { busRecord, sqsEvent, sqsRecord } from '../helpers/lambda-events.js';

const aws = useLocalAws();

function learning() {
  const deps: LearnDeps & { events: RecordingEventPublisher; insights: DynamoInsightStore } = {
    insights: new DynamoInsightStore(aws().dynamo, aws().tableName, { anomalyRetentionDays: 30 }),
    events: new RecordingEventPublisher(),
    clock: new FixedClock('2030-06-01T00:00:00.000Z'),
    config: DEFAULT_LEARNING_CONFIG,
  };
  return { deps, handler: learnFromOutcomes(() => deps) };
}

const clock = new FixedClock('2030-05-01T00:00:00.000Z');
/** An event a second after the previous one. */
function make<D extends EventDefinition>(definition: D, data: unknown): OutgoingEvent {
  clock.advance(1_000);
  return createEvent(definition, data as never, { correlationId: 'corr-learning', clock });
}

const usage = (costUsd: number) => ({
  modelCalls: 1,
  toolCalls: 0,
  inputTokens: 1,
  outputTokens: 1,
  costUsd,
});
const success = (agentId: string, durationMs: number, costUsd = 0.001) =>
  make(taskSucceeded, { taskId: newId(), agentId, attempt: 1, durationMs, usage: usage(costUsd) });
const failure = (agentId: string) =>
  make(taskFailed, {
    taskId: newId(),
    agentId,
    attempt: 1,
    error: { code: 'MaxStepsExceeded', message: 'too many steps', retryable: false },
  });
const workflow = (
  definition: typeof workflowSucceeded | typeof workflowFailed | typeof workflowCancelled,
  chosenStrategy: string,
  extra: Record<string, unknown> = {},
) =>
  make(definition, {
    workflowId: newId(),
    name: 'pipeline',
    strategy: 'auto',
    chosenStrategy,
    steps: 4,
    durationMs: 2_000,
    costUsd: 0.01,
    quality: 0.7,
    ...extra,
  });

describe('learnFromOutcomes', () => {
  it('learns a batch per agent and per strategy, failing only its malformed records', async () => {
    // Prepare: two agents, workflows of two strategies, a cancelled workflow (not evidence),
    // and three malformed records.
    const { deps, handler } = learning();
    const a = uniqueId('calc');
    const b = uniqueId('read');
    // A strategy's summary is shared by every test on the table: count from what is there.
    const strategy = 'sequential';
    const before = (await deps.insights.get(insightKey('strategy', strategy)))?.executions ?? 0;
    const good = [
      success(a, 100, 0.002),
      success(a, 300, 0.004),
      failure(a),
      success(b, 50),
      workflow(workflowSucceeded, strategy),
      workflow(workflowFailed, strategy, {
        error: { code: 'StepFailed', message: 'x', stepId: 's1' },
      }),
      workflow(workflowCancelled, strategy),
    ];
    const notJson = sqsRecord('{"detail-type": ');
    const notAnEvent = sqsRecord(JSON.stringify({ hello: 'world' }));
    const badData = success(a, 1);
    (badData.detail.data as Record<string, unknown>).durationMs = undefined;
    const malformed = busRecord(badData);

    // Act
    const response = await handler(
      sqsEvent(
        ...[
          notJson,
          ...good.slice(0, 3).map((event) => busRecord(event)),
          notAnEvent,
          ...good.slice(3).map((event) => busRecord(event)),
          malformed,
        ],
      ),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: notJson.messageId },
      { itemIdentifier: notAnEvent.messageId },
      { itemIdentifier: malformed.messageId },
    ]);
    const agentA = await deps.insights.get(insightKey('agent', a));
    expect(agentA?.executions).toBe(3);
    expect(agentA?.window.map((e) => [e.ok, e.latencyMs, e.costUsd])).toEqual([
      [true, 100, 0.002],
      [true, 300, 0.004],
      [false, null, 0],
    ]);
    expect((await deps.insights.get(insightKey('agent', b)))?.executions).toBe(1);
    const strategySummary = await deps.insights.get(insightKey('strategy', strategy));
    expect(strategySummary?.executions).toBe(before + 2);
    expect(strategySummary?.window.slice(-2).map((e) => [e.ok, e.latencyMs, e.quality])).toEqual([
      [true, 500, 0.7],
      [false, null, 0.7],
    ]);
    expect(deps.events.events).toEqual([]);
  });

  it('counts a redelivered batch once', async () => {
    // Prepare
    const { deps, handler } = learning();
    const agent = uniqueId('again');
    const events = [success(agent, 10), success(agent, 20), failure(agent)];

    // Act: the batch with one event twice, then SQS delivers it all again.
    const first = await handler(
      sqsEvent(...[...events, events[1] as OutgoingEvent].map((event) => busRecord(event))),
    );
    const second = await handler(sqsEvent(...events.map((event) => busRecord(event))));

    // Assess
    expect([first, second]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    const summary = await deps.insights.get(insightKey('agent', agent));
    expect(summary?.executions).toBe(3);
    expect(summary?.window).toHaveLength(3);
  });

  it('announces a latency spike once as insight.anomaly and logs it', async () => {
    // Prepare: 30 steady tasks in three batches, then a slow one.
    const { deps, handler } = learning();
    const agent = uniqueId('spike');
    for (let b = 0; b < 3; b++) {
      await handler(
        sqsEvent(...Array.from({ length: 10 }, (_, i) => busRecord(success(agent, 200 + i)))),
      );
    }
    const spike = success(agent, 4_000);

    // Act: delivered, then delivered again.
    const first = await handler(sqsEvent(...[busRecord(spike)]));
    const again = await handler(sqsEvent(...[busRecord(spike)]));

    // Assess
    expect([first, again]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    expect(deps.events.types()).toEqual(['insight.anomaly']);
    expect(deps.events.events[0]?.source).toBe('agent-core.learning');
    expect(deps.events.events[0]?.detail.data).toMatchObject({
      agentId: agent,
      metric: 'latency',
      value: 4_000,
      taskId: spike.detail.data.taskId,
    });
    const summary = await deps.insights.get(insightKey('agent', agent));
    expect(summary?.anomalies).toMatchObject([{ metric: 'latency', published: true }]);
    const logged = (await deps.insights.recentAnomalies(100)).filter((x) => x.agentId === agent);
    expect(logged.map((x) => x.id)).toEqual([`${spike.detail.id}:latency`]);
  });

  it('fails the record when the announcement fails, and announces on redelivery', async () => {
    // Prepare
    const { deps, handler } = learning();
    const agent = uniqueId('retry');
    await handler(sqsEvent(...Array.from({ length: 25 }, () => busRecord(success(agent, 100)))));
    const spike = busRecord(success(agent, 9_000));
    deps.events.failWith = new Error('PutEvents throttled');

    // Act
    const first = await handler(sqsEvent(...[spike]));
    const second = await handler(sqsEvent(...[spike]));

    // Assess
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: spike.messageId }] });
    expect(second).toEqual({ batchItemFailures: [] });
    expect(deps.events.types()).toEqual(['insight.anomaly']);
    const summary = await deps.insights.get(insightKey('agent', agent));
    expect(summary?.executions).toBe(26);
    expect(summary?.anomalies).toMatchObject([{ published: true }]);
  });
});
