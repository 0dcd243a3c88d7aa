/**
 * Stopping `npm start` as a terminal (Ctrl-C: SIGINT) or a service manager (SIGTERM) does: the
 * signal goes to the whole process group, the embedded emulators' process included, and the
 * runtime still stops in order (handlers first, the emulators last), says `stopped` and exits 0.
 * And when the emulators' process dies under it, the runtime says so and stops, exit code 1.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, removeDataDir, startRuntime, waitForTask } from '../helpers/runtime.js';

describe.each(['SIGTERM', 'SIGINT'] as const)('%s to the process group', (signal) => {
  it('stops the runtime cleanly, with exit code 0', async () => {
    const runtime = await startRuntime();
    try {
      // A task run first: the stop then has handlers, pollers and connections to wind down.
      await runtime.api('POST', '/v1/agents', { id: 'echo', model: { provider: 'echo' } });
      const task = await runtime.api('POST', '/v1/tasks', { agentId: 'echo', input: 'hi' });
      expect((await waitForTask(runtime, task.body.id, ['succeeded'])).output).toBe('hi');

      const clean = await runtime.stop(signal);
      const output = runtime.output();
      expect(output).toContain(`[agent-core] ${signal}: stopping`);
      expect(output).not.toMatch(/ERR_IPC_CHANNEL_CLOSED|uncaught|unhandled|failed/i);
      expect(clean, output).toBe(true);
      expect(runtime.exitStatus(), output).toBe('exited with code 0');
    } finally {
      removeDataDir(runtime.dataDir);
    }
  });
});

it('stops with exit code 1, saying why, when its embedded DynamoDB/SQS process dies', async () => {
  const runtime = await startRuntime();
  try {
    const { pid } = JSON.parse(readFileSync(join(runtime.dataDir, 'runtime.json'), 'utf8'));
    const [emulators] = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(' ')
      .map(Number);
    expect(readFileSync(`/proc/${emulators}/cmdline`, 'utf8')).toContain('emulators.ts');
    process.kill(Number(emulators), 'SIGKILL');
    await eventually(async () => runtime.exitStatus(), { what: 'the runtime to exit' });
    expect(runtime.exitStatus()).toBe('exited with code 1');
    expect(runtime.output()).toContain(
      '[agent-core] embedded DynamoDB/SQS killed by SIGKILL: stopping',
    );
    expect(runtime.output()).toContain('[agent-core] stopped');
  } finally {
    await runtime.kill();
    removeDataDir(runtime.dataDir);
  }
});
