/**
 * The dashboard's conversation view and pending approvals, in Debian's Chromium against
 * `npm start`: a thread picked from the list, a message typed and sent, the answer appearing from
 * the feed; a tool call waiting for a decision shown with its tool and input, then edited from
 * the page (the tool runs with the new input) and another denied with a comment. Assertions are
 * on visible text and ARIA roles; the page logs no console error.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RuntimeHandle,
  removeDataDir,
  startRuntime,
  waitForTask,
} from '../helpers/runtime.js';
import { type ChromiumSession, launchChromium } from './chromium.js';

const SCREENSHOT = resolve(import.meta.dirname, '../../test-output/dashboard-interactive.png');
const SEEN_MS = 30_000;

let runtime: RuntimeHandle;
let chromium: ChromiumSession;
let page: Page;
const consoleErrors: string[] = [];

const messages = () => page.getByRole('list', { name: 'Messages of the chosen thread' });
const approvals = () => page.getByRole('list', { name: 'Pending approvals' });

beforeAll(async () => {
  runtime = await startRuntime();
  for (const agent of [
    {
      id: 'chatty',
      model: { provider: 'scripted', turns: [{ text: 'you said: {{input}}', delayMs: 300 }] },
    },
    {
      id: 'careful',
      tools: ['fs.write'],
      toolPolicy: { 'fs.write': 'ask' },
      model: {
        provider: 'scripted',
        turns: [
          { toolCalls: [{ name: 'fs.write', input: { path: 'notes.txt', content: '{{input}}' } }] },
          { text: 'wrote: {{lastToolResult}}' },
        ],
      },
    },
  ]) {
    expect((await runtime.api('POST', '/v1/agents', agent)).status).toBe(201);
  }
  chromium = await launchChromium();
  page = await chromium.context.newPage();
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  await page.goto(`${runtime.url}/dashboard`);
  await page.getByLabel('API key').fill(runtime.key);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Conversations', level: 2 }).waitFor();
});

afterAll(async () => {
  if (page) {
    mkdirSync(resolve(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true }).catch(() => undefined);
  }
  await chromium?.close();
  if (runtime) {
    await runtime.stop();
    removeDataDir(runtime.dataDir);
  }
});

describe('the conversation view', () => {
  it('reads a thread, sends a message and shows the answer as it arrives', async () => {
    // Prepare: a thread with one exchange already, made over HTTP.
    const { body: thread } = await runtime.api('POST', '/v1/threads', { agentId: 'chatty' });
    const first = await runtime.api('POST', `/v1/threads/${thread.id}/messages`, {
      content: 'hello',
    });
    await waitForTask(runtime, first.body.taskId, ['succeeded']);
    const picker = page.getByLabel('Thread', { exact: true });
    // The list is refreshed by the feed's thread events.
    await page
      .locator(`#thread-select option[value="${thread.id}"]`)
      .waitFor({ state: 'attached', timeout: SEEN_MS });

    // Act: pick it, read it, then send from the keyboard.
    await picker.selectOption(thread.id);
    await messages()
      .getByRole('listitem')
      .filter({ hasText: 'you said: hello' })
      .waitFor({ timeout: SEEN_MS });
    await page.getByLabel('Message', { exact: true }).fill('how are you?');
    await page.getByRole('button', { name: 'Send' }).click();

    // Assess: the question at once, the answer from the feed, in order.
    await messages()
      .getByRole('listitem')
      .filter({ hasText: 'you said: how are you?' })
      .waitFor({ timeout: SEEN_MS });
    const texts = await messages().getByRole('listitem').allTextContents();
    expect(texts).toEqual([
      'Youhello',
      'Assistantyou said: hello',
      'Youhow are you?',
      'Assistantyou said: how are you?',
    ]);
    expect(await messages().getAttribute('aria-live')).toBe('polite');
  });
});

describe('pending approvals', () => {
  it('shows a waiting tool call with its input; Edit runs the tool with the new input', async () => {
    // Prepare
    const { body: task } = await runtime.api('POST', '/v1/tasks', {
      agentId: 'careful',
      input: 'draft',
    });
    const item = approvals()
      .getByRole('listitem')
      .filter({ hasText: 'careful asks to call fs.write' });
    await item.waitFor({ timeout: SEEN_MS });
    expect(await item.textContent()).toContain('"path": "notes.txt"');

    // Act
    await item.getByRole('button', { name: 'Edit' }).click();
    const input = item.getByLabel('Input for the tool (JSON)');
    await input.fill(JSON.stringify({ path: 'reviewed.txt', content: 'final' }));
    await item.getByRole('button', { name: 'Run with this input' }).click();

    // Assess
    await item.waitFor({ state: 'detached', timeout: SEEN_MS });
    const done = await waitForTask(runtime, task.id, ['succeeded']);
    expect(done.output).toContain('"path":"reviewed.txt"');
    await page.getByRole('status').filter({ hasText: 'Edited and approved' }).waitFor();
  });

  it('Deny with a comment: the model is told and the task goes on', async () => {
    // Prepare
    const { body: task } = await runtime.api('POST', '/v1/tasks', {
      agentId: 'careful',
      input: 'risky',
    });
    const item = approvals()
      .getByRole('listitem')
      .filter({ hasText: 'careful asks to call fs.write' });
    await item.waitFor({ timeout: SEEN_MS });

    // Act
    await item.getByLabel('Comment').fill('not this one');
    await item.getByRole('button', { name: 'Deny' }).click();

    // Assess
    const done = await waitForTask(runtime, task.id, ['succeeded']);
    expect(done.output).toBe('wrote: denied by a person (admin): not this one');
    await page.getByText('No approvals are waiting.').waitFor({ timeout: SEEN_MS });
    expect(consoleErrors).toEqual([]);
  });
});
