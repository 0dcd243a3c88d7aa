/** Which events are audit entries, and how they read as "who did what to what". */
import type { BusEvent } from '../../events/envelope.js';
import type { AuditEntry } from './ports.js';

export function auditEntryOf(event: BusEvent): AuditEntry | undefined {
  const data = event.detail.data;
  switch (event['detail-type']) {
    case 'tool.denied':
      return {
        eventId: event.detail.id,
        time: event.detail.time,
        actor: `agent:${String(data.agentId)}`,
        action: 'tool.denied',
        target: `tool:${String(data.tool)}`,
        outcome: 'denied',
        detail: data,
      };
    case 'security.denied':
      return {
        eventId: event.detail.id,
        time: event.detail.time,
        actor: String(data.principal),
        action: `${String(data.action)}`,
        target: String(data.resource),
        outcome: 'denied',
        detail: data,
      };
    case 'security.key-created':
    case 'security.key-revoked':
      return {
        eventId: event.detail.id,
        time: event.detail.time,
        actor: String(data.by),
        action: event['detail-type'],
        target: `key:${String(data.keyId)}`,
        outcome: 'allowed',
        detail: data,
      };
    case 'memory.granted':
    case 'memory.revoked':
      return {
        eventId: event.detail.id,
        time: event.detail.time,
        actor: String(data.by),
        action: event['detail-type'],
        target: `memory:${String(data.agentId)}/${String(data.namespace)}`,
        outcome: 'allowed',
        detail: data,
      };
    default:
      return undefined;
  }
}
