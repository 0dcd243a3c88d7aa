/**
 * The fault suite's model: an OpenAI-compatible Chat Completions server in the suite's own
 * process, so that every model call is a side effect counted outside the runtime. A call is
 * known by the marker in its prompt (`fault-marker:<key>`); it answers `done <key>` after a short
 * seeded delay (so a kill can land mid-call), and the `flaky` model fails a seeded share of calls
 * with 503 (a retryable error: the task's attempt fails and is retried).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const MARKER = /fault-marker:([A-Za-z0-9/_-]+)/;

export interface ModelCall {
  key: string | null;
  model: string;
  at: number;
  failed: boolean;
}

export class FaultModelServer {
  readonly calls: ModelCall[] = [];
  private readonly server: Server;

  constructor(
    private readonly random: () => number,
    private readonly options: { failShare: number; maxDelayMs: number },
  ) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const at = Date.now();
        let body: { model?: string; messages?: { content?: unknown }[] } = {};
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          // answered below as a call without a marker
        }
        const prompt = JSON.stringify(body.messages ?? []);
        const key = MARKER.exec(prompt)?.[1] ?? null;
        const model = body.model ?? '';
        const failed = model === 'flaky' && this.random() < this.options.failShare;
        this.calls.push({ key, model, at, failed });
        const delay = Math.floor(this.random() * this.options.maxDelayMs);
        setTimeout(() => {
          if (failed) {
            res.writeHead(503, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: { message: 'injected: overloaded' } }));
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              id: `chatcmpl-${this.calls.length}`,
              object: 'chat.completion',
              created: Math.floor(at / 1000),
              model,
              choices: [
                {
                  index: 0,
                  message: { role: 'assistant', content: `done ${key ?? 'unmarked'}` },
                  finish_reason: 'stop',
                },
              ],
              usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
            }),
          );
        }, delay);
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** Calls that reached the server for one marker key. */
  callsFor(key: string): ModelCall[] {
    return this.calls.filter((c) => c.key === key);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
