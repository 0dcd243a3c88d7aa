import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/browser/**', 'node_modules/**'],
    pool: 'forks',
    // Two cores: e2e files each start a whole runtime, so run at most two files at once.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // EMF metrics go to stdout in Lambda; tests have no use for them.
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
  },
});
