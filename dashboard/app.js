/**
 * agent-core dashboard: a plain ES module, no build step of its own. It reads `config.json` for
 * where the API and the event feed are (empty: this page's own origin), asks for the API key once
 * (kept in sessionStorage only), then shows agents, the queue, live tasks (from the WebSocket
 * feed, with `GET /v1/tasks` as the source of truth), pending approvals (approve, edit, deny), a
 * conversation view (pick or start a thread, send a message, the answer appears from the feed's
 * `thread.message` events), workflows, metrics charts (uPlot), the DLQ with redrive, and the
 * audit trail. It talks to the API through the typed client (client/, served bundled as
 * vendor/agent-core-client.js). Everything is built with DOM calls: no markup from data.
 */
import { AgentCoreClient, AgentCoreError } from './vendor/agent-core-client.js';

const KEY_STORAGE = 'agent-core.apiKey';
const MAX_TASKS = 50;
const BUCKET_SECONDS = 10;
const WINDOW_SECONDS = 900;
const FALLBACK_POLL_MS = 2000;
const RECONCILE_POLL_MS = 30_000;
const PING_MS = 30_000;
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
/** The task status each event moves a task to, and its rank among events of the same instant. */
const TASK_EVENTS = {
  'task.queued': { status: 'queued', rank: 0 },
  'task.started': { status: 'running', rank: 1 },
  'task.step': { status: 'running', rank: 2 },
  'task.retrying': { status: 'retrying', rank: 3 },
  'task.waiting': { status: 'waiting', rank: 3 },
  'task.succeeded': { status: 'succeeded', rank: 4 },
  'task.cancelled': { status: 'cancelled', rank: 4 },
  'task.failed': { status: 'failed', rank: 4 },
  'task.dead-lettered': { status: 'failed', rank: 5 },
};

/** When each event was rendered (epoch ms, keyed by event id): read by bench/event-to-page.ts. */
const rendered = Object.create(null);
const renderedOrder = [];
window.__agentCoreRendered = rendered;

const $ = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element;
};

/** `el('td', {className: 'x'}, 'text', child)`: an element with properties and children. */
function el(tag, props = {}, ...children) {
  const element = Object.assign(document.createElement(tag), props);
  for (const child of children) {
    if (child === null || child === undefined || child === '') continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

const state = {
  apiBase: '',
  wsUrl: '',
  key: '',
  running: false,
  /** taskId → {task, key: [timeMs, rank], item: <li>, polledAt} */
  tasks: new Map(),
  seen: new Set(),
  /** The typed client, with the key (made at sign-in). */
  client: null,
  /** The live feed (the client's: it reconnects and fetches what it missed by itself). */
  feed: null,
  feedOpen: false,
  timers: [],
  /** Endpoints that answered 404: not served by this API, asked no more. */
  missing: new Set(),
  completions: new Map(),
  latency: { t: [], p50: [], p95: [], p99: [] },
  charts: { completions: null, latency: null },
};

// ---------------------------------------------------------------------------------------------
// Configuration, key, HTTP

async function loadConfig() {
  let config = {};
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (response.ok) config = await response.json();
  } catch {
    // No configuration: everything on this origin.
  }
  state.apiBase = String(config.apiUrl ?? '').replace(/\/+$/, '');
  const wsScheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  state.wsUrl = String(config.wsUrl ?? '') || `${wsScheme}//${location.host}/ws`;
}

const newClient = (key) =>
  new AgentCoreClient({
    baseUrl: state.apiBase || location.origin,
    wsUrl: state.wsUrl,
    apiKey: key,
    maxRetries: 2,
    fetch: (request) =>
      fetch(
        new Request(request, {
          cache: 'no-store',
          credentials: 'omit',
          referrerPolicy: 'no-referrer',
        }),
      ),
  });

/** Calls the API through the client; a 401 signs out. Throws AgentCoreError. */
async function call(request) {
  try {
    return await request(state.client);
  } catch (error) {
    if (error instanceof AgentCoreError && error.status === 401 && state.running) {
      signOut('The API refused the key. Enter it again.');
    }
    throw error;
  }
}

/** An answer from the API (not a dropped connection). */
const answered = (error) => error instanceof AgentCoreError && error.status > 0;

/**
 * Runs `load` now and every `intervalMs` while signed in, never two at once; a 404 marks the
 * endpoint as not served (`onMissing`), a 403 as needing another key (`onForbidden`).
 */
function poller(name, intervalMs, load, { onMissing, note } = {}) {
  let busy = false;
  let again = false;
  const run = async () => {
    if (!state.running || state.missing.has(name)) return;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      await load();
      if (note) note.textContent = '';
    } catch (error) {
      if (!answered(error)) {
        if (note) note.textContent = 'The API did not answer; retrying.';
      } else if (error.status === 404) {
        state.missing.add(name);
        onMissing?.();
      } else if (error.status === 403) {
        state.missing.add(name);
        if (note) note.textContent = 'This key may not see this; the admin key can.';
      } else if (note && error.status !== 401) {
        note.textContent = `Could not load: ${error.message}`;
      }
    } finally {
      busy = false;
      if (again) {
        again = false;
        void run();
      }
    }
  };
  if (intervalMs > 0) state.timers.push(setInterval(() => !document.hidden && run(), intervalMs));
  return run;
}

