/**
 * What the deployed stack serves at `GET /openapi.json`: the `api-docs` function bundled with the
 * stack's esbuild settings, invoked in a fresh Node process with an API Gateway v2 event, answers
 * the same document as the source (no schema lost to bundling, no AWS access needed).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { expect, it } from 'vitest';
import { apiDocument } from '../../functions/kernel/openapi-api.js';
import { lambdaEsbuildOptions } from '../../infra/bundling.js';
import { topology } from '../../infra/topology.js';

it('the bundled api-docs function answers GET /openapi.json without a key', async () => {
  const spec = topology.functions.find((fn) => fn.name === 'api-docs');
  expect(spec?.triggers).toEqual([
    { kind: 'http', routes: [{ method: 'GET', path: '/openapi.json', auth: false }] },
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'agent-core-api-docs-'));
  const bundle = join(dir, 'index.mjs');
  await build({ ...lambdaEsbuildOptions, entryPoints: [spec?.entry ?? ''], outfile: bundle });
  const event = {
    version: '2.0',
    routeKey: 'GET /openapi.json',
    rawPath: '/openapi.json',
    rawQueryString: '',
    headers: {},
    requestContext: { requestId: 'req-docs', http: { method: 'GET', path: '/openapi.json' } },
    isBase64Encoded: false,
  };
  writeFileSync(join(dir, 'event.json'), JSON.stringify(event));
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { handler } = await import(process.argv[1]);
       const event = JSON.parse((await import('node:fs')).readFileSync(process.argv[2], 'utf8'));
       const answer = await handler(event, { awsRequestId: 'req-docs', functionName: 'api-docs' });
       process.stdout.write(JSON.stringify(answer));`,
      pathToFileURL(bundle).href,
      join(dir, 'event.json'),
    ],
    {
      // Only what the stack gives this function: no table, no bus, no secret.
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AGENT_CORE_RUNTIME: 'aws',
        AGENT_CORE_VERSION: '9.9.9',
        POWERTOOLS_METRICS_DISABLED: 'true',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
      },
      encoding: 'utf8',
    },
  );
  expect(child.status, child.stderr).toBe(0);
  const answer = JSON.parse(child.stdout);
  expect(answer.statusCode).toBe(200);
  expect(answer.headers['content-type']).toMatch(/application\/json/);
  const served = JSON.parse(answer.body);
  expect(served.info.version).toBe('9.9.9');
  const source = apiDocument() as { paths: unknown; components: unknown };
  expect(served.paths).toEqual(JSON.parse(JSON.stringify(source.paths)));
  expect(served.components).toEqual(JSON.parse(JSON.stringify(source.components)));
}, 120_000);
