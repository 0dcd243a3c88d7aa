/** DynamoAgentStore against a real DynamoDB protocol server (dynalite). */
import { describe, expect, it } from 'vitest';
import { DynamoAgentStore } from '../../shared/adapters/dynamo-agent-store.js';
import type { Agent } from '../../shared/core/agents/agent.js';
import {
  ConflictError,
  NotFoundError,
  TransitionConflictError,
  ValidationError,
} from '../../shared/core/errors.js';
import { uniqueId, useLocalAws } from '../helpers/aws-local.js';

const aws = useLocalAws();
const store = () => new DynamoAgentStore(aws().dynamo, aws().tableName);

function anAgent(id: string, overrides: Partial<Agent> = {}): Agent {
  return {
    id,
    name: `Agent ${id}`,
    instructions: 'You review TypeScript for bugs.',
    mcpServers: [],
    model: { provider: 'scripted', turns: [{ text: 'done: {{input}}' }] },
    tools: ['math.eval'],
    tags: ['analysis'],
    acceptsMessagesFrom: ['*'],
    network: { allow: ['api.github.com'] },
    limits: { maxSteps: 8, timeoutMs: 60_000, maxTokens: 4096, contextTokens: 16_000 },
    onMessage: 'ignore',
    toolPolicy: {},
    approval: { timeoutSeconds: 86_400, onTimeout: 'deny' },
    status: 'active',
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** Reads every page of a listing; fails if the cursor chain does not end. */
async function listAll(request: { limit: number; tag?: string }) {
  const pages: Agent[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await store().list({ ...request, cursor });
    pages.push(page.items);
    if (page.nextCursor === null) return pages;
    cursor = page.nextCursor;
  }
  throw new Error('listing did not end after 100 pages');
}

const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

describe('DynamoAgentStore: create and get', () => {
  it('round-trips every field of an agent and strips the table keys', async () => {
    // Prepare
    const agent = anAgent(uniqueId('round-trip'));
    // Act
    await store().create(agent);
    const stored = await store().get(agent.id);
    // Assess
    expect(stored).toEqual(agent);
    for (const internal of ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'type']) {
      expect(stored).not.toHaveProperty(internal);
    }
  });

  it('answers undefined for an agent that does not exist', async () => {
    expect(await store().get(uniqueId('missing'))).toBeUndefined();
  });

  it('refuses to create the same id twice with a ConflictError and keeps the first', async () => {
    // Prepare
    const agent = anAgent(uniqueId('twice'));
    await store().create(agent);
    // Act and assess
    await expect(store().create({ ...agent, name: 'Impostor' })).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect((await store().get(agent.id))?.name).toBe(agent.name);
  });
});

describe('DynamoAgentStore: list', () => {
  it('pages through every agent exactly once, ordered by id, until nextCursor is null', async () => {
    // Prepare: 11 agents of this test among whatever other tests of this file created.
    const prefix = uniqueId('page');
    const ids = Array.from({ length: 11 }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);
    for (const id of [...ids].reverse()) await store().create(anAgent(id));
    // Act
    const pages = await listAll({ limit: 3 });
    // Assess
    const all = pages.flat().map((a) => a.id);
    expect(pages.length).toBeGreaterThanOrEqual(4);
    for (const page of pages.slice(0, -1)) expect(page).toHaveLength(3);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual([...all].sort());
    expect(all.filter((id) => id.startsWith(prefix))).toEqual(ids);
  });

  it('lists by tag only the agents that carry it', async () => {
    // Prepare
    const tag = uniqueId('tag');
    const tagged = [uniqueId('tagged'), uniqueId('tagged'), uniqueId('tagged')].sort();
    for (const id of tagged) await store().create(anAgent(id, { tags: ['other', tag] }));
    await store().create(anAgent(uniqueId('untagged'), { tags: ['other'] }));
    // Act
    const pages = await listAll({ limit: 2, tag });
    // Assess
    expect(pages.flat().map((a) => a.id)).toEqual(tagged);
    for (const agent of pages.flat()) expect(agent.tags).toContain(tag);
  });

  it('answers an empty last page for a tag nobody has', async () => {
    const page = await store().list({ limit: 5, tag: uniqueId('nobody') });
    expect(page).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    ['is not base64 JSON', 'garbage!!'],
    ['decodes to JSON that is not an object', cursorOf(['AGENTS'])],
    ['names other keys', cursorOf({ pk: 'AGENT#a', sk: 'AGENT', other: 'x', more: 'y' })],
    ['lacks the index keys', cursorOf({ pk: 'AGENT#a', sk: 'AGENT' })],
    [
      'belongs to another partition',
      cursorOf({ gsi1pk: 'TASKS', gsi1sk: 'a', pk: 'AGENT#a', sk: 'AGENT' }),
    ],
    [
      'holds a non-string key value',
      cursorOf({ gsi1pk: 'AGENTS', gsi1sk: 1, pk: 'AGENT#a', sk: 'AGENT' }),
    ],
  ])('refuses a cursor that %s with a ValidationError on path cursor', async (_, cursor) => {
    // Act
    const listing = store().list({ limit: 5, cursor });
    // Assess
    await expect(listing).rejects.toBeInstanceOf(ValidationError);
    await expect(listing).rejects.toHaveProperty('details', [
      expect.objectContaining({ path: 'cursor' }),
    ]);
  });

  it('accepts a well-formed cursor of its own collection', async () => {
    // Prepare
    const id = uniqueId('cursor-ok');
    await store().create(anAgent(id));
    const cursor = cursorOf({ gsi1pk: 'AGENTS', gsi1sk: id, pk: `AGENT#${id}`, sk: 'AGENT' });
    // Act
    const page = await store().list({ limit: 100, cursor });
    // Assess: the listing resumes after that id (agents of earlier tests sort after it).
    expect(page.items.length).toBeGreaterThan(0);
    for (const agent of page.items) expect(agent.id > id).toBe(true);
  });
});

describe('DynamoAgentStore: update', () => {
  it('sets the fields when the status is allowed and returns the agent after the update', async () => {
    // Prepare
    const agent = anAgent(uniqueId('pause'));
    await store().create(agent);
    // Act
    const updated = await store().update(
      agent.id,
      { status: 'paused', updatedAt: '2030-01-02T00:00:00.000Z', tags: [] },
      ['active'],
    );
    // Assess
    const expected = {
      ...agent,
      status: 'paused',
      updatedAt: '2030-01-02T00:00:00.000Z',
      tags: [],
    };
    expect(updated).toEqual(expected);
    expect(await store().get(agent.id)).toEqual(expected);
  });

  it('accepts any of several allowed statuses', async () => {
    // Prepare
    const agent = anAgent(uniqueId('multi'), { status: 'paused' });
    await store().create(agent);
    // Act
    const updated = await store().update(agent.id, { status: 'retired' }, ['active', 'paused']);
    // Assess
    expect(updated.status).toBe('retired');
  });

  it('throws TransitionConflictError and writes nothing when the status is not allowed', async () => {
    // Prepare
    const agent = anAgent(uniqueId('retired'), { status: 'retired' });
    await store().create(agent);
    // Act and assess
    await expect(
      store().update(agent.id, { status: 'active', name: 'Back' }, ['paused']),
    ).rejects.toBeInstanceOf(TransitionConflictError);
    expect(await store().get(agent.id)).toEqual(agent);
  });

  it('throws NotFoundError for an agent that does not exist and creates nothing', async () => {
    // Prepare
    const id = uniqueId('ghost');
    // Act and assess
    await expect(store().update(id, { name: 'Ghost' }, ['active'])).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(await store().get(id)).toBeUndefined();
  });
});