/** At most one call of `fn` per `ms`, the last request honoured. */
function throttle(fn, ms) {
  let timer = 0;
  let last = 0;
  return () => {
    if (timer) return;
    const wait = Math.max(0, last + ms - Date.now());
    timer = setTimeout(() => {
      timer = 0;
      last = Date.now();
      fn();
    }, wait);
  };
}

// ---------------------------------------------------------------------------------------------
// Sign in and out

function showSignIn(message = '') {
  $('sign-in').hidden = false;
  $('board').hidden = true;
  $('sign-out').hidden = true;
  $('api-key-error').textContent = message;
  setConnection('Not connected');
}

async function signIn(key) {
  state.key = key;
  state.client = newClient(key);
  $('api-key-error').textContent = '';
  setConnection('Connecting…');
  try {
    await state.client.queue.status();
  } catch (error) {
    // 403: a valid key without the admin's reach (an agent key); it still sees its own tasks.
    if (!answered(error) || error.status !== 403) {
      state.key = '';
      state.client = null;
      sessionStorage.removeItem(KEY_STORAGE);
      const refused = answered(error) && error.status === 401;
      showSignIn(
        refused ? 'The API refused this key.' : 'The API did not answer. Is the runtime running?',
      );
      return false;
    }
  }
  sessionStorage.setItem(KEY_STORAGE, key);
  $('sign-in').hidden = true;
  $('board').hidden = false;
  $('sign-out').hidden = false;
  start();
  return true;
}

function signOut(message = '') {
  stop();
  state.key = '';
  sessionStorage.removeItem(KEY_STORAGE);
  $('api-key').value = '';
  showSignIn(message);
  $('api-key').focus();
}

function setConnection(text) {
  $('connection').textContent = text;
}

// ---------------------------------------------------------------------------------------------
// Sections

const refreshAgents = poller(
  'agents',
  15_000,
  async () => {
    const { items } = await call((ac) => ac.agents.list({ limit: 100 }));
    const body = $('agents-body');
    body.replaceChildren(
      ...items.map((agent) =>
        el(
          'tr',
          {},
          el(
            'th',
            { scope: 'row' },
            el('span', { className: 'mono' }, agent.id),
            agent.name && agent.name !== agent.id
              ? el('span', { className: 'sub' }, agent.name)
              : '',
          ),
          el('td', {}, modelLabel(agent.model)),
          el('td', {}, badge(agent.status)),
        ),
      ),
    );
    $('agents-table').hidden = items.length === 0;
    $('agents-note').textContent = items.length === 0 ? 'No agents registered.' : '';
  },
  { note: $('agents-note') },
);

function modelLabel(model) {
  if (!model) return '–';
  if (model.route) return `route ${model.route}`;
  return model.model ? `${model.provider}: ${model.model}` : String(model.provider ?? '–');
}

function badge(status, extra = '') {
  return el('span', { className: `badge status-${status}` }, extra ? `${status} ${extra}` : status);
}

const refreshQueue = poller(
  'queue',
  3000,
  async () => {
    const queue = await call((ac) => ac.queue.status());
    $('q-critical').textContent = String(queue.depth?.critical ?? 0);
    $('q-normal').textContent = String(queue.depth?.normal ?? 0);
    $('q-low').textContent = String(queue.depth?.low ?? 0);
    $('q-inflight').textContent = String(queue.inFlight ?? 0);
    $('q-dlq').textContent = String(queue.deadLettered ?? 0);
  },
  { note: $('queue-note') },
);

// Live tasks ----------------------------------------------------------------------------------

const pollTasks = poller('tasks', 0, async () => {
  const askedAt = Date.now();
  const { items } = await call((ac) => ac.tasks.list({ limit: MAX_TASKS }));
  for (const task of items) upsertTask(task, { snapshotAt: askedAt });
  renderTaskListState();
});

/** A task as the API gives it: newer than what events said since the request went out. */
function upsertTask(task, { snapshotAt }) {
  const known = state.tasks.get(task.id);
  if (known && known.eventAt > snapshotAt) return;
  const entry = known ?? { task: {}, key: [0, -1], eventAt: 0, item: null };
  entry.task = { ...entry.task, ...task };
  const finished = Date.parse(task.finishedAt ?? task.startedAt ?? task.createdAt ?? '') || 0;
  entry.key = [finished, TERMINAL.has(task.status) ? 4 : 0];
  state.tasks.set(task.id, entry);
  renderTask(task.id, entry);
}

