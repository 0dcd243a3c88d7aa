/**
 * Streamed answers in memory: the delta batcher on a clock the test moves (at most one frame per
 * 250 ms, the first at once, the rest when the call ends), and the streaming provider around a
 * model (no followers: no stream, no posts; followers: their deltas add up to the answer; a
 * failed lookup or post never fails the call), and the router's restart on a retry.
 */
import { describe, expect, it } from 'vitest';
import { type DeltaBatch, DeltaBatcher } from '../../shared/core/dashboard/delta-batcher.js';
import { StreamingModel } from '../../shared/core/kernel/answer-streaming.js';
import type {
  ModelProvider,
  ModelRequest,
  ModelResponse,
} from '../../shared/core/kernel/model-provider.js';
import { CircuitBreakers } from '../../shared/core/models/circuit-breaker.js';
import { ModelCallError } from '../../shared/core/models/model-error.js';
import { PriceTable } from '../../shared/core/models/prices.js';
import { RoutedModel } from '../../shared/core/models/router.js';
import { ManualTimers, MemorySubscriptions, RecordingPoster } from '../helpers/feed-fakes.js';
import { FixedClock } from '../helpers/in-memory.js';

function batcherWorld() {
  const timers = new ManualTimers();
  const sent: (DeltaBatch & { at: number })[] = [];
  const batcher = new DeltaBatcher(
    async (batch) => {
      sent.push({ ...batch, at: timers.now() });
    },
    timers,
    250,
  );
  return { timers, sent, batcher };
}

describe('DeltaBatcher', () => {
  it('sends the first chunk at once, then at most one frame per 250 ms', async () => {
    const { timers, sent, batcher } = batcherWorld();
    batcher.startCall(0);
    batcher.push('a');
    await timers.advance(0);
    expect(sent.map((s) => [s.at, s.text])).toEqual([[0, 'a']]);
    // Chunks every 40 ms for a second.
    for (let t = 40; t <= 1000; t += 40) {
      await timers.advance(40);
      batcher.push(`${t} `);
    }
    const closing = batcher.close();
    await timers.advance(250);
    await closing;
    const gaps = sent.slice(1).map((s, i) => s.at - (sent[i]?.at ?? 0));
    expect(gaps.every((gap) => gap >= 250)).toBe(true);
    // 0, 250 … 1000 while chunks come, and the rest at 1250 once the call has ended.
    expect(sent.map((s) => s.at)).toEqual([0, 250, 500, 750, 1000, 1250]);
    // Nothing lost, nothing repeated, in order.
    const expected = ['a', ...Array.from({ length: 25 }, (_, i) => `${(i + 1) * 40} `)].join('');
    expect(sent.map((s) => s.text).join('')).toBe(expected);
  });

  it('ends a call with what is left as soon as the rate allows, and resolves when it is sent', async () => {
    const { timers, sent, batcher } = batcherWorld();
    batcher.startCall(0);
    batcher.push('first');
    await timers.advance(0);
    await timers.advance(100);
    batcher.push(' rest');
    let closed = false;
    const closing = batcher.close().then(() => {
      closed = true;
    });
    await timers.advance(100);
    expect(closed).toBe(false);
    await timers.advance(50);
    await closing;
    expect(sent.map((s) => [s.at, s.text])).toEqual([
      [0, 'first'],
      [250, ' rest'],
    ]);
  });

  it('keeps the rate across calls, names each frame’s call, and marks a restart', async () => {
    const { timers, sent, batcher } = batcherWorld();
    batcher.startCall(0);
    batcher.push('tool first');
    await batcher.close();
    batcher.startCall(1);
    batcher.push('draft');
    await timers.advance(300);
    // The call is tried again: the text it sent is void, what waits is dropped.
    batcher.push(' dropped');
    batcher.restart();
    batcher.push('answer');
    await timers.advance(300);
    await batcher.close();
    expect(sent.map(({ call, text, reset }) => ({ call, text, reset }))).toEqual([
      { call: 0, text: 'tool first', reset: false },
      { call: 1, text: 'draft', reset: false },
      { call: 1, text: 'answer', reset: true },
    ]);
    expect(sent[1]!.at - sent[0]!.at).toBeGreaterThanOrEqual(250);
  });

  it('discards what waits when a call fails', async () => {
    const { timers, sent, batcher } = batcherWorld();
    batcher.startCall(0);
    batcher.push('a');
    batcher.push('b');
    batcher.discard();
    await timers.advance(1000);
    await batcher.close();
    expect(sent.map((s) => s.text)).toEqual(['a']);
  });
});

/** A provider that streams its answer in the chunks given, or answers whole when not asked to. */
class ChunkedModel implements ModelProvider {
  readonly name = 'chunked';
  readonly canStream = true;
  readonly requests: ModelRequest[] = [];
  constructor(
    private readonly chunks: string[],
    private readonly failAfter?: number,
  ) {}
  async complete(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push(request);
    for (const [i, chunk] of this.chunks.entries()) {
      if (i === this.failAfter) throw new ModelCallError('cut', 'network', true);
      request.stream?.text(chunk);
    }
    return {
      text: this.chunks.join(''),
      toolCalls: [],
      stopReason: 'end_turn',
      usage: { inputTokens: 3, outputTokens: 4, costUsd: 0 },
    };
  }
}

