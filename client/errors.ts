/** The one error the client throws: an API answer in the contract's error shape, or no answer. */

export interface FieldProblem {
  /** Dotted path of the bad field (`limits.maxSteps`); empty for the whole body. */
  path: string;
  message: string;
}

export class AgentCoreError extends Error {
  override readonly name = 'AgentCoreError';

  constructor(
    /** The HTTP status; 0 when no answer came (connection refused, DNS, aborted). */
    readonly status: number,
    /** The contract's code: `ValidationError`, `NotFound`, `TooManyRequests`, … */
    readonly code: string,
    message: string,
    /** For `ValidationError`: one entry per bad field. */
    readonly details: FieldProblem[] = [],
    readonly requestId?: string,
    /** For 429: the seconds the server asked to wait. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  /** 401 and 403: the key is missing, wrong, revoked, or may not do this. */
  get isAuthError(): boolean {
    return this.status === 401 || this.status === 403;
  }

  /** The error a non-2xx answer stands for, from its body when it has the contract's shape. */
  static fromAnswer(status: number, body: unknown, headers?: Headers): AgentCoreError {
    const retryAfter = Number(headers?.get('retry-after'));
    const retryAfterSeconds =
      Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined;
    const shaped = body as {
      error?: { code?: unknown; message?: unknown; details?: unknown };
      requestId?: unknown;
    };
    if (shaped && typeof shaped === 'object' && shaped.error && typeof shaped.error === 'object') {
      const { code, message, details } = shaped.error;
      return new AgentCoreError(
        status,
        typeof code === 'string' ? code : `Http${status}`,
        typeof message === 'string' ? message : `HTTP ${status}`,
        Array.isArray(details) ? (details as FieldProblem[]) : [],
        typeof shaped.requestId === 'string' ? shaped.requestId : undefined,
        retryAfterSeconds,
      );
    }
    // Not the API's own answer (a proxy, a gateway): say what came back.
    const text = typeof body === 'string' ? body.slice(0, 200) : '';
    return new AgentCoreError(
      status,
      `Http${status}`,
      `HTTP ${status}${text ? `: ${text}` : ''}`,
      [],
      undefined,
      retryAfterSeconds,
    );
  }
}

export const isAgentCoreError = (error: unknown): error is AgentCoreError =>
  error instanceof AgentCoreError;
