/**
 * Bundles the client into one ES module for Node and browsers (openapi-fetch inside, `ws` left
 * to Node's own resolution: browsers have a WebSocket and never load it). `npm install` writes
 * it to `client/dist/index.js` (the `agent-core/client` export); the local runtime and the
 * stack's dashboard site serve the same bundle to the dashboard page.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, buildSync } from 'esbuild';

export const CLIENT_ENTRY = fileURLToPath(new URL('./index.ts', import.meta.url));
export const CLIENT_BUNDLE = fileURLToPath(new URL('./dist/index.js', import.meta.url));

const options = {
  entryPoints: [CLIENT_ENTRY],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: ['es2022'],
  external: ['ws'],
  write: false,
  legalComments: 'inline',
  logLevel: 'silent',
} satisfies BuildOptions;

export async function bundleClient(): Promise<string> {
  return (await build(options)).outputFiles[0]?.text ?? '';
}

/** The same bundle, built synchronously (for `cdk synth`, whose constructs cannot await). */
export function bundleClientSync(): string {
  return buildSync(options).outputFiles[0]?.text ?? '';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(dirname(CLIENT_BUNDLE), { recursive: true });
  writeFileSync(CLIENT_BUNDLE, await bundleClient());
  process.stdout.write(`wrote ${CLIENT_BUNDLE}\n`);
}
