/**
 * The fault suite's instruments (tests/faults), as the CI-sized smoke of `npm run test:faults`:
 * the seeded randomness replays, and the model server counts each call by its marker and fails
 * the flaky model's calls as told. The suite itself (kill -9 trials) runs outside `npm test`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FaultModelServer } from '../faults/model-server.js';
import { seededRandom } from '../faults/suite.js';

const servers: FaultModelServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

async function call(url: string, model: string, content: string) {
  const response = await fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe('fault suite instruments', () => {
  it('replays the same choices from the same seed, and others from another', () => {
    const take = (seed: number) => Array.from({ length: 5 }, seededRandom(seed));
    expect(take(42)).toEqual(take(42));
    expect(take(42)).not.toEqual(take(43));
    for (const value of take(7)) expect(value).toBeGreaterThanOrEqual(0);
    for (const value of take(7)) expect(value).toBeLessThan(1);
  });

  it('answers each marked call, counts it by its marker, and fails the flaky model when told', async () => {
    const steady = new FaultModelServer(seededRandom(1), { failShare: 0, maxDelayMs: 0 });
    const flaky = new FaultModelServer(seededRandom(1), { failShare: 1, maxDelayMs: 0 });
    servers.push(steady, flaky);
    const [steadyUrl, flakyUrl] = [await steady.start(), await flaky.start()];

    const ok = await call(steadyUrl, 'flaky', 'do {"text": "fault-marker:t1-a-0"}');
    await call(steadyUrl, 'steady', 'again fault-marker:t1-a-0');
    const failed = await call(flakyUrl, 'flaky', 'fault-marker:t1-b-1');
    const unaffected = await call(flakyUrl, 'steady', 'fault-marker:t1-c-2');

    expect(ok.status).toBe(200);
    expect(ok.body.choices[0].message.content).toBe('done t1-a-0');
    expect(steady.callsFor('t1-a-0')).toHaveLength(2);
    expect(failed.status).toBe(503);
    expect(flaky.callsFor('t1-b-1')).toEqual([
      expect.objectContaining({ model: 'flaky', failed: true }),
    ]);
    expect(unaffected.status).toBe(200);
  });
});