function applyTaskEvent(event, data) {
  const move = TASK_EVENTS[event.type];
  if (!move) return;
  const key = [Date.parse(event.time) || Date.now(), move.rank];
  let entry = state.tasks.get(data.taskId);
  if (!entry) {
    entry = {
      task: { id: data.taskId, agentId: data.agentId, createdAt: event.time },
      key: [0, -1],
      eventAt: 0,
      item: null,
    };
    state.tasks.set(data.taskId, entry);
  }
  // Events may arrive out of order: only a later one (or a later step of the same instant) counts.
  if (key[0] < entry.key[0] || (key[0] === entry.key[0] && key[1] < entry.key[1])) return;
  entry.key = key;
  entry.eventAt = Date.now();
  const task = entry.task;
  task.status = move.status;
  if (data.attempt !== undefined) task.attempts = data.attempt;
  if (data.priority) task.priority = data.priority;
  if (event.type === 'task.queued') {
    task.deadLettered = false;
    task.error = null;
    task.durationMs = undefined;
  }
  if (event.type === 'task.dead-lettered') task.deadLettered = true;
  if (data.error) task.error = data.error;
  if (event.type === 'task.succeeded') {
    task.error = null;
    task.durationMs = data.durationMs;
  }
  if (event.type === 'task.step' && data.step) task.lastStep = data.step.name;
  renderTask(data.taskId, entry);
}

function renderTask(taskId, entry) {
  const task = entry.task;
  const status = task.status ?? 'queued';
  let detail = '';
  if (task.deadLettered) detail = `dead-lettered: ${task.error?.message ?? ''}`;
  else if (task.error && status !== 'succeeded') detail = task.error.message;
  else if (status === 'succeeded' && typeof task.durationMs === 'number')
    detail = `in ${task.durationMs} ms`;
  else if (status === 'succeeded' && task.output !== undefined && task.output !== null)
    detail = clip(typeof task.output === 'string' ? task.output : JSON.stringify(task.output));
  else if (status === 'running' && task.lastStep) detail = `step: ${task.lastStep}`;

  const time = task.createdAt ? new Date(task.createdAt) : null;
  const children = [
    badge(status),
    el(
      'span',
      { className: 'task-agent' },
      task.agentId ?? '?',
      task.priority && task.priority !== 'normal'
        ? el('span', { className: 'sub' }, task.priority)
        : '',
    ),
    el('code', { className: 'task-id' }, taskId),
    el('span', { className: 'task-detail' }, detail),
    time
      ? el(
          'time',
          { className: 'task-time', dateTime: time.toISOString() },
          time.toLocaleTimeString(),
        )
      : '',
  ];
  if (!entry.item) {
    entry.item = el('li', { className: 'task' });
    entry.item.dataset.taskId = taskId;
    insertTaskItem(taskId, entry.item);
  }
  entry.item.dataset.status = status;
  entry.item.replaceChildren(...children);
}

/** Newest (greatest ULID) first; at most MAX_TASKS items kept. */
function insertTaskItem(taskId, item) {
  const list = $('task-list');
  let before = null;
  for (const other of list.children) {
    if ((other.dataset.taskId ?? '') < taskId) {
      before = other;
      break;
    }
  }
  list.insertBefore(item, before);
  while (list.children.length > MAX_TASKS) {
    const last = list.lastElementChild;
    state.tasks.delete(last.dataset.taskId);
    last.remove();
  }
  renderTaskListState();
}

function renderTaskListState() {
  $('tasks-empty').hidden = $('task-list').children.length > 0;
}

const clip = (text, n = 80) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

// Workflows -----------------------------------------------------------------------------------

const refreshWorkflows = poller(
  'workflows',
  10_000,
  async () => {
    const { items } = await call((ac) => ac.workflows.list({ limit: 20 }));
    $('workflows').hidden = false;
    $('workflows-empty').hidden = items.length > 0;
    $('workflow-list').replaceChildren(...items.map(renderWorkflow));
  },
  {
    // The API has no workflows (yet): the section goes, quietly.
    onMissing: () => {
      $('workflows').hidden = true;
    },
  },
);

function renderWorkflow(workflow) {
  const steps = Array.isArray(workflow.steps) ? workflow.steps : [];
  const done = steps.filter((s) => TERMINAL.has(s.status)).length;
  const strategy = workflow.chosenStrategy ?? workflow.strategy ?? '';
  const title = `${workflow.name ?? workflow.id}${strategy ? ` (${strategy})` : ''}`;
  const progress = el('progress', { max: Math.max(steps.length, 1), value: done });
  progress.setAttribute('aria-label', `${title}: ${done} of ${steps.length} steps finished`);
  return el(
    'li',
    { className: 'workflow' },
    el('div', { className: 'row' }, el('strong', {}, title), badge(workflow.status ?? 'running')),
    progress,
    el(
      'ol',
      { className: 'steps' },
      ...steps.map((step) =>
        el(
          'li',
          {},
          el('span', { className: 'mono' }, step.id),
          ' ',
          el('span', { className: 'sub' }, step.agentId ?? ''),
          ' ',
          badge(step.status ?? 'pending'),
        ),
      ),
    ),
  );
}

// Budgets -------------------------------------------------------------------------------------

const refreshBudgets = poller(
  'budgets',
  15_000,
  async () => {
    const { items } = await call((ac) => ac.budgets.list({ limit: 100 }));
    // A runtime without budgets shows no section.
    $('budgets').hidden = items.length === 0;
    $('budget-list').replaceChildren(...items.map(renderBudget));
  },
  {
    onMissing: () => {
      $('budgets').hidden = true;
    },
  },
);

