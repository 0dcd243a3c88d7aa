/**
 * Stopping `npm start` as a terminal (Ctrl-C: SIGINT) or a service manager (SIGTERM) does: the
 * signal goes to the whole process group, the embedded emulators' process included, and the
 * runtime still stops in order (handlers first, the emulators last), says `stopped` and exits 0.
 */
import { describe, expect, it } from 'vitest';
import { removeDataDir, startRuntime, waitForTask } from '../helpers/runtime.js';

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
