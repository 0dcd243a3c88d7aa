/** Puts events on the agent-core bus, 10 entries a call, retrying entries EventBridge refused. */
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { OutgoingEvent } from '../../events/envelope.js';
import { MicroBatcher } from '../core/micro-batch.js';
import type { EventPublisher } from '../core/ports.js';

export class EventBridgePublisher implements EventPublisher {
  private readonly batcher = new MicroBatcher<OutgoingEvent>((events) => this.putEvents(events));

  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  /** Events published in the same event-loop turn share PutEvents calls (10 entries each). */
  publish(events: OutgoingEvent[]): Promise<void> {
    return this.batcher.add(events);
  }

  private async putEvents(events: OutgoingEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 10) {
      let entries: PutEventsRequestEntry[] = events.slice(i, i + 10).map((event) => ({
        EventBusName: this.busName,
        Source: event.source,
        DetailType: event.type,
        Detail: JSON.stringify(event.detail),
        Time: new Date(event.detail.time),
      }));
      for (let attempt = 0; entries.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        const result = await this.client.send(new PutEventsCommand({ Entries: entries }));
        if (!result.FailedEntryCount) break;
        const failed = entries.filter((_, index) => result.Entries?.[index]?.ErrorCode);
        if (attempt >= 3) {
          const codes = (result.Entries ?? []).flatMap((e) => (e.ErrorCode ? [e.ErrorCode] : []));
          throw new Error(`EventBridge refused ${failed.length} event(s): ${codes.join(', ')}`);
        }
        entries = failed;
      }
    }
  }
}
