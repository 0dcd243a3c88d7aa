/**
 * A task's record stays bounded whatever its agent does, end to end: an agent that calls
 * `fs.list` twenty times a turn for 98 turns (2,080 steps, each listing long enough to fill its
 * step's detail) succeeds once, in one attempt, with its first and last steps kept, the others
 * counted in `stepsOmitted`, and every step in its trace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  type RuntimeHandle,
  removeDataDir,
  startRuntime,
  waitForTask,
} from '../helpers/runtime.js';

let runtime: RuntimeHandle;
const uid = Math.random().toString(36).slice(2, 8);

beforeAll(async () => {
  runtime = await startRuntime();
});

afterAll(async () => {
  expect(await runtime?.stop()).toBe(true);
  removeDataDir(runtime.dataDir);
});

const CALLS_PER_TURN = 20;
const LISTING_TURNS = 98;

describe('a task of two thousand tool calls', () => {
  it('succeeds in one attempt with a bounded record, and its trace keeps every step', async () => {
    // Prepare: 20 files with long names, so that each listing's detail is cut at its limit.
    const id = `lister-${uid}`;
    const files = Array.from({ length: CALLS_PER_TURN }, (_, i) => ({
      name: 'fs.write',
      input: {
        path: `a-file-with-a-rather-long-name-${String(i).padStart(2, '0')}.txt`,
        content: 'x',
      },
    }));
    const listings = Array.from({ length: CALLS_PER_TURN }, () => ({
      name: 'fs.list',
      input: { path: '.' },
    }));
    const registered = await runtime.api('POST', '/v1/agents', {
      id,
      model: {
        provider: 'scripted',
        turns: [
          { toolCalls: files },
          ...Array.from({ length: LISTING_TURNS }, () => ({ toolCalls: listings })),
          { text: 'listed' },
        ],
      },
      tools: ['fs.write', 'fs.list'],
      limits: {
        maxSteps: 100,
        maxTokens: 1_000_000,
        timeoutMs: 240_000,
        toolCallsPerMinute: 100_000,
      },
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);

    // Act
    const submitted = await runtime.api('POST', '/v1/tasks', { agentId: id, input: 'go' });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const task = await waitForTask(
      runtime,
      submitted.body.id,
      ['succeeded', 'failed'],
      180_000,
    ).catch(async (error: Error) => {
      const { body } = await runtime.api('GET', `/v1/tasks/${submitted.body.id}`);
      throw new Error(`${error.message}: ${JSON.stringify(body).slice(0, 2_000)}`);
    });

    // Assess: one attempt, the answer, the first 10 and the last 40 of 2,080 steps.
    const toolCalls = CALLS_PER_TURN * (LISTING_TURNS + 1);
    const total = toolCalls + LISTING_TURNS + 2;
    expect(task).toMatchObject({
      status: 'succeeded',
      output: 'listed',
      attempts: 1,
      stepsOmitted: total - 50,
      usage: { toolCalls, modelCalls: LISTING_TURNS + 2 },
    });
    const indexes = task.steps.map((step: { index: number }) => step.index);
    expect(indexes).toEqual([
      ...Array.from({ length: 10 }, (_, i) => i),
      ...Array.from({ length: 40 }, (_, i) => total - 40 + i),
    ]);
    expect(JSON.stringify(task).length).toBeLessThan(100_000);

    // Assess: the trace has every step, an omitted one included, with its detail.
    const steps = await eventually(
      async () => {
        const found: { index: number; detail?: string }[] = [];
        let cursor: string | null = null;
        do {
          const page: { body: { items: any[]; nextCursor: string | null } } = await runtime.api(
            'GET',
            `/v1/tasks/${task.id}/trace?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          );
          for (const entry of page.body.items) {
            if (entry.type === 'task.step') found.push(entry.data.step);
          }
          cursor = page.body.nextCursor;
        } while (cursor);
        return found.length === total ? found : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000, what: `${total} task.step events in the trace` },
    );
    const omitted = steps.find((step) => step.index === 1_000);
    expect(omitted?.detail).toContain('a-file-with-a-rather-long-name-00.txt');
  }, 400_000);
});