const usd = (value) => `$${Number(value ?? 0).toFixed(value >= 100 ? 0 : 2)}`;

function renderBudget(budget) {
  const periods = [
    ['today', budget.usdPerDay, budget.spentTodayUsd, budget.reservedTodayUsd],
    ['this month', budget.usdPerMonth, budget.spentThisMonthUsd, budget.reservedThisMonthUsd],
  ].filter(([, limit]) => typeof limit === 'number');
  const unpriced = (budget.unpricedCallsThisMonth ?? 0) > 0;
  return el(
    'li',
    { className: 'budget' },
    el(
      'div',
      { className: 'row' },
      el('strong', {}, budget.id),
      ' ',
      el('span', { className: 'sub mono' }, budget.scope ?? ''),
    ),
    ...periods.map(([label, limit, spent, reserved]) =>
      budgetBar(budget.id, label, limit, spent, reserved),
    ),
    unpriced
      ? el(
          'p',
          { className: 'note' },
          `${budget.unpricedCallsThisMonth} call(s) this month to models without a price, counted as $0.`,
        )
      : '',
  );
}

/** One period's spend as a bar: spent, then held by calls in flight, against the limit. */
function budgetBar(id, label, limit, spent = 0, reserved = 0) {
  const share = (value) => (limit > 0 ? Math.min(100, (value / limit) * 100) : value > 0 ? 100 : 0);
  const spentShare = share(spent);
  const level = spentShare >= 100 ? 'over' : spentShare >= 80 ? 'warn' : 'ok';
  const bar = el(
    'div',
    { className: `budget-bar ${level}` },
    el('span', { className: 'spent' }),
    el('span', { className: 'held' }),
  );
  // Widths go through the CSSOM: the page's CSP allows no inline style attributes.
  bar.children[0].style.width = `${spentShare}%`;
  bar.children[1].style.width = `${Math.min(100 - spentShare, share(reserved))}%`;
  bar.setAttribute('role', 'meter');
  bar.setAttribute('aria-valuemin', '0');
  bar.setAttribute('aria-valuemax', String(limit));
  bar.setAttribute('aria-valuenow', String(spent));
  const text = `${usd(spent)} of ${usd(limit)} ${label}`;
  bar.setAttribute('aria-label', `${id}: ${text}`);
  return el('div', { className: 'budget-period' }, el('span', { className: 'sub' }, text), bar);
}

// Metrics and charts --------------------------------------------------------------------------

const refreshMetrics = poller(
  'metrics',
  15_000,
  async () => {
    const metrics = await call((ac) => ac.metrics({ windowSeconds: WINDOW_SECONDS }));
    const tasks = metrics.tasks ?? {};
    const latency = tasks.latencyMs ?? {};
    $('m-submitted').textContent = String(tasks.submitted ?? 0);
    $('m-succeeded').textContent = String(tasks.succeeded ?? 0);
    $('m-failed').textContent = String(tasks.failed ?? 0);
    $('m-perminute').textContent = round(tasks.perMinute);
    $('m-latency').textContent =
      typeof latency.p50 === 'number'
        ? `${round(latency.p50)} / ${round(latency.p95)} / ${round(latency.p99)} ms`
        : '–';
    const now = Date.now() / 1000;
    const series = state.latency;
    series.t.push(now);
    series.p50.push(latency.p50 ?? null);
    series.p95.push(latency.p95 ?? null);
    series.p99.push(latency.p99 ?? null);
    while (series.t.length && series.t[0] < now - WINDOW_SECONDS) {
      for (const values of Object.values(series)) values.shift();
    }
    state.charts.latency?.setData([series.t, series.p50, series.p95, series.p99]);
  },
  {
    note: $('metrics-note'),
    onMissing: () => {
      $('metrics-note').textContent =
        'This API serves no metrics (GET /v1/metrics); the live chart still counts finished tasks.';
      $('chart-latency').closest('figure').hidden = true;
      resizeCharts();
    },
  },
);

const round = (n) => (typeof n === 'number' && Number.isFinite(n) ? String(Math.round(n)) : '–');

function countCompletion(time) {
  const seconds = (Date.parse(time) || Date.now()) / 1000;
  const bucket = Math.floor(seconds / BUCKET_SECONDS) * BUCKET_SECONDS;
  state.completions.set(bucket, (state.completions.get(bucket) ?? 0) + 1);
  drawCompletions();
}

const drawCompletions = throttle(() => {
  const now = Math.floor(Date.now() / 1000 / BUCKET_SECONDS) * BUCKET_SECONDS;
  const xs = [];
  const ys = [];
  let total = 0;
  for (let t = now - WINDOW_SECONDS + BUCKET_SECONDS; t <= now; t += BUCKET_SECONDS) {
    const n = state.completions.get(t) ?? 0;
    xs.push(t);
    ys.push(n);
    total += n;
  }
  for (const t of state.completions.keys())
    if (t < now - WINDOW_SECONDS) state.completions.delete(t);
  state.charts.completions?.setData([xs, ys]);
  $('chart-completions-caption').textContent =
    `Tasks finished per 10 s, live from the event feed: ${total} in the last 15 min, ` +
    `${ys.at(-1) ?? 0} in the last 10 s`;
}, 1000);

