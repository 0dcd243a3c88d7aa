/**
 * The seam through which `npm run cost` counts what each AWS call would be billed: the local
 * runtime installs a meter on `globalThis` before it loads the handlers, and every client built
 * in this folder is handed to it. Nothing installs one in Lambda, so there this is one property
 * read per client, at its creation.
 */

/** What the meter needs of a client: its middleware stack (every SDK v3 client has one). */
export interface MeterableClient {
  middlewareStack: { add: (...args: never[]) => unknown };
}

export interface ClientMeter {
  /** Adds the meter's middleware to the client; `service` names it in the bill. */
  attach(client: MeterableClient, service: string): void;
}

const METER_KEY = Symbol.for('agent-core.client-meter');

type WithMeter = typeof globalThis & { [METER_KEY]?: ClientMeter };

export function installClientMeter(meter: ClientMeter | undefined): void {
  (globalThis as WithMeter)[METER_KEY] = meter;
}

/** The client itself, metered when a meter is installed. */
export function metered<T extends MeterableClient>(client: T, service: string): T {
  (globalThis as WithMeter)[METER_KEY]?.attach(client, service);
  return client;
}
