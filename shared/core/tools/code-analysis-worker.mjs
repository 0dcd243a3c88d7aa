// The code.analyze worker thread when agent-core runs from its sources (npm start, the tests):
// a worker thread does not inherit tsx's loader, so this file registers it, then loads the
// thread's TypeScript. A Lambda bundle has a file of this same name beside it instead,
// code-analysis-thread.ts bundled on its own (infra/bundling.ts, topology `workerThreads`).
import { register } from 'tsx/esm/api';

register();
await import('./code-analysis-thread.ts');