function makeCharts() {
  const uPlot = window.uPlot;
  if (!uPlot) {
    $('metrics-note').textContent = 'Charts are unavailable (uPlot did not load).';
    return;
  }
  const size = (id) => ({ width: Math.max(280, $(id).clientWidth || 480), height: 200 });
  const axes = [{ stroke: '#333' }, { stroke: '#333', size: 50 }];
  state.charts.completions = new uPlot(
    {
      ...size('chart-completions'),
      axes,
      scales: { y: { range: (_u, _min, max) => [0, Math.max(5, max)] } },
      series: [
        {},
        {
          label: 'finished / 10 s',
          stroke: '#1f4e79',
          fill: 'rgba(31, 78, 121, 0.15)',
          points: { show: false },
          paths: uPlot.paths.stepped?.({ align: 1 }),
        },
      ],
    },
    [[], []],
    $('chart-completions'),
  );
  state.charts.latency = new uPlot(
    {
      ...size('chart-latency'),
      axes,
      series: [
        {},
        { label: 'p50', stroke: '#2e7d32', points: { show: true } },
        { label: 'p95', stroke: '#b26a00', points: { show: true } },
        { label: 'p99', stroke: '#b3261e', points: { show: true } },
      ],
    },
    [[], [], [], []],
    $('chart-latency'),
  );
  drawCompletions();
  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(resizeCharts, 150);
  });
}

/** Charts take their container's width (uPlot draws at a fixed size). */
function resizeCharts() {
  for (const [id, chart] of [
    ['chart-completions', state.charts.completions],
    ['chart-latency', state.charts.latency],
  ]) {
    const width = $(id).clientWidth;
    if (chart && width > 0) chart.setSize({ width: Math.max(280, width), height: 200 });
  }
}

// Dead-letter queue ---------------------------------------------------------------------------

const refreshDlq = poller(
  'dlq',
  5000,
  async () => {
    const { items, nextCursor } = await call((ac) => ac.queue.deadLetters({ limit: 50 }));
    const hadFocus = $('dlq-body').contains(document.activeElement);
    $('dlq-body').replaceChildren(
      ...items.map((task) =>
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, el('code', {}, task.id)),
          el('td', {}, task.agentId),
          el('td', {}, `${task.attempts} of ${task.maxAttempts}`),
          el('td', {}, task.error?.message ?? ''),
          el('td', {}, redriveButton(task.id)),
        ),
      ),
    );
    $('dlq-table').hidden = items.length === 0;
    $('dlq-empty').hidden = items.length > 0;
    $('redrive-all').disabled = items.length === 0;
    $('dlq-note').textContent = nextCursor ? `Showing the first ${items.length}.` : '';
    if (hadFocus && !$('dlq-body').contains(document.activeElement)) $('dlq-title').focus();
  },
  { note: $('dlq-note') },
);

function redriveButton(taskId) {
  const button = el(
    'button',
    { type: 'button', className: 'redrive' },
    'Redrive',
    el('span', { className: 'visually-hidden' }, ` task ${taskId}`),
  );
  button.addEventListener('click', () => redrive([taskId], button));
  return button;
}

async function redrive(taskIds, button) {
  button.disabled = true;
  $('dlq-status').textContent = 'Redriving…';
  try {
    const result = await call((ac) => ac.queue.redrive(taskIds));
    const redriven = result?.redriven?.length ?? 0;
    const skipped = result?.skipped ?? [];
    $('dlq-status').textContent =
      `Redriven ${redriven} task${redriven === 1 ? '' : 's'}.` +
      (skipped.length
        ? ` Skipped ${skipped.map((s) => `${s.taskId} (${s.reason})`).join(', ')}.`
        : '');
  } catch (error) {
    $('dlq-status').textContent = `Redrive failed: ${error.message}`;
    button.disabled = false;
  }
  void refreshDlq();
  void refreshQueue();
  void pollTasks();
}

// Audit ---------------------------------------------------------------------------------------

const refreshAudit = poller(
  'audit',
  15_000,
  async () => {
    const { items } = await call((ac) => ac.audit({ limit: 20 }));
    $('audit-body').replaceChildren(
      ...items.map((entry) => {
        const time = new Date(entry.time);
        return el(
          'tr',
          {},
          el('td', {}, el('time', { dateTime: time.toISOString() }, time.toLocaleString())),
          el('td', {}, entry.actor),
          el('td', {}, entry.action),
          el('td', {}, entry.target),
          el('td', {}, badge(entry.outcome)),
        );
      }),
    );
    $('audit-table').hidden = items.length === 0;
    $('audit-empty').hidden = items.length > 0;
  },
  { note: $('audit-note') },
);

// Approvals -----------------------------------------------------------------------------------

