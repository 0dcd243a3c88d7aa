/** Who receives a message: `acceptsMessagesFrom`, retired agents, and tag broadcasts. */
import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../shared/core/errors.js';
import { parseAddress } from '../../shared/core/ipc/message.js';
import {
  acceptsMessagesFrom,
  MAX_RECIPIENTS,
  resolveRecipients,
} from '../../shared/core/ipc/recipients.js';
import { buildAgent, InMemoryAgentStore } from '../helpers/in-memory.js';

const sender = buildAgent({ id: 'scanner', tags: ['analysis', 'team-a'] });

describe('acceptsMessagesFrom', () => {
  it('accepts anyone by default (an agent registered without the field has ["*"])', () => {
    // Prepare
    const recipient = buildAgent({ id: 'reviewer' });
    // Act
    const accepted = acceptsMessagesFrom(recipient, sender);
    // Assess
    expect(recipient.acceptsMessagesFrom).toEqual(['*']);
    expect(accepted).toBe(true);
  });

  it.each([
    { entries: ['*'], expected: true },
    { entries: ['scanner'], expected: true },
    { entries: ['other', 'scanner'], expected: true },
    { entries: ['other'], expected: false },
    { entries: ['tag:analysis'], expected: true },
    { entries: ['tag:team-a', 'other'], expected: true },
    { entries: ['tag:ops'], expected: false },
    // A tag entry names a tag, never an agent id, and an id entry never matches a tag.
    { entries: ['tag:scanner'], expected: false },
    { entries: ['analysis'], expected: false },
    { entries: ['scan*'], expected: false },
    { entries: [], expected: false },
  ])('with $entries: $expected', ({ entries, expected }) => {
    // Prepare
    const recipient = buildAgent({ id: 'reviewer', acceptsMessagesFrom: entries });
    // Act
    const accepted = acceptsMessagesFrom(recipient, sender);
    // Assess
    expect(accepted).toBe(expected);
  });
});

describe('parseAddress', () => {
  it.each([
    ['reviewer', { kind: 'agent', agentId: 'reviewer' }],
    ['tag:analysis', { kind: 'tag', tag: 'analysis' }],
    ['tag:a:b_c', { kind: 'tag', tag: 'a:b_c' }],
    ['tag:', undefined],
    ['tag:Upper', undefined],
    ['Reviewer', undefined],
    ['r', undefined],
    ['', undefined],
  ])('%j', (to, expected) => {
    expect(parseAddress(to)).toEqual(expected);
  });
});