const TASK = { id: '01JTASK0000000000000000000', agentId: 'alice', threadId: null, attempt: 2 };
const request = (): ModelRequest => ({
  messages: [{ role: 'user', content: 'hi' }],
  tools: [],
  maxTokens: 10,
  signal: new AbortController().signal,
});

async function follow(
  subscriptions: MemorySubscriptions,
  connectionId: string,
  principal = 'admin',
) {
  await subscriptions.put({
    target: { kind: 'task', id: TASK.id },
    connectionId,
    principal,
    generation: 'g',
    phase: 'live',
    ttl: Math.floor(Date.parse('2030-01-01') / 1000),
  });
}

function streamingWorld(inner: ModelProvider) {
  const subscriptions = new MemorySubscriptions();
  const poster = new RecordingPoster();
  const errors: string[] = [];
  const model = new StreamingModel(
    inner,
    {
      subscriptions,
      poster,
      clock: new FixedClock(),
      onError: (_error, what) => errors.push(what),
    },
    TASK,
  );
  return { subscriptions, poster, errors, model };
}

describe('StreamingModel', () => {
  it('with nobody following, asks for no stream and posts nothing', async () => {
    const inner = new ChunkedModel(['a', 'b']);
    const { poster, model } = streamingWorld(inner);
    const response = await model.complete(request());
    expect(inner.requests[0]?.stream).toBeUndefined();
    expect(poster.frames).toEqual([]);
    expect(response.text).toBe('ab');
  });

  it('sends deltas to the followers its key scope allows; they add up to the answer', async () => {
    const inner = new ChunkedModel(['The ', 'answer ', 'is 5.']);
    const { subscriptions, poster, model } = streamingWorld(inner);
    await follow(subscriptions, 'admin-conn');
    await follow(subscriptions, 'alice-conn', 'agent:alice');
    await follow(subscriptions, 'bob-conn', 'agent:bob');
    const response = await model.complete(request());
    for (const connectionId of ['admin-conn', 'alice-conn']) {
      const deltas = poster.framesOf(connectionId);
      expect(deltas.every((d) => d.type === 'delta' && d.taskId === TASK.id)).toBe(true);
      expect(deltas[0]).toMatchObject({ threadId: null, attempt: 2, call: 0 });
      expect(deltas.map((d) => d.text).join('')).toBe(response.text);
    }
    expect(poster.framesOf('bob-conn')).toEqual([]);
  });

  it('never fails the call for a failed lookup or a failed post', async () => {
    const inner = new ChunkedModel(['x', 'y']);
    const { subscriptions, poster, errors, model } = streamingWorld(inner);
    subscriptions.failLists = true;
    expect((await model.complete(request())).text).toBe('xy');
    expect(inner.requests[0]?.stream).toBeUndefined();
    subscriptions.failLists = false;
    await follow(subscriptions, 'c1');
    poster.failing.add('c1');
    expect((await model.complete(request())).text).toBe('xy');
    expect(errors[0]).toBe('looking up the followers of a task');
    expect(errors.slice(1).length).toBeGreaterThan(0);
    expect(errors.slice(1).every((what) => what === 'sending a delta')).toBe(true);
  });

  it('does not look for followers when the model cannot stream', async () => {
    const inner: ModelProvider = {
      name: 'echo',
      complete: async () => ({
        text: 'e',
        toolCalls: [],
        stopReason: 'end_turn',
        usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
      }),
    };
    const { subscriptions, model } = streamingWorld(inner);
    await model.complete(request());
    expect(subscriptions.lists).toBe(0);
  });
});

describe('RoutedModel and streams', () => {
  it('restarts the stream before it tries again, and streams when any target can', async () => {
    const flaky = new ChunkedModel(['lost '], 1);
    // First try: 'lost ' then a failure at the second chunk; retried, it fails the same way.
    const flakyTwice = Object.assign(new ChunkedModel(['lost ', 'x'], 1), { name: 'flaky' });
    const steady = Object.assign(new ChunkedModel(['kept']), { name: 'steady' });
    const routed = new RoutedModel([flakyTwice, steady], {
      route: 'r',
      breakers: new CircuitBreakers({ failureThreshold: 5, cooldownMs: 1000 }),
      retry: { attempts: 2, baseDelayMs: 0 },
      prices: new PriceTable(),
      sleep: async () => undefined,
    });
    expect(routed.canStream).toBe(true);
    const events: string[] = [];
    const response = await routed.complete({
      ...request(),
      stream: { text: (t) => events.push(t), restart: () => events.push('<restart>') },
    });
    expect(response.text).toBe('kept');
    expect(events).toEqual(['lost ', '<restart>', 'lost ', '<restart>', 'kept']);
    expect(flaky.canStream).toBe(true);
  });
});
