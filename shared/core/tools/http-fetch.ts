/**
 * `http.fetch`: an HTTP request to a host on the agent's allow-list. Every hop (the first URL
 * and each redirect) is checked against the allow-list and the address policy, and the
 * connection goes to the address that was checked, never to a second DNS answer, so DNS
 * rebinding cannot swap a private address in after the check.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import { TextDecoder } from 'node:util';
import * as z from 'zod';
import {
  AddressRefusedError,
  canonicalHost,
  ipFamilyOf,
  isHostAllowed,
  isPublicAddress,
  NoAddressError,
  resolveCheckedAddress,
} from './address-policy.js';
import { defineTool, type ToolContext, type ToolDefinition, ToolInputError } from './tool.js';

export const HTTP_FETCH_LIMITS = {
  maxRequestBodyBytes: 64 * 1024,
  maxResponseBytes: 1024 * 1024,
  maxRedirects: 5,
  timeoutMs: 15_000,
  maxUrlLength: 4096,
  maxHeaderValueLength: 2048,
} as const;

/** The whole result must fit: the body gets what the status, URL and headers leave. */
const MAX_OUTPUT_BYTES = 1536 * 1024;
const RESULT_OVERHEAD_BYTES = 64 * 1024;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Response headers worth showing a model; the rest are noise or cookies. */
const SELECTED_RESPONSE_HEADERS = [
  'content-type',
  'content-length',
  'content-language',
  'content-encoding',
  'content-disposition',
  'last-modified',
  'etag',
  'cache-control',
  'expires',
  'date',
  'location',
  'retry-after',
] as const;

/** Headers the tool sets itself, or that would change how the connection works. */
const FORBIDDEN_REQUEST_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'keep-alive',
  'expect',
  'accept-encoding',
  'proxy-authorization',
  'proxy-connection',
]);

/** Credentials that must not follow a redirect to another origin. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

const headerName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not a valid header name')
  .refine((name) => !FORBIDDEN_REQUEST_HEADERS.has(name.toLowerCase()), {
    error: (issue) => `header '${String(issue.input)}' is set by the tool and may not be given`,
  });

const httpFetchInput = z
  .strictObject({
    url: z.string().min(1).max(HTTP_FETCH_LIMITS.maxUrlLength),
    method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
    headers: z
      .record(
        headerName,
        z
          .string()
          .max(HTTP_FETCH_LIMITS.maxHeaderValueLength)
          .regex(/^[^\r\n\0]*$/, 'header values may not contain CR, LF or NUL'),
      )
      .refine((headers) => Object.keys(headers).length <= 50, 'at most 50 headers')
      .optional(),
    body: z
      .string()
      .refine((body) => Buffer.byteLength(body) <= HTTP_FETCH_LIMITS.maxRequestBodyBytes, {
        message: `body may be at most ${HTTP_FETCH_LIMITS.maxRequestBodyBytes} bytes`,
      })
      .optional(),
  })
  .refine((input) => input.body === undefined || input.method === 'POST', {
    message: 'only POST may carry a body',
    path: ['body'],
  });

type HttpFetchInput = z.output<typeof httpFetchInput>;

export interface HttpFetchResult {
  status: number;
  /** The URL of the last hop, after redirects. */
  url: string;
  headers: Record<string, string>;
  body: string;
  /** True when the body was cut: over the read limit, or too large for the result. */
  truncated: boolean;
}

export interface HttpFetchOptions {
  /** Which resolved or literal addresses may be connected to; default: public unicast only. */
  isAddressAllowed?: (ip: string) => boolean;
  /** The tool's own timeout, over all hops. */
  timeoutMs?: number;
  /** Response bytes read at most; beyond that the body is cut and marked truncated. */
  maxResponseBytes?: number;
}

/** A request that could not be completed (network, timeout): the model hears why. */
export class HttpFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HttpFetchError';
  }
}

interface Target {
  url: URL;
  /** The host to connect to: a name (connected to via `address`), or an IP literal. */
  hostname: string;
  address: string;
  family: 4 | 6;
}

