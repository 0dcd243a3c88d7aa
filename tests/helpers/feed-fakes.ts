/**
 * In-memory stand-ins for the live feed's ports (subscriptions and claims, a connection's
 * targets, traces read forward, a poster that records frames) and timers a test drives by hand.
 * They keep the adapters' contracts: a claim succeeds once, `goLive` only for its generation.
 */
import type {
  ConnectionPoster,
  ConnectionTargets,
  PostOutcome,
} from '../../shared/core/dashboard/connection.js';
import type { Timers } from '../../shared/core/dashboard/delta-batcher.js';
import type { FeedTarget } from '../../shared/core/dashboard/feed-target.js';
import { targetKey } from '../../shared/core/dashboard/feed-target.js';
import type {
  TargetSubscription,
  TargetSubscriptionStore,
} from '../../shared/core/dashboard/target-subscription.js';
import type { TraceEntry, TraceOwner, TraceReplay } from '../../shared/core/ports.js';

export class MemorySubscriptions implements TargetSubscriptionStore {
  readonly items = new Map<string, TargetSubscription>();
  readonly claims = new Set<string>();
  until = 0;
  /** Calls of `list`, to count lookups. */
  lists = 0;
  failLists = false;

  async markActive(untilSeconds: number): Promise<void> {
    this.until = Math.max(this.until, untilSeconds);
  }
  async anyActive(nowSeconds: number): Promise<boolean> {
    return this.until > nowSeconds;
  }
  async put(subscription: TargetSubscription): Promise<void> {
    this.items.set(`${targetKey(subscription.target)}/${subscription.connectionId}`, {
      ...subscription,
    });
  }
  async goLive(target: FeedTarget, connectionId: string, generation: string): Promise<boolean> {
    const item = this.items.get(`${targetKey(target)}/${connectionId}`);
    if (item?.generation !== generation) return false;
    item.phase = 'live';
    return true;
  }
  async list(target: FeedTarget, nowSeconds: number): Promise<TargetSubscription[]> {
    this.lists++;
    if (this.failLists) throw new Error('lookup failed');
    return [...this.items.values()]
      .filter((s) => targetKey(s.target) === targetKey(target) && s.ttl > nowSeconds)
      .map((s) => ({ ...s }));
  }
  async remove(target: FeedTarget, connectionId: string): Promise<void> {
    this.items.delete(`${targetKey(target)}/${connectionId}`);
  }
  async claim(connectionId: string, eventId: string): Promise<boolean> {
    const key = `${connectionId}/${eventId}`;
    if (this.claims.has(key)) return false;
    this.claims.add(key);
    return true;
  }
  async release(connectionId: string, eventId: string): Promise<void> {
    this.claims.delete(`${connectionId}/${eventId}`);
  }
}

export class MemoryTargets implements ConnectionTargets {
  readonly byConnection = new Map<string, Set<string>>();
  async addTarget(connectionId: string, target: string): Promise<void> {
    const set = this.byConnection.get(connectionId) ?? new Set();
    set.add(target);
    this.byConnection.set(connectionId, set);
  }
  async removeTarget(connectionId: string, target: string): Promise<void> {
    this.byConnection.get(connectionId)?.delete(target);
  }
}

/**
 * Traces in memory. `duringRead` runs after a read has taken its snapshot and before it answers:
 * what it records is what a real read, already under way, would not see.
 */
export class MemoryTraces implements TraceReplay {
  readonly entries = new Map<string, TraceEntry[]>();
  duringRead: ((read: number) => Promise<void>) | undefined;
  reads = 0;

  add(owner: TraceOwner, entry: TraceEntry): void {
    const key = targetKey(owner);
    this.entries.set(key, [...(this.entries.get(key) ?? []), entry]);
  }

  async listAfter(owner: TraceOwner, after: string | null, limit: number): Promise<TraceEntry[]> {
    const snapshot = [...(this.entries.get(targetKey(owner)) ?? [])]
      .sort((a, b) => a.eventId.localeCompare(b.eventId))
      .filter((e) => after === null || e.eventId > after)
      .slice(0, limit);
    await this.duringRead?.(this.reads++);
    return snapshot;
  }
}

export class RecordingPoster implements ConnectionPoster {
  readonly frames: { connectionId: string; frame: any }[] = [];
  gone = new Set<string>();
  failing = new Set<string>();
  async post(connectionId: string, frame: string): Promise<PostOutcome> {
    if (this.gone.has(connectionId)) return 'gone';
    if (this.failing.has(connectionId)) throw new Error('post failed');
    this.frames.push({ connectionId, frame: JSON.parse(frame) });
    return 'sent';
  }
  framesOf(connectionId: string): any[] {
    return this.frames.filter((f) => f.connectionId === connectionId).map((f) => f.frame);
  }
}

/** Timers that move only when told: `advance(ms)` runs what falls due, in order. */
export class ManualTimers implements Timers {
  private current = 0;
  private next = 1;
  private readonly pending = new Map<number, { at: number; run: () => void }>();

  now(): number {
    return this.current;
  }
  setTimeout(run: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.current + ms, run });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  async advance(ms: number): Promise<void> {
    const end = this.current + ms;
    for (;;) {
      const due = [...this.pending.entries()]
        .filter(([, t]) => t.at <= end)
        .sort(([, a], [, b]) => a.at - b.at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.current = due[1].at;
      due[1].run();
      await Promise.resolve();
    }
    this.current = end;
    // Let sends started by the timers settle.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
}
