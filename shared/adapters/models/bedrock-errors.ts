/**
 * How a failed Bedrock call (Converse or InvokeModel) reads as a ModelCallError: by the SDK
 * exception's name, then network error codes, then the HTTP status. Only the error's name, status
 * and the service's own short message are kept: never the request.
 */
import { ModelCallError, type ModelFailureReason } from '../../core/models/model-error.js';

const MAX_ERROR_DETAIL = 300;

const THROTTLED = new Set(['ThrottlingException', 'ServiceQuotaExceededException']);
const UNAVAILABLE = new Set([
  'ServiceUnavailableException',
  'InternalServerException',
  'ModelNotReadyException',
]);
const TIMEOUT = new Set(['ModelTimeoutException', 'TimeoutError', 'RequestTimeout']);
const AUTH = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'ExpiredTokenException',
  'CredentialsProviderError',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

const RETRYABLE: ReadonlySet<ModelFailureReason> = new Set([
  'throttled',
  'unavailable',
  'timeout',
  'network',
]);

/** A ModelCallError named after `who` (e.g. `bedrock:<model>`), its message shortened. */
export function bedrockError(
  who: string,
  message: string,
  reason: ModelFailureReason,
  status?: number,
): ModelCallError {
  const text = message.replace(/\s+/g, ' ').trim();
  const short = text.length > MAX_ERROR_DETAIL ? `${text.slice(0, MAX_ERROR_DETAIL)}…` : text;
  return new ModelCallError(`${who}: ${short}`, reason, RETRYABLE.has(reason), status);
}

/** Classifies what a Bedrock call threw; past the caller's abort, anything is a timeout. */
export function bedrockCallError(
  who: string,
  error: unknown,
  signal?: AbortSignal,
): ModelCallError {
  if (error instanceof ModelCallError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    cause?: { code?: unknown };
    $metadata?: { httpStatusCode?: unknown };
  };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const status =
    typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const code = typeof e.code === 'string' ? e.code : e.cause?.code;
  const detail = typeof e.message === 'string' ? e.message : String(error);
  if (signal?.aborted || name === 'AbortError') {
    return bedrockError(who, 'the call was aborted by its caller', 'timeout', status);
  }
  const reason: ModelFailureReason = THROTTLED.has(name)
    ? 'throttled'
    : UNAVAILABLE.has(name)
      ? 'unavailable'
      : TIMEOUT.has(name)
        ? 'timeout'
        : name === 'ValidationException'
          ? 'invalid-request'
          : AUTH.has(name)
            ? 'auth'
            : name === 'ResourceNotFoundException'
              ? 'not-found'
              : typeof code === 'string' && NETWORK_CODES.has(code)
                ? 'network'
                : status === 429
                  ? 'throttled'
                  : status !== undefined && status >= 500
                    ? 'unavailable'
                    : status === 401 || status === 403
                      ? 'auth'
                      : status === 404
                        ? 'not-found'
                        : 'other';
  const what = reason === 'network' && typeof code === 'string' ? `${name} (${code})` : name;
  return bedrockError(who, `${what}: ${detail}`, reason, status);
}
