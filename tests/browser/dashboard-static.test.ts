/**
 * `serveDashboard`: the fixed list of files under `/dashboard/`, their content types, the
 * Content-Security-Policy, and nothing else from the disk, however the path is spelled.
 */
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDashboard } from '../../local/dashboard-static.js';

let server: Server;
let port: number;

/** A raw request: the path goes out exactly as written (no client-side normalisation). */
function get(
  path: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolveResponse, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () =>
        resolveResponse({
          status: res.statusCode ?? 0,
          headers: res.headers as Record<string, string>,
          body,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    if (!serveDashboard(req, res)) {
      res.writeHead(418);
      res.end('not the dashboard');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('serveDashboard', () => {
  it('redirects /dashboard to the folder, so relative links resolve', async () => {
    const res = await get('/dashboard');
    expect(res.status).toBe(308);
    expect(res.headers.location).toBe('/dashboard/');
  });

  it.each([
    ['/dashboard/', 'text/html; charset=utf-8', 'index.html'],
    ['/dashboard/index.html', 'text/html; charset=utf-8', 'index.html'],
    ['/dashboard/app.js', 'text/javascript; charset=utf-8', 'app.js'],
    ['/dashboard/styles.css', 'text/css; charset=utf-8', 'styles.css'],
    ['/dashboard/icon.svg', 'image/svg+xml', 'icon.svg'],
  ])('serves %s as %s', async (path, type, file) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toBe(
      readFileSync(resolve(import.meta.dirname, '../../dashboard', file), 'utf8'),
    );
  });

  it('serves uPlot from the installed package', async () => {
    const js = await get('/dashboard/vendor/uPlot.iife.min.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toContain('uPlot');
    const css = await get('/dashboard/vendor/uPlot.min.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).toContain('.uplot');
  });

  it('serves the typed client as one ES module the page imports', async () => {
    const js = await get('/dashboard/vendor/agent-core-client.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toContain('AgentCoreClient');
    expect(js.body).toMatch(/export \{[^}]*AgentCoreClient/);
    const page = await get('/dashboard/app.js');
    expect(page.body).toContain("from './vendor/agent-core-client.js'");
  });

  it('generates config.json for the same origin', async () => {
    const res = await get('/dashboard/config.json');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(res.body)).toEqual({ apiUrl: '', wsUrl: '' });
  });

  it('sends a strict Content-Security-Policy and framing and referrer headers', async () => {
    const res = await get('/dashboard/');
    const csp = res.headers['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' ws: wss:");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get('/dashboard/app.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    const post = await get('/dashboard/', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it.each([
    '/dashboard/../package.json',
    '/dashboard/%2e%2e/package.json',
    '/dashboard/..%2fpackage.json',
    '/dashboard/..%5cpackage.json',
    '/dashboard/vendor/../../package.json',
    '/dashboard/vendor/uPlot.esm.js',
    '/dashboard/node_modules/uplot/package.json',
    '/dashboard/dashboard/app.js',
    '/dashboard/app.js%00.html',
    '/dashboard/.env',
    '/dashboard//etc/passwd',
  ])('serves nothing else: %s', async (path) => {
    const res = await get(path);
    // Either not the dashboard's (the path normalised away from /dashboard/) or a 404.
    expect([404, 418]).toContain(res.status);
    expect(res.body).not.toContain('"name"');
    expect(res.body).not.toContain('root:');
  });

  it('leaves other paths to the caller', async () => {
    expect((await get('/v1/agents')).status).toBe(418);
    expect((await get('/dashboards')).status).toBe(418);
    expect((await get('/ws')).status).toBe(418);
  });
});
