/**
 * Batches a streamed answer into `delta` frames: at most one frame per interval (250 ms) per
 * task attempt, the first chunk at once, the rest gathered until the interval allows the next.
 * One batcher serves every model call of an attempt (frames name their call), so the rate holds
 * across calls; `close()` ends a call, sending what is left as soon as the rate allows.
 * Sends happen one after another, in order; a send that fails is the sender's to report.
 */

export const DELTA_INTERVAL_MS = 250;

/** Time and timers, given so that tests can drive them. */
export interface Timers {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => performance.now(),
  setTimeout: (run, ms) => {
    const timer = setTimeout(run, ms);
    // A pending frame never keeps a process alive; close() awaits what must go.
    timer.unref?.();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface DeltaBatch {
  text: string;
  /** The model call the text belongs to. */
  call: number;
  /** The call was restarted since its last frame: the client drops the text it had for it. */
  reset: boolean;
}

export class DeltaBatcher {
  private pending = '';
  private call = 0;
  private resetNext = false;
  /** Whether a frame went out for the current call (a restart then needs to say so). */
  private sentInCall = false;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private timer: unknown;
  private timerFired: (() => void) | undefined;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly send: (batch: DeltaBatch) => Promise<void>,
    private readonly timers: Timers = realTimers,
    private readonly intervalMs = DELTA_INTERVAL_MS,
  ) {}

  /** The next text belongs to this model call. */
  startCall(call: number): void {
    this.call = call;
    this.sentInCall = false;
    this.resetNext = false;
  }

  push(text: string): void {
    if (!text) return;
    this.pending += text;
    this.schedule();
  }

  /** The call starts over: what waits is dropped, and the next frame says `reset` if any went. */
  restart(): void {
    this.pending = '';
    if (this.sentInCall) this.resetNext = true;
    this.sentInCall = false;
  }

  /** Drops what waits (the call failed): nothing more goes for it. */
  discard(): void {
    this.pending = '';
    this.cancelTimer();
  }

  /** The call ended: sends what is left once the rate allows, and resolves when all is sent. */
  async close(): Promise<void> {
    if (this.pending) {
      const fired = this.timer === undefined ? undefined : this.waitForTimer();
      if (fired) await fired;
      else this.flush();
    }
    await this.sending;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const wait = this.lastSentAt + this.intervalMs - this.timers.now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.flush();
      const fired = this.timerFired;
      this.timerFired = undefined;
      fired?.();
    }, wait);
  }

  private waitForTimer(): Promise<void> {
    return new Promise((resolve) => {
      const before = this.timerFired;
      this.timerFired = () => {
        before?.();
        resolve();
      };
    });
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const fired = this.timerFired;
    this.timerFired = undefined;
    fired?.();
  }

  private flush(): void {
    if (!this.pending) return;
    const batch: DeltaBatch = { text: this.pending, call: this.call, reset: this.resetNext };
    this.pending = '';
    this.resetNext = false;
    this.sentInCall = true;
    this.lastSentAt = this.timers.now();
    this.sending = this.sending.then(() => this.send(batch)).catch(() => undefined);
  }
}