const refreshApprovals = poller(
  'approvals',
  10_000,
  async () => {
    const { items } = await call((ac) => ac.approvals.list({ status: 'pending', limit: 50 }));
    const list = $('approval-list');
    const hadFocus = list.contains(document.activeElement);
    // An approval being edited keeps its form; the others are drawn again.
    const editing = new Map(
      [...list.children]
        .filter((item) => item.dataset.editing === 'true')
        .map((item) => [item.dataset.approvalId, item]),
    );
    list.replaceChildren(...items.map((a) => editing.get(a.id) ?? renderApproval(a)));
    $('approvals-empty').hidden = items.length > 0;
    if (hadFocus && !list.contains(document.activeElement)) $('approvals-title').focus();
  },
  { note: $('approvals-note') },
);

function pretty(value) {
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2) ?? 'null';
}

function renderApproval(approval) {
  const what =
    approval.kind === 'gate'
      ? `Gate ${approval.stepId ?? ''} of workflow ${approval.workflowId ?? ''}`
      : `${approval.agentId ?? '?'} asks to call ${approval.toolName ?? '?'}`;
  const item = el('li', { className: 'approval' });
  item.dataset.approvalId = approval.id;
  const titleId = `approval-${approval.id}`;
  const comment = el('input', { type: 'text', id: `${titleId}-comment`, maxLength: 2000 });
  const error = el('p', { className: 'error', role: 'alert' });
  const button = (label, handler) => {
    const b = el('button', { type: 'button' }, label);
    b.setAttribute('aria-describedby', titleId);
    b.addEventListener('click', handler);
    return b;
  };
  const decide = async (body) => {
    for (const b of item.querySelectorAll('button')) b.disabled = true;
    error.textContent = '';
    try {
      const note = comment.value.trim();
      await call((ac) =>
        ac.approvals.decide(approval.id, note ? { ...body, comment: note } : body),
      );
      $('approvals-status').textContent =
        `${body.decision === 'deny' ? 'Denied' : body.decision === 'edit' ? 'Edited and approved' : 'Approved'}: ${what}.`;
      item.remove();
      $('approvals-empty').hidden = $('approval-list').children.length > 0;
      $('approvals-title').focus();
    } catch (e) {
      const details = e instanceof AgentCoreError ? e.details : [];
      error.textContent = details.length
        ? `${e.message} (${details.map((d) => `${d.path}: ${d.message}`).join('; ')})`
        : `Could not decide: ${e.message}`;
      for (const b of item.querySelectorAll('button')) b.disabled = false;
    }
  };
  const actions = el(
    'div',
    { className: 'actions' },
    button('Approve', () => decide({ decision: 'approve' })),
    approval.kind === 'tool' ? button('Edit', () => startEdit()) : '',
    button('Deny', () => decide({ decision: 'deny' })),
    el('label', { htmlFor: comment.id }, 'Comment'),
    comment,
  );
  const startEdit = () => {
    item.dataset.editing = 'true';
    const area = el('textarea', { id: `${titleId}-input`, rows: 6 });
    area.value = JSON.stringify(approval.input ?? {}, null, 2);
    const save = button('Run with this input', () => {
      let input;
      try {
        input = JSON.parse(area.value);
      } catch {
        error.textContent = 'The input is not valid JSON.';
        area.focus();
        return;
      }
      void decide({ decision: 'edit', input });
    });
    const cancel = button('Cancel edit', () => {
      item.replaceWith(renderApproval(approval));
    });
    actions.replaceWith(
      el(
        'div',
        { className: 'actions' },
        el('label', { htmlFor: area.id }, 'Input for the tool (JSON)'),
        area,
        save,
        cancel,
        el('label', { htmlFor: comment.id }, 'Comment'),
        comment,
      ),
    );
    area.focus();
  };
  const expires = new Date(approval.expiresAt);
  item.append(
    el('h3', { id: titleId }, what),
    approval.prompt ? el('p', {}, approval.prompt) : '',
    el('p', { className: 'sub' }, 'Input'),
    el('pre', {}, pretty(approval.input)),
    el(
      'p',
      { className: 'note' },
      `Requested ${new Date(approval.requestedAt).toLocaleTimeString()}; expires `,
      el('time', { dateTime: expires.toISOString() }, expires.toLocaleString()),
      approval.onTimeout === 'fail' ? ' (then it fails)' : ' (then it is denied)',
    ),
    actions,
    error,
  );
  return item;
}

// Conversations -------------------------------------------------------------------------------

const conversation = {
  threadId: '',
  /** Message ids shown, so that an event and a listing never show one twice. */
  shown: new Set(),
  lastId: '',
};

