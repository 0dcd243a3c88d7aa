/**
 * `npm start` seen from another process on the machine: its listening ports found the way an
 * attacker would (the runtime's process group from runtime.json, their sockets from /proc), and
 * every port but the public one refuses every protocol's request unsigned, signed with other
 * credentials, replayed stale, or with its body changed. To make the last two, the test reads the
 * runtime's credentials where only a process of the same user can: the emulators' environment.
 * The product still works through those endpoints, and the credentials are in no file and no log.
 */
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  eventually,
  type RuntimeHandle,
  removeDataDir,
  startRuntime,
  waitForTask,
} from '../helpers/runtime.js';
import {
  attack,
  buildRequest,
  type Credentials,
  expectRefused,
  PROBES,
  send,
  VARIANTS,
} from '../helpers/signed-probes.js';

let runtime: RuntimeHandle;
let internalPorts: number[];
let credentials: Credentials;

/** The processes of the runtime's group: npm, the shells, tsx, the runtime, its emulators. */
function groupOf(pid: number): number[] {
  const pgrpOf = (p: string) =>
    readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.split(' ')[2];
  const group = pgrpOf(String(pid));
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (pgrpOf(entry) === group) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** TCP ports the given processes listen on, from their socket inodes and /proc/net/tcp{,6}. */
function listeningPorts(pids: number[]): number[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode) inodes.add(inode);
      } catch {
        // closed meanwhile
      }
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [, local, , state, , , , , , inode] = fields;
      if (state === '0A' && inode && inodes.has(inode)) {
        ports.add(Number.parseInt(local?.split(':')[1] ?? '', 16));
      }
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/** The credentials in the environment of whichever process of the group carries them. */
function credentialsIn(pids: number[]): Credentials {
  for (const pid of pids) {
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    } catch {
      continue;
    }
    const vars = new Map(
      environ
        .split('\0')
        .map((entry) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)]),
    );
    const accessKeyId = vars.get('AGENT_CORE_RESOURCE_ACCESS_KEY_ID');
    const secretAccessKey = vars.get('AGENT_CORE_RESOURCE_SECRET_ACCESS_KEY');
    if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey };
  }
  throw new Error('no process of the runtime carries its credentials');
}

beforeAll(async () => {
  // The most talkative logs: even these must not carry the credentials.
  runtime = await startRuntime({ env: { AGENT_CORE_LOG_LEVEL: 'DEBUG' } });
  const { pid } = JSON.parse(readFileSync(join(runtime.dataDir, 'runtime.json'), 'utf8'));
  const group = groupOf(pid);
  const publicPort = Number(new URL(runtime.url).port);
  const ports = listeningPorts(group);
  expect(ports).toContain(publicPort);
  internalPorts = ports.filter((port) => port !== publicPort);
  credentials = credentialsIn(group);
});

afterAll(async () => {
  if (!runtime) return;
  await runtime.stop();
  removeDataDir(runtime.dataDir);
});

it('listens on the public port and three internal ones (DynamoDB, SQS, the AWS endpoint)', () => {
  expect(internalPorts).toHaveLength(3);
});

describe.each(PROBES)('$name requests', (probe) => {
  it.each(VARIANTS)('are refused on every internal port when %s', async (variant) => {
    for (const port of internalPorts) {
      const endpoint = `http://127.0.0.1:${port}`;
      const answer = await send(await attack(probe, endpoint, variant, credentials));
      expectRefused(probe, answer, `port ${port}: ${probe.name}, ${variant}`);
    }
  });

  it("are answered when signed with the runtime's credentials", async () => {
    for (const port of internalPorts) {
      const answer = await send(await buildRequest(probe, `http://127.0.0.1:${port}`, credentials));
      expect(answer.status, `port ${port}: ${answer.text}`).not.toBe(403);
    }
  });
});

it('still runs tasks, workflows, messages and the live feed through those endpoints', async () => {
  const feed = new WebSocket(`${runtime.url.replace(/^http/, 'ws')}/ws?token=${runtime.key}`);
  const events: { type: string; detail: { data: { taskId?: string } } }[] = [];
  feed.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.type === 'event') events.push(frame.event);
  });
  await new Promise((resolve, reject) => {
    feed.once('open', resolve);
    feed.once('error', reject);
  });
  try {
    expect(
      (
        await runtime.api('POST', '/v1/agents', {
          id: 'calculator',
          model: {
            provider: 'scripted',
            turns: [
              { toolCalls: [{ name: 'math.eval', input: { expression: '6*7' } }] },
              { text: 'It is {{lastToolResult}}' },
            ],
          },
          tools: ['math.eval'],
        })
      ).status,
    ).toBe(201);
    expect(
      (await runtime.api('POST', '/v1/agents', { id: 'echo', model: { provider: 'echo' } })).status,
    ).toBe(201);

    const submitted = await runtime.api('POST', '/v1/tasks', { agentId: 'calculator', input: 'x' });
    const task = await waitForTask(runtime, submitted.body.id, ['succeeded', 'failed']);
    expect(task.status).toBe('succeeded');
    expect(task.output).toContain('42');
    // The feed's frames go through PostToConnection on the AWS endpoint.
    await eventually(
      async () =>
        events.some((e) => e.type === 'task.succeeded' && e.detail.data.taskId === task.id)
          ? true
          : undefined,
      { what: 'task.succeeded on the feed' },
    );

    const sent = await runtime.api('POST', '/v1/messages', {
      from: 'calculator',
      to: 'echo',
      body: { hello: 1 },
    });
    expect(sent.status).toBe(202);
    await eventually(
      async () => {
        const inbox = await runtime.api('GET', '/v1/agents/echo/inbox');
        return inbox.body.items.some((m: { id: string }) => m.id === sent.body.id)
          ? true
          : undefined;
      },
      { what: 'the message in the inbox' },
    );

    const workflow = await runtime.api('POST', '/v1/workflows', {
      name: 'one-step',
      strategy: 'sequential',
      input: 'hi',
      steps: [{ id: 'one', agentId: 'echo' }],
    });
    expect(workflow.status, JSON.stringify(workflow.body)).toBe(202);
    const done = await eventually(
      async () => {
        const { body } = await runtime.api('GET', `/v1/workflows/${workflow.body.id}`);
        return body.status === 'running' ? undefined : body;
      },
      { what: 'the workflow to end' },
    );
    expect(done.status).toBe('succeeded');
  } finally {
    feed.terminate();
  }
});

it('keeps the credentials out of its output and its files, which are for this user alone', () => {
  const secrets = [credentials.accessKeyId, credentials.secretAccessKey];
  for (const secret of secrets) expect(runtime.output()).not.toContain(secret);
  const visit = (path: string): void => {
    const stat = statSync(path);
    expect(stat.mode & 0o077, `${path} is open to others`).toBe(0);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) visit(join(path, name));
      return;
    }
    const content = readFileSync(path);
    for (const secret of secrets) expect(content.includes(secret), path).toBe(false);
  };
  visit(runtime.dataDir);
  expect(statSync(join(runtime.dataDir, 'runtime.json')).mode & 0o777).toBe(0o600);
});
