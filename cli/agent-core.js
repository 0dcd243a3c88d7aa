#!/usr/bin/env node
// `npx agent-core`: runs the CLI's TypeScript source through tsx (a dependency), so a clone needs
// no build step. See cli/main.ts.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('./main.ts');
process.exitCode = await run(process.argv.slice(2));
