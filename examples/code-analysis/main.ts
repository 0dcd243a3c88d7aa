/**
 * `npm run example:code-analysis -- --path <folder> [--reviewers N] [--out report.md]
 *  [--url URL] [--data-dir DIR]`: analyses a folder's TypeScript/JavaScript with a multi-agent
 * workflow (see pipeline.ts) and prints the report. Against AGENT_CORE_URL (with
 * AGENT_CORE_API_KEY) or --url when given; otherwise it starts the local runtime itself, and
 * stops it after.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { withTarget } from '../../cli/local-runtime.js';
import { runCodeAnalysis } from './pipeline.js';

const usage =
  'usage: npm run example:code-analysis -- --path <folder> [--reviewers N] [--out report.md] [--url URL] [--data-dir DIR]';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      path: { type: 'string' },
      reviewers: { type: 'string', default: '3' },
      out: { type: 'string' },
      url: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const { path } = values;
  const reviewers = Number(values.reviewers);
  if (values.help || !path || !Number.isInteger(reviewers) || reviewers < 1 || reviewers > 10) {
    console.error(usage);
    console.error('  --reviewers: 1 to 10 (default 3)');
    return values.help ? 0 : 2;
  }
  const log = (line: string) => console.error(`[code-analysis] ${line}`);
  const result = await withTarget({ url: values.url, dataDir: values['data-dir'], log }, (target) =>
    runCodeAnalysis(target.client, {
      path,
      reviewers,
      runId: `ca-${randomBytes(3).toString('hex')}`,
      log,
    }),
  );
  if (values.out) {
    writeFileSync(values.out, result.report);
    log(`report written to ${values.out}`);
  }
  console.log(result.report);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`[code-analysis] ${error.message}`);
    process.exit(1);
  },
);
