/**
 * A small client of the agent-core HTTP API (API.md) for the command-line tools and examples:
 * JSON in and out with the admin key, errors as exceptions that carry the contract's error.
 */

/** An answer that was not a success, with the contract's error (code, message, field details). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface ContractError {
  code: string;
  message: string;
  details?: { path: string; message: string }[];
}

export class AgentCoreClient {
  constructor(
    readonly url: string,
    private readonly key: string,
    private readonly timeoutMs = 30_000,
  ) {}

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as { error?: ContractError } | undefined)?.error;
      const details = error?.details?.map((d) => `${d.path}: ${d.message}`);
      throw new ApiError(
        response.status,
        error?.code ?? `HTTP ${response.status}`,
        `${method} ${path}: ${response.status} ${error?.message ?? (text.slice(0, 200) || response.statusText)}${details?.length ? ` (${details.join('; ')})` : ''}`,
        error?.details,
      );
    }
    return parsed as T;
  }

  get = <T = unknown>(path: string) => this.request<T>('GET', path);
  post = <T = unknown>(path: string, body: unknown) => this.request<T>('POST', path, body);
  patch = <T = unknown>(path: string, body: unknown) => this.request<T>('PATCH', path, body);
  delete = <T = unknown>(path: string) => this.request<T>('DELETE', path);

  /** Polls `GET path` until `done` says so, or fails after `timeoutMs`. */
  async waitFor<T>(
    path: string,
    done: (value: T) => boolean,
    {
      timeoutMs = 300_000,
      intervalMs = 250,
      onPoll,
    }: { timeoutMs?: number; intervalMs?: number; onPoll?: (value: T) => void } = {},
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await this.get<T>(path);
      onPoll?.(value);
      if (done(value)) return value;
      if (Date.now() > deadline)
        throw new Error(`${path} did not finish within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/** The states a task or a workflow ends in. */
export const ENDED = ['succeeded', 'failed', 'cancelled'];
