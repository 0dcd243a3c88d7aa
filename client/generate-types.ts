/**
 * Writes `client/openapi-types.ts`: TypeScript types of every path, operation and schema of the
 * OpenAPI document, by openapi-typescript. Run after changing a route contract
 * (`npm run client:types`); tests/unit/client-types.test.ts fails while the file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { apiDocument } from '../functions/kernel/openapi-api.js';

export const TYPES_FILE = fileURLToPath(new URL('./openapi-types.ts', import.meta.url));

const HEADER = `/**
 * Generated from the OpenAPI document by openapi-typescript (\`npm run client:types\`).
 * Do not edit: change the route contracts (functions/<layer>/*-contract.ts) and regenerate.
 */

`;

export async function generateTypes(): Promise<string> {
  // openapi-typescript annotates the document it reads; give it a copy.
  const ast = await openapiTS(structuredClone(apiDocument()) as never, {
    alphabetize: false,
    defaultNonNullable: false,
  });
  return HEADER + astToString(ast);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(TYPES_FILE, await generateTypes());
  process.stdout.write(`wrote ${TYPES_FILE}\n`);
}
