/**
 * A circuit breaker per model target: after `failureThreshold` consecutive failures the target
 * is skipped for `cooldownMs`; then one call may try it (half-open), and a success closes it.
 * In memory, per process: each Lambda container learns on its own, which is what it needs.
 */
export interface BreakerSettings {
  failureThreshold: number;
  cooldownMs: number;
}

interface BreakerState {
  failures: number;
  openUntil: number;
  trialInFlight: boolean;
}

export class CircuitBreakers {
  private readonly states = new Map<string, BreakerState>();

  constructor(
    private readonly settings: BreakerSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a call may go to `target` now (and, half-open, claims the one trial call). */
  allow(target: string): boolean {
    const state = this.states.get(target);
    if (!state || state.failures < this.settings.failureThreshold) return true;
    if (this.now() < state.openUntil || state.trialInFlight) return false;
    state.trialInFlight = true;
    return true;
  }

  success(target: string): void {
    this.states.delete(target);
  }

  failure(target: string): void {
    const state = this.states.get(target) ?? { failures: 0, openUntil: 0, trialInFlight: false };
    state.failures += 1;
    state.trialInFlight = false;
    if (state.failures >= this.settings.failureThreshold) {
      state.openUntil = this.now() + this.settings.cooldownMs;
    }
    this.states.set(target, state);
  }

  state(target: string): 'closed' | 'open' | 'half-open' {
    const state = this.states.get(target);
    if (!state || state.failures < this.settings.failureThreshold) return 'closed';
    return this.now() < state.openUntil ? 'open' : 'half-open';
  }
}