const refreshThreads = poller(
  'threads',
  30_000,
  async () => {
    const { items: threads } = await call((ac) => ac.threads.list({ limit: 50 }));
    const select = $('thread-select');
    const chosen = conversation.threadId || select.value;
    select.replaceChildren(
      el('option', { value: '' }, 'Choose a thread'),
      ...threads.map((thread) =>
        el(
          'option',
          { value: thread.id, selected: thread.id === chosen },
          `${thread.agentId} · ${thread.messageCount} message${thread.messageCount === 1 ? '' : 's'} · ${thread.id}`,
        ),
      ),
    );
    // Starting one needs the agents; an agent key (which may not list them) uses its own.
    let agents = [];
    try {
      agents = (await call((ac) => ac.agents.list({ limit: 100 }))).items
        .filter((a) => a.status !== 'retired')
        .map((a) => a.id);
    } catch (error) {
      if (!(error instanceof AgentCoreError) || error.status !== 403) throw error;
      agents = [...new Set(threads.map((t) => t.agentId))];
    }
    const agentSelect = $('thread-agent');
    const agentChosen = agentSelect.value;
    agentSelect.replaceChildren(
      ...agents.map((id) => el('option', { value: id, selected: id === agentChosen }, id)),
    );
    $('thread-new').disabled = agents.length === 0;
  },
  { note: $('conversation-note') },
);

function renderMessage(message) {
  const item = el('li', { className: `message ${message.role}` });
  item.dataset.messageId = message.messageId ?? message.id;
  const role =
    message.role === 'user' ? 'You' : message.role === 'assistant' ? 'Assistant' : 'Tool result';
  const text =
    typeof message.content === 'string' ? message.content : JSON.stringify(message.content);
  const calls = message.toolCalls?.length
    ? message.toolCalls.map((c) => (typeof c === 'string' ? c : c.name)).join(', ')
    : '';
  item.append(
    el('span', { className: 'role' }, calls ? `${role} (calls ${calls})` : role),
    message.role === 'tool' ? el('pre', {}, text) : text ? el('p', {}, text) : '',
  );
  return item;
}

/** Adds messages in id order (a turn's messages sort right after its question). */
function showMessages(messages) {
  const list = $('conversation');
  for (const message of messages) {
    const id = message.messageId ?? message.id;
    if (!id || conversation.shown.has(id)) continue;
    conversation.shown.add(id);
    if (id > conversation.lastId) conversation.lastId = id;
    const item = renderMessage(message);
    let before = null;
    for (const other of list.children) {
      if ((other.dataset.messageId ?? '') > id) {
        before = other;
        break;
      }
    }
    list.insertBefore(item, before);
  }
  list.scrollTop = list.scrollHeight;
}

async function openThread(threadId) {
  conversation.threadId = threadId;
  conversation.shown.clear();
  conversation.lastId = '';
  $('conversation').replaceChildren();
  $('message-form').hidden = !threadId;
  $('conversation-note').textContent = '';
  if (!threadId) return;
  await loadMessages(threadId);
}

/** The thread's messages after the last one shown, page by page. */
async function loadMessages(threadId, after = '') {
  let cursor = after;
  for (let page = 0; page < 20; page += 1) {
    const query = cursor ? { limit: 100, after: cursor } : { limit: 100 };
    const { items, nextCursor } = await call((ac) => ac.threads.messages(threadId, query));
    if (conversation.threadId !== threadId) return;
    showMessages(items);
    if (!nextCursor) return;
    cursor = nextCursor;
  }
}

function applyThreadEvent(data) {
  if (!data || data.threadId !== conversation.threadId) return;
  // Long contents come cut: the message itself is read from the API.
  if (data.truncated) {
    void loadMessages(conversation.threadId, conversation.lastId).catch(() => undefined);
    return;
  }
  showMessages([data]);
  if (data.role === 'assistant' && !data.toolCalls?.length) {
    $('conversation-note').textContent = 'Answered.';
  }
}

async function sendMessage(event) {
  event.preventDefault();
  const text = $('message-text').value.trim();
  if (!text || !conversation.threadId) return;
  const button = $('message-form').querySelector('button');
  button.disabled = true;
  try {
    const { message } = await call((ac) =>
      ac.threads.send(conversation.threadId, { content: text }),
    );
    $('message-text').value = '';
    showMessages([message]);
    $('conversation-note').textContent = 'Sent; waiting for the answer…';
  } catch (error) {
    $('conversation-note').textContent = `Could not send: ${error.message}`;
  } finally {
    button.disabled = false;
    $('message-text').focus();
  }
}

async function newThread() {
  const agentId = $('thread-agent').value;
  if (!agentId) return;
  try {
    const thread = await call((ac) => ac.threads.create({ agentId }));
    await refreshThreads();
    $('thread-select').value = thread.id;
    await openThread(thread.id);
    $('message-text').focus();
  } catch (error) {
    $('conversation-note').textContent = `Could not start: ${error.message}`;
  }
}

// ---------------------------------------------------------------------------------------------
// The event feed

const queueSoon = throttle(() => void refreshQueue(), 1000);
const dlqSoon = throttle(() => void refreshDlq(), 1000);
const agentsSoon = throttle(() => void refreshAgents(), 1000);
const workflowsSoon = throttle(() => void refreshWorkflows(), 1000);
const approvalsSoon = throttle(() => void refreshApprovals(), 500);
const threadsSoon = throttle(() => void refreshThreads(), 2000);
const budgetsSoon = throttle(() => void refreshBudgets(), 2000);
const tasksSoon = throttle(() => void pollTasks(), 1000);
const metricsSoon = throttle(() => void refreshMetrics(), 5000);

