/** The `agent.message` tool and the runtime's messaging service behind it. */

import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { MessagingDeps } from '../../shared/core/ipc/message-service.js';
import { agentMessageTool } from '../../shared/core/tools/messaging-tool.js';
import type {
  MessagingToolService,
  ToolContext,
  ToolServices,
} from '../../shared/core/tools/tool.js';
import { ConfigError } from '../../shared/runtime/config.js';
import { createMessagingService, readMessagesPerMinute } from '../../shared/runtime/messaging.js';
import {
  buildAgent,
  FixedClock,
  InMemoryAgentStore,
  RecordingEventPublisher,
} from '../helpers/in-memory.js';

const baseServices: ToolServices = {
  workspace: () => {
    throw new Error('no workspace in these tests');
  },
  resolveHost: async () => [],
};

function contextFor(agentId: string, services: ToolServices): ToolContext {
  return {
    agentId,
    taskId: '01JTESTTASK0000000000000000',
    allowedHosts: [],
    signal: new AbortController().signal,
    services,
  };
}

describe('agent.message', () => {
  it('sends as the running agent through the runtime messaging service', async () => {
    // Prepare
    const calls: { from: string; input: unknown }[] = [];
    const messaging: MessagingToolService = {
      send: async (from, input) => {
        calls.push({ from, input });
        return { id: 'MSG1', deliveredTo: ['reviewer'] };
      },
    };
    const input = agentMessageTool.input.parse({ to: 'reviewer', body: { ask: 'review' } });
    // Act
    const result = await agentMessageTool.run(
      input,
      contextFor('scanner', { ...baseServices, messaging }),
    );
    // Assess
    expect(result).toEqual({ id: 'MSG1', deliveredTo: ['reviewer'] });
    expect(calls).toEqual([
      {
        from: 'scanner',
        input: { to: 'reviewer', subject: '', body: { ask: 'review' }, ttlSeconds: 604_800 },
      },
    ]);
  });

  it('fails clearly when the runtime offers no messaging', async () => {
    // Prepare
    const input = agentMessageTool.input.parse({ to: 'reviewer', body: 'x' });
    // Act
    const result = agentMessageTool.run(input, contextFor('scanner', baseServices));
    // Assess
    await expect(result).rejects.toThrow(/agent\.message is not available/);
  });

  it('has no `from` in its input: an agent cannot choose its sender', () => {
    // Act
    const parsed = agentMessageTool.input.safeParse({ from: 'other', to: 'reviewer', body: 'x' });
    // Assess
    expect(parsed.success).toBe(false);
  });

  it('publishes a JSON Schema that requires only `to` and `body`', () => {
    // Act
    const schema = z.toJSONSchema(agentMessageTool.input, { io: 'input' }) as {
      required?: string[];
      properties: Record<string, unknown>;
    };
    // Assess
    expect(agentMessageTool.name).toBe('agent.message');
    expect(agentMessageTool.permission).toBe('tool:agent.message');
    expect(Object.keys(schema.properties).sort()).toEqual(['body', 'subject', 'to', 'ttlSeconds']);
    expect(schema.required?.sort()).toEqual(['body', 'to']);
  });
});

describe('createMessagingService', () => {
  function setup() {
    const events = new RecordingEventPublisher();
    const deps: MessagingDeps = {
      agents: new InMemoryAgentStore().seed(
        buildAgent({ id: 'scanner' }),
        buildAgent({ id: 'reviewer', acceptsMessagesFrom: ['scanner'] }),
        buildAgent({ id: 'closed', acceptsMessagesFrom: [] }),
      ),
      events,
      rateLimiter: { take: async () => ({ allowed: true, retryAfterMs: 0 }) },
      clock: new FixedClock(),
      messagesPerMinute: 60,
    };
    return { service: createMessagingService(() => deps), events };
  }

  it('sends as the given agent, audited as that agent when refused', async () => {
    // Prepare
    const { service, events } = setup();
    // Act
    const sent = await service.send('scanner', { to: 'reviewer', body: 'hi' });
    const refused = service.send('scanner', { to: 'closed', body: 'hi' });
    // Assess
    expect(sent.deliveredTo).toEqual(['reviewer']);
    await expect(refused).rejects.toMatchObject({ status: 403 });
    expect(events.ofType('message.sent')[0]?.detail.data).toMatchObject({ from: 'scanner' });
    expect(events.ofType('security.denied')[0]?.detail.data).toMatchObject({
      principal: 'agent:scanner',
      action: 'tool:agent.message',
      resource: 'agent:closed',
    });
  });

  it('applies the same validation as the API', async () => {
    // Prepare
    const { service } = setup();
    // Act
    const result = service.send('scanner', { to: 'tag:', body: 'hi' });
    // Assess
    await expect(result).rejects.toMatchObject({ status: 400, details: [{ path: 'to' }] });
  });
});

describe('readMessagesPerMinute', () => {
  it.each([
    [undefined, 60],
    ['', 60],
    ['5', 5],
    ['100000', 100_000],
  ])('reads %j as %d', (value, expected) => {
    // Act
    const perMinute = readMessagesPerMinute(
      value === undefined ? {} : { AGENT_CORE_MESSAGES_PER_MINUTE: value },
    );
    // Assess
    expect(perMinute).toBe(expected);
  });

  it.each(['0', '-1', '1.5', 'lots', '100001'])('refuses %j naming the variable', (value) => {
    // Act
    const read = () => readMessagesPerMinute({ AGENT_CORE_MESSAGES_PER_MINUTE: value });
    // Assess
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/AGENT_CORE_MESSAGES_PER_MINUTE/);
  });
});
