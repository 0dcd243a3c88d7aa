/** Which events are audit entries, and how they read as "who did what to what". */
import type { BusEvent } from '../../events/envelope.js';
import type { AuditEntry } from './ports.js';

/** Changes made through the API, each audited with the caller (event `actor`) and its key. */
const MUTATIONS: Record<string, (data: Record<string, unknown>) => string | undefined> = {
  'agent.registered': (d) => `agent:${String(d.agentId)}`,
  'agent.updated': (d) => `agent:${String(d.agentId)}`,
  'agent.paused': (d) => `agent:${String(d.agentId)}`,
  'agent.resumed': (d) => `agent:${String(d.agentId)}`,
  'agent.retired': (d) => `agent:${String(d.agentId)}`,
  // Only a submission or a redrive is a caller's change; recovery and resume are the system's.
  'task.queued': (d) =>
    d.reason === 'submitted' || d.reason === 'redriven' ? `task:${String(d.taskId)}` : undefined,
  'task.cancelled': (d) => `task:${String(d.taskId)}`,
  'memory.written': (d) => `memory:${String(d.agentId)}/${String(d.namespace)}`,
  'message.sent': (d) => `message:${String(d.messageId)}`,
  'thread.created': (d) => `thread:${String(d.threadId)}`,
  'thread.deleted': (d) => `thread:${String(d.threadId)}`,
  // Who decided: the decision's caller and key, as for every change made through the API.
  'approval.decided': (d) => `approval:${String(d.approvalId)}`,
  'budget.created': (d) => `budget:${String(d.budgetId)}`,
  'budget.updated': (d) => `budget:${String(d.budgetId)}`,
  'budget.deleted': (d) => `budget:${String(d.budgetId)}`,
  'schedule.created': (d) => `schedule:${String(d.scheduleId)}`,
  'schedule.updated': (d) => `schedule:${String(d.scheduleId)}`,
  'schedule.deleted': (d) => `schedule:${String(d.scheduleId)}`,
};

export function auditEntryOf(event: BusEvent): AuditEntry | undefined {
  const data = event.detail.data;
  const actor = event.detail.actor;
  const mutation = MUTATIONS[event['detail-type']];
  const target = actor && mutation ? mutation(data) : undefined;
  if (actor && target) {
    return {
      eventId: event.detail.id,
      time: event.detail.time,
      actor: actor.principal,
      action: event['detail-type'],
      target,
      outcome: 'allowed',
      detail: { ...data, ...(actor.keyId ? { keyId: actor.keyId } : {}) },
    };
  }
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