let stampPending = [];
/** Marks events as rendered at the next frame, when the DOM changes made for them are painted. */
function stampRendered(eventId) {
  stampPending.push(eventId);
  if (stampPending.length > 1) return;
  requestAnimationFrame(() => {
    const now = performance.timeOrigin + performance.now();
    for (const id of stampPending) {
      rendered[id] = now;
      renderedOrder.push(id);
    }
    stampPending = [];
    while (renderedOrder.length > 10_000) delete rendered[renderedOrder.shift()];
  });
}

function applyEvent(event) {
  if (!event || typeof event.id !== 'string' || state.seen.has(event.id)) return;
  state.seen.add(event.id);
  if (state.seen.size > 20_000) state.seen = new Set([...state.seen].slice(-10_000));

  const type = String(event.type ?? '');
  const data = event.detail?.data;
  if (type.startsWith('task.')) {
    if (data && typeof data.taskId === 'string') applyTaskEvent(event, data);
    if (type === 'task.waiting') approvalsSoon();
    else tasksSoon();
    if (type === 'task.succeeded' || type === 'task.failed') {
      countCompletion(event.time);
      metricsSoon();
    }
    if (type !== 'task.step') queueSoon();
    if (type === 'task.dead-lettered' || (type === 'task.queued' && data?.reason === 'redriven'))
      dlqSoon();
  } else if (type.startsWith('agent.')) {
    agentsSoon();
  } else if (type.startsWith('workflow.')) {
    workflowsSoon();
  } else if (type.startsWith('approval.')) {
    approvalsSoon();
  } else if (type === 'thread.message') {
    applyThreadEvent(data);
  } else if (type.startsWith('thread.')) {
    threadsSoon();
  } else if (type.startsWith('budget.') || type === 'model.invoked') {
    budgetsSoon();
  } else if (type === 'tool.denied' || type === 'security.denied') {
    void refreshAudit();
  }
  stampRendered(event.id);
}

/**
 * The live feed, every event type. The client's feed reconnects with backoff and, after a
 * reconnect, passes on what it missed from `GET /v1/events?after=`; while it is down the task
 * list is polled every 2 s.
 */
function connectFeed() {
  const feed = state.client.feed({ types: ['*'] }, { pingIntervalMs: PING_MS });
  state.feed = feed;
  feed.on('open', () => {
    state.feedOpen = true;
    setConnection('Live');
    void pollTasks();
  });
  feed.on('close', () => {
    if (state.feed !== feed) return;
    state.feedOpen = false;
    if (state.running) setConnection('Live feed unavailable: polling every 2 s');
  });
  feed.on('event', (event, { truncated }) => {
    // A frame cut short (too large for the socket) names no task: the list is asked again.
    if (truncated || !event?.detail?.data) tasksSoon();
    applyEvent(event);
  });
}

// ---------------------------------------------------------------------------------------------
// Start and stop

function start() {
  state.running = true;
  if (!state.charts.completions) makeCharts();
  void refreshAgents();
  void refreshQueue();
  void pollTasks();
  void refreshWorkflows();
  void refreshBudgets();
  void refreshMetrics();
  void refreshDlq();
  void refreshAudit();
  void refreshApprovals();
  void refreshThreads();
  connectFeed();
  state.timers.push(
    setInterval(() => {
      if (!state.feedOpen) void pollTasks();
    }, FALLBACK_POLL_MS),
    setInterval(() => {
      if (state.feedOpen && !document.hidden) void pollTasks();
    }, RECONCILE_POLL_MS),
    setInterval(drawCompletions, BUCKET_SECONDS * 1000),
  );
}

function stop() {
  state.running = false;
  for (const timer of state.timers) clearInterval(timer);
  state.timers = [];
  const feed = state.feed;
  state.feed = null;
  state.feedOpen = false;
  state.missing.clear();
  feed?.close();
  state.tasks.clear();
  state.seen.clear();
  $('task-list').replaceChildren();
  renderTaskListState();
  $('approval-list').replaceChildren();
  void openThread('');
}

async function main() {
  await loadConfig();
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('api-key').value.trim();
    if (!key) {
      $('api-key-error').textContent = 'Enter the API key.';
      $('api-key').focus();
      return;
    }
    void signIn(key).then((ok) => {
      $('api-key').value = '';
      if (ok) $('main').focus({ preventScroll: true });
      else $('api-key').focus();
    });
  });
  $('sign-out').addEventListener('click', () => signOut());
  $('redrive-all').addEventListener('click', (event) => redrive(undefined, event.currentTarget));
  $('thread-select').addEventListener('change', (event) => {
    void openThread(event.currentTarget.value).catch((error) => {
      $('conversation-note').textContent = `Could not load the thread: ${error.message}`;
    });
  });
  $('thread-new').addEventListener('click', () => void newThread());
  $('message-form').addEventListener('submit', (event) => void sendMessage(event));
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && state.running) {
      void refreshQueue();
      void refreshDlq();
    }
  });
  const saved = sessionStorage.getItem(KEY_STORAGE);
  if (saved) await signIn(saved);
  else showSignIn();
}

void main();
