/** The one error hierarchy: every class keeps what it stands for (`cause`) and its own name. */
import { describe, expect, it } from 'vitest';
import {
  AppError,
  BadJsonError,
  ConfigError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  TaskAttemptError,
  TooManyRequestsError,
  TransitionConflictError,
  UnauthorizedError,
  ValidationError,
} from '../../shared/core/errors.js';
import { loadRouteConfig } from '../../shared/runtime/model-config.js';

const cause = new Error('the condition failed');

describe('errors', () => {
  it.each([
    [ValidationError, 400, 'ValidationError'],
    [BadJsonError, 400, 'BadJson'],
    [UnauthorizedError, 401, 'Unauthorized'],
    [ForbiddenError, 403, 'Forbidden'],
    [NotFoundError, 404, 'NotFound'],
    [ConflictError, 409, 'Conflict'],
    [PayloadTooLargeError, 413, 'PayloadTooLarge'],
  ])('%o keeps its status, code, name, details and cause', (ErrorClass, status, code) => {
    const details = [{ path: 'id', message: 'bad' }];
    const error = new ErrorClass('it went wrong', details, { cause });
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status, code, name: ErrorClass.name, details, cause });
    expect(error.message).toBe('it went wrong');
    expect(new ErrorClass('no cause').cause).toBeUndefined();
  });

  it('TooManyRequestsError keeps its Retry-After and cause', () => {
    const error = new TooManyRequestsError('slow down', 12, { cause });
    expect(error).toMatchObject({ status: 429, retryAfterSeconds: 12, cause });
  });

  it.each([
    ['TaskAttemptError', new TaskAttemptError('ModelError', 'failed', true, { cause })],
    ['TransitionConflictError', new TransitionConflictError('moved on', { cause })],
    ['ConfigError', new ConfigError('TABLE_NAME missing', { cause })],
  ])('%s keeps its name and cause', (name, error) => {
    expect(error.name).toBe(name);
    expect(error.cause).toBe(cause);
  });

  it('a configuration that is not JSON is a ConfigError caused by the parser error', () => {
    expect(() => loadRouteConfig({ AGENT_CORE_MODEL_ROUTES: '{not json' })).toThrow(
      expect.objectContaining({ name: 'ConfigError', cause: expect.any(SyntaxError) }),
    );
  });
});
