import { describe, expect, it } from 'vitest';
import { CircuitBreakers } from '../../shared/core/models/circuit-breaker.js';

const T = 'bedrock:amazon.nova-lite-v1:0';

/** Breakers of threshold 3 and cooldown 10 s on a clock the test moves. */
function breakers(settings = { failureThreshold: 3, cooldownMs: 10_000 }) {
  const clock = { now: 5_000_000 };
  const b = new CircuitBreakers(settings, () => clock.now);
  return { b, clock };
}

function fail(b: CircuitBreakers, times: number, target = T): void {
  for (let i = 0; i < times; i++) b.failure(target);
}

describe('CircuitBreakers', () => {
  it('starts closed and lets every call through', () => {
    // Prepare
    const { b } = breakers();

    // Act
    const allowed = [b.allow(T), b.allow(T), b.allow(T)];

    // Assess
    expect(allowed).toEqual([true, true, true]);
    expect(b.state(T)).toBe('closed');
  });

  it('stays closed below the threshold of consecutive failures', () => {
    // Prepare
    const { b } = breakers();

    // Act
    fail(b, 2);

    // Assess
    expect(b.state(T)).toBe('closed');
    expect(b.allow(T)).toBe(true);
  });

  it('opens at the threshold and refuses calls for the cooldown', () => {
    // Prepare
    const { b, clock } = breakers();

    // Act
    fail(b, 3);

    // Assess
    expect(b.state(T)).toBe('open');
    expect(b.allow(T)).toBe(false);
    clock.now += 9_999;
    expect(b.state(T)).toBe('open');
    expect(b.allow(T)).toBe(false);
  });

  it('turns half-open when the cooldown ends and lets exactly one trial call through', () => {
    // Prepare
    const { b, clock } = breakers();
    fail(b, 3);
    clock.now += 10_000;

    // Act
    const state = b.state(T);
    const first = b.allow(T);
    const second = b.allow(T);
    clock.now += 60_000;
    const muchLater = b.allow(T);

    // Assess: the trial is in flight until it reports back, however long it takes.
    expect(state).toBe('half-open');
    expect(first).toBe(true);
    expect(second).toBe(false);
    expect(muchLater).toBe(false);
  });

  it('closes again when the trial call succeeds', () => {
    // Prepare
    const { b, clock } = breakers();
    fail(b, 3);
    clock.now += 10_000;
    b.allow(T);

    // Act
    b.success(T);

    // Assess: closed, and it takes a whole threshold of failures to open it again.
    expect(b.state(T)).toBe('closed');
    expect([b.allow(T), b.allow(T)]).toEqual([true, true]);
    fail(b, 2);
    expect(b.state(T)).toBe('closed');
    fail(b, 1);
    expect(b.state(T)).toBe('open');
  });

  it('opens again for a whole cooldown when the trial call fails', () => {
    // Prepare
    const { b, clock } = breakers();
    fail(b, 3);
    clock.now += 10_000;
    b.allow(T);

    // Act
    b.failure(T);

    // Assess
    expect(b.state(T)).toBe('open');
    expect(b.allow(T)).toBe(false);
    clock.now += 9_999;
    expect(b.allow(T)).toBe(false);
    clock.now += 1;
    expect(b.state(T)).toBe('half-open');
    expect(b.allow(T)).toBe(true);
  });

  it('counts consecutive failures only: a success in between starts over', () => {
    // Prepare
    const { b } = breakers();

    // Act
    fail(b, 2);
    b.success(T);
    fail(b, 2);

    // Assess
    expect(b.state(T)).toBe('closed');
    expect(b.allow(T)).toBe(true);
  });

  it('keeps each target apart', () => {
    // Prepare
    const { b } = breakers();

    // Act
    fail(b, 3, 'openai:gpt-4o');

    // Assess
    expect(b.state('openai:gpt-4o')).toBe('open');
    expect(b.state(T)).toBe('closed');
    expect(b.allow(T)).toBe(true);
  });

  it('with a threshold of 1 and no cooldown, opens on a failure and offers a trial at once', () => {
    // Prepare
    const { b } = breakers({ failureThreshold: 1, cooldownMs: 0 });

    // Act
    b.failure(T);

    // Assess
    expect(b.state(T)).toBe('half-open');
    expect(b.allow(T)).toBe(true);
    expect(b.allow(T)).toBe(false);
  });
});
