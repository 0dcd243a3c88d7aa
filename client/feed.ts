/**
 * The live feed (API.md, "WebSocket dashboard feed"): one WebSocket that subscribes by event
 * types, or follows one task or thread with replay after an event id, and reconnects by itself
 * without losing events: a task or thread subscription asks the server to replay after the last
 * event seen (and again while the server says `more`), a type subscription fetches what it
 * missed from `GET /v1/events?after=`. Events come once each, whatever the redeliveries. Delta
 * frames (a model's answer as it is written) are passed on as they come; they are not stored,
 * so none are replayed.
 */

export interface FeedEvent {
  id: string;
  time: string;
  type: string;
  source: string;
  detail: {
    version: number;
    id: string;
    time: string;
    correlationId: string;
    data: Record<string, unknown>;
  };
}

/** A piece of a model's answer while it is written (not an event: never stored or replayed). */
export interface DeltaFrame {
  type: 'delta';
  taskId: string;
  threadId: string | null;
  text: string;
  /** The task's attempt, and the model call within it: a new call is a new answer. */
  attempt?: number;
  call?: number;
  /** The call was tried again: the text received for it so far is void. */
  reset?: boolean;
}

export type FeedFrame =
  | { type: 'event'; event: FeedEvent; truncated?: boolean }
  | DeltaFrame
  | {
      type: 'subscribed';
      types?: string[];
      taskId?: string;
      threadId?: string;
      /** Events replayed; with `more`, the replay stopped at its bound (the feed asks again). */
      replayed?: number;
      more?: boolean;
    }
  | { type: 'unsubscribed'; taskId?: string; threadId?: string }
  | { type: 'pong' }
  | { type: 'error'; message: string };

/** What to receive: event types (`task.*`, `*`), or one task's or thread's events. */
export type Subscription =
  | { types: string[] }
  | { taskId: string; after?: string | null }
  | { threadId: string; after?: string | null };

/** The part of the WebSocket API the feed uses: the browser's, or the `ws` package's. */
export interface FeedSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type FeedSocketFactory = (url: string) => FeedSocket | Promise<FeedSocket>;

export interface FeedOptions {
  /** The `ws(s)://…` URL of the feed, without the token. */
  url: string;
  apiKey: string;
  subscription: Subscription;
  /** Reconnect after a drop (default true), waiting 0.5 s, 1 s, 2 s … up to `maxBackoffMs`. */
  reconnect?: boolean;
  maxBackoffMs?: number;
  /** A ping keeps idle connections open (API Gateway closes them after 10 minutes). */
  pingIntervalMs?: number;
  /** The events after `afterId` (oldest first), for a type subscription that reconnects. */
  missedSince?: (afterId: string) => AsyncIterable<FeedEvent>;
  socket?: FeedSocketFactory;
}

/** A feed error: the server's answer to a message (`server`), or the connection failing. */
export class FeedError extends Error {
  override readonly name = 'FeedError';
  constructor(
    message: string,
    readonly kind: 'server' | 'connection',
  ) {
    super(message);
  }
}

type Listener<T> = (value: T) => void;
interface Listeners {
  /** `truncated`: the frame was cut to fit (API Gateway's 32 KB); GET /v1/events has it whole. */
  event: (event: FeedEvent, info: { truncated: boolean }) => void;
  delta: Listener<DeltaFrame>;
  subscribed: Listener<Extract<FeedFrame, { type: 'subscribed' }>>;
  error: Listener<FeedError>;
  open: Listener<void>;
  close: Listener<{ code: number; reason: string }>;
}

const OPEN = 1;
/** Event ids kept to drop duplicates: delivery is at least once. */
const SEEN_LIMIT = 5000;

/** The default socket: the platform's WebSocket, or the `ws` package in Node 20. */
async function platformSocket(url: string): Promise<FeedSocket> {
  const Native = (globalThis as { WebSocket?: new (url: string) => FeedSocket }).WebSocket;
  if (Native) return new Native(url);
  const ws = (await import('ws')) as unknown as { default: new (url: string) => FeedSocket };
  return new ws.default(url);
}

export class Feed {
  private socket: FeedSocket | undefined;
  private closed = false;
  private attempt = 0;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private lastEventId: string | undefined;
  private readonly seen = new Set<string>();
  private readonly listeners: { [K in keyof Listeners]: Set<Listeners[K]> } = {
    event: new Set(),
    delta: new Set(),
    subscribed: new Set(),
    error: new Set(),
    open: new Set(),
    close: new Set(),
  };
  /** Frames waiting for an async iterator (`for await (const frame of feed)`). */
  private readonly queue: FeedFrame[] = [];
  private wake: (() => void) | undefined;

  constructor(private readonly options: FeedOptions) {
    if ('after' in options.subscription && options.subscription.after) {
      this.lastEventId = options.subscription.after;
    }
    void this.connect();
  }

  on<K extends keyof Listeners>(name: K, listener: Listeners[K]): () => void {
    this.listeners[name].add(listener);
    return () => this.listeners[name].delete(listener);
  }

