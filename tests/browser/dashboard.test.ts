/**
 * The dashboard as a user sees it: `npm start`, Debian's Chromium on `<url>/dashboard`, the key
 * typed in once; agents and tasks made over HTTP show up and finish on the page without a
 * reload; a dead-lettered task is redriven from the page with the keyboard. Assertions are on
 * visible text and ARIA roles. The page must log no console error of its own.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  eventually,
  type RuntimeHandle,
  removeDataDir,
  startRuntime,
  waitForTask,
} from '../helpers/runtime.js';
import { type ChromiumSession, launchChromium } from './chromium.js';

const SCREENSHOT = resolve(import.meta.dirname, '../../test-output/dashboard.png');
const SEEN_MS = 30_000;

let runtime: RuntimeHandle;
let chromium: ChromiumSession;
let page: Page;
const consoleErrors: { text: string; url: string }[] = [];
const pageErrors: Error[] = [];
/** Optional parts of the API as this runtime serves them (404: not built yet). */
const served = { feed: false, workflows: false, metrics: false, events: false };

/** Does `/ws?token=` accept a WebSocket? */
function probeFeed(url: string, key: string): Promise<boolean> {
  return new Promise((resolveProbe) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?token=${key}`);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.terminate();
      resolveProbe(ok);
    };
    const timer = setTimeout(() => done(false), 5000);
    socket.once('open', () => done(true));
    socket.once('error', () => done(false));
    socket.once('unexpected-response', () => done(false));
  });
}

/**
 * Console errors the page may show because this runtime lacks an optional part (the browser
 * reports a 404 or a refused WebSocket itself); any other console error fails the test.
 */
function unexpectedConsoleErrors(): { text: string; url: string }[] {
  return consoleErrors.filter(({ text, url }) => {
    const notFound = /status of 404/.test(text);
    if (notFound && !served.workflows && url.includes('/v1/workflows')) return false;
    if (notFound && !served.metrics && url.includes('/v1/metrics')) return false;
    if (notFound && !served.events && url.includes('/v1/events')) return false;
    if (!served.feed && /WebSocket connection to .*\/ws\?token=/.test(text)) return false;
    return true;
  });
}

const liveTasks = () => page.getByRole('list', { name: 'Live tasks' });
const taskItem = (taskId: string, status: string) =>
  liveTasks().getByRole('listitem').filter({ hasText: taskId }).filter({ hasText: status });

/** Presses Tab until the focused element matches, at most `max` times; answers the presses. */
async function tabTo(
  matches: (el: { id: string; name: string; tag: string }) => boolean,
  max = 40,
): Promise<number> {
  for (let presses = 1; presses <= max; presses += 1) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = (globalThis as any).document.activeElement;
      return {
        id: el?.id ?? '',
        name: (el?.getAttribute('aria-label') ?? el?.textContent ?? '').trim(),
        tag: el?.tagName.toLowerCase() ?? '',
      };
    });
    if (matches(focused)) return presses;
  }
  throw new Error(`Tab did not reach the element in ${max} presses`);
}

beforeAll(async () => {
  runtime = await startRuntime({
    // The scripted model made dear ($1 an output token), so a budget's bar has something to show.
    env: {
      AGENT_CORE_MODEL_PRICES: JSON.stringify({
        scripted: { inputPerMillion: 0, outputPerMillion: 1_000_000 },
      }),
    },
  });
  const probe = async (path: string) => (await runtime.api('GET', path)).status !== 404;
  served.feed = await probeFeed(runtime.url, runtime.key);
  served.workflows = await probe('/v1/workflows');
  served.metrics = await probe('/v1/metrics?windowSeconds=900');
  served.events = await probe('/v1/events?limit=1');

  chromium = await launchChromium();
  page = await chromium.context.newPage();
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error')
      consoleErrors.push({ text: message.text(), url: message.location().url });
  });
  page.on('pageerror', (error) => pageErrors.push(error));
});

afterAll(async () => {
  await chromium?.close();
  if (runtime) {
    await runtime.stop();
    removeDataDir(runtime.dataDir);
  }
});

describe('dashboard in Chromium', () => {
  it('asks for the key once, from the keyboard, and keeps it out of the URL', async () => {
    const response = await page.goto(`${runtime.url}/dashboard`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
    await expect(page.title()).resolves.toBe('agent-core dashboard');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getByRole('main').count()).toBe(1);
    expect(await page.getByRole('banner').count()).toBe(1);

    // Keyboard only: Tab reaches the labelled key field, Enter submits.
    await tabTo((el) => el.id === 'api-key');
    await page.keyboard.type(runtime.key);
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { name: 'Agents', level: 2, exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Queue', level: 2, exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Live tasks', level: 2, exact: true }).waitFor();
    expect(page.url()).toBe(`${runtime.url}/dashboard/`);
    expect(page.url()).not.toContain(runtime.key);
    expect(
      await page.evaluate(() => (globalThis as any).sessionStorage.getItem('agent-core.apiKey')),
    ).toBe(runtime.key);
    // The key field is gone and empty; a reload does not ask again (same tab session).
    await page.reload();
    await page.getByRole('heading', { name: 'Live tasks', level: 2, exact: true }).waitFor();
    expect(await page.getByLabel('API key').isVisible()).toBe(false);
  });

  it('shows agents and tasks made over HTTP as they happen, without a reload', async () => {
    const agent = await runtime.api('POST', '/v1/agents', {
      id: 'echo',
      name: 'Echo',
      model: { provider: 'echo' },
    });
    expect(agent.status).toBe(201);
    await page
      .getByRole('table', { name: 'Registered agents and their status' })
      .getByRole('row')
      .filter({ hasText: 'echo' })
      .filter({ hasText: 'active' })
      .waitFor({ timeout: SEEN_MS });

    const ids: string[] = [];
    for (const [i, priority] of (['critical', 'normal', 'low'] as const).entries()) {
      const task = await runtime.api('POST', '/v1/tasks', {
        agentId: 'echo',
        input: `hello ${i}`,
        priority,
      });
      expect(task.status).toBe(202);
      ids.push(task.body.id);
    }
    for (const id of ids) {
      await taskItem(id, 'succeeded').waitFor({ timeout: SEEN_MS });
      await waitForTask(runtime, id, ['succeeded']);
    }
    const list = liveTasks();
    expect(await list.getAttribute('aria-live')).toBe('polite');
    expect(await list.getByRole('listitem').count()).toBeGreaterThanOrEqual(3);
  });

  it('redrives a dead-lettered task from the DLQ view, by keyboard', async () => {
    expect(
      (
        await runtime.api('POST', '/v1/agents', {
          id: 'flaky',
          model: { provider: 'scripted', turns: [{ text: 'x' }], failUntilAttempt: 9 },
        })
      ).status,
    ).toBe(201);
    const submitted = await runtime.api('POST', '/v1/tasks', {
      agentId: 'flaky',
      input: 'will fail',
      maxAttempts: 1,
    });
    expect(submitted.status).toBe(202);
    const taskId: string = submitted.body.id;
    await eventually(
      async () => {
        const { body } = await runtime.api('GET', `/v1/tasks/${taskId}`);
        return body.status === 'failed' && body.deadLettered ? body : undefined;
      },
      { what: `task ${taskId} to be dead-lettered` },
    );

    const dlq = page.getByRole('table', { name: 'Dead-lettered tasks' });
    const redrive = dlq.getByRole('button', { name: `Redrive task ${taskId}` });
    await redrive.waitFor({ timeout: SEEN_MS });
    await taskItem(taskId, 'failed').waitFor({ timeout: SEEN_MS });

    // The agent is fixed over HTTP, then redriven from the page.
    expect(
      (await runtime.api('PATCH', '/v1/agents/flaky', { model: { provider: 'echo' } })).status,
    ).toBe(200);
    // From the top of the content (where the skip link lands), Tab reaches the row's button.
    await page.locator('#main').focus();
    await tabTo((el) => el.tag === 'button' && el.name === `Redrive task ${taskId}`, 60);
    await page.keyboard.press('Enter');

    await page.getByRole('status').filter({ hasText: 'Redriven 1 task.' }).waitFor();
    await taskItem(taskId, 'succeeded').waitFor({ timeout: SEEN_MS });
    await waitForTask(runtime, taskId, ['succeeded']);
    await page.getByText('The dead-letter queue is empty.').waitFor({ timeout: SEEN_MS });
  });

  it('shows a workflow live: its steps, and its status as it ends', async () => {
    expect(served.workflows).toBe(true);
    await page.getByRole('heading', { name: 'Workflows' }).waitFor();
    await runtime.api('POST', '/v1/agents', {
      id: 'wf-step',
      model: { provider: 'scripted', turns: [{ text: 'step done', delayMs: 300 }] },
    });
    const started = await runtime.api('POST', '/v1/workflows', {
      name: 'browser-pipeline',
      strategy: 'sequential',
      input: 'x',
      steps: [
        { id: 'first-step', agentId: 'wf-step' },
        { id: 'second-step', agentId: 'wf-step' },
      ],
    });
    expect(started.status).toBe(202);
    const item = page
      .locator('#workflow-list > li')
      .filter({ hasText: 'browser-pipeline (sequential)' });
    await item.filter({ hasText: 'first-step' }).filter({ hasText: 'second-step' }).waitFor({
      timeout: SEEN_MS,
    });
    // workflow.* events on the feed make the list refresh; no reload.
    await item.locator('.row .badge.status-succeeded').waitFor({ timeout: SEEN_MS });
    const progress = item.getByRole('progressbar');
    await expect(progress.getAttribute('aria-label')).resolves.toBe(
      'browser-pipeline (sequential): 2 of 2 steps finished',
    );
  });

  it("shows each budget's spend as a bar", async () => {
    // 'abcdefghijkl' is 3 tokens of output: $3 of the $10 a day the budget allows.
    await runtime.api('POST', '/v1/agents', {
      id: 'spender',
      model: { provider: 'scripted', turns: [{ text: 'abcdefghijkl' }] },
      limits: { maxTokens: 5 },
    });
    const budget = await runtime.api('POST', '/v1/budgets', {
      id: 'spender-daily',
      scope: 'agent:spender',
      usdPerDay: 10,
    });
    expect(budget.status).toBe(201);
    const { body: task } = await runtime.api('POST', '/v1/tasks', {
      agentId: 'spender',
      input: 'x',
    });
    await waitForTask(runtime, task.id, ['succeeded']);
    await page.getByRole('heading', { name: 'Budgets' }).waitFor({ timeout: SEEN_MS });
    const bar = page.getByRole('meter', { name: 'spender-daily: $3.00 of $10.00 today' });
    await bar.waitFor({ timeout: SEEN_MS });
    await expect(bar.getAttribute('aria-valuenow')).resolves.toBe('3');
    // The spent part is drawn 30% wide.
    const widths = await bar.evaluate((node: any) => ({
      bar: node.getBoundingClientRect().width,
      spent: node.children[0].getBoundingClientRect().width,
    }));
    expect(widths.spent / widths.bar).toBeCloseTo(0.3, 1);
  });

  it('draws the charts and the audit trail, with a screenshot', async () => {
    await page.getByRole('heading', { name: 'Throughput and latency' }).waitFor();
    expect(await page.locator('#chart-completions canvas').count()).toBe(1);
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    mkdirSync(resolve(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('logs no console error and throws nothing', () => {
    expect(pageErrors.map((e) => e.message)).toEqual([]);
    expect(unexpectedConsoleErrors()).toEqual([]);
    for (const { text } of consoleErrors) {
      if (served.feed) expect(text).not.toContain(runtime.key);
    }
  });
});
