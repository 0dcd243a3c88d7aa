/**
 * Message delivery, end to end on the local runtime: starts `npm start`, registers a sender and a
 * recipient, sends N messages over HTTP and polls the recipient's inbox, measuring send→inbox
 * latency two ways: as a client sees it (request start → first poll that lists the message; the
 * poll interval adds up to BENCH_POLL_MS) and as the server recorded it (sentAt → deliveredAt).
 *   npx tsx bench/message-delivery.ts [messages=200] [concurrency=4]
 */
import { type RuntimeHandle, removeDataDir, startRuntime } from '../tests/helpers/runtime.js';
import { percentile } from './stats.js';

export interface MessageDeliveryFigures {
  messages: number;
  concurrency: number;
  messagesPerSecond: number;
  /** Request start → the message is listed in the inbox (client clock). */
  sendToInboxMs: { p50: number; p99: number; max: number };
  /** sentAt → deliveredAt, from the inbox items (server clock). */
  sentToDeliveredMs: { p50: number; p99: number; max: number };
  /** POST /v1/messages round trip. */
  sendRequestMs: { p50: number; p99: number };
}

const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 10);
const OVERLAP_MS = 1000;

export async function benchMessageDelivery(
  messages = 200,
  concurrency = 4,
): Promise<MessageDeliveryFigures> {
  const runtime = await startRuntime({
    env: {
      AGENT_CORE_LOG_LEVEL: 'ERROR',
      // The bench measures delivery, not the per-sender rate limit.
      AGENT_CORE_MESSAGES_PER_MINUTE: String(Math.max(60, messages * 10)),
    },
  });
  try {
    await register(runtime, { id: 'bench-sender', model: { provider: 'echo' } });
    await register(runtime, {
      id: 'bench-inbox',
      model: { provider: 'echo' },
      acceptsMessagesFrom: ['bench-sender'],
    });
    // Warm up: the first requests compile handlers and open connections.
    const warm = new Set((await sendAll(runtime, 10, 2, 'warm')).map((m) => m.id));
    await pollInbox(runtime, warm);

    const started = performance.now();
    const polled = pollInbox(runtime, undefined, warm, messages);
    const sent = await sendAll(runtime, messages, concurrency, 'bench');
    const seen = await polled;
    const wallSeconds = (performance.now() - started) / 1000;

    const sendToInbox: number[] = [];
    const sentToDelivered: number[] = [];
    for (const message of sent) {
      const observed = seen.get(message.id);
      if (!observed) throw new Error(`message ${message.id} never reached the inbox`);
      sendToInbox.push(observed.seenAt - message.startedAt);
      sentToDelivered.push(Date.parse(observed.deliveredAt) - Date.parse(observed.sentAt));
    }
    const requestMs = sent.map((m) => m.requestMs);
    return {
      messages,
      concurrency,
      messagesPerSecond: Math.round(messages / wallSeconds),
      sendToInboxMs: summary(sendToInbox),
      sentToDeliveredMs: summary(sentToDelivered),
      sendRequestMs: {
        p50: round(percentile(requestMs, 50)),
        p99: round(percentile(requestMs, 99)),
      },
    };
  } finally {
    await runtime.stop();
    removeDataDir(runtime.dataDir);
  }
}

async function register(runtime: RuntimeHandle, agent: Record<string, unknown>): Promise<void> {
  const response = await runtime.api('POST', '/v1/agents', agent);
  if (response.status !== 201) {
    throw new Error(
      `registering ${agent.id} answered ${response.status}: ${JSON.stringify(response.body)}`,
    );
  }
}

interface Sent {
  id: string;
  startedAt: number;
  requestMs: number;
}

async function sendAll(
  runtime: RuntimeHandle,
  count: number,
  concurrency: number,
  label: string,
): Promise<Sent[]> {
  const sent: Sent[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const startedAt = performance.now();
        const response = await runtime.api('POST', '/v1/messages', {
          from: 'bench-sender',
          to: 'bench-inbox',
          subject: label,
          body: { i },
        });
        if (response.status !== 202) {
          throw new Error(`send answered ${response.status}: ${JSON.stringify(response.body)}`);
        }
        sent.push({ id: response.body.id, startedAt, requestMs: performance.now() - startedAt });
      }
    }),
  );
  return sent;
}

interface Seen {
  seenAt: number;
  sentAt: string;
  deliveredAt: string;
}

/**
 * Polls the inbox as a careful consumer would: `since` a second before the last delivery seen
 * (deliveries racing within a few milliseconds may land out of order), every page of it, new ids
 * only; until `wanted` are all seen, or `count` new messages are; bounded by two minutes.
 */
async function pollInbox(
  runtime: RuntimeHandle,
  wanted: Set<string> | undefined,
  ignore: Set<string> = new Set(),
  count = wanted?.size ?? 0,
): Promise<Map<string, Seen>> {
  const seen = new Map<string, Seen>();
  const deadline = Date.now() + 120_000;
  let since: string | undefined;
  while (Date.now() < deadline) {
    let cursor: string | undefined;
    let latest = since ? Date.parse(since) + OVERLAP_MS : 0;
    do {
      const query = new URLSearchParams({ limit: '100' });
      if (since) query.set('since', since);
      if (cursor) query.set('cursor', cursor);
      const page = await runtime.api('GET', `/v1/agents/bench-inbox/inbox?${query}`);
      if (page.status !== 200) throw new Error(`inbox answered ${page.status}`);
      const now = performance.now();
      for (const item of page.body.items) {
        latest = Math.max(latest, Date.parse(item.deliveredAt));
        if (seen.has(item.id) || ignore.has(item.id)) continue;
        seen.set(item.id, { seenAt: now, sentAt: item.sentAt, deliveredAt: item.deliveredAt });
      }
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    const done = wanted ? [...wanted].every((id) => seen.has(id)) : seen.size >= count;
    if (done) return seen;
    if (latest > 0) since = new Date(latest - OVERLAP_MS).toISOString();
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`only ${seen.size} of ${count} messages reached the inbox within 2 minutes`);
}

const round = (n: number) => Math.round(n * 10) / 10;
const summary = (values: number[]) => ({
  p50: round(percentile(values, 50)),
  p99: round(percentile(values, 99)),
  max: round(Math.max(...values)),
});

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await benchMessageDelivery(
    Number(process.argv[2] ?? 200),
    Number(process.argv[3] ?? 4),
  );
  console.log(JSON.stringify(figures, null, 2));
}
