/**
 * A WebSocket client of the dashboard feed for e2e tests: keeps every frame it receives and
 * waits, with a bound, for the frames a test expects.
 */
import WebSocket from 'ws';

export interface Frame {
  type: string;
  [key: string]: any;
}

/** A connected client that keeps every frame it receives and can wait for the next matching one. */
export class FeedClient {
  readonly frames: Frame[] = [];
  private waiters: (() => void)[] = [];

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Waits until `count` frames pass `filter`, and returns them in arrival order. */
  async waitFor(
    filter: (frame: Frame) => boolean,
    count = 1,
    timeoutMs = 15_000,
  ): Promise<Frame[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.filter(filter);
      if (found.length >= count) return found;
      if (Date.now() > deadline) {
        throw new Error(`timed out; frames so far: ${JSON.stringify(this.frames).slice(0, 2000)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** Opens a connection to `url`; resolves with the client, or rejects with the refused status. */
export function openFeed(url: string): Promise<FeedClient> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const client = new FeedClient(socket);
    socket.once('open', () => resolve(client));
    socket.once('unexpected-response', (_req, res) =>
      reject(Object.assign(new Error(`refused: ${res.statusCode}`), { status: res.statusCode })),
    );
    socket.once('error', reject);
  });
}
