/** The IPC layer's events: their types, source and data schemas. */
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { messageDelivered, messageSent } from '../../events/message-events.js';
import { createEvent } from '../../shared/core/events.js';
import { FixedClock } from '../helpers/in-memory.js';

const ctx = () => ({ correlationId: 'corr-1', clock: new FixedClock('2030-01-02T03:04:05.678Z') });
const sent = {
  messageId: '01JAAAAAAAAAAAAAAAAAAAAAAA',
  from: 'scanner',
  to: 'tag:analysis',
  recipients: ['reviewer', 'auditor'],
  subject: 'findings',
  body: null,
  ttlSeconds: 60,
  sentAt: '2030-01-02T03:04:05.678Z',
};

describe('message events', () => {
  it.each([
    [messageSent, 'message.sent'],
    [messageDelivered, 'message.delivered'],
  ] as const)('%s is %s from agent-core.ipc, version 1', (definition, type) => {
    // Assess
    expect(definition.type).toBe(type);
    expect(definition.source).toBe('agent-core.ipc');
    expect(definition.version).toBe(1);
  });

  it('builds message.sent with the whole message, a null body included', () => {
    // Act
    const event = createEvent(messageSent, sent, ctx());
    // Assess
    expect(event.detail).toMatchObject({ version: 1, correlationId: 'corr-1', data: sent });
  });

  it.each([
    ['no recipients', { ...sent, recipients: [] }],
    ['no body', { ...sent, body: undefined }],
    ['a zero TTL', { ...sent, ttlSeconds: 0 }],
    ['no sender', { ...sent, from: '' }],
  ])('refuses message.sent with %s', (_label, data) => {
    // Act
    const act = () => createEvent(messageSent, data as never, ctx());
    // Assess
    expect(act).toThrow(ZodError);
  });

  it('builds message.delivered with or without the task the message started', () => {
    // Prepare
    const base = {
      messageId: sent.messageId,
      from: 'scanner',
      agentId: 'reviewer',
      deliveredAt: '2030-01-02T03:04:06.000Z',
    };
    // Act
    const plain = createEvent(messageDelivered, base, ctx());
    const withTask = createEvent(messageDelivered, { ...base, taskId: 'T1' }, ctx());
    // Assess
    expect(plain.detail.data).toEqual(base);
    expect(withTask.detail.data).toEqual({ ...base, taskId: 'T1' });
    expect(() => createEvent(messageDelivered, { ...base, agentId: '' }, ctx())).toThrow(ZodError);
  });
});
