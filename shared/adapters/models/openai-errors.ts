/**
 * What chat completions and embeddings share on an OpenAI-compatible server's wire: how a
 * failed call reads as a ModelCallError (by HTTP status, with the server's own short message,
 * never the API key even when a server echoes it back), and how a 200 body is checked.
 */
import { ModelCallError, type ModelFailureReason } from '../../core/models/model-error.js';

const MAX_ERROR_DETAIL = 300;
const RETRYABLE: ReadonlySet<ModelFailureReason> = new Set([
  'throttled',
  'unavailable',
  'timeout',
  'network',
]);

export function openAiError(
  who: string,
  message: string,
  reason: ModelFailureReason,
  status?: number,
  apiKey?: string,
): ModelCallError {
  let text = `${who}: ${message}`;
  if (apiKey) text = text.replaceAll(apiKey, '[redacted]');
  return new ModelCallError(text, reason, RETRYABLE.has(reason), status);
}

export function openAiStatusError(
  who: string,
  status: number,
  body: string,
  apiKey?: string,
): ModelCallError {
  const reason: ModelFailureReason =
    status === 429
      ? 'throttled'
      : status === 408
        ? 'timeout'
        : status >= 500
          ? 'unavailable'
          : status === 401 || status === 403
            ? 'auth'
            : status === 404
              ? 'not-found'
              : status >= 400
                ? 'invalid-request'
                : 'other';
  const detail = serverMessage(body);
  return openAiError(
    who,
    `answered HTTP ${status}${detail ? `: ${detail}` : ''}`,
    reason,
    status,
    apiKey,
  );
}

/** The server's error message from an OpenAI-style error body (or the text itself), shortened. */
export function serverMessage(body: string): string {
  let message: unknown = body;
  try {
    const json = JSON.parse(body) as { error?: unknown; message?: unknown };
    const error = json?.error;
    message =
      typeof error === 'string'
        ? error
        : typeof (error as { message?: unknown } | undefined)?.message === 'string'
          ? (error as { message: string }).message
          : typeof json?.message === 'string'
            ? json.message
            : body;
  } catch {
    // Not JSON: the text itself.
  }
  const text = String(message).replace(/\s+/g, ' ').trim();
  return text.length > MAX_ERROR_DETAIL ? `${text.slice(0, MAX_ERROR_DETAIL)}…` : text;
}

/**
 * A 200 answer's body, parsed and checked against the schema the caller expects; anything else
 * is the caller's error (`fail`), naming up to three of the fields that did not fit.
 */
export function parseOkBody<T>(
  text: string,
  schema: {
    safeParse(
      value: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  fail: (message: string) => Error,
): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw fail('answered 200 with a body that is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`)
      .join('; ');
    throw fail(`answered 200 with an unexpected body (${where})`);
  }
  return parsed.data;
}