export function createHttpFetchTool(options: HttpFetchOptions = {}): ToolDefinition {
  const isAddressAllowed = options.isAddressAllowed ?? isPublicAddress;
  const timeoutMs = options.timeoutMs ?? HTTP_FETCH_LIMITS.timeoutMs;
  const maxResponseBytes = options.maxResponseBytes ?? HTTP_FETCH_LIMITS.maxResponseBytes;

  return defineTool({
    name: 'http.fetch',
    description:
      'Fetches a URL (GET, HEAD or POST) from a host on the agent network allow-list; follows up to 5 redirects and returns status, final URL, selected headers and the body as text (cut at 1 MiB).',
    input: httpFetchInput,
    permission: 'tool:http.fetch',
    timeoutMs,
    maxOutputBytes: MAX_OUTPUT_BYTES,
    callsPerMinute: 60,
    run: async (input: HttpFetchInput, context: ToolContext): Promise<HttpFetchResult> => {
      const signal = AbortSignal.any([context.signal, AbortSignal.timeout(timeoutMs)]);
      try {
        return await fetchWithRedirects(input, context, signal, {
          isAddressAllowed,
          maxResponseBytes,
        });
      } catch (error) {
        if (signal.aborted && !(error instanceof ToolInputError)) {
          throw new HttpFetchError(
            context.signal.aborted
              ? 'the request was cancelled'
              : `the request timed out after ${timeoutMs} ms`,
          );
        }
        throw error;
      }
    },
  });
}

async function fetchWithRedirects(
  input: HttpFetchInput,
  context: ToolContext,
  signal: AbortSignal,
  policy: { isAddressAllowed: (ip: string) => boolean; maxResponseBytes: number },
): Promise<HttpFetchResult> {
  let url = parseUrl(input.url, 'url');
  let method = input.method;
  let body = input.body;
  const headers = new Map(
    Object.entries(input.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );

  for (let hop = 0; ; hop++) {
    const target = await checkTarget(url, context, signal, policy.isAddressAllowed);
    const response = await send(target, method, headers, body, signal);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (!REDIRECT_STATUSES.has(status) || location === undefined) {
      return await readResult(target.url, response, method, policy.maxResponseBytes);
    }
    response.destroy();
    if (hop >= HTTP_FETCH_LIMITS.maxRedirects) {
      throw new HttpFetchError(`too many redirects (more than ${HTTP_FETCH_LIMITS.maxRedirects})`);
    }
    const next = parseUrl(location, 'redirect location', url);
    // As browsers do: 303 turns anything but HEAD into GET, and so do 301/302 after a POST.
    if ((status === 303 && method !== 'HEAD') || (method === 'POST' && status <= 302)) {
      method = 'GET';
      body = undefined;
      headers.delete('content-type');
    }
    if (next.origin !== url.origin) {
      for (const name of CREDENTIAL_HEADERS) headers.delete(name);
    }
    url = next;
  }
}

function parseUrl(text: string, what: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new ToolInputError(`${what} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ToolInputError(`${what}: only http: and https: URLs may be fetched`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ToolInputError(`${what}: URLs with credentials are refused`);
  }
  if (url.href.length > HTTP_FETCH_LIMITS.maxUrlLength) {
    throw new ToolInputError(`${what} is longer than ${HTTP_FETCH_LIMITS.maxUrlLength} chars`);
  }
  // "example.com." and "example.com" are one host; keep one spelling for checks, Host and SNI.
  if (url.hostname.endsWith('.')) url.hostname = url.hostname.replace(/\.+$/, '');
  return url;
}

/** Allow-list first (no DNS for a host that is not allowed), then every address it has. */
async function checkTarget(
  url: URL,
  context: ToolContext,
  signal: AbortSignal,
  isAddressAllowed: (ip: string) => boolean,
): Promise<Target> {
  const host = canonicalHost(url.hostname);
  if (host === undefined || !isHostAllowed(host, context.allowedHosts)) {
    throw new ToolInputError(
      `host '${url.hostname}' is not in this agent's network allow-list (network.allow)`,
    );
  }
  try {
    const { address, family } = await resolveCheckedAddress(
      host,
      (name) => abortable(resolve(context, name), signal),
      isAddressAllowed,
    );
    return { url, hostname: host, address, family };
  } catch (error) {
    if (error instanceof AddressRefusedError) throw new ToolInputError(error.message);
    if (error instanceof NoAddressError) throw new HttpFetchError(error.message);
    throw error;
  }
}

async function resolve(context: ToolContext, host: string): Promise<string[]> {
  try {
    return await context.services.resolveHost(host);
  } catch {
    throw new HttpFetchError(`could not resolve host '${host}'`);
  }
}

