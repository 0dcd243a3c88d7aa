/**
 * How a model call failed, as every provider reports it. `retryable` failures (throttling,
 * a 5xx, a timeout, a dropped connection) are retried and then fall back to the next target of
 * a route; the others (a bad request, bad credentials, an unknown model) are not.
 */
export type ModelFailureReason =
  | 'throttled'
  | 'unavailable'
  | 'timeout'
  | 'network'
  | 'invalid-request'
  | 'auth'
  | 'not-found'
  | 'other';

export class ModelCallError extends Error {
  constructor(
    message: string,
    readonly reason: ModelFailureReason,
    readonly retryable: boolean,
    /** The HTTP status the provider answered, when there was one. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ModelCallError';
  }
}
