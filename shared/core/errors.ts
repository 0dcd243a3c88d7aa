/**
 * The one error hierarchy. Core code throws these; `shared/runtime/http-errors.ts` is the one
 * place that maps them to HTTP answers, and anything else becomes a generic 500.
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

  constructor(message: string, details?: FieldIssue[]) {
    super(message);
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
  ) {
    super(message);
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
  ) {
    super(message);
    this.name = 'TaskAttemptError';
  }
}

/** A conditional write lost: the item was not in the state the transition requires. */
export class TransitionConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransitionConflictError';
  }
}