function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolvePromise, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolvePromise, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function send(
  target: Target,
  method: string,
  headers: ReadonlyMap<string, string>,
  body: string | undefined,
  signal: AbortSignal,
): Promise<http.IncomingMessage> {
  const { url, address, family } = target;
  const isHttps = url.protocol === 'https:';
  // Whatever name the socket asks for, it gets the address that passed the policy.
  const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const payload = body === undefined ? undefined : Buffer.from(body);
  const requestHeaders: Record<string, string> = {
    'user-agent': 'agent-core http.fetch',
    accept: '*/*',
    ...Object.fromEntries(headers),
    'accept-encoding': 'identity',
  };
  if (payload !== undefined) requestHeaders['content-length'] = String(payload.byteLength);
  const requestOptions: https.RequestOptions = {
    protocol: url.protocol,
    hostname: target.hostname,
    port: url.port === '' ? (isHttps ? 443 : 80) : Number(url.port),
    path: `${url.pathname}${url.search}`,
    method,
    headers: requestHeaders,
    lookup,
    // A fresh connection per hop: no pooled socket from another lookup is reused.
    agent: false,
    signal,
    ...(isHttps && ipFamilyOf(target.hostname) === undefined
      ? { servername: target.hostname }
      : {}),
  };
  return new Promise((resolvePromise, reject) => {
    const request = (isHttps ? https.request : http.request)(requestOptions, resolvePromise);
    request.on('error', (error) =>
      reject(
        signal.aborted
          ? error
          : new HttpFetchError(`request to ${url.host} failed: ${error.message}`),
      ),
    );
    request.end(payload);
  });
}

async function readResult(
  url: URL,
  response: http.IncomingMessage,
  method: string,
  maxResponseBytes: number,
): Promise<HttpFetchResult> {
  const { bytes, truncated } =
    method === 'HEAD'
      ? { bytes: Buffer.alloc(0), truncated: false }
      : await readBody(response, maxResponseBytes);
  response.destroy();
  const decoder = textDecoderFor(response.headers['content-type']);
  // A cut in the middle of a multi-byte character: stream mode drops the partial character.
  const text = decoder.decode(bytes, { stream: truncated });
  const fitted = fitJson(text, MAX_OUTPUT_BYTES - RESULT_OVERHEAD_BYTES);
  return {
    status: response.statusCode ?? 0,
    url: url.href,
    headers: selectHeaders(response.headers),
    body: fitted,
    truncated: truncated || fitted.length < text.length,
  };
}

function readBody(
  response: http.IncomingMessage,
  maxBytes: number,
): Promise<{ bytes: Buffer; truncated: boolean }> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (truncated: boolean) => {
      response.removeAllListeners('data');
      resolvePromise({ bytes: Buffer.concat(chunks, Math.min(size, maxBytes)), truncated });
    };
    response.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.byteLength;
      // Stop reading as soon as the limit is passed: the rest is never downloaded.
      if (size > maxBytes) {
        finish(true);
        response.destroy();
      }
    });
    response.on('end', () => finish(false));
    response.on('error', (error) => reject(error));
    response.on('aborted', () => reject(new HttpFetchError('the response was cut off')));
  });
}

function textDecoderFor(contentType: string | undefined): TextDecoder {
  const charset = /charset\s*=\s*"?([\w.:-]+)"?/i.exec(contentType ?? '')?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8');
  } catch {
    return new TextDecoder('utf-8');
  }
}

function selectHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const selected: Record<string, string> = {};
  for (const name of SELECTED_RESPONSE_HEADERS) {
    const value = headers[name];
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    selected[name] = text.slice(0, HTTP_FETCH_LIMITS.maxHeaderValueLength);
  }
  return selected;
}

const jsonBytes = (text: string) => Buffer.byteLength(JSON.stringify(text));

/** The longest prefix of `text` whose JSON form fits in `budget` bytes (escapes can grow it). */
function fitJson(text: string, budget: number): string {
  if (jsonBytes(text) <= budget) return text;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (jsonBytes(text.slice(0, middle)) <= budget) low = middle;
    else high = middle - 1;
  }
  // Do not leave half of a surrogate pair at the end.
  const code = text.charCodeAt(low - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? low - 1 : low);
}
