import { defineConfig } from 'vitest/config';

/**
 * `npm run test:browser`: the dashboard in Debian's Chromium (playwright-core), against `npm start`.
 * One file at a time: each starts a runtime and a browser.
 */
export default defineConfig({
  test: {
    include: ['tests/browser/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
