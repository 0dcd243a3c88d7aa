/**
 * `npm run eval -- <blueprint> [--url URL] [--model-route NAME] [--data-dir DIR] [--json]`:
 * scores a model on a blueprint's evaluation set (see cli/evaluation.ts). Against
 * AGENT_CORE_URL (with AGENT_CORE_API_KEY) or --url when given; otherwise against a local
 * runtime started for the run, which takes its model routes from AGENT_CORE_MODEL_ROUTES.
 */
import { parseArgs } from 'node:util';
import { BLUEPRINTS } from '../shared/core/blueprints/catalogue.js';
import { evaluateBlueprint, formatEvaluation } from './evaluation.js';
import { withTarget } from './local-runtime.js';

const usage = `usage: npm run eval -- <blueprint> [--url URL] [--model-route NAME] [--data-dir DIR] [--json]
blueprints: ${BLUEPRINTS.map((b) => b.id).join(', ')}`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      'model-route': { type: 'string', default: 'default' },
      'data-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [blueprint] = positionals;
  if (values.help || !blueprint || positionals.length > 1) {
    console.error(usage);
    return values.help ? 0 : 2;
  }
  const log = (line: string) => console.error(`[eval] ${line}`);
  const result = await withTarget({ url: values.url, dataDir: values['data-dir'], log }, (target) =>
    evaluateBlueprint(target.client, { blueprint, modelRoute: values['model-route'], log }),
  );
  console.log(values.json ? JSON.stringify(result, null, 2) : formatEvaluation(result));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`[eval] ${error.message}`);
    process.exit(1);
  },
);
