/**
 * Pushes a batch of events to the dashboard connections that want them. Each connection gets
 * its events one after another, in event order (by time, then id); connections are served at
 * once. A connection that answers 410 (gone) is deleted and skipped for the rest of the batch;
 * any other failure fails the event's record, so the queue delivers it again (to every
 * connection: the feed is at-least-once, and clients tell events apart by id).
 */
import type { ConnectionPoster, ConnectionStore, DashboardConnection } from './connection.js';
import { eventFrame, type FeedEvent } from './frames.js';
import { wants } from './subscription.js';

export interface FanOutItem {
  /** The record the event came in (SQS message id). */
  recordId: string;
  event: FeedEvent;
}

export interface FanOutResult {
  /** Records to deliver again. */
  failed: Set<string>;
  /** Frames sent. */
  sent: number;
  /** Connections found gone (410) and deleted. */
  gone: string[];
  errors: { recordId: string; connectionId: string; error: unknown }[];
}

const byTimeThenId = (a: FanOutItem, b: FanOutItem): number =>
  a.event.time === b.event.time
    ? a.event.id.localeCompare(b.event.id)
    : a.event.time.localeCompare(b.event.time);

export async function fanOut(
  items: FanOutItem[],
  connections: DashboardConnection[],
  deps: { poster: ConnectionPoster; connections: ConnectionStore },
): Promise<FanOutResult> {
  const ordered = [...items].sort(byTimeThenId);
  const result: FanOutResult = { failed: new Set(), sent: 0, gone: [], errors: [] };
  const frames = new Map<string, string>();
  const frameOf = (item: FanOutItem) => {
    let frame = frames.get(item.recordId);
    if (frame === undefined) {
      frame = eventFrame(item.event);
      frames.set(item.recordId, frame);
    }
    return frame;
  };

  await Promise.all(
    connections.map(async (connection) => {
      for (const item of ordered) {
        if (!wants(connection, item.event)) continue;
        try {
          const outcome = await deps.poster.post(connection.connectionId, frameOf(item));
          if (outcome === 'sent') {
            result.sent++;
            continue;
          }
          result.gone.push(connection.connectionId);
        } catch (error) {
          result.failed.add(item.recordId);
          result.errors.push({
            recordId: item.recordId,
            connectionId: connection.connectionId,
            error,
          });
          continue;
        }
        // Gone: forget it; a failure to delete only means the next batch finds it gone again.
        try {
          await deps.connections.remove(connection.connectionId);
        } catch (error) {
          result.errors.push({
            recordId: item.recordId,
            connectionId: connection.connectionId,
            error,
          });
        }
        return;
      }
    }),
  );
  return result;
}