  /** Resolves once the connection is open and the subscription was sent. */
  opened(): Promise<void> {
    if (this.socket?.readyState === OPEN) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const offOpen = this.on('open', () => {
        offOpen();
        offClose();
        resolve();
      });
      const offClose = this.on('close', ({ code, reason }) => {
        if (!this.closed && this.options.reconnect !== false) return;
        offOpen();
        offClose();
        reject(new Error(`the feed closed (${code}${reason ? `: ${reason}` : ''})`));
      });
    });
  }

  /** Replaces what this feed receives (on this connection and after any reconnect). */
  subscribe(subscription: Subscription): void {
    this.options.subscription = subscription;
    this.lastEventId = 'after' in subscription ? (subscription.after ?? undefined) : undefined;
    this.sendSubscription();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.pingTimer);
    clearTimeout(this.retryTimer);
    this.socket?.close(1000, 'client closed');
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<FeedFrame> {
    while (true) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }

  private emit<K extends keyof Listeners>(name: K, ...args: Parameters<Listeners[K]>): void {
    for (const listener of this.listeners[name]) {
      (listener as (...values: Parameters<Listeners[K]>) => void)(...args);
    }
  }

  private push(frame: FeedFrame): void {
    this.queue.push(frame);
    this.wake?.();
  }

  private async connect(): Promise<void> {
    const url = new URL(this.options.url);
    url.searchParams.set('token', this.options.apiKey);
    let socket: FeedSocket;
    try {
      socket = await (this.options.socket ?? platformSocket)(url.toString());
    } catch (error) {
      this.emit('error', new FeedError((error as Error).message, 'connection'));
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onerror = () => this.emit('error', new FeedError('feed connection error', 'connection'));
    if (this.closed) {
      socket.close(1000, 'client closed');
      return;
    }
    socket.onopen = () => {
      const reconnected = this.attempt > 0;
      this.attempt = 0;
      this.sendSubscription();
      this.pingTimer = setInterval(
        () => this.send({ action: 'ping' }),
        this.options.pingIntervalMs ?? 5 * 60_000,
      );
      this.emit('open');
      if (reconnected) void this.catchUp();
    };
    socket.onmessage = (message) => this.receive(message.data);
    socket.onclose = ({ code, reason }) => {
      clearInterval(this.pingTimer);
      this.emit('close', { code, reason });
      if (this.closed) return;
      // 1008: the server refused the key; trying again cannot help.
      if (this.options.reconnect === false || code === 1008) {
        this.closed = true;
        this.wake?.();
        return;
      }
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.closed || this.options.reconnect === false) return;
    const delay = Math.min(this.options.maxBackoffMs ?? 30_000, 500 * 2 ** this.attempt);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  private send(message: unknown): void {
    if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify(message));
  }

  /** The subscription, resuming a task or thread after the last event this feed saw. */
  private sendSubscription(): void {
    const subscription = this.options.subscription;
    if ('types' in subscription) {
      this.send({ action: 'subscribe', types: subscription.types });
    } else {
      this.send({ action: 'subscribe', ...subscription, after: this.lastEventId ?? null });
    }
  }

  /** After a reconnect, a type subscription fetches the events it missed while away. */
  private async catchUp(): Promise<void> {
    const { missedSince } = this.options;
    if (!('types' in this.options.subscription) || !missedSince || !this.lastEventId) return;
    try {
      for await (const event of missedSince(this.lastEventId)) this.deliver(event, false);
    } catch (error) {
      this.emit('error', new FeedError((error as Error).message, 'connection'));
    }
  }

  private receive(data: unknown): void {
    let frame: FeedFrame;
    try {
      frame = JSON.parse(typeof data === 'string' ? data : String(data)) as FeedFrame;
    } catch {
      this.emit('error', new FeedError('the feed sent a frame that is not JSON', 'server'));
      return;
    }
    switch (frame.type) {
      case 'event':
        this.deliver(frame.event, frame.truncated === true);
        return;
      case 'delta':
        this.emit('delta', frame);
        this.push(frame);
        return;
      case 'subscribed':
        this.emit('subscribed', frame);
        this.push(frame);
        // A replay stops at its bound without going live: ask for the rest, after the last event.
        if (frame.more) this.sendSubscription();
        return;
      case 'error':
        this.emit('error', new FeedError(frame.message, 'server'));
        this.push(frame);
        return;
      default:
        return;
    }
  }

  /** Passes an event on once, whatever the redeliveries and replays. */
  private deliver(event: FeedEvent, truncated: boolean): void {
    if (this.seen.has(event.id)) return;
    this.seen.add(event.id);
    if (this.seen.size > SEEN_LIMIT) {
      this.seen.delete(this.seen.values().next().value as string);
    }
    if (!this.lastEventId || event.id > this.lastEventId) this.lastEventId = event.id;
    this.emit('event', event, { truncated });
    this.push(truncated ? { type: 'event', event, truncated } : { type: 'event', event });
  }
}