describe('resolveRecipients', () => {
  it('reaches an agent addressed directly when it accepts the sender', async () => {
    // Prepare
    const agents = new InMemoryAgentStore().seed(
      sender,
      buildAgent({ id: 'reviewer', acceptsMessagesFrom: ['scanner'] }),
    );
    // Act
    const result = await resolveRecipients(agents, sender, { kind: 'agent', agentId: 'reviewer' });
    // Assess
    expect(result).toEqual({ accepted: ['reviewer'], refused: [] });
  });

  it('refuses a direct recipient that does not accept the sender, saying why', async () => {
    // Prepare
    const agents = new InMemoryAgentStore().seed(
      sender,
      buildAgent({ id: 'reviewer', acceptsMessagesFrom: ['tag:ops'] }),
    );
    // Act
    const result = await resolveRecipients(agents, sender, { kind: 'agent', agentId: 'reviewer' });
    // Assess
    expect(result.accepted).toEqual([]);
    expect(result.refused).toEqual([
      { agentId: 'reviewer', reason: "agent 'reviewer' does not accept messages from 'scanner'" },
    ]);
  });

  it('never reaches a retired agent, even one that accepts everybody', async () => {
    // Prepare
    const agents = new InMemoryAgentStore().seed(sender, buildAgent({ id: 'old' }, 'retired'));
    // Act
    const result = await resolveRecipients(agents, sender, { kind: 'agent', agentId: 'old' });
    // Assess
    expect(result).toEqual({
      accepted: [],
      refused: [{ agentId: 'old', reason: "agent 'old' is retired" }],
    });
  });

  it('reaches a paused agent: its inbox fills while it waits', async () => {
    // Prepare
    const agents = new InMemoryAgentStore().seed(sender, buildAgent({ id: 'napper' }, 'paused'));
    // Act
    const result = await resolveRecipients(agents, sender, { kind: 'agent', agentId: 'napper' });
    // Assess
    expect(result.accepted).toEqual(['napper']);
  });

  it('answers 404 naming `to` for an unknown agent', async () => {
    // Prepare
    const agents = new InMemoryAgentStore().seed(sender);
    // Act
    const result = resolveRecipients(agents, sender, { kind: 'agent', agentId: 'ghost' });
    // Assess
    await expect(result).rejects.toBeInstanceOf(NotFoundError);
    await expect(result).rejects.toMatchObject({
      details: [{ path: 'to', message: 'no such agent' }],
    });
  });

  it('broadcasts to exactly the tagged, non-retired agents that accept the sender, never the sender', async () => {
    // Prepare: the sender carries the tag too and accepts everybody.
    const agents = new InMemoryAgentStore().seed(
      buildAgent({ id: 'scanner', tags: ['analysis', 'team-a'] }),
      buildAgent({ id: 'a-open', tags: ['analysis'] }),
      buildAgent({ id: 'b-by-id', tags: ['analysis', 'x'], acceptsMessagesFrom: ['scanner'] }),
      buildAgent({ id: 'c-by-tag', tags: ['analysis'], acceptsMessagesFrom: ['tag:team-a'] }),
      buildAgent({ id: 'd-closed', tags: ['analysis'], acceptsMessagesFrom: ['someone'] }),
      buildAgent({ id: 'e-retired', tags: ['analysis'] }, 'retired'),
      buildAgent({ id: 'f-paused', tags: ['analysis'] }, 'paused'),
      buildAgent({ id: 'g-untagged', tags: ['other'] }),
    );
    // Act
    const result = await resolveRecipients(agents, sender, { kind: 'tag', tag: 'analysis' });
    // Assess
    expect(result.accepted).toEqual(['a-open', 'b-by-id', 'c-by-tag', 'f-paused']);
    expect(result.refused.map((r) => r.agentId)).toEqual(['d-closed', 'e-retired']);
  });

  it('finds a tag with no members: nobody accepted, nobody refused', async () => {
    // Prepare
    const agents = new InMemoryAgentStore().seed(sender, buildAgent({ id: 'other' }));
    // Act
    const result = await resolveRecipients(agents, sender, { kind: 'tag', tag: 'nobody' });
    // Assess
    expect(result).toEqual({ accepted: [], refused: [] });
  });

  it('follows the listing across pages: a tag of 250 agents reaches all of them', async () => {
    // Prepare
    const members = Array.from({ length: 250 }, (_, i) =>
      buildAgent({ id: `m-${String(i).padStart(3, '0')}`, tags: ['crowd'] }),
    );
    const agents = new InMemoryAgentStore().seed(sender, ...members);
    // Act
    const result = await resolveRecipients(agents, sender, { kind: 'tag', tag: 'crowd' });
    // Assess
    expect(result.accepted).toHaveLength(250);
    expect(new Set(result.accepted)).toEqual(new Set(members.map((m) => m.id)));
  });

  it(`refuses a broadcast that would reach more than ${MAX_RECIPIENTS} agents`, async () => {
    // Prepare
    const members = Array.from({ length: MAX_RECIPIENTS + 1 }, (_, i) =>
      buildAgent({ id: `m-${String(i).padStart(4, '0')}`, tags: ['huge'] }),
    );
    const agents = new InMemoryAgentStore().seed(sender, ...members);
    // Act
    const result = resolveRecipients(agents, sender, { kind: 'tag', tag: 'huge' });
    // Assess
    await expect(result).rejects.toBeInstanceOf(ValidationError);
    await expect(result).rejects.toMatchObject({ details: [{ path: 'to' }] });
  });
});
