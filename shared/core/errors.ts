/**
 * The one error hierarchy. Core code throws these; `httpErrorHandler` in
 * `shared/runtime/http-api.ts` is the one place that maps AppErrors to HTTP answers, and anything
 * else becomes a generic 500. Every class takes the standard `{cause}` option: an error that
 * stands for another (a lost conditional write, unreadable configuration) keeps it for the logs,
 * never for the answer.
 */

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `limits.maxSteps`; empty for the whole body. */
  path: string;
  message: string;
}

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  readonly details: FieldIssue[] | undefined;

  constructor(message: string, details?: FieldIssue[], options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly code = 'ValidationError';
}

export class BadJsonError extends AppError {
  readonly status = 400;
  readonly code = 'BadJson';
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly code = 'Unauthorized';
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly code = 'Forbidden';
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = 'NotFound';
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly code = 'Conflict';
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly code = 'PayloadTooLarge';
}

export class TooManyRequestsError extends AppError {
  readonly status = 429;
  readonly code = 'TooManyRequests';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: ErrorOptions,
  ) {
    super(message, undefined, options);
  }
}

/**
 * A task attempt that failed. `retryable` decides between another attempt (with backoff) and
 * ending the task: model throttling is retryable, a step limit is not.
 */
export class TaskAttemptError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'TaskAttemptError';
  }
}

/** A conditional write lost: the item was not in the state the transition requires. */
export class TransitionConflictError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransitionConflictError';
  }
}

/**
 * Configuration a function cannot start with: a required variable missing, a malformed value.
 * A startup error naming the variable, never an HTTP answer.
 */
export class ConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}
