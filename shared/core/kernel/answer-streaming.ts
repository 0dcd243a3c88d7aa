/**
 * Streamed answers: while a task's model answers, the connections following the task (or its
 * thread) get `delta` frames with the text as it is written. Before each model call the worker
 * looks once for followers (one query on the task's partition, one more for a thread's turn);
 * with none, or with a provider that cannot stream, the call is made as it would be without
 * this, and nothing is posted. Deltas are not events: never stored, never on the bus. Nothing
 * here can fail the task: a failed lookup means no streaming, a failed post is only reported.
 */
import type { ConnectionPoster } from '../dashboard/connection.js';
import {
  type DeltaBatch,
  DeltaBatcher,
  realTimers,
  type Timers,
} from '../dashboard/delta-batcher.js';
import type { FeedTarget } from '../dashboard/feed-target.js';
import { deltaFrame } from '../dashboard/frames.js';
import type { TargetSubscriptionStore } from '../dashboard/target-subscription.js';
import type { Clock } from '../ports.js';
import type { ModelProvider, ModelRequest, ModelResponse } from './model-provider.js';

const MAX_DELTA_CHARS = 7_000;

export interface AnswerStreamingDeps {
  subscriptions: Pick<TargetSubscriptionStore, 'list'>;
  poster: ConnectionPoster;
  clock: Clock;
  timers?: Timers;
  /** Told of a lookup or a post that failed (the task goes on regardless). */
  onError?: (error: unknown, what: string) => void;
}

export interface StreamedTask {
  id: string;
  agentId: string;
  threadId: string | null;
  attempt: number;
}

/** The connections following a task or its thread that its key scope lets see the task. */
export async function followersOf(
  subscriptions: Pick<TargetSubscriptionStore, 'list'>,
  task: Pick<StreamedTask, 'id' | 'agentId' | 'threadId'>,
  nowSeconds: number,
): Promise<string[]> {
  const targets: FeedTarget[] = [{ kind: 'task', id: task.id }];
  if (task.threadId) targets.push({ kind: 'thread', id: task.threadId });
  const found = await Promise.all(
    targets.map((target) => subscriptions.list(target, nowSeconds, false)),
  );
  const connections = new Set<string>();
  for (const subscription of found.flat()) {
    const { principal } = subscription;
    if (principal === 'admin' || principal === `agent:${task.agentId}`) {
      connections.add(subscription.connectionId);
    }
  }
  return [...connections];
}

/** A provider whose calls stream to the task's followers, when there are any. */
export class StreamingModel implements ModelProvider {
  readonly name: string;
  readonly canStream: boolean;
  private calls = 0;
  private batcher: DeltaBatcher | undefined;
  private audience = new Set<string>();

  constructor(
    private readonly inner: ModelProvider,
    private readonly deps: AnswerStreamingDeps,
    private readonly task: StreamedTask,
  ) {
    this.name = inner.name;
    this.canStream = inner.canStream === true;
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    const call = this.calls++;
    if (!this.canStream) return this.inner.complete(request);
    await this.findAudience();
    if (this.audience.size === 0) return this.inner.complete(request);

    this.batcher ??= new DeltaBatcher((batch) => this.post(batch), this.deps.timers ?? realTimers);
    const batcher = this.batcher;
    batcher.startCall(call);
    let response: ModelResponse;
    try {
      response = await this.inner.complete({
        ...request,
        stream: { text: (chunk) => batcher.push(chunk), restart: () => batcher.restart() },
      });
    } catch (error) {
      batcher.discard();
      throw error;
    }
    await batcher.close();
    return response;
  }

  private async findAudience(): Promise<void> {
    const nowSeconds = Math.floor(this.deps.clock.now().getTime() / 1000);
    try {
      this.audience = new Set(await followersOf(this.deps.subscriptions, this.task, nowSeconds));
    } catch (error) {
      this.deps.onError?.(error, 'looking up the followers of a task');
      this.audience = new Set();
    }
  }

  private async post(batch: DeltaBatch): Promise<void> {
    // A frame stays under API Gateway's 32 KB however fast the model wrote: pieces of at most
    // 7,000 characters (4 bytes each at worst, with the frame's other fields).
    const pieces: string[] = [];
    for (let i = 0; i < batch.text.length; i += MAX_DELTA_CHARS) {
      pieces.push(batch.text.slice(i, i + MAX_DELTA_CHARS));
    }
    const frames = pieces.map((text, i) =>
      deltaFrame({
        taskId: this.task.id,
        threadId: this.task.threadId,
        text,
        attempt: this.task.attempt,
        call: batch.call,
        ...(batch.reset && i === 0 ? { reset: true } : {}),
      }),
    );
    await Promise.all(
      [...this.audience].map(async (connectionId) => {
        try {
          for (const frame of frames) {
            if ((await this.deps.poster.post(connectionId, frame)) === 'gone') {
              this.audience.delete(connectionId);
              return;
            }
          }
        } catch (error) {
          this.deps.onError?.(error, 'sending a delta');
        }
      }),
    );
  }
}
