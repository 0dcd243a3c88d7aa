/**
 * The dashboard page (`dashboard/`) served by the local runtime at `/dashboard/`: a fixed list of
 * files (infra/dashboard-files.ts), nothing else from the disk, under a strict
 * Content-Security-Policy. Deployed, the same files are in S3 behind CloudFront
 * (`infra/constructs/dashboard-site.ts`).
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import {
  CLIENT_VENDOR_FILE,
  DASHBOARD_DIR,
  DASHBOARD_FILES,
  dashboardContentSecurityPolicy,
  UPLOT_DIST_DIR,
  VENDOR_FILES,
} from '../infra/dashboard-files.js';

const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  json: 'application/json; charset=utf-8',
};

/** Locally the API and the feed are on the page's own origin. */
const LOCAL_CSP = dashboardContentSecurityPolicy(["'self'", 'ws:', 'wss:']);
/** Empty URLs: the page calls its own origin (`/v1/...`, `ws(s)://<host>/ws`). */
const LOCAL_CONFIG = JSON.stringify({ apiUrl: '', wsUrl: '' });

type Source = { file: string } | { data: string } | { build: () => Promise<string> };

/** Built once, on the first request for it: a runtime nobody opens the dashboard of never builds it. */
let clientBundle: Promise<string> | undefined;
const builtClient = () => {
  clientBundle ??= import('../client/build.js').then((build) => build.bundleClient());
  return clientBundle;
};

/** `/dashboard/<name>` → what answers it. Anything not listed here is a 404. */
const FILES = new Map<string, Source>([
  ...DASHBOARD_FILES.map((name): [string, Source] => [
    name,
    { file: resolve(DASHBOARD_DIR, name) },
  ]),
  ...VENDOR_FILES.map((name): [string, Source] => [
    `vendor/${name}`,
    { file: resolve(UPLOT_DIST_DIR, name) },
  ]),
  ['config.json', { data: LOCAL_CONFIG }],
  [CLIENT_VENDOR_FILE, { build: builtClient }],
]);

const securityHeaders = {
  'content-security-policy': LOCAL_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * Answers `GET`/`HEAD` of `/dashboard`, `/dashboard/` and `/dashboard/<file>`; returns false for
 * any other path, so the caller answers it.
 */
export function serveDashboard(req: IncomingMessage, res: ServerResponse): boolean {
  let pathname: string;
  try {
    pathname = new URL(req.url ?? '/', 'http://local').pathname;
  } catch {
    return false;
  }
  if (pathname !== '/dashboard' && !pathname.startsWith('/dashboard/')) return false;

  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    answer(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', method, {
      allow: 'GET, HEAD',
    });
    return true;
  }
  // Relative links in the page resolve against the folder.
  if (pathname === '/dashboard') {
    answer(res, 308, 'text/plain; charset=utf-8', '', method, { location: '/dashboard/' });
    return true;
  }
  const name = pathname === '/dashboard/' ? 'index.html' : pathname.slice('/dashboard/'.length);
  const source = FILES.get(name);
  if (!source) {
    answer(res, 404, 'text/plain; charset=utf-8', 'not found\n', method);
    return true;
  }
  const type = CONTENT_TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
  if ('data' in source) {
    answer(res, 200, type, source.data, method, { 'cache-control': 'no-store' });
    return true;
  }
  const body = 'build' in source ? source.build() : readFile(source.file);
  body.then(
    (content) => answer(res, 200, type, content, method, { 'cache-control': 'no-cache' }),
    () => answer(res, 500, 'text/plain; charset=utf-8', 'dashboard file missing\n', method),
  );
  return true;
}

function answer(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  method: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...securityHeaders,
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(method === 'HEAD' ? undefined : body);
}
