#!/usr/bin/env node
// `npx agent-core`: runs the CLI's TypeScript source through tsx (a dependency), so a clone needs
// no build step. See cli/main.ts.
import { register } from 'tsx/esm/api';

// Output piped into a reader that stopped (`| head`): nothing more to say, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

register();
const { run } = await import('./main.ts');
process.exitCode = await run(process.argv.slice(2));
