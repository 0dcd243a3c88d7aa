/**
 * The dashboard feed's connections and the ports it needs: where connections are kept (the
 * DynamoDB adapter is `shared/adapters/dynamo-connection-store.ts`) and how a frame reaches a
 * connection (API Gateway's PostToConnection, `shared/adapters/websocket-poster.ts`).
 */

/** A connection lives at most 2 h in API Gateway; its record expires with it unless refreshed. */
export const CONNECTION_TTL_SECONDS = 2 * 60 * 60;

/** Before its first subscribe, a connection receives every event its key may see. */
export const DEFAULT_PATTERNS: readonly string[] = ['*'];

export interface DashboardConnection {
  connectionId: string;
  /** The key's scope: `admin` or `agent:<id>`. */
  principal: string;
  /** Event-type patterns (`task.*`, `task.failed`, `*`); empty: nothing. */
  patterns: string[];
  connectedAt: string;
  /** Epoch seconds after which the record is ignored (and DynamoDB deletes it). */
  ttl: number;
  /**
   * The tasks and threads it follows (`task:<id>`, `thread:<id>`): their events come from the
   * event sink, replay first (target-feed.ts), so the type-pattern push leaves them out.
   */
  targets?: string[];
}

/** At most this many tasks and threads followed at once by one connection. */
export const MAX_TARGETS = 20;

export interface ConnectionStore {
  /** Records a new connection (or replaces one with the same id). */
  put(connection: DashboardConnection): Promise<void>;
  /**
   * Extends a connection's life to `ttl`, and replaces its patterns when given. Recreates the
   * record (with the default patterns) when it has gone, so a long-lived socket keeps its feed.
   */
  refresh(
    connectionId: string,
    fields: { principal: string; ttl: number; connectedAt: string; patterns?: string[] },
  ): Promise<void>;
  remove(connectionId: string): Promise<void>;
  get(connectionId: string): Promise<DashboardConnection | undefined>;
  /** Every connection whose ttl is after `nowSeconds`. */
  listActive(nowSeconds: number): Promise<DashboardConnection[]>;
}

/** The tasks and threads a connection follows, kept on its record (`targets`). */
export interface ConnectionTargets {
  /**
   * Adds a followed target (`task:<id>`, `thread:<id>`) and extends the connection's life. A
   * connection still on the default feed (it never chose types) stops receiving everything:
   * following a task or a thread is what it asked for.
   */
  addTarget(
    connectionId: string,
    target: string,
    fields: { principal: string; ttl: number; connectedAt: string },
  ): Promise<void>;
  removeTarget(connectionId: string, target: string): Promise<void>;
}

/** The outcome of sending one frame: API Gateway answers 410 for a connection that is gone. */
export type PostOutcome = 'sent' | 'gone';

export interface ConnectionPoster {
  post(connectionId: string, frame: string): Promise<PostOutcome>;
}
