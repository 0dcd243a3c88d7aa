/**
 * What the dashboard page consists of and the Content-Security-Policy it runs under: the same
 * fixed list of files is deployed to S3 behind CloudFront (infra/constructs/dashboard-site.ts)
 * and served by the local runtime at `/dashboard/` (local/dashboard-static.ts). Plain data, like
 * the topology, so that both realisations read it.
 */
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** The page's own files, in `dashboard/`. */
export const DASHBOARD_DIR = resolve(root, 'dashboard');
export const DASHBOARD_FILES = ['index.html', 'app.js', 'styles.css', 'icon.svg'] as const;
/** uPlot, served as `vendor/<name>` from the installed package. */
export const UPLOT_DIST_DIR = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
export const VENDOR_FILES = ['uPlot.iife.min.js', 'uPlot.min.css'] as const;
/** The typed client (client/), bundled by esbuild, which the page imports as a module. */
export const CLIENT_VENDOR_FILE = 'vendor/agent-core-client.js';

/**
 * The page's Content-Security-Policy: its own scripts and styles only (no inline code, no
 * eval), requests to `connectSrc` alone, never framed, never submitting a form anywhere.
 */
export function dashboardContentSecurityPolicy(connectSrc: string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    `connect-src ${connectSrc.join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
